package main

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/tredjepart/tredjepart/localstack/harness/demo"
)

// returnPagePath is the return page's path on the token issuer's port.
const returnPagePath = "/local/return"

// returnPage is the address of the stack's return page: the first demo
// third party's first redirect URI, so that its requests' links.authorize
// bring the end user back to a page on this machine.
func (s *stack) returnPage() string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", s.opts.issuerPort, returnPagePath)
}

// demoData is the demo data this stack seeds, at start and on a reset.
func (s *stack) demoData() demo.Data { return demo.Fixed.WithReturnPage(s.returnPage()) }

// returnPageHandler serves the return page, where the redirect flow (Elhub BRS-NO-624) brings the end
// user back to the demo third party after deciding. It shows what the third
// party receives: the outcome, the scope given, the metering points, the
// request and the state. A real third party takes the decision only with a
// state it made (examples/thirdparty); this page has none to check.
type returnPageHandler struct{}

func (returnPageHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := decision{
		Party:     demo.Fixed.ThirdParties[0].Name,
		RequestID: q.Get("request_id"), Scope: q.Get("granted_scope"), State: q.Get("state"),
		MeteringPoints: strings.Join(q["metering_point_ids"], ", "),
		Error:          q.Get("error"), Code: q.Get("error_code"), Description: q.Get("error_description"),
	}
	switch {
	case q.Get("status") == "APPROVED":
		d.Outcome = "Approved"
	case d.Code == "EH088":
		d.Outcome = "Declined"
	case d.Error != "":
		d.Outcome = "Not approved"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_ = decisionPage.Execute(w, d)
}

// decision is what the redirect flow's query parameters say.
type decision struct {
	Party, Outcome, RequestID, Scope, MeteringPoints, State string
	Error, Code, Description                                string
}

var decisionPage = template.Must(template.New("decision").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><title>{{.Party}}: the decision</title>
<h1>Back at {{.Party}} (the local stack's return page)</h1>
{{if .Outcome}}<p>{{.Outcome}}{{if .Scope}}: {{.Scope}} access{{end}}{{if .MeteringPoints}} to {{.MeteringPoints}}{{end}}.</p>
<dl>
{{if .RequestID}}<dt>request_id</dt><dd>{{.RequestID}}</dd>{{end}}
{{if .Scope}}<dt>granted_scope</dt><dd>{{.Scope}}</dd>{{end}}
{{if .MeteringPoints}}<dt>metering_point_ids</dt><dd>{{.MeteringPoints}}</dd>{{end}}
{{if .Error}}<dt>error</dt><dd>{{.Error}}</dd>{{end}}
{{if .Code}}<dt>error_code</dt><dd>{{.Code}}</dd>{{end}}
{{if .Description}}<dt>error_description</dt><dd>{{.Description}}</dd>{{end}}
<dt>state</dt><dd>{{if .State}}{{.State}}{{else}}(none: add your own to the authorize link){{end}}</dd>
</dl>
{{else}}<p>No decision in this address: the redirect flow sends the end user here with one.</p>{{end}}
</html>
`))

package enduserweb

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// drawPage renders the page named with data in lang, whitespace runs as one.
func drawPage(t *testing.T, lang, page string, data any) string {
	t.Helper()
	var body strings.Builder
	p := view{Translator: websession.NewTranslator(lang, messages), User: session{EndUser: "p1_i18n", Name: "Ola"}, Template: page, Data: data}
	if err := pages(p).Render(context.Background(), &body); err != nil {
		t.Fatalf("%s in %s: %v", page, lang, err)
	}
	return strings.Join(strings.Fields(body.String()), " ")
}

// A request's page, and the answers page, say in words what became of a
// request, whatever its status: a key shown raw ("result.WITHDRAWN") is a
// message missing. A pending request past its deadline, its timer not yet
// run, is expired on its page, with no decision offered.
func TestEveryRequestStatusIsShownInWords(t *testing.T) {
	expires := time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC)
	base := accessrequest.Request{ID: "r-1", ThirdParty: "7080000000017", MeteringPoint: "707057500000000017", Scope: accessrequest.Limited, ExpiresAt: expires}
	var requests []accessrequest.Request
	for _, st := range accessrequest.Statuses {
		r := base
		r.Status = st
		switch st {
		case accessrequest.Approved:
			r.GrantedScope = accessrequest.Limited
			r.DecidedAt = expires.Add(-time.Hour)
		case accessrequest.Rejected: // declined in time; its expired twin follows
			r.ReasonCode, r.DecidedAt = accessrequest.ReasonNotApproved, expires.Add(-time.Hour)
			expired := r
			expired.DecidedAt = expires
			requests = append(requests, expired)
		case accessrequest.Withdrawn:
			r.DecidedAt = expires.Add(-time.Hour)
		}
		requests = append(requests, r)
	}
	want := map[string][2]string{ // what each says, by status and rejection reason
		"APPROVED":          {"Godtatt", "Approved"},
		"REJECTED/DECLINED": {"Avslått", "Declined"},
		"REJECTED/EXPIRED":  {"Utløpt", "Expired"},
		"WITHDRAWN":         {"Trukket tilbake", "Withdrawn"},
		"PENDING/LATE":      {"Utløpt", "Expired"},
	}
	for n, r := range append(requests, requests[0]) { // the first pending, again past its deadline
		c := card{Request: r, ThirdPartyName: "Kraft", Open: r.Status == accessrequest.Pending}
		name := string(r.Status)
		if reason := r.RejectionReason(); reason != "" {
			name += "/" + reason
		}
		if n == len(requests) {
			c.Open, name = false, "PENDING/LATE"
		}
		for i, lang := range []string{websession.Bokmal, websession.English} {
			pages := map[string]string{"request.html": drawPage(t, lang, "request.html", c)}
			if r.Status != accessrequest.Pending { // only decisions are answered
				pages["result.html"] = drawPage(t, lang, "result.html", []result{{card: c}})
			}
			for page, drawn := range pages {
				if strings.Contains(drawn, "result.") || strings.Contains(drawn, "level.") {
					t.Errorf("%s of a %s request in %s shows a message key:\n%s", page, name, lang, drawn)
				}
				if offered := strings.Contains(drawn, `data-testid="submit-decisions"`); offered != c.Open {
					t.Errorf("%s of a %s request in %s: decision offered %t", page, name, lang, offered)
				}
				if c.Open {
					continue
				}
				if w := want[name][i]; w == "" || !strings.Contains(drawn, w) {
					t.Errorf("%s of a %s request in %s lacks %q:\n%s", page, name, lang, w, drawn)
				}
			}
		}
	}
}

// The consent text says how often the metering point is metered: a
// quarter-hourly point's use is given quarter by quarter, not hour by hour.
// Where no one point is in question (giving access on My access), it says
// that it is as the point is metered.
func TestTheConsentTextSaysThePointsResolution(t *testing.T) {
	pending := card{Request: accessrequest.Request{ID: "r-1", ThirdParty: "7080000000017", MeteringPoint: "707057500000001022",
		Scope: accessrequest.Limited, Status: accessrequest.Pending, ExpiresAt: time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC)}, ThirdPartyName: "Kraft", Open: true}
	for _, tt := range []struct {
		resolution metervalues.Resolution
		lang       string
		want, not  string
	}{
		{metervalues.PT15M, websession.Bokmal, "strømforbruket ditt kvarter for kvarter", "time for time"},
		{metervalues.PT15M, websession.English, "your electricity use quarter-hour by quarter-hour", "hour by hour,"},
		{metervalues.PT60M, websession.Bokmal, "strømforbruket ditt time for time", "kvarter"},
		{metervalues.PT60M, websession.English, "your electricity use hour by hour", "quarter"},
	} {
		c := pending
		c.Resolution = tt.resolution
		for _, page := range []string{"pending.html", "request.html", "authorize.html"} {
			var data any = []card{c}
			switch page {
			case "request.html":
				data = c
			case "authorize.html":
				data = authorizePage{Visit: authorization{RequestID: "r-1", Level: accessrequest.Limited}, Request: c}
			}
			drawn := drawPage(t, tt.lang, page, data)
			if !strings.Contains(drawn, tt.want) || strings.Contains(drawn, tt.not) {
				t.Errorf("%s of a %s point in %s: want %q and not %q:\n%s", page, tt.resolution, tt.lang, tt.want, tt.not, drawn)
			}
		}
	}
	for i, want := range []string{"slik målepunktet måles: time for time eller kvarter for kvarter", "as the metering point is metered: hour by hour or quarter-hour by quarter-hour"} {
		lang := []string{websession.Bokmal, websession.English}[i]
		if drawn := drawPage(t, lang, "access.html", accessPage{Holdings: []holdingRows{{}}}); !strings.Contains(drawn, want) {
			t.Errorf("access.html in %s lacks %q:\n%s", lang, want, drawn)
		}
	}
}

// Every fixed detail an error page or an answer can show, the site's own
// (its calls of Problem, the reasons it records for a decision not
// recorded), the domain's fixed refusals of a decision and the problem
// document's for an internal error, has its
// bokmål: a bokmål page never shows an English sentence under "Noe gikk
// galt".
func TestEveryFixedDetailHasItsBokmal(t *testing.T) {
	internal := problem.From(context.Background(), slog.New(slog.DiscardHandler), errors.New("cause"), "")
	details := map[string]string{internal.Detail: "problem.From"}
	// The domain's fixed refusals of a decision, shown on the answers page.
	_, late := accessrequest.Request{Status: accessrequest.Pending}.Approve(accessrequest.Limited, time.Now())
	var refusal *fault.Error
	if !errors.As(late, &refusal) {
		t.Fatalf("approving an expired request: %v", late)
	}
	details[refusal.Detail] = "accessrequest.Approve"
	details["The request expired or was declined before this decision."] = "consent's decide"
	details["The third party already has access to this metering point; change its level instead."] = "consent.GrantDirectly"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_templ.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var lit ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Problem" && len(n.Args) > 0 {
					lit = n.Args[len(n.Args)-1]
				}
			case *ast.AssignStmt:
				if sel, ok := n.Lhs[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "Failed" {
					lit = n.Rhs[0]
				}
			}
			if b, ok := lit.(*ast.BasicLit); ok && b.Kind == token.STRING {
				s, _ := strconv.Unquote(b.Value)
				details[s] = fset.Position(b.Pos()).String()
			}
			return true
		})
	}
	if len(details) < 8 {
		t.Fatalf("found only %d details; is the search still finding the calls?", len(details))
	}
	for detail, where := range details {
		m, ok := messages[detail]
		if !ok || m[0] == m[1] || m[0] == "" {
			t.Errorf("%q (%s) has no bokmål: %q", detail, where, m)
		}
	}
	for format, where := range formattedDetails(t, fset) {
		if bokmal, ok := formatted[format]; !ok || bokmal == "" || bokmal == format {
			t.Errorf("%q (%s) has no bokmål form", format, where)
		}
	}
	// Drawn, the page of a link that is not valid is in one language.
	for _, tt := range []struct{ lang, heading, detail string }{
		{websession.Bokmal, "Noe gikk galt", "Denne lenken er ikke gyldig"},
		{websession.English, "Something went wrong", "This link is not valid"},
	} {
		drawn := drawPage(t, tt.lang, "problem.html", "This link is not valid: the company or its return address is not registered.")
		if !strings.Contains(drawn, tt.heading) || !strings.Contains(drawn, tt.detail) {
			t.Errorf("problem.html in %s: want %q and %q:\n%s", tt.lang, tt.heading, tt.detail, drawn)
		}
	}
}

// formattedDetails are the details the pages can show that are built with a
// format, by their format: the site's details that add a variable part to
// a fixed one ("Metering point: "+err.Error(), as "Metering point: %s"),
// and the domain's fault.New with arguments in the rules its decisions and
// changes go through (a 404's detail is never shown).
func formattedDetails(t *testing.T, fset *token.FileSet) map[string]string {
	t.Helper()
	found := map[string]string{}
	literal := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../consent/consent.go", "../accessrequest/request.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_templ.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			switch {
			case !ok:
			case sel.Sel.Name == "Problem" && len(call.Args) > 0:
				if sum, ok := call.Args[len(call.Args)-1].(*ast.BinaryExpr); ok && sum.Op == token.ADD {
					if prefix, ok := literal(sum.X); ok {
						found[prefix+"%s"] = fset.Position(sum.Pos()).String()
					}
				}
			case sel.Sel.Name == "New" && len(call.Args) > 2:
				if kind, ok := call.Args[0].(*ast.SelectorExpr); ok && kind.Sel.Name == "NotFound" {
					break
				}
				if format, ok := literal(call.Args[1]); ok {
					found[format] = fset.Position(call.Pos()).String()
				}
			}
			return true
		})
	}
	if len(found) < 4 {
		t.Fatalf("found only %d formatted details; is the search still finding the calls?", len(found))
	}
	return found
}

// A formatted detail is shown in bokmål with its variable parts filled in,
// themselves in bokmål where they are words: a parse error's reason, a
// request's status. In English it is shown as written.
func TestAFormattedDetailIsShownInBokmal(t *testing.T) {
	for _, tt := range []struct{ english, bokmal string }{
		{"The request is APPROVED and can no longer change.", "Forespørselen er godtatt og kan ikke lenger endres."},
		{"The request is WITHDRAWN and can no longer change.", "Forespørselen er trukket tilbake og kan ikke lenger endres."},
		{"Kraft AS cannot be given access now: the operator has suspended its registration.",
			"Kraft AS kan ikke få tilgang nå: operatøren har stanset registreringen deres."},
		{"Metering point: GSRN: must be 18 digits, got 17", "Målepunkt: GSRN: må ha 18 sifre, ikke 17"},
		{"Metering point: GSRN: check digit should be 7", "Målepunkt: GSRN: kontrollsifferet skal være 7"},
		{"The company's GLN: is required", "Aktørens GLN: må fylles ut"},
		{"The company's GLN: must contain only digits", "Aktørens GLN: kan bare inneholde sifre"},
	} {
		for lang, want := range map[string]string{websession.Bokmal: tt.bokmal, websession.English: tt.english} {
			want = html.EscapeString(want)
			if drawn := drawPage(t, lang, "problem.html", tt.english); !strings.Contains(drawn, want) {
				t.Errorf("problem.html of %q in %s lacks %q:\n%s", tt.english, lang, want, drawn)
			}
			failed := []result{{card: card{Request: accessrequest.Request{ID: "r-1"}}, Failed: tt.english}}
			if drawn := drawPage(t, lang, "result.html", failed); !strings.Contains(drawn, want) {
				t.Errorf("result.html of %q in %s lacks %q:\n%s", tt.english, lang, want, drawn)
			}
		}
	}
}

package oidcdev

import (
	"bytes"
	"html/template"
	"net/http"
)

// The pages are plain HTML forms, so they work without JavaScript and a
// headless browser can drive them by the stable id / data-testid of each
// button: login-<slug> for demo users, login-pid, cancel.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} – lokal ID-porten</title>
<style>
body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;background:#f4f4f4;color:#1a1a1a}
main{max-width:34rem;margin:0 auto;padding:1rem}
.banner{background:#fff3cd;border:1px solid #8a6d00;padding:.5rem .75rem;border-radius:4px}
section{background:#fff;border-radius:6px;padding:1rem;margin:1rem 0}
ul{list-style:none;padding:0;margin:0}
li{margin:.5rem 0}
button{font:inherit;width:100%;min-height:2.75rem;padding:.5rem 1rem;border-radius:4px;border:2px solid #0062ba;background:#0062ba;color:#fff;text-align:left;cursor:pointer}
button.secondary{background:#fff;color:#0062ba}
button:focus-visible,input:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
label{display:block;font-weight:600}
input{font:inherit;width:100%;box-sizing:border-box;min-height:2.75rem;margin:.25rem 0 .75rem;padding:.25rem .5rem;border:2px solid #555;border-radius:4px}
input[aria-invalid=true]{border-color:#b00020}
.error{color:#b00020;font-weight:600}
.en{color:#555;font-size:.9em}
</style>
</head>
<body>
<main>
<p class="banner">Lokalt testmiljø – ikke ekte ID-porten. <span lang="en" class="en">Local test environment, not the real ID-porten.</span></p>
{{end}}

{{define "login"}}{{template "head" "Logg inn"}}
<h1>Logg inn <span lang="en" class="en">/ Log in</span></h1>
<p>Innlogging til <strong>{{.ClientID}}</strong>. Velg hvem du vil logge inn som. <span lang="en" class="en">Choose who to log in as.</span></p>

<section aria-labelledby="demo-heading">
<h2 id="demo-heading">Testbrukere <span lang="en" class="en">/ Demo users</span></h2>
<form method="post" action="{{.Action}}">
<input type="hidden" name="login_request" value="{{.Request}}">
<ul>
{{range .Users}}<li><button type="submit" name="user" value="{{.Slug}}" id="login-{{.Slug}}" data-testid="login-{{.Slug}}">Logg inn som {{.Name}}{{if .OrgNumber}} for {{.OrgName}} (org.nr {{.OrgNumber}}){{end}}</button></li>
{{else}}<li>Ingen testbrukere er satt opp. <span lang="en" class="en">No demo users are configured.</span></li>
{{end}}</ul>
</form>
</section>

<section aria-labelledby="pid-heading">
<h2 id="pid-heading">Annet fødselsnummer <span lang="en" class="en">/ Other national identity number</span></h2>
<form method="post" action="{{.Action}}">
<input type="hidden" name="login_request" value="{{.Request}}">
<label for="pid">Fødselsnummer eller D-nummer (11 siffer) <span lang="en" class="en">/ National identity number or D-number (11 digits)</span></label>
<input type="text" id="pid" name="pid" inputmode="numeric" autocomplete="off" data-testid="pid"{{if .Error}} aria-invalid="true" aria-describedby="pid-error" autofocus{{end}}>
{{if .Error}}<p id="pid-error" class="error" role="alert" data-testid="pid-error">Ugyldig fødselsnummer eller D-nummer. <span lang="en">Invalid national identity number: {{.Error}}.</span></p>
{{end}}<button type="submit" id="login-pid" data-testid="login-pid">Logg inn <span lang="en" class="en">/ Log in</span></button>
</form>
</section>

<form method="post" action="{{.Action}}">
<input type="hidden" name="login_request" value="{{.Request}}">
<button type="submit" class="secondary" name="cancel" value="1" id="cancel" data-testid="cancel">Avbryt <span lang="en">/ Cancel</span></button>
</form>
</main>
</body>
</html>
{{end}}

{{define "error"}}{{template "head" "Feil"}}
<h1>Innloggingen kan ikke fortsette <span lang="en" class="en">/ The login cannot continue</span></h1>
<p class="error" role="alert" data-testid="error">{{.Norwegian}} <span lang="en">{{.English}}</span></p>
</main>
</body>
</html>
{{end}}
`))

// loginPage shows the login page for req; errText, when set, is why the
// typed number was refused.
func (p *Provider) loginPage(w http.ResponseWriter, status int, req authRequest, errText string) {
	render(w, status, "login", map[string]any{
		"Action":   p.base + "/authorize",
		"ClientID": req.ClientID,
		"Request":  p.seal(req),
		"Users":    p.users,
		"Error":    errText,
	})
}

// errorPage explains a request that cannot go back to the client.
func (p *Provider) errorPage(w http.ResponseWriter, status int, norwegian, english string) {
	render(w, status, "error", map[string]string{"Norwegian": norwegian, "English": english})
}

func render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The page URL holds state and the PKCE challenge: keep it out of
	// Referer headers. No framing (clickjacking), no scripts at all. No
	// form-action either: browsers apply it to the redirect that follows
	// the POST, which leaves for the client's origin.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

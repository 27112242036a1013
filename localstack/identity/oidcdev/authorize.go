package oidcdev

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/shared/ident"
)

// authRequest is a validated authorization request. The login page carries
// it signed (see seal), so the POST that completes the login cannot change
// where the code goes, and no server-side state is lost on a restart.
type authRequest struct {
	ClientID    string `json:"c"`
	RedirectURI string `json:"r"`
	Scope       string `json:"sc"`
	State       string `json:"s"`
	Nonce       string `json:"n"`
	Challenge   string `json:"cc"`
	Expires     int64  `json:"exp"` // Unix seconds
}

// grant is what an authorization code stands for.
type grant struct {
	authRequest
	user     User
	authTime time.Time
	expires  time.Time
}

// typedUserName is the name of a person who logs in with a typed number
// that belongs to no demo user.
const typedUserName = "Testbruker"

// maxLoginForm bounds the login page's POST bodies.
const maxLoginForm = 16 << 10

// serveAuthorize checks an authorization request and shows the login page.
// Until client_id and redirect_uri are known to be good, errors are shown
// on a page: redirecting to an unchecked URI would make this an open
// redirector (RFC 6749 section 4.1.2.1). After that, errors go back to the
// client, as OAuth requires.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, k := range []string{"client_id", "redirect_uri"} {
		if len(q[k]) > 1 {
			p.errorPage(w, http.StatusBadRequest, "Parameteren "+k+" er oppgitt flere ganger.", k+" must be given only once.")
			return
		}
	}
	client, ok := p.clients[q.Get("client_id")]
	if !ok {
		p.errorPage(w, http.StatusBadRequest, "Ukjent klient (client_id).", "Unknown or missing client_id.")
		return
	}
	req := authRequest{ClientID: client.ID, RedirectURI: q.Get("redirect_uri")}
	if !slices.Contains(client.RedirectURIs, req.RedirectURI) {
		p.errorPage(w, http.StatusBadRequest,
			"Adressen i redirect_uri er ikke registrert for denne klienten.",
			"redirect_uri is missing or not registered for this client; it must match exactly.")
		return
	}
	req.State = q.Get("state") // echoed even on errors, so the client can match them

	for k, v := range q {
		if len(v) > 1 {
			p.redirectError(w, r, req, "invalid_request", k+" must be given only once")
			return
		}
	}
	scopes := strings.Fields(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code":
		p.redirectError(w, r, req, "unsupported_response_type", "only response_type=code is supported")
		return
	case !slices.Contains(scopes, "openid"):
		p.redirectError(w, r, req, "invalid_scope", "scope must contain openid")
		return
	case req.State == "":
		p.redirectError(w, r, req, "invalid_request", "state is required")
		return
	case q.Get("nonce") == "":
		p.redirectError(w, r, req, "invalid_request", "nonce is required")
		return
	case q.Get("code_challenge") == "":
		p.redirectError(w, r, req, "invalid_request", "code_challenge is required (PKCE)")
		return
	case q.Get("code_challenge_method") != "S256":
		p.redirectError(w, r, req, "invalid_request", "code_challenge_method must be S256")
		return
	case !isChallenge(q.Get("code_challenge")):
		p.redirectError(w, r, req, "invalid_request", "code_challenge must be a base64url SHA-256 hash (43 characters)")
		return
	}
	// Unknown scopes are ignored, as RFC 6749 section 3.3 allows.
	granted := slices.DeleteFunc(scopes, func(s string) bool { return s != "openid" && s != "profile" })
	slices.Sort(granted)
	req.Scope = strings.Join(slices.Compact(granted), " ")
	req.Nonce = q.Get("nonce")
	req.Challenge = q.Get("code_challenge")
	req.Expires = p.now().Add(loginTTL).Unix()
	p.loginPage(w, http.StatusOK, req, "")
}

// isChallenge reports whether s looks like BASE64URL(SHA256(verifier)).
func isChallenge(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == sha256.Size && len(s) == 43
}

// serveLogin handles the login page's forms: a demo user's button, a typed
// national identity number, or cancel. Everything about the authorization
// request comes from the signed login_request field, never from other form
// fields or the query.
func (p *Provider) serveLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, http.StatusBadRequest, "Skjemaet kunne ikke leses.", "The form could not be read.")
		return
	}
	form := r.PostForm
	req, ok := p.open(form.Get("login_request"))
	if !ok {
		p.errorPage(w, http.StatusBadRequest,
			"Innloggingen er ugyldig eller utløpt. Gå tilbake til tjenesten og start på nytt.",
			"The login request is invalid or has expired. Go back to the service and start again.")
		return
	}
	var user User
	switch {
	case form.Has("cancel"):
		p.redirectError(w, r, req, "access_denied", "the end user cancelled the login")
		return
	case form.Has("user"):
		i := slices.IndexFunc(p.users, func(u demoUser) bool { return u.Slug == form.Get("user") })
		if i < 0 {
			p.errorPage(w, http.StatusBadRequest, "Ukjent testbruker.", "Unknown demo user.")
			return
		}
		user = p.users[i].User
	case form.Has("pid"):
		id, err := ident.ParseNationalID(form.Get("pid"))
		if err != nil {
			// The reason never contains the number; the page does not echo
			// it either.
			reason := "invalid"
			if e := (*ident.Error)(nil); errors.As(err, &e) {
				reason = e.Reason
			}
			p.loginPage(w, http.StatusBadRequest, req, reason)
			return
		}
		user = User{Name: typedUserName, NationalID: id}
		// A typed number of a demo person logs in as that person, by name.
		if i := slices.IndexFunc(p.users, func(u demoUser) bool { return u.NationalID == id && u.OrgNumber == "" }); i >= 0 {
			user = p.users[i].User
		}
	default:
		p.errorPage(w, http.StatusBadRequest, "Skjemaet mangler et valg.", "The form names no choice.")
		return
	}
	now := p.now()
	code := randomToken()
	p.mu.Lock()
	for c, g := range p.codes { // the map stays small: drop what has expired
		if now.After(g.expires) {
			delete(p.codes, c)
		}
	}
	p.codes[code] = &grant{authRequest: req, user: user, authTime: now, expires: now.Add(codeTTL)}
	p.mu.Unlock()
	p.redirect(w, r, req, url.Values{"code": {code}})
}

// seal returns req as base64url(JSON) "." base64url(HMAC-SHA256).
func (p *Provider) seal(req authRequest) string {
	body, _ := json.Marshal(req) // plain strings and a number: cannot fail
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(p.mac(payload))
}

func (p *Provider) mac(payload string) []byte {
	m := hmac.New(sha256.New, p.formKey)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// open verifies a sealed request, that it has not expired, and that its
// client still has its redirect URI.
func (p *Provider) open(sealed string) (authRequest, bool) {
	payload, sig, ok := strings.Cut(sealed, ".")
	if !ok {
		return authRequest{}, false
	}
	mac, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(mac, p.mac(payload)) {
		return authRequest{}, false
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	var req authRequest
	if err != nil || json.Unmarshal(body, &req) != nil || p.now().Unix() > req.Expires {
		return authRequest{}, false
	}
	client, ok := p.clients[req.ClientID]
	if !ok || !slices.Contains(client.RedirectURIs, req.RedirectURI) {
		return authRequest{}, false
	}
	return req, true
}

// redirectError sends an OAuth error back to the client's redirect URI.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, req authRequest, code, description string) {
	p.redirect(w, r, req, url.Values{"error": {code}, "error_description": {description}})
}

// redirect sends the authorization response to req.RedirectURI, which the
// caller has checked against the client's registration. It adds state and
// iss (RFC 9207, against mix-up attacks) and keeps any query the
// registered URI has.
func (p *Provider) redirect(w http.ResponseWriter, r *http.Request, req authRequest, params url.Values) {
	u, err := url.Parse(req.RedirectURI)
	if err != nil { // registered URIs are parsed in New
		p.errorPage(w, http.StatusInternalServerError, "Intern feil.", "Internal error.")
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	q.Set("iss", p.issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther // the browser follows with a GET
	}
	http.Redirect(w, r, u.String(), status)
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

package stdwebhook

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	prod := Policy{}
	local := Policy{AllowLoopback: true, AllowHTTP: true}
	cases := []struct {
		url  string
		p    Policy
		want error // nil = allowed
	}{
		{"https://example.com", prod, nil},
		{"https://example.com:443/hooks/tredjepart?x=1", prod, nil},
		{"https://example.com:8443/hooks/tredjepart", prod, ErrForbiddenURL},
		{"https://93.184.216.34:22/", prod, ErrForbiddenURL},
		{"https://example.com:22/", prod, ErrForbiddenURL},
		{"https://example.com:25/", prod, ErrForbiddenURL},
		{"https://example.com:80/", prod, ErrForbiddenURL},
		{"https://[2606:2800:220:1:248:1893:25c8:1946]:5432/", prod, ErrForbiddenURL},
		{"http://example.com:80/hook", Policy{AllowHTTP: true}, nil},
		{"http://example.com:443/hook", Policy{AllowHTTP: true}, ErrForbiddenURL},
		{"http://example.com:22/hook", local, ErrForbiddenURL}, // local mode opens any port on loopback only
		{"http://93.184.216.34:8080/hook", local, ErrForbiddenURL},
		{"http://[::1]:4011/local/webhook", local, nil},
		{"https://93.184.216.34/hook", prod, nil},
		{"https://[2606:2800:220:1:248:1893:25c8:1946]/hook", prod, nil},
		{"http://example.com/hook", prod, ErrForbiddenURL},
		{"http://example.com/hook", Policy{AllowHTTP: true}, nil},
		{"ftp://example.com/", prod, ErrForbiddenURL},
		{"//example.com/hook", prod, ErrForbiddenURL},
		{"/hook", prod, ErrForbiddenURL},
		{"https:example.com", prod, ErrForbiddenURL},
		{"https://", prod, ErrForbiddenURL},
		{"https://:443/", prod, ErrForbiddenURL},
		{"https://example.com:0/", prod, ErrForbiddenURL},
		{"https://example.com:99999/", prod, ErrForbiddenURL},
		{"https://example.com:/", prod, ErrForbiddenURL},
		{"https://user:pass@example.com/", prod, ErrForbiddenURL},
		{"https://user@example.com/", prod, ErrForbiddenURL},
		{"https://10.0.0.1/", prod, ErrForbiddenAddress},
		{"https://172.16.5.4/", prod, ErrForbiddenAddress},
		{"https://192.168.1.1/", prod, ErrForbiddenAddress},
		{"https://169.254.169.254/latest/meta-data/", prod, ErrForbiddenAddress},
		{"https://127.0.0.1/", prod, ErrForbiddenAddress},
		{"https://[::1]/", prod, ErrForbiddenAddress},
		{"https://[fe80::1]/", prod, ErrForbiddenAddress},
		{"https://[fe80::1%25eth0]/", prod, ErrForbiddenAddress},
		{"https://[fd00:ec2::254]/", prod, ErrForbiddenAddress},
		{"https://[::ffff:127.0.0.1]/", prod, ErrForbiddenAddress},
		{"https://[::ffff:169.254.169.254]/", prod, ErrForbiddenAddress},
		{"https://[::ffff:10.0.0.1]/", prod, ErrForbiddenAddress},
		{"https://[64:ff9b::a9fe:a9fe]/", prod, ErrForbiddenAddress},
		{"https://[2002:a9fe:a9fe::1]/", prod, ErrForbiddenAddress},
		{"https://[::127.0.0.1]/", prod, ErrForbiddenAddress},
		{"https://100.64.0.1/", prod, ErrForbiddenAddress},
		{"https://0.0.0.0/", prod, ErrForbiddenAddress},
		{"https://[::]/", prod, ErrForbiddenAddress},
		{"https://224.0.0.1/", prod, ErrForbiddenAddress},
		{"https://255.255.255.255/", prod, ErrForbiddenAddress},
		{"https://localhost/", prod, ErrForbiddenAddress},
		{"https://api.LOCALHOST./", prod, ErrForbiddenAddress},
		{"http://127.0.0.1:8080/", local, nil},
		{"http://localhost:8080/", local, nil},
		{"http://10.0.0.1/", local, ErrForbiddenAddress}, // local mode opens loopback only
	}
	for _, c := range cases {
		err := c.p.CheckURL(c.url)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%+v CheckURL(%q) = %v, want %v", c.p, c.url, err, c.want)
		}
	}
}

func TestCheckAddrMappedAndEmbeddedForms(t *testing.T) {
	for _, s := range []string{"::ffff:100.64.0.1", "::ffff:192.168.1.1", "::ffff:0.0.0.0", "64:ff9b::7f00:1", "ff02::1", "fec0::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::1"} {
		if why := (Policy{}).forbiddenAddr(netip.MustParseAddr(s)); why == "" {
			t.Errorf("%s allowed", s)
		}
	}
	for _, s := range []string{"8.8.8.8", "::ffff:8.8.8.8", "64:ff9b::808:808", "2a00:1450:4001::1"} {
		if why := (Policy{}).forbiddenAddr(netip.MustParseAddr(s)); why != "" {
			t.Errorf("%s refused as %s address", s, why)
		}
	}
}

// The check that matters happens at connect time: "localhost" passes no
// literal-IP check, but resolves to 127.0.0.1 (or ::1), which the dialer
// refuses unless AllowLoopback.
func TestDialerRefusesNameResolvingToLoopback(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	// Call the dialer directly through a client whose URL check is skipped,
	// so the refusal can only come from the connect-time control.
	p := Policy{AllowHTTP: true}
	c := p.Client(2 * time.Second)
	c.Transport = c.Transport.(*guard).base
	_, err := c.Get(url)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("dialer let %s through: %v", url, err)
	}
	if hit {
		t.Fatal("the request reached the server")
	}

	// The full client refuses too (already at the URL check).
	if _, err := p.Client(2 * time.Second).Get(url); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("client let %s through: %v", url, err)
	}

	// With AllowLoopback the same URL is reachable.
	resp, err := Policy{AllowHTTP: true, AllowLoopback: true}.Client(2 * time.Second).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !hit {
		t.Fatal("local-mode client did not reach the server")
	}
}

func TestClientRefusesHTTPInProduction(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, err := Policy{AllowLoopback: true}.Client(time.Second).Get(srv.URL)
	if !errors.Is(err, ErrForbiddenURL) {
		t.Fatalf("plain http allowed: %v", err)
	}
}

func TestClientIgnoresEnvironmentProxy(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	resp, err := Policy{AllowLoopback: true, AllowHTTP: true}.Client(time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("went through the proxy: %v", err)
	}
	resp.Body.Close()
}

func TestClientLimitsResponseBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 32<<10)
		for range 64 { // 2 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	resp, err := Policy{AllowLoopback: true, AllowHTTP: true}.Client(2 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != MaxResponseBytes {
		t.Fatalf("read %d bytes (%v), want %d", n, err, MaxResponseBytes)
	}
}

// Each refusal says why in one sentence of its own, for the person who
// typed the URL: not the Go error chain ("webhook: URL not allowed: ...").
func TestCheckURLSaysWhyInOneSentence(t *testing.T) {
	prod := Policy{}
	local := Policy{AllowLoopback: true, AllowHTTP: true}
	cases := []struct {
		url  string
		p    Policy
		want string
	}{
		{"http://hooks.example.com:8080/hook", local, "An http URL must use port 80, not 8080."},
		{"https://hooks.example.com:8443/hook", prod, "An https URL must use port 443, not 8443."},
		{"http://hooks.example.com/hook", prod, "The URL must start with https://."},
		{"ftp://hooks.example.com/", prod, "The URL must start with https://, not ftp://."},
		{"https://10.0.0.8/hook", prod, "The host 10.0.0.8 is a private address; the URL must point to a public address."},
		{"https://localhost/hook", prod, "The host localhost is a loopback address; the URL must point to a public address."},
		{"https://user:pass@hooks.example.com/", prod, "The URL must not contain a user name or password."},
		{"/hook", prod, "The URL must be absolute, as https://host/path."},
		{"https://hooks.example.com:99999/", prod, `The port "99999" is not a port number.`},
	}
	for _, c := range cases {
		err := c.p.CheckURL(c.url)
		if err == nil || err.Error() != c.want {
			t.Errorf("CheckURL(%q) = %v, want %q", c.url, err, c.want)
		}
	}
}

package stdwebhook

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type received struct {
	mu      sync.Mutex
	headers http.Header
	body    []byte
}

func receiver(t *testing.T, status int, rec *received) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if rec != nil {
			rec.mu.Lock()
			rec.headers, rec.body = r.Header.Clone(), b
			rec.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var local = Policy{AllowLoopback: true, AllowHTTP: true}

func TestPushOutcomes(t *testing.T) {
	_, s := mustSecret(t)
	body := []byte(`{"documentId":"doc-1"}`)
	for _, c := range []struct {
		status int
		want   Outcome
	}{
		{200, Delivered},
		{202, Delivered},
		{204, Delivered},
		{410, Gone},
		{500, Retry},
		{404, Retry},
		{429, Retry},
		{400, Retry},
	} {
		rec := &received{}
		srv := receiver(t, c.status, rec)
		now := time.Now()
		a := Push(context.Background(), local.Client(2*time.Second), srv.URL+"/hook", "msg_doc-1", body, []Secret{s}, now)
		if a.Outcome != c.want || a.Status != c.status {
			t.Errorf("status %d: got %+v, want %s", c.status, a, c.want)
		}
		if (a.Err == "") != (c.want == Delivered) || a.Duration <= 0 {
			t.Errorf("status %d: attempt %+v", c.status, a)
		}
		rec.mu.Lock()
		if got := rec.headers.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type %q", got)
		}
		if got := rec.headers.Get("User-Agent"); got != "Tredjepart-Webhooks/1" {
			t.Errorf("User-Agent %q", got)
		}
		if err := Verify(rec.headers, rec.body, []Secret{s}, now, DefaultTolerance); err != nil {
			t.Errorf("receiver cannot verify: %v", err)
		}
		rec.mu.Unlock()
	}
}

func TestPushTimeoutIsRetry(t *testing.T) {
	_, s := mustSecret(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	a := Push(context.Background(), local.Client(100*time.Millisecond), srv.URL, "msg", []byte(`{}`), []Secret{s}, time.Now())
	if a.Outcome != Retry || a.Status != 0 || a.Err != "timed out" || !a.TimedOut || a.Refused {
		t.Fatalf("got %+v", a)
	}
	if a.Duration > 3*time.Second {
		t.Fatalf("timeout not enforced: %s", a.Duration)
	}
}

func TestPushDoesNotFollowRedirect(t *testing.T) {
	_, s := mustSecret(t)
	target := receiver(t, 200, nil)
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	a := Push(context.Background(), local.Client(2*time.Second), srv.URL, "msg", []byte(`{}`), []Secret{s}, time.Now())
	if a.Outcome != Retry || a.Status != http.StatusTemporaryRedirect || !strings.Contains(a.Err, "redirect") {
		t.Fatalf("got %+v", a)
	}
	if hits != 1 {
		t.Fatalf("%d hits", hits)
	}
}

func TestPushRefusedAddressIsRetry(t *testing.T) {
	_, s := mustSecret(t)
	rec := &received{}
	srv := receiver(t, 200, rec)
	for _, c := range []struct {
		name string
		p    Policy
		url  string
		err  string // the policy's reason
	}{
		{"production policy", Policy{}, srv.URL, "The URL must start with https://."},
		{"http allowed, loopback not", Policy{AllowHTTP: true}, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1),
			"The host localhost is a loopback address; the URL must point to a public address."},
	} {
		a := Push(context.Background(), c.p.Client(time.Second), c.url, "msg", []byte(`{}`), []Secret{s}, time.Now())
		if a.Outcome != Retry || a.Status != 0 || a.Err != c.err || !a.Refused || a.TimedOut {
			t.Errorf("%s: got %+v", c.name, a)
		}
	}
	// A nil client is the production one.
	if a := Push(context.Background(), nil, srv.URL, "msg", []byte(`{}`), []Secret{s}, time.Now()); a.Outcome != Retry {
		t.Errorf("nil client: got %+v", a)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.headers != nil {
		t.Fatal("a refused push reached the server")
	}
}

func TestPushWithoutSecretDoesNotSend(t *testing.T) {
	rec := &received{}
	srv := receiver(t, 200, rec)
	a := Push(context.Background(), local.Client(time.Second), srv.URL, "msg", []byte(`{}`), nil, time.Now())
	if a.Outcome != Retry || a.Err == "" {
		t.Fatalf("got %+v", a)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.headers != nil {
		t.Fatal("unsigned push was sent")
	}
}

func TestPushConnectionErrorIsRetry(t *testing.T) {
	_, s := mustSecret(t)
	srv := receiver(t, 200, nil)
	url := srv.URL
	srv.Close()
	a := Push(context.Background(), local.Client(time.Second), url, "msg", []byte(`{}`), []Secret{s}, time.Now())
	if a.Outcome != Retry || a.Status != 0 || a.Err == "" || a.Refused || a.TimedOut {
		t.Fatalf("got %+v", a)
	}
}

func TestOutcomeZeroValueIsRetry(t *testing.T) {
	var a Attempt
	if a.Outcome != Retry || Delivered.String() != "delivered" || Gone.String() != "gone" {
		t.Fatal(a.Outcome)
	}
}

// A failed push says what failed for the third party to act on, without
// the addresses of the machine that pushed (its resolver's, its own).
func TestPushErrorsNameTheFailureWithoutOurAddresses(t *testing.T) {
	post := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://hooks.example.com/hook", Err: err}
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{post(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "hooks.example.com", Server: "10.255.255.53:53", IsNotFound: true}}),
			"the host hooks.example.com does not resolve"},
		{post(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: "hooks.example.com", Server: "10.255.255.53:53", IsTimeout: true}}),
			"timed out resolving the host hooks.example.com"},
		{post(&net.OpError{Op: "dial", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(10, 0, 3, 7), Port: 51234}, Addr: &net.TCPAddr{IP: net.IPv4(93, 184, 216, 34), Port: 443},
			Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}), "connection refused"},
		{post(&net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(10, 0, 3, 7), Port: 51234}, Addr: &net.TCPAddr{IP: net.IPv4(93, 184, 216, 34), Port: 443},
			Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}), "connection reset by the endpoint"},
		{post(context.DeadlineExceeded), "timed out"},
		{post(&net.OpError{Op: "dial", Net: "tcp", Err: refuseAddress("The host resolves to 10.0.0.8, a private address; the URL must point to a public address.")}),
			"The host resolves to 10.0.0.8, a private address; the URL must point to a public address."},
		{post(io.EOF), "the endpoint closed the connection without an answer"},
	} {
		if got := describe(c.err); got != c.want {
			t.Errorf("describe(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// A push to a port nobody listens on, as the attempt log shows it.
func TestPushToAClosedPortSaysConnectionRefused(t *testing.T) {
	_, s := mustSecret(t)
	srv := receiver(t, http.StatusOK, nil)
	srv.Close()
	a := Push(context.Background(), local.Client(2*time.Second), srv.URL+"/hook", "msg_doc-1", []byte(`{}`), []Secret{s}, time.Now())
	if a.Outcome != Retry || a.Err != "connection refused" {
		t.Fatalf("attempt %+v, want a retry for \"connection refused\"", a)
	}
}

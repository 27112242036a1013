package stdwebhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// UserAgent is sent with every push.
const UserAgent = "Tredjepart-Webhooks/1"

// Outcome classifies one delivery attempt. The zero value is Retry, so an
// unset Outcome never counts as delivered.
type Outcome int

const (
	// Retry: anything but 2xx or 410 — another status (including 3xx, since
	// redirects are not followed), a timeout, a connection error or a refused
	// address. Try again at NextAttempt.
	Retry Outcome = iota
	// Delivered: the endpoint answered 2xx.
	Delivered
	// Gone: the endpoint answered 410 Gone; the caller disables it.
	Gone
	// Failed: not delivered, and not tried again. Push never answers it: a
	// caller that makes an attempt once (a test push) says so with it
	// instead of Retry.
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Retry:
		return "retry"
	case Delivered:
		return "delivered"
	case Gone:
		return "gone"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Attempt is the record of one push.
type Attempt struct {
	Outcome  Outcome
	Status   int           // HTTP status, 0 if no response
	Duration time.Duration // wall time of the exchange
	Err      string        // why it was not delivered; empty when Delivered
	// Refused: no request was made, for the Policy forbids the URL or the
	// address it resolved to. TimedOut: no answer in time.
	Refused, TimedOut bool
}

// Push makes one signed POST of body to url and classifies the result. id is
// the document's webhook-id (the same on every retry), now the signing time;
// secrets are the registration's secrets (expired ones are skipped). client
// should come from Policy.Client; nil means Policy{}.Client(10s). The
// response body is read (up to MaxResponseBytes) and discarded.
func Push(ctx context.Context, client *http.Client, url string, id string, body []byte, secrets []Secret, now time.Time) Attempt {
	start := time.Now()
	done := func(a Attempt) Attempt {
		a.Duration = time.Since(start)
		return a
	}
	if client == nil {
		client = Policy{}.Client(0)
	}
	headers := Sign(id, now, body, secrets)
	if headers.Get(HeaderSignature) == "" {
		return done(Attempt{Outcome: Retry, Err: ErrNoSecret.Error()})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return done(Attempt{Outcome: Retry, Err: err.Error()})
	}
	for k, v := range headers {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)

	resp, err := client.Do(req)
	if err != nil {
		return done(Attempt{Outcome: Retry, Err: describe(err), Refused: refused(err), TimedOut: timedOut(err)})
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseBytes))
	resp.Body.Close()

	a := Attempt{Status: resp.StatusCode}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		a.Outcome = Delivered
	case resp.StatusCode == http.StatusGone:
		a.Outcome = Gone
		a.Err = "endpoint answered 410 Gone"
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Outcome = Retry
		a.Err = fmt.Sprintf("redirect (%d) not followed", resp.StatusCode)
	default:
		a.Outcome = Retry
		a.Err = fmt.Sprintf("endpoint answered %d", resp.StatusCode)
	}
	return done(a)
}

// describe names the failure for the attempt log, which the third party
// reads: what failed, never the addresses of the machine that pushed (its
// own, its resolver's) that the Go errors carry.
func describe(err error) string {
	var (
		refusal *Refusal
		dns     *net.DNSError
		cert    *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &refusal):
		return refusal.Error()
	case errors.As(err, &dns) && dns.IsNotFound:
		return fmt.Sprintf("the host %s does not resolve", dns.Name)
	case errors.As(err, &dns) && dns.IsTimeout:
		return fmt.Sprintf("timed out resolving the host %s", dns.Name)
	case errors.As(err, &dns):
		return fmt.Sprintf("the host %s could not be resolved", dns.Name)
	case timedOut(err):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the endpoint"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the endpoint's address is unreachable"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the endpoint closed the connection without an answer"
	case errors.As(err, &cert):
		return "TLS: the endpoint's certificate was not accepted: " + cert.Err.Error()
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op + ": " + innermost(op.Err).Error() // without the addresses OpError prints
	}
	return innermost(err).Error()
}

// innermost is the last error in err's chain: the cause, without the
// request and connection around it.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func refused(err error) bool {
	return errors.Is(err, ErrForbiddenAddress) || errors.Is(err, ErrForbiddenURL)
}

func timedOut(err error) bool {
	var t interface{ Timeout() bool }
	return !refused(err) && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &t) && t.Timeout())
}

package stdwebhook

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Policy says which endpoints may be reached. The zero Policy is the
// production one: https only, on port 443 only, public addresses only. The
// two switches exist for local mode, where receivers run on the developer's
// machine.
type Policy struct {
	AllowLoopback bool // local mode only: permit 127.0.0.0/8, ::1 and "localhost", on any port
	AllowHTTP     bool // local mode only: permit plain http URLs (on port 80, or any on loopback)
}

// defaultPorts is the one port each scheme may use: a webhook is a web
// server, and any other port of a public address (22, 25, a database's) is
// a service a push must not be aimed at.
var defaultPorts = map[string]string{"https": "443", "http": "80"}

// ErrForbiddenURL is returned (wrapped) for a URL the Policy refuses.
var ErrForbiddenURL = errors.New("webhook: URL not allowed")

// ErrForbiddenAddress is returned (wrapped) when a URL's host is, or resolves
// to, an address the Policy refuses.
var ErrForbiddenAddress = errors.New("webhook: address not allowed")

// Refusal is a URL or an address the Policy refuses. Its text is one
// sentence saying why, for the person who gave the URL; errors.Is finds
// ErrForbiddenURL or ErrForbiddenAddress in it.
type Refusal struct {
	kind   error
	reason string
}

func (r *Refusal) Error() string { return r.reason }
func (r *Refusal) Unwrap() error { return r.kind }

func refuseURL(format string, args ...any) error {
	return &Refusal{kind: ErrForbiddenURL, reason: fmt.Sprintf(format, args...)}
}

func refuseAddress(format string, args ...any) error {
	return &Refusal{kind: ErrForbiddenAddress, reason: fmt.Sprintf(format, args...)}
}

// MaxResponseBytes bounds how much of a response body a Policy's client lets
// anyone read; the rest is never downloaded.
const MaxResponseBytes = 64 << 10

// CheckURL validates a webhook URL at registration and before each request:
// absolute, scheme https (http only with AllowHTTP), no userinfo, a host and
// no port but the scheme's own (any, with AllowLoopback, on a loopback
// host). A literal IP host is checked against the address rules here; a
// name is checked again, after DNS resolution, by the client's dialer,
// since what it resolves to can change at any time.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return refuseURL("The URL cannot be read as a URL.")
	}
	if !u.IsAbs() || u.Opaque != "" {
		return refuseURL("The URL must be absolute, as https://host/path.")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !p.AllowHTTP {
			return refuseURL("The URL must start with https://.")
		}
	default:
		return refuseURL("The URL must start with https://, not %s://.", u.Scheme)
	}
	if u.User != nil {
		return refuseURL("The URL must not contain a user name or password.")
	}
	host := u.Hostname()
	if host == "" {
		return refuseURL("The URL must name a host.")
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return refuseURL("The port %q is not a port number.", port)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return refuseURL("The URL has a colon after its host but no port.")
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return refuseAddress("The host %s must not name an IPv6 zone.", host)
		}
		if why := p.forbiddenAddr(addr); why != "" {
			return refuseAddress("The host %s is %s address; the URL must point to a public address.", host, why)
		}
		return p.checkPort(u, addr.Unmap().IsLoopback())
	}
	if strings.ContainsAny(host, "%[]") {
		return refuseURL("The host %q is malformed.", host)
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	loopback := name == "localhost" || strings.HasSuffix(name, ".localhost")
	if !p.AllowLoopback && loopback {
		return refuseAddress("The host %s is a loopback address; the URL must point to a public address.", host)
	}
	return p.checkPort(u, loopback)
}

// checkPort refuses a port other than the scheme's, but on a loopback host
// in local mode.
func (p Policy) checkPort(u *url.URL, loopback bool) error {
	port := u.Port()
	if port == "" || port == defaultPorts[u.Scheme] || p.AllowLoopback && loopback {
		return nil
	}
	return refuseURL("An %s URL must use port %s, not %s.", u.Scheme, defaultPorts[u.Scheme], port)
}

var (
	cgnat      = netip.MustParsePrefix("100.64.0.0/10")
	thisNet    = netip.MustParsePrefix("0.0.0.0/8")
	reserved4  = netip.MustParsePrefix("240.0.0.0/4") // includes 255.255.255.255
	ietf4      = netip.MustParsePrefix("192.0.0.0/24")
	benchmark4 = netip.MustParsePrefix("198.18.0.0/15")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	global6    = netip.MustParsePrefix("2000::/3")
	teredo     = netip.MustParsePrefix("2001::/32")
	doc6       = netip.MustParsePrefix("2001:db8::/32")
)

// forbiddenAddr applies the address rules: it names the kind of a refused
// address, with its article ("a private"), or is empty for an allowed one.
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry,
// and so are the IPv4 addresses embedded in NAT64 (64:ff9b::/96) and 6to4
// (2002::/16) addresses; other IPv6 addresses must be global unicast
// (2000::/3), which leaves out ::/8 (including ::1 and the deprecated
// IPv4-compatible form), fc00::/7, fe80::/10, fec0::/10 and ff00::/8.
// Teredo (2001::/32) is refused since it tunnels to any IPv4, and so is
// the documentation range 2001:db8::/32.
func (p Policy) forbiddenAddr(addr netip.Addr) string {
	addr = addr.WithZone("").Unmap()
	if addr.Is6() {
		switch {
		case nat64.Contains(addr):
			b := addr.As16()
			addr = netip.AddrFrom4([4]byte(b[12:16]))
		case sixToFour.Contains(addr):
			b := addr.As16()
			addr = netip.AddrFrom4([4]byte(b[2:6]))
		}
	}
	switch {
	case !addr.IsValid():
		return "an invalid"
	case addr.IsLoopback():
		if p.AllowLoopback {
			return ""
		}
		return "a loopback"
	case addr.IsUnspecified():
		return "an unspecified"
	case addr.IsPrivate():
		return "a private"
	case addr.IsLinkLocalUnicast():
		return "a link-local"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "a multicast"
	case cgnat.Contains(addr):
		return "a shared (CGNAT)"
	case thisNet.Contains(addr), reserved4.Contains(addr), ietf4.Contains(addr), benchmark4.Contains(addr):
		return "a reserved"
	case addr.Is6() && (!global6.Contains(addr) || teredo.Contains(addr) || doc6.Contains(addr)):
		return "a non-global IPv6"
	}
	return ""
}

// control runs on every socket the client's dialer opens, with the address
// actually being connected to (after DNS resolution), so a name that resolves
// to an internal address, or is re-pointed at one after CheckURL (DNS
// rebinding), is refused.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return refuseAddress("The network %s is not allowed.", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return refuseAddress("The address %q cannot be read.", address)
	}
	if why := p.forbiddenAddr(ap.Addr()); why != "" {
		return refuseAddress("The host resolves to %s, %s address; the URL must point to a public address.", ap.Addr().WithZone("").Unmap(), why)
	}
	return nil
}

// Client returns an HTTP client for pushing to webhooks under this Policy:
//   - each request's URL must pass CheckURL;
//   - its dialer checks the resolved address of every connection (see
//     control), and no proxy from the environment is used, since a proxy
//     would connect on our behalf unchecked;
//   - redirects are not followed: the 3xx response is returned as is;
//   - response bodies read through it end after MaxResponseBytes;
//   - timeout bounds the whole exchange (default 10s if <= 0).
func (p Policy) Client(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dialer := &net.Dialer{
		Timeout:   min(timeout, 5*time.Second),
		KeepAlive: 30 * time.Second,
		Control:   p.control,
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    min(timeout, 5*time.Second),
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 16 << 10,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
	}
	return &http.Client{
		Transport: &guard{policy: p, base: transport},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// guard is the client's RoundTripper: URL check before, body limit after.
type guard struct {
	policy Policy
	base   *http.Transport
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.policy.CheckURL(req.URL.String()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := g.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{r: io.LimitReader(resp.Body, MaxResponseBytes), c: resp.Body}
	return resp, nil
}

type limitedBody struct {
	r io.Reader
	c io.Closer
}

func (b *limitedBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *limitedBody) Close() error               { return b.c.Close() }

package registry

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
)

// DataProviderRole is what a data provider sends us.
type DataProviderRole string

const (
	GridCompany    DataProviderRole = "grid-company"    // Elhub role DDM: master data and meter values of its grid areas
	MeteringSystem DataProviderRole = "metering-system" // a grid company's metering system, sending on its behalf
)

// DataProviderRoles lists the valid roles.
var DataProviderRoles = []DataProviderRole{GridCompany, MeteringSystem}

// DataProvider is a registered sender of master data and meter values: a
// grid company or a metering system acting for one.
type DataProvider struct {
	GLN       ident.GLN
	Name      string
	OrgNumber ident.OrgNumber
	Role      DataProviderRole
	ClientIDs []string // OAuth client ids whose tokens act for this data provider
	// GridAreas are the EIC codes of the grid areas it answers for: it may
	// only send for metering points in them.
	GridAreas []string
	Contact   Contact
	// Disabled refuses everything it sends; what it sent before is kept.
	Disabled bool
	// Version is raised by every change and guards conditional writes;
	// zero before the first write.
	Version int
}

// CoversGridArea reports whether the data provider answers for the grid area.
func (dp DataProvider) CoversGridArea(area string) bool {
	return area != "" && slices.Contains(dp.GridAreas, area)
}

// Party is a registered party of either kind, ThirdParty or DataProvider:
// what registering, updating, disabling and listing one needs of it, the
// same for both kinds, in the service and in the stores.
type Party[P any] interface {
	ThirdParty | DataProvider
	Validate() error
	// State is what every party has besides its details.
	State() PartyState
	// WithState is the party with its Disabled and Version set from s.
	WithState(s PartyState) P
}

// PartyState is a party's GLN, whether it is disabled and its version.
type PartyState struct {
	GLN      ident.GLN
	Disabled bool
	Version  int
}

// State is what the third party has as every party has.
func (tp ThirdParty) State() PartyState { return PartyState{tp.GLN, tp.Disabled, tp.Version} }

// WithState is the third party disabled or not, at a version.
func (tp ThirdParty) WithState(s PartyState) ThirdParty {
	tp.Disabled, tp.Version = s.Disabled, s.Version
	return tp
}

// State is what the data provider has as every party has.
func (dp DataProvider) State() PartyState { return PartyState{dp.GLN, dp.Disabled, dp.Version} }

// WithState is the data provider disabled or not, at a version.
func (dp DataProvider) WithState(s PartyState) DataProvider {
	dp.Disabled, dp.Version = s.Disabled, s.Version
	return dp
}

// Limits on a party's lists; they keep a registration within one
// DynamoDB transaction (100 items).
const (
	MaxClientIDs    = 20
	MaxRedirectURIs = 20
	MaxGridAreas    = 200
	maxNameLength   = 200
)

// Errors a registry store reports when a party cannot be written.
var (
	ErrRegistered    = errors.New("already registered")
	ErrNotRegistered = errors.New("not registered")
	ErrChanged       = errors.New("changed by another writer")
)

// TakenError means a name a party would own (a client id, an organisation
// number) belongs to another party.
type TakenError struct {
	Field string // as the admin API names it: clientIds, orgNumber
	Value string
}

func (e *TakenError) Error() string {
	return fmt.Sprintf("%s %s is registered to another party", e.Field, e.Value)
}

// Validate checks a third party's registration, naming every bad field.
func (tp ThirdParty) Validate() error {
	bad := validateParty(tp.GLN, tp.Name, tp.OrgNumber, tp.ClientIDs, tp.Contact)
	if len(tp.RedirectURIs) > MaxRedirectURIs {
		bad = append(bad, fault.FieldError{Field: "redirectUris", Reason: fmt.Sprintf("must be at most %d", MaxRedirectURIs)})
	}
	for i, uri := range tp.RedirectURIs {
		field := fmt.Sprintf("redirectUris[%d]", i)
		if reason := redirectURIProblem(uri); reason != "" {
			bad = append(bad, fault.FieldError{Field: field, Reason: reason})
		} else if slices.Index(tp.RedirectURIs, uri) < i {
			bad = append(bad, fault.FieldError{Field: field, Reason: "is listed twice"})
		}
	}
	if len(bad) > 0 {
		return fault.InvalidFields(bad...)
	}
	return nil
}

// Validate checks a data provider's registration, naming every bad field.
func (dp DataProvider) Validate() error {
	bad := validateParty(dp.GLN, dp.Name, dp.OrgNumber, dp.ClientIDs, dp.Contact)
	if !slices.Contains(DataProviderRoles, dp.Role) {
		bad = append(bad, fault.FieldError{Field: "role", Reason: fmt.Sprintf("must be one of %v", DataProviderRoles)})
	}
	switch {
	case len(dp.GridAreas) == 0:
		bad = append(bad, fault.FieldError{Field: "gridAreas", Reason: "must name at least one grid area"})
	case len(dp.GridAreas) > MaxGridAreas:
		bad = append(bad, fault.FieldError{Field: "gridAreas", Reason: fmt.Sprintf("must be at most %d", MaxGridAreas)})
	}
	for i, area := range dp.GridAreas {
		field := fmt.Sprintf("gridAreas[%d]", i)
		if !eicCode.MatchString(area) {
			bad = append(bad, fault.FieldError{Field: field, Reason: "must be an EIC code: 16 characters, upper-case letters, digits and '-', e.g. 50YNO1ELVIA0001K"})
		} else if slices.Index(dp.GridAreas, area) < i {
			bad = append(bad, fault.FieldError{Field: field, Reason: "is listed twice"})
		}
	}
	if len(bad) > 0 {
		return fault.InvalidFields(bad...)
	}
	return nil
}

// eicCode is the shape of an Energy Identification Code; its check
// character is not verified, as made-up test areas would fail it.
var eicCode = regexp.MustCompile(`^[0-9]{2}[A-Z][A-Z0-9-]{13}$`)

// clientID is the shape of an OAuth client id we accept: no spaces,
// quotes or anything that would need escaping in a key or a log line.
var clientID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

func validateParty(gln ident.GLN, name string, org ident.OrgNumber, clients []string, contact Contact) []fault.FieldError {
	var bad []fault.FieldError
	add := func(field, reason string) { bad = append(bad, fault.FieldError{Field: field, Reason: reason}) }
	if _, err := ident.ParseGLN(string(gln)); err != nil {
		add("gln", reason(err))
	}
	if strings.TrimSpace(name) == "" {
		add("name", "is required")
	} else if r := textProblem(name); r != "" {
		add("name", r)
	}
	if _, err := ident.ParseOrgNumber(string(org)); err != nil {
		add("orgNumber", reason(err))
	}
	switch {
	case len(clients) == 0:
		add("clientIds", "must name at least one OAuth client id")
	case len(clients) > MaxClientIDs:
		add("clientIds", fmt.Sprintf("must be at most %d", MaxClientIDs))
	}
	for i, id := range clients {
		field := fmt.Sprintf("clientIds[%d]", i)
		if !clientID.MatchString(id) {
			add(field, "must be 1-128 characters: letters, digits and . _ : - (not first)")
		} else if slices.Index(clients, id) < i {
			add(field, "is listed twice")
		}
	}
	if r := textProblem(contact.Name); r != "" {
		add("contact.name", r)
	}
	if contact.Email != "" {
		if a, err := mail.ParseAddress(contact.Email); err != nil || a.Address != contact.Email {
			add("contact.email", "must be an e-mail address such as drift@example.no")
		}
	}
	if contact.Phone != "" && !phone.MatchString(contact.Phone) {
		add("contact.phone", "must be a phone number: digits, spaces and an optional leading +")
	}
	return bad
}

var phone = regexp.MustCompile(`^\+?[0-9][0-9 ]{3,19}$`)

func textProblem(s string) string {
	switch {
	case utf8.RuneCountInString(s) > maxNameLength:
		return fmt.Sprintf("must be at most %d characters", maxNameLength)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

// redirectURIProblem says why uri cannot be a redirect URI: it must be
// absolute https, or http on a loopback host for native apps (RFC 8252),
// without a fragment (RFC 6749 section 3.1.2) or user info.
func redirectURIProblem(uri string) string {
	u, err := url.Parse(uri)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return "must be an absolute URL"
	case strings.Contains(uri, "#"):
		return "must not have a fragment"
	case u.User != nil:
		return "must not carry user info"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return ""
	}
	return "must be https (http only on 127.0.0.1, [::1] or localhost)"
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func reason(err error) string {
	var e *ident.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return err.Error()
}

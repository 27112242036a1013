package portalweb

import (
	"context"
	"strings"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Why a login is refused: message keys, shown to the person.
const (
	refusedNoPerson   = "refused.noPerson"
	refusedNoOrg      = "refused.noOrg"
	refusedUnknownOrg = "refused.unknownOrg"
	refusedDisabled   = "refused.disabled"
)

// safeReturn keeps the post-login destination on the portal's own pages.
func safeReturn(path string) string {
	if strings.HasPrefix(path, "/portal") && !strings.HasPrefix(path, "/portal/log") && !strings.Contains(path, "//") && !strings.Contains(path, `\`) {
		return path
	}
	return "/portal"
}

// sessionFor maps a verified login to the third party the person acts for,
// or refuses it. The national identity number is checked to be one and
// goes no further.
func (s *site) sessionFor(ctx context.Context, c websession.Claims) (session, error) {
	if _, err := ident.ParseNationalID(c.PID); err != nil {
		return session{}, s.refuse(ctx, c, refusedNoPerson)
	}
	if c.Org == "" {
		return session{}, s.refuse(ctx, c, refusedNoOrg)
	}
	org, err := ident.ParseOrgNumber(c.Org)
	if err != nil {
		return session{}, s.refuse(ctx, c, refusedUnknownOrg)
	}
	tp, found, err := s.thirdParties.ThirdPartyByOrg(ctx, org)
	switch {
	case err != nil:
		return session{}, err
	case !found:
		return session{}, s.refuse(ctx, c, refusedUnknownOrg)
	case tp.Disabled:
		return session{}, s.refuse(ctx, c, refusedDisabled)
	}
	return session{ThirdParty: tp.GLN, Registration: tp.Version, Name: c.Name, Expires: s.clock.Now().Add(sessionTTL)}, nil
}

// refuse logs why a login is refused, and tells the person by message key.
func (s *site) refuse(ctx context.Context, c websession.Claims, reason string) error {
	s.logger.InfoContext(ctx, "portal login refused", "org", c.Org, "reason", reason)
	return &fault.Error{Kind: fault.Forbidden, Detail: reason}
}

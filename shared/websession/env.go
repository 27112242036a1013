package websession

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tredjepart/tredjepart/shared/secrets"
)

// Environment variables both sites read: their cookie keys, and whether
// cookies may go over plain HTTP (localhost only).
const (
	CookieKeysEnv      = "COOKIE_KEYS" // base64 of 64 bytes: signing, encryption
	InsecureCookiesEnv = "INSECURE_COOKIES"
)

// Keys are a site's cookie keys: 32 bytes each to sign and encrypt
// cookies.
type Keys struct{ Session, Encryption []byte }

// ParseKeys reads the base64 value of CookieKeysEnv: 64 bytes, or 96 as
// deployments made before forms were protected without tokens have (their
// last 32 bytes were the CSRF token key, now unused).
func ParseKeys(encoded string) (Keys, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || (len(raw) != 64 && len(raw) != 96) {
		return Keys{}, fmt.Errorf("%s must be base64 of 64 random bytes", CookieKeysEnv)
	}
	return Keys{Session: raw[:32], Encryption: raw[32:64]}, nil
}

// OIDCEnv names the environment variables of a site's registration at its
// OpenID provider: each site has its own.
type OIDCEnv struct{ Issuer, ClientID, ClientSecret, RedirectURL string }

// Env reads a site function's environment. It notes every required
// variable that is not set and every value that is not valid, so that one
// error names them all.
type Env struct {
	getenv  func(string) string
	missing []string
	invalid []error
}

// NewEnv reads the environment through getenv.
func NewEnv(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// Need is the value of a variable that must be set.
func (e *Env) Need(name string) string {
	v := e.getenv(name)
	if v == "" {
		e.missing = append(e.missing, name)
	}
	return v
}

// Settings are the site's settings, its OpenID registration in the
// variables oidc names.
func (e *Env) Settings(oidc OIDCEnv) Settings {
	s := Settings{
		OIDC: OIDC{
			Issuer: e.Need(oidc.Issuer), ClientID: e.Need(oidc.ClientID),
			ClientSecret: e.Need(oidc.ClientSecret), RedirectURL: e.Need(oidc.RedirectURL),
		},
		Secure: e.getenv(InsecureCookiesEnv) != "true",
	}
	if encoded := e.Need(CookieKeysEnv); encoded != "" {
		keys, err := ParseKeys(encoded)
		if err != nil {
			e.invalid = append(e.invalid, err)
		}
		s.Keys = keys
	}
	return s
}

// Err names the variables missing and the values not valid; it is nil
// when there are none.
func (e *Env) Err() error {
	var missing error
	if len(e.missing) > 0 {
		missing = fmt.Errorf("environment variables not set: %v", e.missing)
	}
	return errors.Join(append([]error{missing}, e.invalid...)...)
}

// Lambda builds a site function's handler: the secrets named are read from
// SSM on AWS first (see package secrets), then fromEnv builds the site.
func Lambda(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger, secretNames []string,
	fromEnv func(context.Context, aws.Config, func(string) string, *slog.Logger) (http.Handler, error)) (any, error) {
	getenv, err := secrets.Fill(ctx, cfg, getenv, secretNames...)
	if err != nil {
		return nil, err
	}
	site, err := fromEnv(ctx, cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return httpadapter.NewV2(site).ProxyWithContext, nil
}

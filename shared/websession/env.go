package websession

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/secrets"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// Environment variables both sites read: their cookie keys, and whether
// cookies may go over plain HTTP (localhost only).
const (
	CookieKeysEnv      = "COOKIE_KEYS" // base64 of 64 bytes: signing, encryption
	InsecureCookiesEnv = "INSECURE_COOKIES"
)

// Keys are a site's cookie keys: 32 bytes each to sign and encrypt
// cookies, and, while a rotation is under way, Also: keys that open
// cookies but seal none.
type Keys struct {
	Session, Encryption []byte
	Also                []Keys
}

// ParseKeys reads the value of CookieKeysEnv: one or more keys, separated
// by commas, each base64 of 64 bytes, or of 96 as deployments made before
// forms were protected without tokens have (their last 32 bytes were the
// CSRF token key, now unused). The first seals cookies; every one opens
// them. Rotating from A to B goes "A,B", "B,A", "B", each step once every
// instance runs the one before, so instances of two steps side by side
// open each other's cookies.
func ParseKeys(encoded string) (Keys, error) {
	var all []Keys
	for part := range strings.SplitSeq(encoded, ",") {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(part))
		if err != nil || (len(raw) != 64 && len(raw) != 96) {
			// The value is secret: the error says which key, never what it holds.
			return Keys{}, fmt.Errorf("%s must be base64 of 64 random bytes, or several such keys separated by commas; key %d is not", CookieKeysEnv, len(all)+1)
		}
		all = append(all, Keys{Session: raw[:32], Encryption: raw[32:64]})
	}
	keys := all[0]
	keys.Also = all[1:]
	return keys, nil
}

// OIDCEnv names the environment variables of a site's registration at its
// OpenID provider: each site has its own.
type OIDCEnv struct{ Issuer, ClientID, ClientSecret, RedirectURL string }

// Env reads a site function's environment: function.Env, and the
// settings both sites share.
type Env struct{ *function.Env }

// NewEnv reads the environment through getenv.
func NewEnv(getenv func(string) string) Env { return Env{function.NewEnv(getenv)} }

// Settings are the site's settings, its OpenID registration in the
// variables oidc names.
func (e Env) Settings(oidc OIDCEnv) Settings {
	s := Settings{
		OIDC: OIDC{
			Issuer: e.Need(oidc.Issuer), ClientID: e.Need(oidc.ClientID),
			ClientSecret: e.Need(oidc.ClientSecret), RedirectURL: e.Need(oidc.RedirectURL),
		},
		Secure: e.Get(InsecureCookiesEnv) != "true",
	}
	if encoded := e.Need(CookieKeysEnv); encoded != "" {
		keys, err := ParseKeys(encoded)
		if err != nil {
			e.Invalid(err)
		}
		s.Keys = keys
	}
	return s
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
	return traced(httpadapter.NewV2(site).ProxyWithContext), nil
}

// traced runs a site's request under the invocation's trace, or under the
// event's x-amzn-trace-id where the runtime gave none (the local emulator;
// see tracing.OrHeader).
func traced(proxy func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return proxy(tracing.OrHeader(ctx, ev.Headers["x-amzn-trace-id"]), ev)
	}
}

// Package client is a Go client for the Tredjepart third-party API,
// generated from shared/openapi/openapi.json by oapi-codegen
// (client.gen.go; `go generate ./client/...` regenerates it, and `make vet`
// fails when it is stale), with a small hand-written layer: New, which
// authenticates every call with a token source and turns every answer of
// 400 or more into a *ProblemError error, and ClientCredentials, the token source
// of the sandbox's issuer.
//
// Against the local sandbox (`make up`):
//
//	tokens := client.ClientCredentials(ctx, "http://127.0.0.1:4011/token", "straumkompis")
//	api, err := client.New("http://127.0.0.1:4010", tokens)
//	...
//	res, err := api.CreateAccessRequestWithResponse(ctx, nil, client.CreateAccessRequest{MeteringPointId: "707057500000001015"})
//	var problem *client.ProblemError
//	if errors.As(err, &problem) && problem.Code == "EH017" { ... } // you already have access
//	fmt.Println(res.JSON202.Id)
//
// # Tokens in production: Maskinporten
//
// The sandbox's issuer hands out tokens for plain client credentials
// without authenticating the client. Maskinporten, the issuer in
// production, uses the JWT-bearer grant (RFC 7523) instead: the client signs
// a short-lived JWT (the "client assertion") with the private key of its
// business certificate (virksomhetssertifikat) or of a key registered for
// its Maskinporten client, with the claims
//
//	iss    the Maskinporten client id
//	aud    Maskinporten's issuer identifier (its "issuer" in the discovery document)
//	scope  tredjepart:thirdparty
//	resource  the API's audience, "tredjepart" unless the deployment says otherwise
//	iat, exp (at most 120 s later) and a unique jti
//
// and the x5c (certificate chain) or kid header, and posts it to
// Maskinporten's token endpoint as the form
//
//	grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<the signed JWT>
//
// The answer is an access token like the sandbox's (RS256, with iss, aud,
// client_id, scope, exp), which the API checks the same way. To use it here,
// write an oauth2.TokenSource whose Token method makes that request (a new
// assertion each time) and pass it to New, wrapped in oauth2.ReuseTokenSource
// so that a token is reused until shortly before it expires.
package client

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ThirdPartyScope is the scope a third party's token must carry.
const ThirdPartyScope = "tredjepart:thirdparty"

// New returns a client of the API at server (e.g. "http://127.0.0.1:4010")
// whose calls carry a bearer token from tokens, and whose calls answered
// with a status of 400 or more return a *ProblemError error and no response.
// A WithHTTPClient option replaces both; wrap its client with
// ProblemErrors to keep the errors.
func New(server string, tokens oauth2.TokenSource, opts ...ClientOption) (*ClientWithResponses, error) {
	authenticated := &http.Client{Transport: &oauth2.Transport{Source: oauth2.ReuseTokenSource(nil, tokens)}}
	return NewClientWithResponses(server, append([]ClientOption{WithHTTPClient(ProblemErrors(authenticated))}, opts...)...)
}

// ClientCredentials is a token source for the OAuth2 client credentials
// grant at tokenURL with the ThirdPartyScope, as the sandbox's issuer takes it: the
// client id in the form and no client authentication. The issuer gives
// the token the API's audience. It gets a new token shortly before the
// last expires.
func ClientCredentials(ctx context.Context, tokenURL, clientID string) oauth2.TokenSource {
	config := clientcredentials.Config{ClientID: clientID, TokenURL: tokenURL, Scopes: []string{ThirdPartyScope}, AuthStyle: oauth2.AuthStyleInParams}
	return config.TokenSource(ctx)
}

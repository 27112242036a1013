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

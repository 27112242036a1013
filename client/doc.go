// Package client is support: the Go client of the Tredjepart third-party
// API for third parties' programs, generated from shared/openapi/openapi.json
// by oapi-codegen.
//
// The generated code is openapi.gen.go (`go generate ./client/...` makes it;
// `make vet` fails when it is stale). By hand: New, which authenticates
// every call with a token source and turns every answer of 400 or more into
// a *ProblemError, and ClientCredentials, the token source of the sandbox's
// issuer.
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
//	iss       the Maskinporten client id
//	aud       Maskinporten's issuer identifier (its "issuer" in the discovery document)
//	scope     tredjepart:thirdparty
//	resource  the API's audience: the deployment's jwtAudience (CDK context)
//	iat, exp  now, and at most 120 s later
//	jti       unique for each assertion
//
// and the x5c (certificate chain) or kid header, and posts it to
// Maskinporten's token endpoint as the form
//
//	grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<the signed JWT>
//
// The answer is an access token like the sandbox's (RS256, with iss, aud,
// client_id, scope, exp; it lives 120 seconds unless the client is set up
// otherwise), which the API checks the same way. To use it here, write an
// oauth2.TokenSource whose Token method makes that request (a new assertion
// each time) and pass it to New, which reuses a token until shortly before
// it expires.
package client

// The generated code's own package comment ("provides primitives …") is in
// openapi.gen.go, which sorts after this file, so go list takes this one.
//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../shared/openapi/openapi.json

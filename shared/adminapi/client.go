package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/tredjepart/tredjepart/shared/problem"
)

// Client calls the admin API with a bearer token that carries the admin scope.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:4010
	Token   string
	HTTP    *http.Client // http.DefaultClient when nil
}

// ProblemError is an answer of the admin API that was not a success, with
// its problem document when it sent one.
type ProblemError struct {
	Status  int
	Problem problem.Document
}

func (e *ProblemError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	if e.Problem.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Problem.Detail)
	}
	for _, f := range e.Problem.Errors {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Reason)
	}
	return b.String()
}

// PartyBody is the body of either kind of party: the two kinds are
// listed, read, registered, updated, disabled and enabled alike.
type PartyBody interface {
	ThirdPartyBody | DataProviderBody
	partyGLN() string
}

func (b ThirdPartyBody) partyGLN() string   { return b.GLN }
func (b DataProviderBody) partyGLN() string { return b.GLN }

// Parties are the routes of one kind of party.
type Parties[B PartyBody] struct {
	client *Client
	path   string
}

// ThirdParties are the third parties' routes.
func (c *Client) ThirdParties() Parties[ThirdPartyBody] {
	return Parties[ThirdPartyBody]{c, ThirdPartiesPath}
}

// DataProviders are the data providers' routes.
func (c *Client) DataProviders() Parties[DataProviderBody] {
	return Parties[DataProviderBody]{c, DataProvidersPath}
}

// List lists every registered party of the kind.
func (p Parties[B]) List(ctx context.Context) ([]B, error) {
	var out ListView[B]
	return out.Items, p.client.do(ctx, http.MethodGet, p.path, nil, &out)
}

// Get reads one party.
func (p Parties[B]) Get(ctx context.Context, gln string) (B, error) {
	var out B
	return out, p.client.do(ctx, http.MethodGet, p.path+"/"+gln, nil, &out)
}

// Register registers a new party.
func (p Parties[B]) Register(ctx context.Context, body B) (B, error) {
	var out B
	return out, p.client.do(ctx, http.MethodPost, p.path, writable(body), &out)
}

// Update replaces a party's registration.
func (p Parties[B]) Update(ctx context.Context, body B) (B, error) {
	var out B
	return out, p.client.do(ctx, http.MethodPut, p.path+"/"+body.partyGLN(), writable(body), &out)
}

// SetDisabled disables or enables a party.
func (p Parties[B]) SetDisabled(ctx context.Context, gln string, disabled bool) (B, error) {
	var out B
	return out, p.client.do(ctx, http.MethodPost, p.path+"/"+gln+"/"+action(disabled), nil, &out)
}

func action(disabled bool) string {
	if disabled {
		return "disable"
	}
	return "enable"
}

// writable is a body without disabled, which the API only changes by the
// disable and enable routes and refuses in a body, and with the version
// only when one was read, so an update is refused if the party changed since.
func writable(body any) map[string]any {
	var fields map[string]any
	raw, _ := json.Marshal(body) // plain structs of strings and numbers
	_ = json.Unmarshal(raw, &fields)
	delete(fields, "disabled")
	if fields["version"] == float64(0) {
		delete(fields, "version")
	}
	return fields
}

func (c *Client) do(ctx context.Context, method, path string, body, into any) error {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, reader)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	httpClient := c.HTTP
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		e := &ProblemError{Status: res.StatusCode}
		if media, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); media == problem.ContentType {
			_ = json.Unmarshal(raw, &e.Problem)
		} else if text := strings.TrimSpace(string(raw)); text != "" {
			e.Problem.Detail = text // the gateway's own answers (401, 403) are not problem documents
		}
		return e
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("%s %s: the answer is not what the admin API sends: %w", method, path, err)
	}
	return nil
}

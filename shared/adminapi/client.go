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

// ThirdParties lists every registered third party.
func (c *Client) ThirdParties(ctx context.Context) ([]ThirdPartyBody, error) {
	var out ListView[ThirdPartyBody]
	return out.Items, c.do(ctx, http.MethodGet, ThirdPartiesPath, nil, &out)
}

// ThirdParty reads one third party.
func (c *Client) ThirdParty(ctx context.Context, gln string) (ThirdPartyBody, error) {
	var out ThirdPartyBody
	return out, c.do(ctx, http.MethodGet, ThirdPartiesPath+"/"+gln, nil, &out)
}

// RegisterThirdParty registers a new third party.
func (c *Client) RegisterThirdParty(ctx context.Context, tp ThirdPartyBody) (ThirdPartyBody, error) {
	var out ThirdPartyBody
	return out, c.do(ctx, http.MethodPost, ThirdPartiesPath, writable(tp), &out)
}

// UpdateThirdParty replaces a third party's registration.
func (c *Client) UpdateThirdParty(ctx context.Context, tp ThirdPartyBody) (ThirdPartyBody, error) {
	var out ThirdPartyBody
	return out, c.do(ctx, http.MethodPut, ThirdPartiesPath+"/"+tp.GLN, writable(tp), &out)
}

// SetThirdPartyDisabled disables or enables a third party.
func (c *Client) SetThirdPartyDisabled(ctx context.Context, gln string, disabled bool) (ThirdPartyBody, error) {
	var out ThirdPartyBody
	return out, c.do(ctx, http.MethodPost, ThirdPartiesPath+"/"+gln+"/"+action(disabled), nil, &out)
}

// DataProviders lists every registered data provider.
func (c *Client) DataProviders(ctx context.Context) ([]DataProviderBody, error) {
	var out ListView[DataProviderBody]
	return out.Items, c.do(ctx, http.MethodGet, DataProvidersPath, nil, &out)
}

// DataProvider reads one data provider.
func (c *Client) DataProvider(ctx context.Context, gln string) (DataProviderBody, error) {
	var out DataProviderBody
	return out, c.do(ctx, http.MethodGet, DataProvidersPath+"/"+gln, nil, &out)
}

// RegisterDataProvider registers a new data provider.
func (c *Client) RegisterDataProvider(ctx context.Context, dp DataProviderBody) (DataProviderBody, error) {
	var out DataProviderBody
	return out, c.do(ctx, http.MethodPost, DataProvidersPath, writable(dp), &out)
}

// UpdateDataProvider replaces a data provider's registration.
func (c *Client) UpdateDataProvider(ctx context.Context, dp DataProviderBody) (DataProviderBody, error) {
	var out DataProviderBody
	return out, c.do(ctx, http.MethodPut, DataProvidersPath+"/"+dp.GLN, writable(dp), &out)
}

// SetDataProviderDisabled disables or enables a data provider.
func (c *Client) SetDataProviderDisabled(ctx context.Context, gln string, disabled bool) (DataProviderBody, error) {
	var out DataProviderBody
	return out, c.do(ctx, http.MethodPost, DataProvidersPath+"/"+gln+"/"+action(disabled), nil, &out)
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

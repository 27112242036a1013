// Package secrets is an adapter: it fills a function's secret settings from
// SSM SecureString parameters on AWS, or from the environment on the local
// stack.
//
// It reads them with one signed GetParameters call, not with the SDK's SSM
// client: that client's schema tables name every SSM operation's shapes and
// add about 1.2 MB to each bootstrap that links it, for one call made once
// at start (docs/benchmarks.md, "Bootstrap sizes"). The request is signed by
// the SDK's own SigV4 signer, which every SDK client links anyway.
package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Fill returns getenv with each of names filled in: from the
// environment itself when set (the local stack), or else from the SSM
// SecureString parameter that <NAME>_PARAM names (AWS), read once at start.
func Fill(ctx context.Context, cfg aws.Config, getenv func(string) string, names ...string) (func(string) string, error) {
	params := map[string]string{} // setting name -> parameter name
	for _, name := range names {
		if getenv(name) != "" {
			continue
		}
		param := getenv(name + "_PARAM")
		if param == "" {
			return nil, fmt.Errorf("neither %s nor %s_PARAM is set", name, name)
		}
		params[name] = param
	}
	values := map[string]string{}
	if len(params) > 0 {
		read, err := getParameters(ctx, cfg, slices.Compact(slices.Sorted(maps.Values(params))))
		if err != nil {
			return nil, err
		}
		for name, param := range params {
			v, ok := read[param]
			if !ok {
				return nil, fmt.Errorf("read %s: SSM has no parameter %s", name, param)
			}
			values[name] = v
		}
	}
	return func(name string) string {
		if v, ok := values[name]; ok {
			return v
		}
		return getenv(name)
	}, nil
}

// maxNames is how many names one GetParameters call takes.
const maxNames = 10

// getParameters reads the named SecureString parameters, decrypted, by
// their names: SSM's GetParameters (JSON 1.1 protocol).
func getParameters(ctx context.Context, cfg aws.Config, names []string) (map[string]string, error) {
	if len(names) > maxNames {
		return nil, fmt.Errorf("%d SSM parameters to read; one call reads at most %d", len(names), maxNames)
	}
	body, err := json.Marshal(struct {
		Names          []string
		WithDecryption bool
	}{names, true})
	if err != nil {
		return nil, err
	}
	endpoint := "https://ssm." + cfg.Region + ".amazonaws.com"
	if cfg.BaseEndpoint != nil {
		endpoint = strings.TrimSuffix(*cfg.BaseEndpoint, "/")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameters")
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("read SSM parameters: credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", cfg.Region, time.Now()); err != nil {
		return nil, fmt.Errorf("read SSM parameters: sign: %w", err)
	}
	var client aws.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	if cfg.HTTPClient != nil {
		client = cfg.HTTPClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read SSM parameters %s: %w", strings.Join(names, ", "), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read SSM parameters: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var fail struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &fail)
		return nil, fmt.Errorf("read SSM parameters %s: %s %s: %s", strings.Join(names, ", "), resp.Status, fail.Type, fail.Message)
	}
	var out struct {
		Parameters []struct {
			Name  string
			Value string
		}
		InvalidParameters []string
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("read SSM parameters: the answer is not GetParameters' JSON: %w", err)
	}
	values := make(map[string]string, len(out.Parameters))
	for _, p := range out.Parameters {
		values[p.Name] = p.Value
	}
	return values, nil
}

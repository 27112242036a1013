//go:build integration

package portalweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"maps"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// A request created and withdrawn through the portal, and a read it
// makes, count in the business metrics as the API's do: the services
// FromEnv wires write their EMF lines to the function's log.
func TestThePortalCountsRequestsAndReadsAsTheAPIDoes(t *testing.T) {
	env := testenv.Get(t)
	data, _ := testenv.Demo(t)
	functionEnv := env.Stack.Env()
	for name, value := range map[string]string{
		OIDCIssuerEnv: "https://ansattporten.example", OIDCClientIDEnv: "portal", OIDCClientSecretEnv: "secret",
		OIDCRedirectURLEnv: "https://tredjepart.example/portal/login/callback", websession.CookieKeysEnv: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("k"), 64)),
	} {
		functionEnv[name] = value
	}
	var log bytes.Buffer
	config, err := configFromEnv(env.Config, func(k string) string { return functionEnv[k] }, slog.New(slog.NewJSONHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tp := data.ThirdParties[0].GLN
	r, _, _, err := config.Requests.Create(ctx, tp, accessrequest.CreateInput{MeteringPoint: data.SecondRequestable, Scope: accessrequest.Full})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.Requests.Withdraw(ctx, tp, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := config.Metering.MasterData(ctx, tp, data.AlreadyGranted); err != nil {
		t.Fatal(err)
	}

	counted := map[string]map[string]int{} // metric -> its Outcome or Kind -> count
	for line := range strings.Lines(log.String()) {
		var emf map[string]any
		if err := json.Unmarshal([]byte(line), &emf); err != nil || emf["_aws"] == nil {
			continue
		}
		for _, name := range []string{metrics.AccessRequests, metrics.ReadsLogged} {
			if n, ok := emf[name].(float64); ok {
				if counted[name] == nil {
					counted[name] = map[string]int{}
				}
				value, _ := emf[metrics.OutcomeDimension].(string)
				if kind, ok := emf[metrics.KindDimension].(string); ok {
					value = kind
				}
				counted[name][value] += int(n)
			}
		}
	}
	if got, want := counted[metrics.AccessRequests], map[string]int{metrics.RequestCreated: 1, metrics.RequestWithdrawn: 1}; !maps.Equal(got, want) {
		t.Errorf("AccessRequests %v, want %v\n%s", got, want, log.String())
	}
	if got, want := counted[metrics.ReadsLogged], map[string]int{metrics.KindMasterData: 1}; !maps.Equal(got, want) {
		t.Errorf("ReadsLogged %v, want %v\n%s", got, want, log.String())
	}
}

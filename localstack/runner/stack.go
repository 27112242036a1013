package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/lambdaenv"
	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/localstack/emulate/provision"
	"github.com/tredjepart/tredjepart/localstack/emulate/rie"
	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/localstack/harness/inprocess"
	"github.com/tredjepart/tredjepart/localstack/identity/issuer"
	"github.com/tredjepart/tredjepart/localstack/identity/oidcdev"
	"github.com/tredjepart/tredjepart/localstack/tools/datagen/ingestload"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/apidocs"
	"github.com/tredjepart/tredjepart/shared/awsenv"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/enduserweb"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/portalweb"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
	"github.com/tredjepart/tredjepart/shared/synthetic"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Audience is the audience the local authorizer expects, as CDK's default.
// The issuer puts it in tokens whose request names no audience.
const Audience = "tredjepart"

// sandboxTokenTTL is how long the issuer's tokens live: long enough for a
// token pasted into a shell to last through the README's steps, as `make
// token`'s do. Maskinporten's live 120 seconds; clients renew either way.
const sandboxTokenTTL = time.Hour

// options are run's flags.
type options struct {
	gatewayPort, issuerPort, motoPort, oidcPort int
	inProcess                                   bool
	stateDir                                    string // keys, logs, the pid file
	buildDir                                    string // bootstraps from make build-local
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.IntVar(&o.gatewayPort, "gateway-port", 4010, "port of the HTTP API gateway")
	fs.IntVar(&o.issuerPort, "issuer-port", 4011, "port of the token issuer")
	fs.IntVar(&o.motoPort, "moto-port", 4012, "port of the moto server (ignored when AWS_ENDPOINT_URL is set)")
	fs.IntVar(&o.oidcPort, "oidc-port", 4013, "port of the development OpenID provider for end users")
	fs.BoolVar(&o.inProcess, "in-process", false, "run functions in this process instead of as bootstrap binaries under the Lambda emulator")
	o.stateDir, o.buildDir = stateDir, filepath.Join("build", "local")
	return o, fs.Parse(args)
}

// stack is a running local stack.
type stack struct {
	endpoint     string
	oidcIssuer   string
	demoRequest  string // a pending request from the demo data, for the printed consent link
	clock        clock.Shifted
	clockSet     bool
	demo         demo.Data
	opts         options
	stop         []func()
	functionMode string // "in-process" or "Lambda emulator"
	webhookURL   string // the demo webhook receiver, registered for the first demo third party
}

func (s *stack) close() {
	for i := len(s.stop) - 1; i >= 0; i-- {
		s.stop[i]()
	}
}

func run(args []string) error {
	opts, err := parseOptions(args)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := start(ctx, opts, logger)
	if s != nil {
		defer s.close()
	}
	if err != nil {
		return err
	}
	banner := s.banner()
	fmt.Print(foregroundBanner(banner))
	// make up prints the banner from this file, with its own last line.
	if err := os.WriteFile(filepath.Join(opts.stateDir, "ready"), []byte(banner), 0o644); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(opts.stateDir, "ready"))
	<-ctx.Done()
	fmt.Println("\nstopping")
	return nil
}

func start(ctx context.Context, opts options, logger *slog.Logger) (*stack, error) {
	if err := os.MkdirAll(opts.stateDir, 0o700); err != nil {
		return nil, err
	}
	s := &stack{opts: opts}
	var err error
	if s.clock, err = clock.FromEnv(os.Getenv("NOW")); err != nil {
		return s, err
	}
	s.clockSet = os.Getenv("NOW") != ""

	cfg, err := s.emulator(ctx, logger)
	if err != nil {
		return s, err
	}
	logger.Info("provisioning", "endpoint", s.endpoint)
	st, err := provision.Provision(ctx, cfg)
	if err != nil {
		return s, fmt.Errorf("provision: %w", err)
	}
	bundle, err := apidocs.LocalBundle()
	if err != nil {
		return s, err
	}
	additions := map[string]string{
		"AWS_ENDPOINT_URL":            s.endpoint,
		sender.LocalEndpointsEnv:      "true", // the demo webhook is on 127.0.0.1 over HTTP
		websession.InsecureCookiesEnv: "true", // the pages are on plain-HTTP localhost
		apidocs.BundleEnv:             bundle, // on AWS it is beside the bootstrap
	}
	// The SDK calls' subsegments, which on AWS go to the X-Ray daemon; an
	// absolute path, for the emulator starts each bootstrap in its own directory.
	traceFile, err := filepath.Abs(filepath.Join(opts.stateDir, "traces.jsonl"))
	if err != nil {
		return s, err
	}
	additions[tracing.FileEnv] = traceFile
	if s.clockSet {
		additions[clock.OffsetEnv] = s.clock.Offset().String()
	}

	db := dynamodb.NewFromConfig(cfg)
	reg := dynamo.Open(db, st.Tables).Parties
	pseudoKey, p, err := pseudonymizer(opts.stateDir)
	if err != nil {
		return s, err
	}
	if s.demo, err = demo.Seed(ctx, s.demoData(), db, st.Tables, p, s.clock); err != nil {
		return s, fmt.Errorf("seed demo data: %w", err)
	}

	if err := s.meterValues(ctx, db, st.Tables, p); err != nil {
		return s, fmt.Errorf("demo meter values: %w", err)
	}

	iss, err := issuer.LoadOrCreate(filepath.Join(opts.stateDir, "issuer-key.pem"), fmt.Sprintf("http://127.0.0.1:%d", opts.issuerPort))
	if err != nil {
		return s, err
	}
	iss.DefaultAudience, iss.TTL = Audience, sandboxTokenTTL
	issuerMux := http.NewServeMux()
	issuerMux.Handle("/local/token", demoTokens(iss, reg))
	issuerMux.Handle(returnPagePath, returnPageHandler{})
	issuerMux.Handle("/", iss.Handler())
	if err := s.serve(opts.issuerPort, issuerMux); err != nil {
		return s, err
	}

	settings, err := s.browserLogins(pseudoKey)
	if err != nil {
		return s, err
	}
	settings[adminapi.OperatorClientsEnv] = OperatorClient // `make token ADMIN=1` gives its tokens
	settings[resources.RateLimitSetting] = envOr(resources.RateLimitSetting, resources.SandboxRateLimit)
	if err := provision.PutSecrets(ctx, cfg, provision.SecretsPrefix, settings); err != nil {
		return s, err
	}
	functions, err := s.functions(ctx, cfg, st.Deployment(settings), additions, logger)
	if err != nil {
		return s, err
	}
	queues := sqs.NewFromConfig(cfg)
	pollers := s.consumers(ctx, queues, st.QueueURLs, functions, logger)
	s.followers(ctx, dynamodbstreams.NewFromConfig(cfg), queues, st.Streams, st.DeadLetters, functions, logger)
	if err := s.schedules(ctx, functions, logger); err != nil {
		return s, err
	}
	issuerMux.Handle("/local/deliver", deliverHandler(functions[resources.FanOutFunctionID], pollers[resources.FanOutShardsQueueID],
		pollers[resources.DeliveryJobsQueueID], opts.stateDir))
	auth, err := gateway.NewAuthorizer(ctx, iss.URL(), Audience)
	if err != nil {
		return s, err
	}
	r := &receiver{clock: s.clock}
	issuerMux.Handle("/local/webhook", r)
	s.webhookURL = fmt.Sprintf("http://127.0.0.1:%d/local/webhook", s.opts.issuerPort)
	sb := &sandbox{s: s, cfg: cfg, st: st, p: p, iss: iss, receiver: r, logger: logger.With("function", resources.SandboxFunctionID)}
	functions[resources.SandboxFunctionID] = sb.invoker()
	routes := append(slices.Clone(resources.Routes), resources.SandboxRoutes...)
	if err := s.serve(opts.gatewayPort, gateway.New(routes, functions, auth, logger)); err != nil {
		return s, err
	}
	return s, s.demoThroughAPI(iss, r)
}

// demoThroughAPI makes the part of the demo data that goes through the API,
// as a third party would, once the gateway is up: the demo's pending
// request, for an end user to decide, and the first third party's webhook,
// the demo receiver.
func (s *stack) demoThroughAPI(iss *issuer.Issuer, r *receiver) error {
	tp, mp, scope := demo.PendingRequest(s.demo)
	var err error
	if s.demoRequest, err = s.requestAccess(iss, tp, mp, scope); err != nil {
		return err
	}
	return s.registerWebhook(iss, s.demo.ThirdParties[0], r, s.webhookURL)
}

// emulator starts moto, or uses AWS_ENDPOINT_URL (LocalStack) when set,
// with the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, in
// AWS_REGION or moto's region.
func (s *stack) emulator(ctx context.Context, logger *slog.Logger) (aws.Config, error) {
	if endpoint := os.Getenv("AWS_ENDPOINT_URL"); endpoint != "" {
		s.endpoint = endpoint
		return awsenv.Config(func(name string) string {
			if name == "AWS_REGION" {
				return envOr(name, moto.Region)
			}
			return os.Getenv(name)
		})
	}
	logFile, err := os.Create(filepath.Join(s.opts.stateDir, "moto.log"))
	if err != nil {
		return aws.Config{}, err
	}
	logger.Info("starting moto", "port", s.opts.motoPort, "log", logFile.Name())
	srv, err := moto.Start(ctx, moto.Options{Port: s.opts.motoPort, Log: logFile})
	if err != nil {
		return aws.Config{}, err
	}
	s.stop = append(s.stop, srv.Stop)
	s.endpoint = srv.Endpoint
	return srv.AWSConfig(), nil
}

// functions runs each function in-process, or as its bootstrap binary
// (make build-local) under the Lambda Runtime Interface Emulator. Each gets
// its own environment as on AWS, with its own timeout and memory
// (lambdaenv), plus the local-only additions.
func (s *stack) functions(ctx context.Context, cfg aws.Config, local lambdaenv.Stack, additions map[string]string, logger *slog.Logger) (map[string]gateway.Invoker, error) {
	invokers := map[string]gateway.Invoker{}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	riePath := ""
	if !s.opts.inProcess {
		if riePath, err = rie.Find(); err != nil {
			return nil, err
		}
	}
	process := lambdaenv.Process{Region: cfg.Region, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, Additions: additions}
	for _, fn := range resources.Functions {
		env, err := lambdaenv.Env(fn, local, process)
		if err != nil {
			return nil, err
		}
		if s.opts.inProcess {
			s.functionMode = "in-process"
			vars := map[string]string{}
			for _, v := range env {
				name, value, _ := strings.Cut(v, "=")
				vars[name] = value
			}
			invoker, err := inprocess.Function(ctx, fn.ID, cfg, func(k string) string { return vars[k] }, logger.With("function", fn.ID))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fn.ID, err)
			}
			invokers[fn.ID] = invoker
			continue
		}
		s.functionMode = "Lambda emulator"
		bootstrap := filepath.Join(s.opts.buildDir, fn.Dir, "bootstrap")
		if _, err := os.Stat(bootstrap); err != nil {
			return nil, fmt.Errorf("%s is missing: run `make build-local` (make run does)", bootstrap)
		}
		out, err := os.Create(filepath.Join(s.opts.stateDir, fn.Dir+".log"))
		if err != nil {
			return nil, err
		}
		f, err := rie.Start(ctx, riePath, bootstrap, env, out)
		if err != nil {
			return nil, fmt.Errorf("start %s under the Lambda emulator: %w", fn.ID, err)
		}
		s.stop = append(s.stop, func() { _ = f.Stop() })
		invokers[fn.ID] = f
	}
	return invokers, nil
}

func (s *stack) serve(port int, h http.Handler) error {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return fmt.Errorf("port %d: %w (is the stack already running? `make down`)", port, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	s.stop = append(s.stop, func() { _ = srv.Close() })
	return nil
}

// pseudonymizer takes the key (base64) from PSEUDONYM_KEY, or keeps one in
// the state folder.
func pseudonymizer(stateDir string) (string, *pseudonym.Pseudonymizer, error) {
	key := os.Getenv("PSEUDONYM_KEY")
	if key == "" {
		var err error
		if key, err = keyFile(filepath.Join(stateDir, "pseudonym.key"), 32); err != nil {
			return "", nil, err
		}
	}
	p, err := pseudonym.FromBase64(key)
	return key, p, err
}

// keyFile returns the base64 key kept at path, making n random bytes the first time.
func keyFile(path string, n int) (string, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, n)
		if _, err := rand.Read(key); err != nil {
			return "", err
		}
		raw = []byte(base64.StdEncoding.EncodeToString(key))
		err = os.WriteFile(path, raw, 0o600)
	}
	return string(raw), err
}

// browserLogins starts the development OpenID provider with the demo
// people (end users, and Siri, who works for Straumkompis), and returns the
// consent pages' and the portal's login settings and secrets.
func (s *stack) browserLogins(pseudoKey string) (map[string]string, error) {
	cookieKeys, err := keyFile(filepath.Join(s.opts.stateDir, "cookie.keys"), 64)
	if err != nil {
		return nil, err
	}
	clientSecret, err := keyFile(filepath.Join(s.opts.stateDir, "oidc-client.secret"), 24)
	if err != nil {
		return nil, err
	}
	portalSecret, err := keyFile(filepath.Join(s.opts.stateDir, "oidc-portal.secret"), 24)
	if err != nil {
		return nil, err
	}
	gw := fmt.Sprintf("http://127.0.0.1:%d", s.opts.gatewayPort)
	callback, portalCallback := gw+"/login/callback", gw+"/portal/login/callback"
	provider, err := oidcdev.New(fmt.Sprintf("http://127.0.0.1:%d", s.opts.oidcPort), filepath.Join(s.opts.stateDir, "oidc-key.pem"),
		demo.People, []oidcdev.Client{
			{ID: consentClientID, Secret: clientSecret, RedirectURIs: []string{callback}},
			{ID: portalClientID, Secret: portalSecret, RedirectURIs: []string{portalCallback}},
		})
	if err != nil {
		return nil, err
	}
	if err := s.serve(s.opts.oidcPort, provider.Handler()); err != nil {
		return nil, err
	}
	s.oidcIssuer = provider.Issuer()
	return map[string]string{
		enduserweb.OIDCIssuerEnv: provider.Issuer(), enduserweb.OIDCClientIDEnv: consentClientID,
		enduserweb.OIDCClientSecretEnv: clientSecret, enduserweb.OIDCRedirectURLEnv: callback,
		enduserweb.PseudonymKeyEnv: pseudoKey, websession.CookieKeysEnv: cookieKeys,
		portalweb.OIDCIssuerEnv: provider.Issuer(), portalweb.OIDCClientIDEnv: portalClientID,
		portalweb.OIDCClientSecretEnv: portalSecret, portalweb.OIDCRedirectURLEnv: portalCallback,
	}, nil
}

// portalClientID is the third-party portal's client at the development provider.
const portalClientID = "tredjepart-portal"

// consentClientID is the consent pages' client at the development provider.
const consentClientID = "tredjepart-consent"

// OperatorClient is the local operator's OAuth client: its tokens carry the
// admin scope.
const OperatorClient = "tredjepart-operator"

// demoTokens hands out a token for a registered third party by GLN, for the
// demo grid company with ?ingest=true, or for the operator with ?admin=true,
// which a real issuer (Maskinporten) would do after authenticating the client.
func demoTokens(iss *issuer.Issuer, reg *dynamo.Parties) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, special := range []struct{ param, client, scope string }{
			{"ingest", demo.GridCompanyClient, resources.IngestScope},
			{"admin", OperatorClient, resources.AdminScope},
		} {
			if r.URL.Query().Get(special.param) != "true" {
				continue
			}
			tok, err := iss.Token(special.client, []string{special.scope}, Audience, sandboxTokenTTL)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, tok+"\n")
			return
		}
		gln, err := ident.ParseGLN(r.URL.Query().Get("gln"))
		if err != nil {
			http.Error(w, "gln: "+err.Error(), http.StatusBadRequest)
			return
		}
		tp, found, err := reg.ThirdParty(r.Context(), gln)
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		case !found || len(tp.ClientIDs) == 0:
			http.Error(w, "no third party with GLN "+string(gln)+" and a client id is registered", http.StatusNotFound)
			return
		}
		tok, err := iss.Token(tp.ClientIDs[0], []string{resources.ThirdPartyScope}, Audience, sandboxTokenTTL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, tok+"\n")
	})
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// requestAccess asks for access the way a third party does, through the
// gateway, so that the demo has a pending request for an end user to decide.
func (s *stack) requestAccess(iss *issuer.Issuer, tp registry.ThirdParty, mp ident.GSRN, scope accessrequest.Scope) (string, error) {
	token, err := iss.Token(tp.ClientIDs[0], []string{resources.ThirdPartyScope}, Audience, time.Minute)
	if err != nil {
		return "", err
	}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/v1/access-requests", s.opts.gatewayPort),
		strings.NewReader(fmt.Sprintf(`{"meteringPointId":%q,"scope":%q}`, mp, scope)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("demo access request: %w", err)
	}
	defer res.Body.Close()
	var body struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body.ID == "" {
		return "", fmt.Errorf("demo access request answered %s", res.Status)
	}
	return body.ID, nil
}

// Demo meter values: the demo points' last demo.MeterValueDays days, and a few
// synthetic points, made by the data generator and sent through the ingest
// service as a grid company's would be.
const (
	syntheticPoints     = 10
	syntheticPointsDays = 14
)

func (s *stack) meterValues(ctx context.Context, db *dynamodb.Client, tables map[string]string, p *pseudonym.Pseudonymizer) error {
	stores := dynamo.Open(db, tables)
	svc := &ingest.Service{
		MeteringPoints: stores.MeteringPoints,
		Values:         stores.MeterValues,
		Clock:          s.clock,
	}
	today := metervalues.Date(s.clock.Now())
	fmt.Fprintln(os.Stderr, "meter values for the demo metering points:")
	o := synthetic.Options{From: today.AddDate(0, 0, -demo.MeterValueDays), To: today, Seed: 1, CorrectionShare: 0.02}
	if _, err := ingestload.Submit(ctx, svc, s.demo.Points, o, 4, os.Stderr, time.Now()); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "synthetic metering points:")
	o = synthetic.Options{Points: syntheticPoints, From: today.AddDate(0, 0, -syntheticPointsDays), To: today, Seed: 1,
		QuarterHourlyShare: 0.2, CabinShare: 0.2, CorrectionShare: 0.01}
	if _, err := ingestload.Run(ctx, svc, p, o, 4, os.Stderr); err != nil {
		return err
	}
	return s.writeIngestExample(o)
}

// ingestExampleFile holds a body for POST /v1/ingest/meter-values that the
// banner suggests: yesterday again for the granted demo point, with other
// values, so sending it shows a correction.
const ingestExampleFile = "ingest-example.json"

func (s *stack) writeIngestExample(o synthetic.Options) error {
	var mp registry.MeteringPoint
	for _, p := range s.demo.Points {
		if p.ID == s.demo.AlreadyGranted {
			mp = p
		}
	}
	yesterday := metervalues.Date(s.clock.Now()).AddDate(0, 0, -1)
	series := synthetic.Day(o, mp, yesterday, 3)
	type quantity struct {
		Quantity string `json:"quantity"`
		Quality  string `json:"quality"`
	}
	item := struct {
		MeteringPointID string     `json:"meteringPointId"`
		Day             string     `json:"day"`
		Resolution      string     `json:"resolution"`
		Quantities      []quantity `json:"quantities"`
	}{string(mp.ID), yesterday.Format(metervalues.DayLayout), string(series.Resolution), nil}
	for _, q := range series.Quantities {
		item.Quantities = append(item.Quantities, quantity{metervalues.FormatQuantity(q.Value), string(q.Quality)})
	}
	body, err := json.MarshalIndent(map[string]any{"series": []any{item}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.opts.stateDir, ingestExampleFile), body, 0o644)
}

package main

import (
	"context"
	"encoding/base64"
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
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/demo"
	"github.com/tredjepart/tredjepart/localstack/gateway"
	"github.com/tredjepart/tredjepart/localstack/issuer"
	"github.com/tredjepart/tredjepart/localstack/moto"
	"github.com/tredjepart/tredjepart/localstack/provision"
	"github.com/tredjepart/tredjepart/localstack/rie"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/intake"
	"github.com/tredjepart/tredjepart/shared/openapi"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// Audience is the audience the local authorizer expects, as CDK's default.
const Audience = "tredjepart"

// options are run's flags.
type options struct {
	gatewayPort, issuerPort, motoPort int
	inProcess                         bool
	stateDir                          string // keys, logs, the pid file
	buildDir                          string // bootstraps from make build-local
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.IntVar(&o.gatewayPort, "gateway-port", 4010, "port of the HTTP API gateway")
	fs.IntVar(&o.issuerPort, "issuer-port", 4011, "port of the token issuer")
	fs.IntVar(&o.motoPort, "moto-port", 4012, "port of the moto server (ignored when AWS_ENDPOINT_URL is set)")
	fs.BoolVar(&o.inProcess, "in-process", false, "run functions in this process instead of as bootstrap binaries under the Lambda emulator")
	o.stateDir, o.buildDir = stateDir, filepath.Join("build", "local")
	return o, fs.Parse(args)
}

// stack is a running local stack.
type stack struct {
	endpoint     string
	clock        clock.Shifted
	clockSet     bool
	demo         demo.Data
	opts         options
	stop         []func()
	functionMode string // "in-process" or "Lambda emulator"
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
	fmt.Print(banner)
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
	functionEnv := st.Env()
	if s.clockSet {
		functionEnv[intake.ClockOffsetEnv] = s.clock.Offset().String()
	}

	db := dynamodb.NewFromConfig(cfg)
	reg := &dynamo.Registry{Client: db, Table: st.Tables[resources.RegistryTableID]}
	p, err := pseudonymizer(opts.stateDir)
	if err != nil {
		return s, err
	}
	if s.demo, err = demo.Seed(ctx, reg, &dynamo.Requests{Client: db, Table: st.Tables[resources.AccessTableID]}, p, s.clock.Now()); err != nil {
		return s, fmt.Errorf("seed demo data: %w", err)
	}

	iss, err := issuer.LoadOrCreate(filepath.Join(opts.stateDir, "issuer-key.pem"), fmt.Sprintf("http://127.0.0.1:%d", opts.issuerPort))
	if err != nil {
		return s, err
	}
	issuerMux := http.NewServeMux()
	issuerMux.Handle("/local/token", demoTokens(iss, reg))
	issuerMux.Handle("/", iss.Handler())
	if err := s.serve(opts.issuerPort, issuerMux); err != nil {
		return s, err
	}

	functions, err := s.functions(ctx, cfg, functionEnv, logger)
	if err != nil {
		return s, err
	}
	auth, err := gateway.NewAuthorizer(ctx, iss.URL(), Audience)
	if err != nil {
		return s, err
	}
	api := http.NewServeMux()
	api.Handle("/openapi.json", openapi.Handler())
	api.Handle("/", gateway.New(resources.Routes, functions, auth, logger))
	return s, s.serve(opts.gatewayPort, api)
}

// emulator starts moto, or uses AWS_ENDPOINT_URL (LocalStack) when set.
func (s *stack) emulator(ctx context.Context, logger *slog.Logger) (aws.Config, error) {
	if endpoint := os.Getenv("AWS_ENDPOINT_URL"); endpoint != "" {
		s.endpoint = endpoint
		return config.LoadDefaultConfig(ctx, config.WithRegion(envOr("AWS_REGION", moto.Region)))
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
	return srv.AWSConfig(ctx)
}

// functions runs each function in-process, or as its bootstrap binary
// (make build-local) under the Lambda Runtime Interface Emulator.
func (s *stack) functions(ctx context.Context, cfg aws.Config, functionEnv map[string]string, logger *slog.Logger) (map[string]gateway.Invoker, error) {
	invokers := map[string]gateway.Invoker{}
	if s.opts.inProcess {
		s.functionMode = "in-process"
		h, err := intake.FromEnv(cfg, func(k string) string { return functionEnv[k] }, logger.With("function", resources.IntakeFunctionID))
		if err != nil {
			return nil, err
		}
		invokers[resources.IntakeFunctionID] = lambda.NewHandler(h.Handle)
		return invokers, nil
	}
	s.functionMode = "Lambda emulator"
	riePath, err := rie.Find()
	if err != nil {
		return nil, err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	env := provision.LambdaEnv(functionEnv, s.endpoint, cfg.Region, creds)
	for _, fn := range resources.Functions {
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

// pseudonymizer takes the key from PSEUDONYM_KEY, or keeps one in the state folder.
func pseudonymizer(stateDir string) (*pseudonym.Pseudonymizer, error) {
	if k := os.Getenv("PSEUDONYM_KEY"); k != "" {
		return pseudonym.FromBase64(k)
	}
	path := filepath.Join(stateDir, "pseudonym.key")
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err := pseudonym.GenerateKey()
		if err != nil {
			return nil, err
		}
		raw = []byte(base64.StdEncoding.EncodeToString(key))
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return pseudonym.FromBase64(string(raw))
}

// demoTokens hands out a token for a registered third party by GLN, which a
// real issuer (Maskinporten) would do after authenticating the client.
func demoTokens(iss *issuer.Issuer, reg *dynamo.Registry) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		tok, err := iss.Token(tp.ClientIDs[0], []string{resources.ThirdPartyScope}, Audience, time.Hour)
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

// Command thirdparty is a developer tool: an example third party of Tredjepart,
// written to be copied. A small service that
//
//  1. registers its webhook (PUT /v1/webhook) and takes its signing secrets
//     (GET /v1/webhook/secret when the PUT shows none);
//  2. reads the feed (GET /v1/deliveries) from where it stopped last time,
//     to catch up with what came while it was down;
//  3. asks for access to each metering point given, and prints the consent
//     link and the redirect-flow (BRS-NO-624) link for its end user;
//  4. serves the return URL of the redirect flow and shows the decision;
//  5. takes webhook pushes, verified with the Standard Webhooks library,
//     handling each document once (by its webhook-id);
//  6. when access begins (or at the start, where it has access already),
//     reads the last month of meter values and prints them per day.
//
// Against the local sandbox (`make up`, then `make example`):
//
//	go run ./examples/thirdparty -points 707057500000001015,707057500000001039
//
// It runs until interrupted (Ctrl-C), then says "stopping" and ends with
// status 0. Everything it must remember is in the -state file. docs/integrating.md walks through the code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/Oslo, also where the system has no zone files

	"github.com/tredjepart/tredjepart/client"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.api, "api", "http://127.0.0.1:4010", "the API's base URL")
	flag.StringVar(&cfg.tokenURL, "token-url", "http://127.0.0.1:4011/token", "the OAuth token endpoint (the sandbox's issuer; Maskinporten in production)")
	flag.StringVar(&cfg.clientID, "client", "straumkompis", "our OAuth client id")
	flag.StringVar(&cfg.listen, "listen", "127.0.0.1:8765", "where to serve the webhook (/webhook) and the return URL (/return)")
	flag.StringVar(&cfg.publicURL, "public-url", "http://127.0.0.1:8765", "how Tredjepart and the end user's browser reach -listen")
	flag.StringVar(&cfg.points, "points", "", "comma-separated GSRNs of the metering points to ask access to")
	flag.StringVar(&cfg.scope, "scope", "LIMITED", "the access to ask for: LIMITED or FULL")
	flag.StringVar(&cfg.statePath, "state", "thirdparty-state.json", "the file where the feed position, the handled ids and the authorize links' states are kept")
	flag.DurationVar(&cfg.pollEvery, "poll", time.Minute, "how often to read the feed besides taking pushes (0: only at the start)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "thirdparty:", err)
		os.Exit(1)
	}
}

type config struct {
	api, tokenURL, clientID, listen, publicURL, points, scope, statePath string
	pollEvery                                                            time.Duration
}

// app is the running service.
type app struct {
	ctx       context.Context
	api       *client.ClientWithResponses
	state     *state
	webhook   verifier // verifies pushes; set before pushes can come
	scope     string
	returnURL string
	out       sync.Mutex // one line (or table) at a time on stdout
}

// say prints one line of what happens.
func (a *app) say(format string, args ...any) {
	a.out.Lock()
	defer a.out.Unlock()
	fmt.Printf(strings.TrimSuffix(format, "\n")+"\n", args...)
}

func run(ctx context.Context, cfg config) error {
	st, err := loadState(cfg.statePath)
	if err != nil {
		return err
	}
	// Every call carries a bearer token from the token endpoint, renewed
	// before it expires. Errors (status 400 and up) come back as
	// *client.ProblemError, with the problem document's type, code and
	// request id.
	tokens := client.ClientCredentials(ctx, cfg.tokenURL, cfg.clientID)
	api, err := client.New(cfg.api, tokens)
	if err != nil {
		return err
	}
	public := strings.TrimSuffix(cfg.publicURL, "/")
	a := &app{ctx: ctx, api: api, state: st, scope: cfg.scope, returnURL: public + "/return"}

	// Listen before registering: pushes may come at once.
	listener, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	ready := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-ready: // the secrets are in
		case <-ctx.Done():
			http.Error(w, "stopping", http.StatusServiceUnavailable) // a 5xx is retried
			return
		}
		a.receivePush(w, r)
	})
	mux.HandleFunc("GET /return", a.showDecision)
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = server.Serve(listener) }()
	defer server.Close()
	a.say("listening on %s, reached as %s", listener.Addr(), public)
	// An interrupt ends the service the same way, also while it starts.
	stop := func() error {
		a.say("stopping")
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return server.Shutdown(shutdown)
	}

	if err := a.start(ctx, cfg.points, public+"/webhook", ready); err != nil {
		if ctx.Err() != nil {
			return stop() // interrupted: what was under way failed with it
		}
		return err
	}
	a.say("ready: waiting for pushes and decisions (Ctrl-C to stop)")

	// Pushes are the fast path; reading the feed now and then catches
	// anything a push missed.
	var tick <-chan time.Time
	if cfg.pollEvery > 0 {
		ticker := time.NewTicker(cfg.pollEvery)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		select {
		case <-ctx.Done():
			return stop()
		case <-tick:
			if err := a.readFeed(ctx); err != nil && !errors.Is(err, context.Canceled) {
				a.say("%v", err) // try again at the next tick
			}
		}
	}
}

// start registers the webhook (closing ready once pushes can be verified),
// has a test event pushed, catches up with the feed and asks for access to
// each of the points.
func (a *app) start(ctx context.Context, points, webhookURL string, ready chan<- struct{}) error {
	var err error
	if a.webhook, err = a.registerWebhook(ctx, webhookURL); err != nil {
		return err
	}
	close(ready)
	// Ask for a signed test event: it proves the URL, the secret and our
	// verification before any real document depends on them.
	if _, err := a.api.TestWebhookWithResponse(ctx, client.WebhookTestRequest{Type: client.WebhookTestRequestTypeWebhookTest}); err != nil {
		return fmt.Errorf("send a test event: %w", err)
	}
	if err := a.readFeed(ctx); err != nil {
		return err
	}
	for _, mp := range strings.Split(points, ",") {
		if mp = strings.TrimSpace(mp); mp != "" {
			if err := a.requestAccess(ctx, mp); err != nil {
				return err
			}
		}
	}
	return nil
}

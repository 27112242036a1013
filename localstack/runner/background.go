package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const stateDir = ".local"

// up starts `run` in the background and returns once it is ready.
func up(args []string) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	if pid, err := readPID(); err == nil && syscall.Kill(pid, 0) == nil {
		return fmt.Errorf("already running as pid %d; `make down` first", pid)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logPath := filepath.Join(stateDir, "runner.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(stateDir, "ready"))
	cmd := exec.Command(self, append([]string{"run"}, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // outlives this command
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(stateDir, "runner.pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	fmt.Fprint(os.Stderr, "starting")
	// Looked for every 100 ms, so that make up returns as soon as the stack is
	// ready; a dot every half second shows it is still starting.
	for tick, deadline := 1, time.Now().Add(90*time.Second); time.Now().Before(deadline); tick++ {
		if banner, err := os.ReadFile(filepath.Join(stateDir, "ready")); err == nil {
			fmt.Fprintln(os.Stderr)
			fmt.Print(backgroundBanner(string(banner), logPath))
			return nil
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("the stack exited during start-up (%v):\n%s", err, log)
		case <-time.After(100 * time.Millisecond):
			if tick%5 == 0 {
				fmt.Fprint(os.Stderr, ".")
			}
		}
	}
	return fmt.Errorf("not ready after 90 s; see %s", logPath)
}

// down stops what up started.
func down() error {
	pid, err := readPID()
	if errors.Is(err, os.ErrNotExist) {
		fmt.Println("not running")
		return nil
	}
	if err != nil {
		return err
	}
	defer os.Remove(filepath.Join(stateDir, "runner.pid"))
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		fmt.Println("not running")
		return nil
	}
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			fmt.Println("stopped")
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return syscall.Kill(pid, syscall.SIGKILL)
}

func readPID() (int, error) {
	raw, err := os.ReadFile(filepath.Join(stateDir, "runner.pid"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(raw)))
}

// token prints a bearer token for a demo third party, or for the demo grid
// company, from the running issuer.
func token(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	gln := fs.String("gln", "", "the third party's GLN")
	ingest := fs.Bool("ingest", false, "a token for the demo grid company, to send master data and meter values")
	admin := fs.Bool("admin", false, "a token for the operator, to register parties with tredjepart-admin")
	port := fs.Int("issuer-port", 4011, "port of the token issuer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	query := "gln=" + url.QueryEscape(*gln)
	switch {
	case *ingest:
		query = "ingest=true"
	case *admin:
		query = "admin=true"
	case *gln == "":
		return errors.New("say which third party: make token GLN=<13-digit GLN>, make token INGEST=1 for the grid company, or make token ADMIN=1 for the operator")
	}
	token, err := issuerToken(*port, query)
	if err != nil {
		return err
	}
	fmt.Print(token)
	return nil
}

// issuerToken asks the running issuer on port for a demo token (query: gln=,
// ingest=true or admin=true).
func issuerToken(port int, query string) (string, error) {
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/local/token?%s", port, query))
	if err != nil {
		return "", fmt.Errorf("the token issuer does not answer; start the stack with `make run` or `make up`: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s", strings.TrimSpace(string(body)))
	}
	return string(body), nil
}

// deliver runs the daily delivery for a day by hand on the running stack
// and waits until it is done, or fails once the timeout has passed.
func deliver(args []string) error {
	fs := flag.NewFlagSet("deliver", flag.ContinueOnError)
	day := fs.String("day", "", "the Oslo day to deliver, YYYY-MM-DD")
	port := fs.Int("issuer-port", 4011, "port of the token issuer, where the runner takes local commands")
	timeout := fs.Duration("timeout", defaultDeliverTimeout, "how long to wait for the delivery jobs to drain")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *day == "" {
		return errors.New("say which day: make deliver DAY=2026-11-27")
	}
	answer, err := requestDelivery(context.Background(), *port, *day, *timeout)
	if err != nil {
		return err
	}
	fmt.Printf("delivered %s: %s", *day, answer)
	return nil
}

// requestDelivery asks the runner on port to deliver day, within timeout.
func requestDelivery(ctx context.Context, port int, day string, timeout time.Duration) (string, error) {
	// The runner answers once timeout has passed; a little more for the answer to come.
	ctx, cancel := context.WithTimeout(ctx, timeout+30*time.Second)
	defer cancel()
	address := fmt.Sprintf("http://127.0.0.1:%d/local/deliver?day=%s&timeout=%s", port, url.QueryEscape(day), timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return "", err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("the stack does not answer in time; is it running (`make run` or `make up`)? %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s", strings.TrimSpace(string(body)))
	}
	return string(body), nil
}

// reset puts the running sandbox back to its seeded state, through the
// gateway's POST /v1/sandbox/reset with the operator's token.
func reset(args []string) error {
	fs := flag.NewFlagSet("reset", flag.ContinueOnError)
	issuerPort := fs.Int("issuer-port", 4011, "port of the token issuer")
	gatewayPort := fs.Int("gateway-port", 4010, "port of the HTTP API gateway")
	if err := fs.Parse(args); err != nil {
		return err
	}
	token, err := issuerToken(*issuerPort, "admin=true")
	if err != nil {
		return fmt.Errorf("operator token: %w", err)
	}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/v1/sandbox/reset", *gatewayPort), nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the gateway does not answer: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("reset answered %s: %s", res.Status, strings.TrimSpace(string(body)))
	}
	fmt.Printf("reset: %s\n", strings.TrimSpace(string(body)))
	return nil
}

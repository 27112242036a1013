// Command firstanswer is a developer tool: it measures the time from `git
// clone` to the first API answer as a new developer meets it — a clone of
// HEAD in a temporary folder, empty Go, pip and npm caches, `make up`, a
// token, one call — and says where the time went: when each thing `make up`
// prepares side by side was ready (read from the files each step leaves),
// the runner's own start, and the first answer. It writes the phases as
// label<TAB>start<TAB>end seconds for benchplot -phases, and prints a table.
//
//	go run ./localstack/tools/firstanswer -out .local/bench/first-answer.tsv
//
// It needs the stack's ports (4010–4013) free, and stops the stack after.
package main

import (
	"bufio"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	out := flag.String("out", "", "where to write the phases (label<TAB>start<TAB>end seconds)")
	repo := flag.String("repo", ".", "the repository to clone (its HEAD)")
	keep := flag.Bool("keep", false, "keep the temporary folder")
	flag.Parse()
	if err := run(*repo, *out, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "firstanswer:", err)
		os.Exit(1)
	}
}

// phase is one step, in seconds from the start of the clone.
type phase struct {
	label      string
	start, end float64
}

func run(repo, out string, keep bool) error {
	tmp, err := os.MkdirTemp("", "firstanswer-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(tmp)
	}
	clone := filepath.Join(tmp, "repo")
	// Empty caches: what a fresh machine has. GOTOOLCHAIN comes from the
	// Makefile, so the approved Go is fetched into the empty module cache too.
	env := append(os.Environ(),
		"GOCACHE="+filepath.Join(tmp, "gocache"), "GOMODCACHE="+filepath.Join(tmp, "gomod"),
		"GOPATH="+filepath.Join(tmp, "gopath"), "PIP_CACHE_DIR="+filepath.Join(tmp, "pip"),
		"npm_config_cache="+filepath.Join(tmp, "npm"))

	t0 := time.Now()
	since := func(t time.Time) float64 { return t.Sub(t0).Seconds() }
	if err := step(env, "", "git", "clone", "-q", repo, clone); err != nil {
		return err
	}
	cloned := since(time.Now())
	fmt.Printf("%6.1f s  cloned\n", cloned)

	up := exec.Command("make", "up")
	up.Dir, up.Env = clone, env
	logs, err := up.StdoutPipe()
	if err != nil {
		return err
	}
	up.Stderr = up.Stdout
	if err := up.Start(); err != nil {
		return err
	}
	// Progress: make's lines, stamped, except the module downloads.
	lines := bufio.NewScanner(logs)
	for lines.Scan() {
		if !strings.HasPrefix(lines.Text(), "go: downloading") {
			fmt.Printf("%6.1f s  %s\n", since(time.Now()), lines.Text())
		}
	}
	if err := up.Wait(); err != nil {
		return fmt.Errorf("make up: %w", err)
	}
	upDone := since(time.Now())
	defer step(env, clone, "make", "down")

	cmd := exec.Command("make", "-s", "token", "GLN=7090000000011")
	cmd.Dir, cmd.Env = clone, env
	token, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("make token: %w", err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:4010/v1/access-requests", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	answered := since(time.Now())
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("the first call answered %s", res.Status)
	}

	// When each prepared thing was ready: the files the steps leave.
	ready := func(path string) (float64, error) {
		info, err := os.Stat(path)
		if err != nil {
			return 0, err
		}
		return since(info.ModTime()), nil
	}
	var phases []phase
	add := func(label string, start float64, endPath string) error {
		end, err := ready(endPath)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		phases = append(phases, phase{label, start, end})
		return nil
	}
	phases = append(phases, phase{"git clone", 0, cloned})
	if err := errors.Join(
		add("Python venv (moto)", cloned, filepath.Join(clone, ".venv", ".installed")),
		add("npm packages", cloned, filepath.Join(clone, "node_modules", ".installed")),
		// The go build ends by moving the bootstraps and the emulator out of
		// build/local/.bin and removing it: the folder's time is when it ended.
		add("Go build: bootstraps, runner, Lambda emulator", cloned, filepath.Join(clone, "build", "local")),
	); err != nil {
		return err
	}
	prepared := slices.MaxFunc(phases, func(a, b phase) int { return cmp.Compare(a.end, b.end) }).end
	started, err := runnerStart(filepath.Join(clone, ".local", "runner.log"), t0)
	if err != nil {
		return err
	}
	phases = append(phases,
		phase{"runner start", prepared, started},
		phase{"stack start, demo data", started, upDone},
		phase{"token, first answer", upDone, answered})

	fmt.Println("\n| step | from | ready at | takes |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	var tsv strings.Builder
	for _, p := range phases {
		fmt.Printf("| %s | %.1f s | %.1f s | %.1f s |\n", p.label, p.start, p.end, p.end-p.start)
		fmt.Fprintf(&tsv, "%s\t%.2f\t%.2f\n", p.label, p.start, p.end)
	}
	fmt.Printf("| **clone to first answer** | | **%.1f s** | |\n", answered)
	if out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(tsv.String()), 0o644)
}

// runnerStart reads when the runner began: its log's first line's time.
func runnerStart(log string, t0 time.Time) (float64, error) {
	f, err := os.Open(log)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	first, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("%s: %w", log, err)
	}
	stamp, _, _ := strings.Cut(strings.TrimPrefix(first, "time="), " ")
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return 0, fmt.Errorf("%s: the first line has no time: %q", log, first)
	}
	return at.Sub(t0).Seconds(), nil
}

// step runs a command in dir, its output to ours.
func step(env []string, dir string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

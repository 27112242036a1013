package main

import (
	"fmt"
	"strings"
	"testing"
)

// bannerStack is a stack as far as its banner needs: ports, names and the
// demo data, nothing running.
func bannerStack() *stack {
	s := &stack{opts: options{gatewayPort: 14010, issuerPort: 14011, motoPort: 14012, oidcPort: 14013, stateDir: ".local"},
		endpoint: "http://127.0.0.1:14012", oidcIssuer: "http://127.0.0.1:14013", functionMode: "in-process",
		demoRequest: "0c5e1b2a-0000-4000-8000-000000000001"}
	s.demo = s.demoData()
	s.webhookURL = fmt.Sprintf("http://127.0.0.1:%d/local/webhook", s.opts.issuerPort)
	return s
}

// The list of services at the top of the banner names every port the stack
// serves, the end users' login provider's too.
func TestTheBannerListsEveryServiceAtTheTop(t *testing.T) {
	s := bannerStack()
	top, _, found := strings.Cut(s.banner(), "Demo third parties")
	if !found {
		t.Fatalf("no list of demo third parties in the banner:\n%s", s.banner())
	}
	for _, port := range []int{s.opts.gatewayPort, s.opts.issuerPort, s.opts.motoPort, s.opts.oidcPort} {
		if !strings.Contains(top, fmt.Sprintf("http://127.0.0.1:%d", port)) {
			t.Errorf("the list of services lacks port %d:\n%s", port, top)
		}
	}
}

// make run's banner says how to stop it; make up's, printed once the
// stack runs in the background, says `make down`, and not Ctrl-C, which
// stops nothing there.
func TestTheBannerSaysHowToStopTheStack(t *testing.T) {
	banner := bannerStack().banner()
	foreground := foregroundBanner(banner)
	background := backgroundBanner(banner, ".local/runner.log")
	if !strings.Contains(foreground, "Ctrl-C stops everything") {
		t.Errorf("make run's banner does not say Ctrl-C stops it:\n%s", foreground)
	}
	if strings.Contains(background, "Ctrl-C") {
		t.Errorf("make up's banner says Ctrl-C:\n%s", background)
	}
	if !strings.Contains(background, "`make down` stops it") || !strings.Contains(background, ".local/runner.log") {
		t.Errorf("make up's banner does not say `make down` stops it, or where the log is:\n%s", background)
	}
}

package main

import (
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/ratelimit"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// The deployed policy is 120 calls a minute per client, at most 20 in one
// 10-second window (README, "The API"), and inside the stage's throttle.
func TestTheDefaultRateLimitIsTheDocumentedOne(t *testing.T) {
	defaults, err := readContext("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := defaults[resources.RateLimitSetting].(string)
	p, err := ratelimit.ParsePolicy(text)
	if err != nil {
		t.Fatalf("cdk.json's %s: %v", resources.RateLimitSetting, err)
	}
	if p != (ratelimit.Policy{Limit: 20, Window: 10 * time.Second}) {
		t.Errorf("cdk.json's %s is %v, the documented one 20/10s", resources.RateLimitSetting, p)
	}
	if perSecond := float64(p.Limit) / p.Window.Seconds(); perSecond > resources.APIThrottle.RatePerSecond {
		t.Errorf("a client's %v calls a second are over the stage's throttle of a route, %v", perSecond, resources.APIThrottle.RatePerSecond)
	}
}

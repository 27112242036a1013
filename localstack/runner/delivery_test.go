package main

import (
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/resources"
)

func TestTheDailyTickFollowsOsloTime(t *testing.T) {
	for _, tc := range []struct{ now, want string }{
		{"2026-11-28T07:59:00Z", "2026-11-28T08:00:00Z"}, // 09:00 CET
		{"2026-11-28T08:00:00Z", "2026-11-29T08:00:00Z"},
		{"2026-03-28T09:00:00Z", "2026-03-29T07:00:00Z"}, // summer time starts in the night
		{"2026-10-24T08:00:00Z", "2026-10-25T08:00:00Z"}, // and ends
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		got, err := nextRun(resources.DailyDelivery, now)
		if err != nil || got.UTC().Format(time.RFC3339) != tc.want {
			t.Errorf("after %s: %v %v, want %s", tc.now, got.UTC(), err, tc.want)
		}
	}
	if _, err := nextRun(resources.Schedule{ID: "x", Expression: "rate(5 minutes)", Timezone: "UTC"}, time.Now()); err == nil {
		t.Error("a schedule the tick cannot run is accepted")
	}
}

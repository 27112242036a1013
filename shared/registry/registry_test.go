package registry

import (
	"testing"
	"time"
)

func TestEndUserAtFollowsMoveInAndMoveOut(t *testing.T) {
	mp := MeteringPoint{Occupancies: []Occupancy{
		{EndUser: "old", MoveIn: Date(2020, 1, 1), MoveOut: Date(2026, 6, 1)},
		{EndUser: "new", MoveIn: Date(2026, 6, 1)},
	}}
	cases := []struct {
		name string
		at   time.Time
		want string
	}{
		{"before anyone moved in", Date(2019, 12, 31), ""},
		{"old end user's time", Date(2024, 3, 5), "old"},
		{"last minute before the move", Date(2026, 6, 1).Add(-time.Minute), "old"},
		{"the move-in day belongs to the new end user", Date(2026, 6, 1), "new"},
		{"long after", Date(2030, 1, 1), "new"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := mp.EndUserAt(c.at)
			if string(got.EndUser) != c.want || ok != (c.want != "") {
				t.Fatalf("EndUserAt(%s) = %q, %v; want %q", c.at, got.EndUser, ok, c.want)
			}
		})
	}
}

func TestNoEndUserAfterMoveOutWithoutSuccessor(t *testing.T) {
	mp := MeteringPoint{Occupancies: []Occupancy{{EndUser: "gone", MoveIn: Date(2020, 1, 1), MoveOut: Date(2025, 1, 1)}}}
	if _, ok := mp.EndUserAt(Date(2025, 1, 1)); ok {
		t.Fatal("an end user was found after the only one moved out")
	}
}

func TestParseDateIsOsloMidnight(t *testing.T) {
	d, err := ParseDate("2026-03-29")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.UTC().Format(time.RFC3339); got != "2026-03-28T23:00:00Z" {
		t.Fatalf("got %s", got)
	}
}

func TestRedirectURIsMatchExactly(t *testing.T) {
	tp := ThirdParty{RedirectURIs: []string{"https://app.example/return"}}
	if !tp.AllowsRedirect("https://app.example/return") {
		t.Fatal("the registered URI is refused")
	}
	for _, look := range []string{"", "https://app.example/return/", "https://app.example/return?x=1", "https://app.example/return/../evil",
		"https://app.example.evil.no/return", "https://evil.no/https://app.example/return", "HTTPS://APP.EXAMPLE/return",
		"javascript:alert(1)//https://app.example/return", "https://app.example@evil.no/return", "//app.example/return"} {
		if tp.AllowsRedirect(look) {
			t.Errorf("%q allowed", look)
		}
	}
}

package clock

import (
	"testing"
	"time"
)

func TestShiftedClockStartsWhereToldAndRunsOn(t *testing.T) {
	start := time.Date(2027, 3, 24, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	c := StartingAt(start)
	if d := c.Now().Sub(start); d < 0 || d > time.Second {
		t.Fatalf("clock reads %s, %s after the start", c.Now(), d)
	}
	same := ByOffset(c.Offset())
	if d := same.Now().Sub(c.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("a clock built from the offset differs by %s", d)
	}
	if wall := c.ToWallClock(c.Now()); time.Since(wall) > time.Second || time.Since(wall) < -time.Second {
		t.Fatalf("ToWallClock(Now()) = %s, not the real now", wall)
	}
}

func TestFromEnv(t *testing.T) {
	if c, err := FromEnv(""); err != nil || c.Offset() != 0 {
		t.Fatalf("empty: %v %v", c, err)
	}
	if _, err := FromEnv("2027-03-24 10:00"); err == nil {
		t.Fatal("accepted a time without zone or T")
	}
	c, err := FromEnv("2027-03-24T10:00:00+01:00")
	if err != nil || c.Now().Year() != 2027 {
		t.Fatalf("%v %v", c.Now(), err)
	}
}

package dailyrun

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
)

// A day that is not over in Oslo is refused before anything is fanned out
// (the handler has no FanOut here: reaching it would panic).
func TestFanOutRefusesADayThatIsNotOver(t *testing.T) {
	// 23:30 UTC on 4 December is 00:30 on 5 December in Oslo.
	h := &FanOutHandler{Clock: clock.StartingAt(time.Date(2026, 12, 4, 23, 30, 0, 0, time.UTC))}
	for _, day := range []string{"2026-12-05", "2027-01-01"} {
		_, err := h.Handle(context.Background(), FanOutInput{Day: day})
		var e *fault.Error
		if !errors.As(err, &e) || e.Code != delivery.CodeDayNotOver || !strings.Contains(err.Error(), "not over") || !strings.Contains(err.Error(), "2026-12-04") {
			t.Errorf("day %s: %v", day, err)
		}
	}
}

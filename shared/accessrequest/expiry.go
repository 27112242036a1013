package accessrequest

import (
	"time"

	"github.com/tredjepart/tredjepart/shared/oslo"
)

// businessDaysToExpiry is how many business days after the day of receipt an
// access request stays open.
const businessDaysToExpiry = 3

// ExpiresAt returns when an access request received at received expires:
// at the end (24:00 Europe/Oslo) of the third business day after the Oslo
// day on which it was received. The day of receipt never counts, even if it
// is a business day and the request arrived at 00:01. The result is in UTC.
func ExpiresAt(received time.Time) time.Time {
	lastDay := oslo.AddBusinessDays(received, businessDaysToExpiry)
	// Midnight exists every day in Oslo (clocks change at 02:00 and 03:00),
	// so a calendar day added to one midnight is the next.
	return lastDay.AddDate(0, 0, 1).UTC()
}

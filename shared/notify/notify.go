// Package notify is a rule: what a third party is told when something about its
// access changes. The expiry state machine sends the same shape
// (shared/resources/expiry.asl.json) for a request that expired.
package notify

import (
	"time"

	"github.com/tredjepart/tredjepart/shared/oslo"
)

// Types of notification.
const (
	RequestApproved = "access-request.approved"
	RequestRejected = "access-request.rejected"
	GrantCreated    = "grant.created" // given directly, without a request
	LevelChanged    = "grant.level-changed"
	GrantRevoked    = "grant.revoked"
)

// Reasons a request was rejected, as the third party reads them: the end
// user declined it, or did not answer before it expired (the expiry state
// machine's text; a test holds them together). Both carry reason code EH088;
// rejectionReason (accessrequest.RejectionDeclined or RejectionExpired) tells
// them apart for a program.
const (
	ReasonDeclined = "The end user declined the request."
	ReasonExpired  = "The end user did not approve the request within three business days."
)

// Notification is one message on the notification queue. NotificationID is
// the same for every retry of the same event, so receivers can drop repeats.
type Notification struct {
	NotificationID  string `json:"notificationId"`
	Type            string `json:"type"`
	RequestID       string `json:"requestId,omitempty"`
	ThirdPartyID    string `json:"thirdPartyId"`
	MeteringPointID string `json:"meteringPointId"`
	Status          string `json:"status,omitempty"`
	Level           string `json:"level,omitempty"`
	ReasonCode      string `json:"reasonCode,omitempty"`
	RejectionReason string `json:"rejectionReason,omitempty"`
	Reason          string `json:"reason,omitempty"`
	OccurredAt      string `json:"occurredAt"`
}

// At formats an instant as notifications carry it.
func At(t time.Time) string { return oslo.FormatUTC(t) }

package adminapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/operations"
)

// Route keys of the morning's operations: a day's status (read only),
// replaying a day, and redriving a queue's dead letters.
const (
	RouteDeliveryStatus = "GET /v1/admin/deliveries/{day}"
	RouteDeliverDay     = "POST /v1/admin/deliveries/{day}"
	RouteRedrive        = "POST /v1/admin/queues/{queue}/redrive"
)

// Paths of the operations.
const (
	DeliveriesPath = "/v1/admin/deliveries"
	QueuesPath     = "/v1/admin/queues"
)

// Operations is what the operations routes call (operations.Service).
type Operations interface {
	Status(ctx context.Context, day time.Time) (operations.Status, error)
	Deliver(ctx context.Context, day time.Time) (delivery.FanOutResult, error)
	Redrive(ctx context.Context, queue string, max int, dryRun bool) (operations.Redriven, error)
}

// StatusView is a day's delivery.
type StatusView struct {
	Day             string               `json:"day"`
	Due             int                  `json:"due"`
	Written         int                  `json:"written"`
	PendingJobs     int                  `json:"pendingJobs"`
	ThirdParties    []ThirdPartyDayView  `json:"thirdParties"`
	Queues          []QueueView          `json:"queues"`
	FailingWebhooks []FailingWebhookView `json:"failingWebhooks"`
}

// ThirdPartyDayView is one third party's part of the day.
type ThirdPartyDayView struct {
	GLN     string `json:"gln"`
	Due     int    `json:"due"`
	Written int    `json:"written"`
}

// QueueView is a queue's depth and its dead-letter queue's.
type QueueView struct {
	Queue           string `json:"queue"`
	DeadLetterQueue string `json:"deadLetterQueue"`
	Waiting         int    `json:"waiting"`
	InFlight        int    `json:"inFlight"`
	Delayed         int    `json:"delayed"`
	DeadLetters     int    `json:"deadLetters"`
}

// FailingWebhookView is a third party whose latest pushes failed.
type FailingWebhookView struct {
	GLN      string `json:"gln"`
	Failures int    `json:"failures"`
	Since    string `json:"since"`
	Status   int    `json:"status,omitempty"`
	Error    string `json:"error,omitempty"`
}

// DeliverView is what replaying a day sent.
type DeliverView struct {
	Day          string `json:"day"`
	ThirdParties int    `json:"thirdParties"`
	Shards       int    `json:"shards"`
}

// RedriveView is what a redrive moved, or on a dry run would move.
type RedriveView struct {
	Queue           string `json:"queue"`
	DeadLetterQueue string `json:"deadLetterQueue"`
	DeadLetters     int    `json:"deadLetters"`
	Moved           int    `json:"moved"`
	DryRun          bool   `json:"dryRun"`
}

func (h *Handler) operations(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	switch ev.RouteKey {
	case RouteDeliveryStatus, RouteDeliverDay:
		day, err := metervalues.ParseDay(ev.PathParameters["day"])
		if err != nil {
			return apigw.Response{}, fault.InvalidFields(fault.FieldError{Field: "day", Reason: "must be a date such as 2026-11-27"})
		}
		if ev.RouteKey == RouteDeliverDay {
			r, err := h.Operations.Deliver(ctx, day)
			if err != nil {
				return apigw.Response{}, err
			}
			return ok(http.StatusAccepted, DeliverView{Day: day.Format(metervalues.DayLayout), ThirdParties: r.ThirdParties, Shards: r.Shards}), nil
		}
		st, err := h.Operations.Status(ctx, day)
		if err != nil {
			return apigw.Response{}, err
		}
		return ok(http.StatusOK, statusView(st)), nil
	}
	// RouteRedrive
	if bad := apigw.KnownParams(ev.QueryStringParameters, "max", "dryRun"); len(bad) > 0 {
		return apigw.Response{}, fault.InvalidFields(bad...)
	}
	// A parameter given empty (?max=&dryRun=) is refused, not read as left out.
	rawMax, given := ev.QueryStringParameters["max"]
	max, err := apigw.AtoiOr(rawMax, 10)
	if err != nil || (given && rawMax == "") {
		return apigw.Response{}, fault.InvalidFields(fault.FieldError{Field: "max", Reason: "must be a whole number"})
	}
	// Exactly true or false, as the document says: not 1, t, TRUE or empty.
	rawDryRun, given := ev.QueryStringParameters["dryRun"]
	if !given {
		rawDryRun = "false"
	}
	dryRun, known := map[string]bool{"false": false, "true": true}[rawDryRun]
	if !known {
		return apigw.Response{}, fault.InvalidFields(fault.FieldError{Field: "dryRun", Reason: "must be true or false"})
	}
	r, err := h.Operations.Redrive(ctx, ev.PathParameters["queue"], max, dryRun)
	if err != nil {
		return apigw.Response{}, err
	}
	return ok(http.StatusOK, RedriveView(r)), nil
}

func statusView(st operations.Status) StatusView {
	v := StatusView{Day: st.Day, Due: st.Due, Written: st.Written, PendingJobs: st.PendingJobs,
		ThirdParties: []ThirdPartyDayView{}, Queues: []QueueView{}, FailingWebhooks: []FailingWebhookView{}}
	for _, tp := range st.ThirdParties {
		v.ThirdParties = append(v.ThirdParties, ThirdPartyDayView{GLN: string(tp.ThirdParty), Due: tp.Due, Written: tp.Written})
	}
	for _, q := range st.Queues {
		v.Queues = append(v.Queues, QueueView(q))
	}
	for _, f := range st.FailingWebhooks {
		v.FailingWebhooks = append(v.FailingWebhooks, FailingWebhookView{GLN: string(f.ThirdParty), Failures: f.Failures,
			Since: f.Since.UTC().Format(time.RFC3339), Status: f.Status, Error: f.Error})
	}
	return v
}

// Status reads a day's delivery.
func (c *Client) Status(ctx context.Context, day string) (StatusView, error) {
	var out StatusView
	return out, c.do(ctx, http.MethodGet, DeliveriesPath+"/"+url.PathEscape(day), nil, &out)
}

// Deliver replays a day's delivery.
func (c *Client) Deliver(ctx context.Context, day string) (DeliverView, error) {
	var out DeliverView
	return out, c.do(ctx, http.MethodPost, DeliveriesPath+"/"+url.PathEscape(day), nil, &out)
}

// Redrive moves up to max dead letters of a queue back to it, or on a dry
// run counts them.
func (c *Client) Redrive(ctx context.Context, queue string, max int, dryRun bool) (RedriveView, error) {
	var out RedriveView
	q := url.Values{"max": {strconv.Itoa(max)}, "dryRun": {strconv.FormatBool(dryRun)}}
	return out, c.do(ctx, http.MethodPost, QueuesPath+"/"+url.PathEscape(queue)+"/redrive?"+q.Encode(), nil, &out)
}

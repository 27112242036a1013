package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/metervalues"
)

const operationsUsage = `
       tredjepart-admin status [-day YYYY-MM-DD] [-json]
       tredjepart-admin deliver -day YYYY-MM-DD
       tredjepart-admin redrive QUEUE [-dry-run] [-max N]

  status   the day's delivery (default: yesterday in Oslo, the day 09:00 delivers): metering points due
           and documents written per third party, jobs pending, queues and dead letters, failing webhooks
  deliver  replays a day's delivery; what is written already is not written again
  redrive  moves up to -max (default 10, at most 1000) messages of QUEUE's dead-letter queue back to
           QUEUE (FanOutShards, DeliveryJobs, WebhookPushes, Notifications, or its DLQ's name);
           -dry-run counts them and moves none
`

// operation runs status, deliver or redrive; ok is false for another verb.
// Each verb takes only its own flags: another verb's is a usage error, not
// taken and ignored.
func operation(ctx context.Context, args []string, getenv func(string) string, now time.Time, stdout, stderr io.Writer) (status int, ok bool) {
	verb := args[0]
	set := flag.NewFlagSet(verb, flag.ContinueOnError)
	set.SetOutput(stderr)
	api := set.String("api", getenv(APIEnv), "the admin API's base URL")
	var day string
	var asJSON, dryRun bool
	var max int
	switch verb {
	case "status":
		set.StringVar(&day, "day", "", "the Oslo day, YYYY-MM-DD (default: yesterday)")
		set.BoolVar(&asJSON, "json", false, "print JSON")
	case "deliver":
		set.StringVar(&day, "day", "", "the Oslo day, YYYY-MM-DD")
	case "redrive":
		set.BoolVar(&dryRun, "dry-run", false, "count the dead letters, move none")
		set.IntVar(&max, "max", 10, "the most messages to move")
	default:
		return 0, false
	}
	queueArgs := 0
	if verb == "redrive" {
		queueArgs = 1
	}
	rest, parsed := parseVerb(set, args[1:], queueArgs, stderr, operationsUsage)
	if !parsed {
		return 2, true
	}
	var queue string
	if len(rest) > 0 {
		queue = rest[0]
	}
	client := &adminapi.Client{BaseURL: *api, Token: getenv(TokenEnv)}
	if client.BaseURL == "" {
		fmt.Fprintf(stderr, "no API: set -api or %s\n", APIEnv)
		return 2, true
	}
	var err error
	switch verb {
	case "status":
		if day == "" {
			day = delivery.PreviousDay(now).Format(metervalues.DayLayout)
		}
		var st adminapi.StatusView
		if st, err = client.Status(ctx, day); err == nil {
			if asJSON {
				return printJSON(stdout, stderr, st), true
			}
			printStatus(stdout, st)
		}
	case "deliver":
		if day == "" {
			fmt.Fprintf(stderr, "which day? give -day YYYY-MM-DD\n\n%s", operationsUsage)
			return 2, true
		}
		var r adminapi.DeliverView
		if r, err = client.Deliver(ctx, day); err == nil {
			fmt.Fprintf(stdout, "delivering %s: %d shard messages for %d third parties; follow it with: tredjepart-admin status -day %s\n",
				r.Day, r.Shards, r.ThirdParties, r.Day)
		}
	case "redrive":
		if queue == "" {
			fmt.Fprintf(stderr, "which queue?\n\n%s", operationsUsage)
			return 2, true
		}
		var r adminapi.RedriveView
		if r, err = client.Redrive(ctx, queue, max, dryRun); err == nil {
			if r.DryRun {
				fmt.Fprintf(stdout, "%s has %d messages; a redrive would move up to %d back to %s (dry run: none moved)\n",
					r.DeadLetterQueue, r.DeadLetters, min(r.DeadLetters, max), r.Queue)
			} else {
				fmt.Fprintf(stdout, "%s had %d messages; moved %d back to %s\n", r.DeadLetterQueue, r.DeadLetters, r.Moved, r.Queue)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1, true
	}
	return 0, true
}

// printStatus writes the day's status as tables.
func printStatus(w io.Writer, st adminapi.StatusView) {
	complete := "complete"
	if st.Written < st.Due || st.PendingJobs > 0 {
		complete = "NOT complete"
	}
	fmt.Fprintf(w, "Day %s: %d due, %d written, %d jobs pending: %s\n\n", st.Day, st.Due, st.Written, st.PendingJobs, complete)
	t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(t, "THIRD PARTY\tDUE\tWRITTEN")
	for _, tp := range st.ThirdParties {
		fmt.Fprintf(t, "%s\t%d\t%d\n", tp.GLN, tp.Due, tp.Written)
	}
	fmt.Fprintln(t)
	fmt.Fprintln(t, "QUEUE\tWAITING\tIN FLIGHT\tDELAYED\tDEAD-LETTER QUEUE\tDEAD LETTERS")
	for _, q := range st.Queues {
		fmt.Fprintf(t, "%s\t%d\t%d\t%d\t%s\t%d\n", q.Queue, q.Waiting, q.InFlight, q.Delayed, q.DeadLetterQueue, q.DeadLetters)
	}
	t.Flush()
	fmt.Fprintln(w)
	if len(st.FailingWebhooks) == 0 {
		fmt.Fprintln(w, "Failing webhooks: none")
		return
	}
	fmt.Fprintln(w, "Failing webhooks:")
	t = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(t, "THIRD PARTY\tFAILURES\tSINCE\tSTATUS\tERROR")
	for _, f := range st.FailingWebhooks {
		fmt.Fprintf(t, "%s\t%d\t%s\t%d\t%s\n", f.GLN, f.Failures, f.Since, f.Status, f.Error)
	}
	t.Flush()
}

//go:build integration

package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// status runs `status -day day -json` and decodes it.
func (c cli) status(day string) adminapi.StatusView {
	c.t.Helper()
	code, out, errOut := c.run("status", "-day", day, "-json")
	if code != 0 {
		c.t.Fatalf("status: %d %s", code, errOut)
	}
	var st adminapi.StatusView
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		c.t.Fatalf("status: %v\n%s", err, out)
	}
	return st
}

// status, deliver and redrive against the admin function as it is built
// on the local stack: its stores on moto's tables, its queues on moto's SQS.
func TestTheMorningsCommands(t *testing.T) {
	env := testenv.Get(t)
	c := cli{t, map[string]string{APIEnv: serveAdmin(t, testenv.Admin(t, "operator")), TokenEnv: "admin-token"}}
	ctx := context.Background()
	stores := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
	tp := gln(t, "707000000031")
	if code, _, errOut := c.run("third-party", "register", "-gln", tp, "-name", "Morgen AS", "-org", "915550002", "-client-id", "cli-morgen",
		"-redirect-uri", "https://morgen.example/back"); code != 0 {
		t.Fatalf("register: %d %s", code, errOut)
	}
	now := time.Now()
	day := delivery.PreviousDay(now)
	dayText := day.Format(metervalues.DayLayout)
	var points []ident.GSRN
	for i := range 2 {
		mp, err := ident.GSRNWithCheckDigit("70705750000003" + strconv.Itoa(i) + "00")
		if err != nil {
			t.Fatal(err)
		}
		points = append(points, mp)
		// A grant's day is due while the registry shows its giver there.
		if _, err := stores.MeteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{ID: mp, AccountingPoint: true,
			Occupancies: []registry.Occupancy{{EndUser: "p1_kari", MoveIn: registry.Date(2021, 8, 1)}}}); err != nil {
			t.Fatal(err)
		}
		if err := stores.Grants.PutGrant(ctx, grant.New(ident.GLN(tp), mp, accessrequest.Full, "p1_kari", "", registry.Date(2021, 8, 1), now)); err != nil {
			t.Fatal(err)
		}
	}
	doc := delivery.Document{ID: delivery.DocumentID(delivery.DailySeries, points[0], day, 1), ThirdParty: ident.GLN(tp), Kind: delivery.DailySeries,
		MeteringPoint: points[0], Day: day, CreatedAt: now, Body: []byte(`{}`)}
	if _, err := stores.Outbox.Put(ctx, doc); err != nil {
		t.Fatal(err)
	}

	// status: the third party's two grants due, one document written.
	before := c.status(dayText)
	mine := func(st adminapi.StatusView) adminapi.ThirdPartyDayView {
		for _, v := range st.ThirdParties {
			if v.GLN == tp {
				return v
			}
		}
		t.Fatalf("status has no %s: %+v", tp, st.ThirdParties)
		return adminapi.ThirdPartyDayView{}
	}
	if got := mine(before); got.Due != 2 || got.Written != 1 || before.Day != dayText {
		t.Errorf("status of %s on %s: %+v, want 2 due, 1 written", tp, dayText, got)
	}
	if len(before.Queues) != len(resources.Queues) {
		t.Errorf("queues %+v, want all %d", before.Queues, len(resources.Queues))
	}
	if code, out, _ := c.run("status", "-day", dayText); code != 0 || !strings.Contains(out, "Day "+dayText+": ") || !strings.Contains(out, tp) ||
		!strings.Contains(out, "DeliveryJobsDLQ") {
		t.Errorf("status as text: %d\n%s", code, out)
	}

	// deliver: a day not over is refused; yesterday's shards are queued.
	if code, _, errOut := c.run("deliver", "-day", metervalues.Date(now).Format(metervalues.DayLayout)); code != 1 || !strings.Contains(errOut, "not over") {
		t.Errorf("deliver today: %d %s", code, errOut)
	}
	code, out, errOut := c.run("deliver", "-day", dayText)
	if code != 0 || !strings.Contains(out, "delivering "+dayText) {
		t.Fatalf("deliver: %d %s %s", code, out, errOut)
	}
	after := c.status(dayText)
	enabled := len(after.ThirdParties)
	if got, want := after.PendingJobs-before.PendingJobs, enabled*delivery.ShardCount; got != want {
		t.Errorf("pending jobs rose by %d, want a shard message per delivery shard of the %d enabled third parties: %d", got, enabled, want)
	}

	// redrive: a dry run moves nothing; a bounded one moves that many back.
	client := sqs.NewFromConfig(env.Config)
	for i := range 3 {
		if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(env.Stack.DeadLetters[resources.NotificationQueueID]),
			MessageBody: aws.String(`{"dead":` + strconv.Itoa(i) + `}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errOut := c.run("redrive", "Notifications", "-dry-run"); code != 0 || !strings.Contains(out, "NotificationsDLQ has 3 messages") ||
		!strings.Contains(out, "none moved") {
		t.Errorf("dry run: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := c.run("redrive", "NotificationsDLQ", "-max", "2"); code != 0 || !strings.Contains(out, "moved 2 back to Notifications") {
		t.Errorf("redrive 2: %d %s %s", code, out, errOut)
	}
	depth := func(st adminapi.StatusView, queue string) adminapi.QueueView {
		for _, q := range st.Queues {
			if q.Queue == queue {
				return q
			}
		}
		t.Fatalf("no queue %s", queue)
		return adminapi.QueueView{}
	}
	if q := depth(c.status(dayText), resources.NotificationQueueID); q.DeadLetters != 1 || q.Waiting+q.InFlight != 2 {
		t.Errorf("after the redrive: %+v, want 1 dead letter left and 2 messages back on the queue", q)
	}
	if code, _, errOut := c.run("redrive", "NoSuchQueue"); code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("an unknown queue: %d %s", code, errOut)
	}
	if code, _, errOut := c.run("redrive", "Notifications", "-max", "5000"); code != 1 || !strings.Contains(errOut, "max") {
		t.Errorf("too many: %d %s", code, errOut)
	}
}

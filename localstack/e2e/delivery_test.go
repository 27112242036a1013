//go:build integration

package e2e_test

// The daily delivery end to end on moto: the fan-out puts shard messages on
// their queue, the shard workers turn them into jobs on the jobs queue, the
// local SQS poller feeds both to their functions with real SQS events, and the third party pulls the documents from its outbox through
// the gateway.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/sqspoller"
	"github.com/tredjepart/tredjepart/localstack/emulate/streampoller"
	"github.com/tredjepart/tredjepart/localstack/harness/inprocess"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/dailyrun"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/queue"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
)

type deliveryWorld struct {
	*meteringWorld
	fanOut, fanOutShard, deliver, push, notifier gateway.Invoker
	sqs                                          *sqs.Client
}

func newDeliveryWorld(t *testing.T) *deliveryWorld {
	t.Helper()
	w := newMeteringWorld(t)
	env := testenv.Get(t)
	functionEnv := env.Stack.Env()
	functionEnv[sender.LocalEndpointsEnv] = "true"
	fn := func(id string) gateway.Invoker {
		f, err := inprocess.Function(context.Background(), id, env.Config, func(k string) string { return functionEnv[k] }, quiet)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	return &deliveryWorld{meteringWorld: w, fanOut: fn(resources.FanOutFunctionID), fanOutShard: fn(resources.FanOutShardFunctionID), deliver: fn(resources.DeliveryFunctionID),
		push: fn(resources.WebhookFunctionID), notifier: fn(resources.NotifierFunctionID), sqs: sqs.NewFromConfig(env.Config)}
}

// runFanOut starts the fan-out for day, as an operator would, and lets the
// shard workers put every job on the jobs queue.
func (w *deliveryWorld) runFanOut(t *testing.T, day string) {
	t.Helper()
	w.runFanOutWith(t, day, w.fanOutShard)
}

func (w *deliveryWorld) runFanOutWith(t *testing.T, day string, shardWorker gateway.Invoker) {
	t.Helper()
	out, err := w.fanOut.Invoke(context.Background(), []byte(fmt.Sprintf(`{"day":%q}`, day)))
	if err != nil || !strings.Contains(string(out), `"day":"`+day+`"`) {
		t.Fatalf("fan-out: %v %s", err, out)
	}
	w.drainQueue(t, resources.FanOutShardsQueueID, shardWorker, 1)
}

// drain feeds the jobs queue to the delivery function until it is empty.
func (w *deliveryWorld) drain(t *testing.T) {
	t.Helper()
	w.drainQueue(t, resources.DeliveryJobsQueueID, w.deliver, 10)
}

func (w *deliveryWorld) drainQueue(t *testing.T, queue string, fn gateway.Invoker, batch int) {
	t.Helper()
	p := sqspoller.Start(context.Background(), w.sqs, fn, sqspoller.Options{
		QueueURL: testenv.Get(t).Stack.QueueURLs[queue], BatchSize: batch,
		VisibilityTimeout: time.Second, ReportBatchItemFailures: true,
		Logger: slog.New(slog.NewTextHandler(testLog{t}, nil)), // shown only if the test fails
	})
	defer p.Stop()
	// Generous: moto serves one request at a time and slows down on a
	// loaded machine; a drain that still times out says what is left.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := p.Drain(ctx); err != nil {
		t.Fatalf("%v; counts now: %v", err, w.queueCounts(t, testenv.Get(t).Stack.QueueURLs[queue]))
	}
}

// testLog writes to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

type feedItem struct {
	raw                            string // the item as sent
	ID, Type, MeteringPointID, Day string
	Document                       struct {
		DocumentID string
		Revision   int
		Late       bool
		Period     struct{ Start, End string }
		Points     []struct {
			Position int
			Quantity string
		}
	}
}

// feed pulls the whole outbox of a third party, page by page, once what was
// just written has settled, and returns the documents of the given points.
func (w *deliveryWorld) feed(t *testing.T, client string, mps ...ident.GSRN) []feedItem {
	t.Helper()
	time.Sleep(delivery.SettleLag + 500*time.Millisecond)
	wanted := map[string]bool{}
	for _, mp := range mps {
		wanted[string(mp)] = true
	}
	var items []feedItem
	after := ""
	for range 1000 {
		r := w.call(t, client, "GET", "/v1/deliveries?limit=100&after="+after, "").expect(t, http.StatusOK)
		var page struct {
			Items []json.RawMessage
			Next  string
		}
		if err := json.Unmarshal([]byte(r.rawBody), &page); err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Items {
			it := feedItem{raw: string(raw)}
			if err := json.Unmarshal(raw, &it); err != nil {
				t.Fatal(err)
			}
			if wanted[it.MeteringPointID] {
				items = append(items, it)
			}
		}
		if page.Next == "" {
			t.Fatal("the feed gave no cursor to poll with")
		}
		if len(page.Items) == 0 {
			return items
		}
		after = page.Next
	}
	t.Fatal("the feed does not end")
	return nil
}

// grantedPoints registers n metering points with one end user, stores
// their values for the days given, and gives Straumkompis full access.
func (w *deliveryWorld) grantedPoints(t *testing.T, n int, days map[string]int) []ident.GSRN {
	t.Helper()
	return w.grantedPointsFor(t, straumkompis, n, days)
}

func (w *deliveryWorld) grantedPointsFor(t *testing.T, client string, n int, days map[string]int) []ident.GSRN {
	t.Helper()
	owner := person(t)
	points := make([]ident.GSRN, n)
	var series []string
	for i := range points {
		points[i] = freshGSRN(t)
		w.register(t, points[i], "PT60M", endUser{id: owner, name: "Delivery Testesen", moveIn: "2024-01-01"})
		for day, values := range days {
			series = append(series, seriesJSON(points[i], day, "PT60M", values, 0.1*float64(i+1)))
		}
		w.grant(t, client, points[i], accessrequest.Full, owner, registry.Date(2024, 1, 1))
	}
	if len(series) > 0 {
		w.ingest(t, "/v1/ingest/meter-values", "series", series...)
	}
	return points
}

func TestDailyDeliveryEndToEnd(t *testing.T) {
	w := newDeliveryWorld(t)
	points := w.grantedPoints(t, 12, map[string]int{"2026-03-29": 23, "2026-10-25": 25})
	late := w.grantedPoints(t, 1, nil)[0]

	w.runFanOut(t, "2026-03-29")
	w.runFanOut(t, "2026-03-29") // a second run delivers nothing twice
	w.drain(t)
	got := w.feed(t, straumkompis, append(points, late)...)
	if len(got) != len(points) {
		t.Fatalf("%d documents for %d metering points", len(got), len(points))
	}
	seen := map[string]bool{}
	for _, it := range got {
		if seen[it.ID] {
			t.Fatalf("document %s delivered twice", it.ID)
		}
		seen[it.ID] = true
		d := it.Document
		if it.Type != "meter-values" || it.Day != "2026-03-29" || d.DocumentID != it.ID || d.Revision != 1 || d.Late {
			t.Errorf("document %+v", it)
		}
		if len(d.Points) != 23 || d.Period.Start != "2026-03-29T00:00:00+01:00" || d.Period.End != "2026-03-30T00:00:00+02:00" {
			t.Errorf("the 23-hour day: %d points, %s to %s", len(d.Points), d.Period.Start, d.Period.End)
		}
		if it.MeteringPointID == string(late) {
			t.Error("a day without values was delivered")
		}
	}
	env := testenv.Get(t)
	awaiting, err := dynamodb.NewFromConfig(env.Config).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(env.Stack.Tables[resources.OutboxTableID]),
		Key:       dynamoKey("AWAIT#"+string(late)+"#2026-03-29", "TP#"+string(w.demo.ThirdParties[0].GLN)),
	})
	if err != nil || awaiting.Item == nil {
		t.Errorf("the late day is not remembered: %v", err)
	}

	w.runFanOut(t, "2026-10-25")
	w.drain(t)
	autumn := w.feed(t, straumkompis, points[0])
	if len(autumn) != 2 || len(autumn[1].Document.Points) != 25 || autumn[1].Day != "2026-10-25" {
		t.Fatalf("after the 25-hour day, the first point's outbox holds %+v", autumn)
	}
}

func TestShardWorkersPageThroughTheirShards(t *testing.T) {
	w := newDeliveryWorld(t)
	points := w.grantedPoints(t, 12, map[string]int{"2026-11-04": 24})
	// Pages of one grant: every shard with a grant is read through cursors.
	env := testenv.Get(t)
	stores, queues := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables), awsjson.New(env.Config, awsjson.SQS)
	smallPages := &dailyrun.FanOutShardHandler{Logger: quiet, Worker: &delivery.ShardWorker{
		ThirdParties: stores.Parties,
		Grants:       stores.Grants,
		Jobs:         &queue.Publisher{Client: queues, URL: env.Stack.QueueURLs[resources.DeliveryJobsQueueID]},
		Shards:       &queue.Publisher{Client: queues, URL: env.Stack.QueueURLs[resources.FanOutShardsQueueID]},
		PageSize:     1,
	}}
	w.runFanOutWith(t, "2026-11-04", lambda.NewHandler(smallPages.Handle))
	w.drain(t)
	got := w.feed(t, straumkompis, points...)
	delivered := map[string]int{}
	for _, it := range got {
		delivered[it.MeteringPointID]++
	}
	for _, mp := range points {
		if delivered[string(mp)] != 1 {
			t.Errorf("%s: %d documents of 2026-11-04, want 1", mp, delivered[string(mp)])
		}
	}
}

func TestRevocationAfterFanOutStopsDelivery(t *testing.T) {
	w := newDeliveryWorld(t)
	points := w.grantedPoints(t, 2, map[string]int{"2026-11-02": 24})
	w.runFanOut(t, "2026-11-02")
	g, _, _ := w.stores.Grants.Grant(context.Background(), w.demo.ThirdParties[0].GLN, points[0])
	revoked, _ := g.Revoke(time.Now())
	if err := w.stores.Grants.UpdateGrant(context.Background(), g, revoked); err != nil {
		t.Fatal(err)
	}
	w.drain(t)
	got := w.feed(t, straumkompis, points...)
	if len(got) != 1 || got[0].MeteringPointID != string(points[1]) {
		t.Fatalf("after revoking %s between fan-out and delivery: %+v", points[0], got)
	}
}

func TestBadJobsEndInTheDeadLetterQueueWithoutBlockingTheBatch(t *testing.T) {
	w := newDeliveryWorld(t)
	points := w.grantedPoints(t, 1, map[string]int{"2026-11-03": 24})
	env := testenv.Get(t)
	queueURL, dlqURL := env.Stack.QueueURLs[resources.DeliveryJobsQueueID], env.Stack.DeadLetters[resources.DeliveryJobsQueueID]
	good := fmt.Sprintf(`{"thirdPartyId":%q,"day":"2026-11-03","meteringPointIds":[%q]}`, w.demo.ThirdParties[0].GLN, points[0])
	for _, body := range []string{"not json", `{"thirdPartyId":"7090000000011","day":"yesterday","meteringPointIds":["x"]}`, good} {
		if _, err := w.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	w.drain(t)
	if got := w.feed(t, straumkompis, points...); len(got) != 1 {
		t.Fatalf("the good job beside two bad ones delivered %d documents", len(got))
	}
	// moto moves a message to the dead-letter queue on a later receive, and
	// a receive may hide one without returning it: look for a while, with a
	// short visibility so a hidden one comes back, and say what the queues
	// hold if the two never show.
	dead := map[string]bool{}
	for deadline := time.Now().Add(30 * time.Second); len(dead) < 2 && time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		out, err := w.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &dlqURL, MaxNumberOfMessages: 10, VisibilityTimeout: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			dead[aws.ToString(m.Body)] = true
		}
	}
	if !dead["not json"] || len(dead) != 2 || dead[good] {
		t.Fatalf("dead-letter queue holds %v; counts: queue %v, dead-letter queue %v", dead, w.queueCounts(t, queueURL), w.queueCounts(t, dlqURL))
	}
}

// queueCounts is what SQS says a queue holds, for failure messages.
func (w *deliveryWorld) queueCounts(t *testing.T, url string) map[string]string {
	out, err := w.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
	})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]string{}
	for k, v := range out.Attributes {
		if strings.HasPrefix(k, "ApproximateNumber") {
			counts[k] = v
		}
	}
	return counts
}

func dynamoKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}
}

func TestWebhookThroughTheWholeStack(t *testing.T) {
	w := newDeliveryWorld(t)
	var mu sync.Mutex
	received := map[string]http.Header{}
	var secrets []stdwebhook.Secret
	var bad []error
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		mu.Lock()
		received[req.Header.Get(stdwebhook.HeaderID)] = req.Header.Clone()
		if err := stdwebhook.Verify(req.Header, body, secrets, time.Now(), 0); err != nil {
			bad = append(bad, err)
		}
		mu.Unlock()
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)

	registered := w.call(t, ladeklar, "PUT", "/v1/webhook", fmt.Sprintf(`{"url":%q}`, srv.URL+"/tredjepart")).expect(t, http.StatusOK)
	secret, err := stdwebhook.ParseSecret(registered.str("secret"))
	if err != nil || registered.body["enabled"] != true {
		t.Fatalf("registration: %s", registered.rawBody)
	}
	mu.Lock()
	secrets = append(secrets, secret)
	mu.Unlock()
	t.Cleanup(func() { w.call(t, ladeklar, "DELETE", "/v1/webhook", "").expect(t, http.StatusNoContent) })
	if again := w.call(t, ladeklar, "GET", "/v1/webhook", "").expect(t, http.StatusOK); again.str("secret") != "" {
		t.Fatal("the secret is shown again")
	}
	w.call(t, ladeklar, "PUT", "/v1/webhook", `{"url":"https://169.254.169.254/latest/meta-data"}`).expect(t, http.StatusBadRequest)

	points := w.grantedPointsFor(t, ladeklar, 3, map[string]int{"2026-11-04": 24})
	w.runFanOut(t, "2026-11-04")
	w.drain(t)
	w.drainQueue(t, resources.WebhookPushesQueueID, w.push, 1)
	for _, mp := range points {
		id := "meter-values:" + string(mp) + ":2026-11-04:r1"
		h, ok := received[id]
		if !ok {
			t.Errorf("%s was not pushed", id)
			continue
		}
		if len(strings.Fields(h.Get(stdwebhook.HeaderSignature))) != 1 || h.Get(stdwebhook.HeaderTimestamp) == "" {
			t.Errorf("headers %v", h)
		}
	}
	if len(bad) > 0 {
		t.Errorf("signatures that do not verify: %v", bad)
	}
	attempts := w.call(t, ladeklar, "GET", "/v1/webhook/attempts?limit=10", "").expect(t, http.StatusOK)
	if !strings.Contains(attempts.rawBody, `"outcome":"delivered"`) {
		t.Errorf("attempt log: %s", attempts.rawBody)
	}
	rotated := w.call(t, ladeklar, "POST", "/v1/webhook/rotate", "").expect(t, http.StatusOK)
	if rotated.str("secret") == "" || len(rotated.body["secrets"].([]any)) != 2 {
		t.Errorf("rotation: %s", rotated.rawBody)
	}

	// The secrets again, newest first, opened through KMS.
	shown := w.call(t, ladeklar, "GET", "/v1/webhook/secret", "").expect(t, http.StatusOK)
	list, _ := shown.body["secrets"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["secret"] != rotated.str("secret") || list[1].(map[string]any)["secret"] != registered.str("secret") {
		t.Fatalf("secrets: %s", shown.rawBody)
	}

	// A sample daily document, pushed at once, for one of ladeklar's points.
	sample := w.call(t, ladeklar, "POST", "/v1/webhook/test", `{"type":"meter-values"}`).expect(t, http.StatusOK)
	id := sample.str("documentId")
	if sample.str("outcome") != "delivered" || !strings.HasPrefix(id, "meter-values.test:") {
		t.Fatalf("test push: %s", sample.rawBody)
	}
	mu.Lock()
	_, pushed := received[id]
	mu.Unlock()
	if !pushed || len(bad) > 0 {
		t.Errorf("the sample %s was not received (%v), or did not verify: %v", id, pushed, bad)
	}
	if feed := w.call(t, ladeklar, "GET", "/v1/deliveries?limit=100", "").expect(t, http.StatusOK); strings.Contains(feed.rawBody, id) {
		t.Errorf("the sample is in the feed: %s", feed.rawBody)
	}
}

func TestNotificationsReachTheOutbox(t *testing.T) {
	w := newDeliveryWorld(t)
	env := testenv.Get(t)
	mp := freshGSRN(t)
	n := notify.Notification{NotificationID: "grant:" + string(mp) + ":1", Type: notify.GrantCreated,
		ThirdPartyID: string(w.demo.ThirdParties[1].GLN), MeteringPointID: string(mp), Level: "FULL", OccurredAt: notify.At(time.Now())}
	publisher := &queue.Publisher{Client: awsjson.New(env.Config, awsjson.SQS), URL: env.Stack.QueueURLs[resources.NotificationQueueID]}
	if err := publisher.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	w.drainQueue(t, resources.NotificationQueueID, w.notifier, 10)
	got := w.feed(t, ladeklar, mp)
	if len(got) != 1 || got[0].Type != "notification" || got[0].ID != "notification:"+n.NotificationID {
		t.Fatalf("the outbox holds %+v", got)
	}
}

// follow starts feeding a table's stream, from now on, to the changes function.
func (w *deliveryWorld) follow(t *testing.T, table string) *streampoller.Poller {
	t.Helper()
	env := testenv.Get(t)
	functionEnv := env.Stack.Env()
	functionEnv[sender.LocalEndpointsEnv] = "true"
	changes, err := inprocess.Function(context.Background(), resources.ChangesFunctionID, env.Config, func(k string) string { return functionEnv[k] }, quiet)
	if err != nil {
		t.Fatal(err)
	}
	p := streampoller.Start(context.Background(), dynamodbstreams.NewFromConfig(env.Config), changes, streampoller.Options{
		StreamARN: env.Stack.Streams[table], BatchSize: 100, ReportBatchItemFailures: true,
		StartingPosition: streampoller.Latest, Logger: quiet,
	})
	t.Cleanup(p.Stop)
	return p
}

func TestLateAndCorrectedDaysAreDelivered(t *testing.T) {
	w := newDeliveryWorld(t)
	onTime := w.grantedPoints(t, 1, map[string]int{"2026-11-05": 24})[0]
	late := w.grantedPoints(t, 1, nil)[0]
	w.runFanOut(t, "2026-11-05")
	w.drain(t)
	changes := w.follow(t, resources.MeterValuesTableID)

	w.ingest(t, "/v1/ingest/meter-values", "series",
		seriesJSON(late, "2026-11-05", "PT60M", 24, 0.4),   // arrives after its delivery
		seriesJSON(onTime, "2026-11-05", "PT60M", 24, 0.9)) // a correction of a delivered day
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := changes.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := w.feed(t, straumkompis, onTime, late)
	byID := map[string]feedItem{}
	for _, it := range got {
		byID[it.ID] = it
	}
	lateDoc, ok := byID["meter-values:"+string(late)+":2026-11-05:r1"]
	if !ok || !lateDoc.Document.Late || len(lateDoc.Document.Points) != 24 {
		t.Errorf("the late day: %+v (all: %+v)", lateDoc, got)
	}
	correction, ok := byID["meter-values-correction:"+string(onTime)+":2026-11-05:r2"]
	if !ok || correction.Type != "meter-values-correction" || correction.Document.Revision != 2 || correction.Document.Points[0].Quantity != "0.901" {
		t.Errorf("the correction: %+v (all: %+v)", correction, got)
	}
	if len(got) != 3 {
		t.Errorf("%d documents, want the first delivery, the late day and the correction", len(got))
	}
}

func TestMasterDataChangesReachGrantHoldersByLevel(t *testing.T) {
	w := newDeliveryWorld(t)
	registryStream := w.follow(t, resources.RegistryTableID)

	mp, owner := freshGSRN(t), person(t)
	users := endUser{id: owner, name: "Mia Testesen", moveIn: "2023-01-01"}
	drain := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := registryStream.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w.register(t, mp, "PT60M", users)
	drain() // the registration reaches no one: no access yet
	w.grant(t, straumkompis, mp, accessrequest.Limited, owner, registry.Date(2023, 1, 1))
	w.grant(t, ladeklar, mp, accessrequest.Full, owner, registry.Date(2023, 1, 1))
	// A new meter: only full access shows the meter number.
	w.ingest(t, "/v1/ingest/master-data", "items", strings.Replace(masterDataJSON(mp, "PT60M", users), `"M-1"`, `"M-2"`, 1))
	drain()
	// A new street address: both levels show it.
	w.ingest(t, "/v1/ingest/master-data", "items", strings.Replace(strings.Replace(masterDataJSON(mp, "PT60M", users), `"M-1"`, `"M-2"`, 1), "Testveien 1", "Testveien 3", 1))
	drain()

	limited, full := w.feed(t, straumkompis, mp), w.feed(t, ladeklar, mp)
	if len(full) != 2 || len(limited) != 1 {
		t.Fatalf("full access got %d changes, limited %d; want 2 and 1", len(full), len(limited))
	}
	if limited[0].Type != "master-data-change" || !strings.Contains(limited[0].ID, ":v3") {
		t.Errorf("limited access got %+v", limited[0])
	}
	if raw := limited[0].raw; strings.Contains(raw, "M-2") || strings.Contains(raw, "meterNumber") || !strings.Contains(raw, "Testveien 3") {
		t.Errorf("limited access sees more than the minimum set, or not the new address: %s", raw)
	}
	if raw := full[0].raw; !strings.Contains(raw, `"meterNumber":"M-2"`) {
		t.Errorf("full access does not see the new meter: %s", raw)
	}

	// The end user who gave both accesses moves out and another moves in:
	// both data windows end at the move-out, full access sees the date, and
	// the newcomer's move-in is no business of either third party.
	moved := users
	moved.moveOut = "2026-01-01"
	newcomer := endUser{id: person(t), name: "Ola Nykommer", moveIn: "2026-01-01"}
	w.ingest(t, "/v1/ingest/master-data", "items", strings.Replace(strings.Replace(masterDataJSON(mp, "PT60M", moved, newcomer), `"M-1"`, `"M-2"`, 1), "Testveien 1", "Testveien 3", 1))
	drain()
	limited, full = w.feed(t, straumkompis, mp), w.feed(t, ladeklar, mp)
	if len(full) != 3 || len(limited) != 2 {
		t.Fatalf("after the move full access has %d changes, limited %d; want 3 and 2", len(full), len(limited))
	}
	moveOut := "master-data-change:" + string(mp) + ":v4:end-user:2023-01-01"
	for _, got := range []feedItem{limited[1], full[2]} {
		if got.ID != moveOut || !strings.Contains(got.raw, `"to":"2026-01-01"}`) {
			t.Errorf("the move-out: %s %s", got.ID, got.raw)
		}
	}
	if raw := full[2].raw; !strings.Contains(raw, `"moveOut":"2026-01-01"`) || strings.Contains(raw, "Nykommer") {
		t.Errorf("full access sees the move-out as %s", raw)
	}
	if raw := limited[1].raw; strings.Contains(raw, "moveOut") || strings.Contains(raw, "Mia") {
		t.Errorf("limited access sees the end user: %s", raw)
	}
}

// Package streampoller is an emulator: the local stand-in for a Lambda
// DynamoDB Streams event source mapping: it reads a table's stream shard by
// shard and invokes a function with the events.DynamoDBEvent AWS would send.
//
// Shards are read one after another (AWS reads them concurrently), a child
// shard only once its parent has been read to its end, and records within a
// shard are processed in order, as on AWS:
//
//   - a function error (or panic) retries the same batch, after a pause that
//     doubles with each failure up to 5 s, until it succeeds (AWS's default
//     of unlimited retries and no maximum record age), or, with
//     BisectBatchOnError, its first half (rounded down), halving again on
//     each failure;
//   - with ReportBatchItemFailures, an events.DynamoDBEventResponse whose
//     batchItemFailures name records of the batch checkpoints before the
//     lowest of them, and reading starts again at it (after the same pause);
//     an empty or null response is a complete success; an unparsable
//     response, or an itemIdentifier that is null, empty or not the
//     sequence number of a record in the batch, fails the whole batch;
//   - otherwise a successful invocation checkpoints after the whole batch;
//   - with an OnFailure queue, a batch that failed MaxRetryAttempts retries
//     (counted since the shard's checkpoint last moved), or records older
//     than MaxRecordAge before they are sent, are skipped: Lambda's
//     invocation record (condition RetryAttemptsExhausted or
//     RecordAgeExceeded, and DDBStreamBatchInfo naming the records) goes to
//     the queue, and the shard reads on after them. A batch that failed in
//     part is given up on from its first failed record to its end, as AWS
//     does. Without OnFailure nothing is skipped.
//
// Checkpoints live in memory only: a new Poller starts at its
// StartingPosition again.
//
// Each read gets a fresh shard iterator at the checkpoint rather than
// following NextShardIterator, and records are confirmed by a second read,
// because of how the moto server rolls back failed transactions (see
// readRecords). That is fine on emulators, whose GetRecords returns every
// record up to the tip; on AWS, where GetRecords may return nothing short of
// the tip, a shard would look caught up early.
package streampoller

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/poll"
)

const (
	// DefaultBatchSize and MaxBatchSize are AWS's for DynamoDB streams.
	DefaultBatchSize = 100
	MaxBatchSize     = 1000
	// DefaultPollInterval is the pause after a pass over the shards that
	// found nothing new.
	DefaultPollInterval = 100 * time.Millisecond

	// StartingPosition values.
	TrimHorizon = "TRIM_HORIZON"
	Latest      = "LATEST"

	// maxIdlePause caps the pause between passes that keep finding nothing:
	// it doubles from PollInterval up to here, because every GetRecords and
	// GetShardIterator leaves an iterator in moto's memory for good (about
	// 3.6 kB each).
	maxIdlePause   = time.Second
	minRetryPause  = 250 * time.Millisecond
	maxRetryPause  = 5 * time.Second
	errorPause     = time.Second
	describeEvery  = 10 * time.Second
	maxPayloadSize = 6 << 20 // Lambda's synchronous invocation payload limit
)

// Options configure a Poller, as the event source mapping's settings do.
type Options struct {
	StreamARN string
	// BatchSize is the most records one invocation gets, 1–1000; 0 means
	// 100 (AWS's default), larger values are cut to 1000. A batch whose
	// event would exceed Lambda's 6 MB payload limit is halved.
	BatchSize int
	// ReportBatchItemFailures is the mapping's FunctionResponseTypes
	// ["ReportBatchItemFailures"].
	ReportBatchItemFailures bool
	// StartingPosition is TRIM_HORIZON (the default: every record the
	// stream holds, which on moto is every change since the table was
	// created) or LATEST (only changes made after Start returns).
	StartingPosition string
	// PollInterval is the pause after a pass over the shards that found
	// nothing; it doubles while they stay quiet, up to 1 s (or PollInterval
	// if longer). 0 means DefaultPollInterval. Reads are short polls: the
	// moto server the local stack runs serves one request at a time.
	PollInterval time.Duration
	// Logger gets one line per batch; nil discards them.
	Logger *slog.Logger

	// OnFailure is the URL of the SQS queue (sent to with SQS) that gets
	// the invocation record of records given up on; empty gives up on
	// nothing, whatever the settings below say.
	OnFailure string
	SQS       *sqs.Client
	// FunctionARN names the function in the invocation record.
	FunctionARN string
	// MaxRetryAttempts is how many times a failed batch is retried before
	// it is given up on (MaximumRetryAttempts); 0 is no bound here (AWS's
	// default of -1), unlike on AWS, where 0 retries nothing.
	MaxRetryAttempts int
	// MaxRecordAge: a record older than this when it is about to be sent
	// is given up on (MaximumRecordAgeInSeconds); 0 is no bound.
	MaxRecordAge time.Duration
	// BisectBatchOnError is BisectBatchOnFunctionError.
	BisectBatchOnError bool
}

// Poller feeds one stream to one function. Create it with Start.
type Poller struct {
	client *dynamodbstreams.Client
	fn     gateway.Invoker
	o      Options
	log    *slog.Logger
	region string

	loop     *poll.Loop
	wake     chan struct{}
	describe atomic.Bool // describe the stream in the next pass

	mu          sync.Mutex
	passes      uint64        // passes started
	idleThrough uint64        // the latest pass that found every shard caught up
	errPass     uint64        // the latest pass that failed on the Streams API …
	err         error         // … and why
	waiting     string        // what keeps the latest pass from being idle
	changed     chan struct{} // closed and replaced when the fields above change

	// Only the loop (and Start, before it runs) touches these.
	shards       map[string]*shard
	positioned   bool // LATEST has been resolved to a checkpoint in every shard
	lastDescribe time.Time
	idleStreak   int
}

// shard is one shard of the stream and where its reading stands.
type shard struct {
	id, parent string
	// next is where the next read starts: TRIM_HORIZON, after the last
	// record processed, or at the first record of a partial batch failure.
	next     position
	pending  []types.Record // a batch that failed as a whole, retried as it is
	failures int            // failed invocations since the checkpoint last moved
	retryAt  time.Time
	reason   string // why the last invocation failed
	done     bool   // a closed shard read to its end
	listed   bool   // in the latest DescribeStream
}

type position struct {
	typ types.ShardIteratorType
	seq string
}

// Start reads o.StreamARN and invokes fn with each batch until ctx ends or
// Stop is called. With LATEST it finds the end of every shard before it
// returns, so changes made after it returns are delivered.
func Start(ctx context.Context, client *dynamodbstreams.Client, fn gateway.Invoker, o Options) *Poller {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("stream", o.StreamARN)
	switch {
	case o.BatchSize <= 0:
		o.BatchSize = DefaultBatchSize
	case o.BatchSize > MaxBatchSize:
		log.Warn("streampoller: batch size cut to the most AWS allows", "batchSize", o.BatchSize, "max", MaxBatchSize)
		o.BatchSize = MaxBatchSize
	}
	switch o.StartingPosition {
	case "":
		o.StartingPosition = TrimHorizon
	case TrimHorizon, Latest:
	default:
		log.Error("streampoller: unknown starting position; reading from TRIM_HORIZON", "startingPosition", o.StartingPosition)
		o.StartingPosition = TrimHorizon
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	region := client.Options().Region
	if parts := strings.Split(o.StreamARN, ":"); len(parts) >= 6 && parts[3] != "" {
		region = parts[3]
	}
	p := &Poller{
		client: client, fn: fn, o: o, log: log, region: region,
		wake: make(chan struct{}, 1), changed: make(chan struct{}), shards: map[string]*shard{},
	}
	if o.StartingPosition == Latest {
		if err := p.position(ctx); err != nil {
			log.Error("streampoller: find the end of the stream; trying again", "error", err)
		}
	} else {
		p.positioned = true
	}
	p.loop = poll.Start(ctx, p.run)
	return p
}

// Stop ends polling and waits for the loop to finish. An invocation under
// way sees its context cancelled and its batch is not checkpointed. Stop may
// be called more than once.
func (p *Poller) Stop() { p.loop.Stop() }

// Drain returns nil once a pass over the stream that began after the call
// found every shard caught up (GetRecords at its checkpoint returned no
// records) with no batch in flight or waiting to be retried: every change
// made before the call has been processed. It fails if ctx ends first (a
// function that keeps failing holds its records back), if such a pass fails
// on the Streams API, or if the poller stops.
func (p *Poller) Drain(ctx context.Context) error {
	p.mu.Lock()
	target := p.passes + 1
	p.mu.Unlock()
	p.describe.Store(true) // a shard that has just appeared counts too
	p.poke()
	for {
		p.mu.Lock()
		idle, err, waiting, changed := p.idleThrough >= target, p.err, p.waiting, p.changed
		if p.errPass < target {
			err = nil
		}
		p.mu.Unlock()
		switch {
		case idle:
			return nil
		case err != nil:
			return fmt.Errorf("streampoller: drain %s: %w", p.o.StreamARN, err)
		}
		select {
		case <-changed:
		case <-p.loop.Done():
			p.mu.Lock()
			idle = p.idleThrough >= target
			p.mu.Unlock()
			if idle {
				return nil
			}
			return fmt.Errorf("streampoller: drain %s: the poller stopped first", p.o.StreamARN)
		case <-ctx.Done():
			if waiting != "" {
				return fmt.Errorf("streampoller: drain %s: %s: %w", p.o.StreamARN, waiting, ctx.Err())
			}
			return fmt.Errorf("streampoller: drain %s: %w", p.o.StreamARN, ctx.Err())
		}
	}
}

func (p *Poller) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// passResult is what one pass over the shards found.
type passResult struct {
	idle     bool      // every shard caught up, nothing waiting
	progress bool      // some records were processed
	retryAt  time.Time // the earliest moment a failed shard may be retried
	err      error     // a Streams API error
	waiting  string
}

func (p *Poller) run(ctx context.Context) {
	for ctx.Err() == nil {
		p.mu.Lock()
		p.passes++
		n := p.passes
		p.mu.Unlock()

		r := p.pass(ctx)
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		if r.idle {
			p.idleThrough = n
		}
		if r.err != nil {
			p.errPass, p.err = n, r.err
		}
		p.waiting = r.waiting
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()

		var pause time.Duration
		switch {
		case r.err != nil:
			p.log.Error("streampoller: read the stream", "error", r.err)
			pause = errorPause
		case r.idle:
			pause = min(p.o.PollInterval<<min(p.idleStreak, 10), max(maxIdlePause, p.o.PollInterval))
		case r.progress:
			pause = 0
		default: // caught up, but a shard waits to retry a failed batch (or has just been read to its end)
			pause = p.o.PollInterval
		}
		if r.idle {
			p.idleStreak++
		} else {
			p.idleStreak = 0
		}
		if !r.retryAt.IsZero() {
			pause = min(pause, time.Until(r.retryAt))
		}
		if pause > 0 {
			poll.Sleep(ctx, pause, p.wake)
		}
	}
}

// pass reads every shard that may be read once, invoking the function
// with what it finds.
func (p *Poller) pass(ctx context.Context) passResult {
	if !p.positioned {
		if err := p.position(ctx); err != nil {
			return passResult{err: err}
		}
	}
	if p.describe.Swap(false) || len(p.shards) == 0 || time.Since(p.lastDescribe) >= describeEvery {
		if err := p.describeStream(ctx, false); err != nil {
			return passResult{err: err}
		}
	}
	r := passResult{idle: true}
	for _, id := range slices.Sorted(maps.Keys(p.shards)) {
		s := p.shards[id]
		if s.done || !p.readable(s) {
			continue
		}
		if time.Now().Before(s.retryAt) {
			r.idle = false
			if r.retryAt.IsZero() || s.retryAt.Before(r.retryAt) {
				r.retryAt = s.retryAt
			}
			r.waiting = fmt.Sprintf("shard %s is waiting to retry a failed batch (%d failures; last: %s)", s.id, s.failures, s.reason)
			continue
		}
		progress, caughtUp, err := p.step(ctx, s)
		if ctx.Err() != nil {
			return r
		}
		if err != nil {
			r.err = err
			r.idle = false
			return r
		}
		r.progress = r.progress || progress
		if !caughtUp {
			r.idle = false
		}
		if !s.retryAt.IsZero() {
			r.idle = false
			if r.retryAt.IsZero() || s.retryAt.Before(r.retryAt) {
				r.retryAt = s.retryAt
			}
			r.waiting = fmt.Sprintf("shard %s is waiting to retry a failed batch (%d failures; last: %s)", s.id, s.failures, s.reason)
		}
	}
	return r
}

// readable reports whether s may be read: its parent, if the stream still
// lists it, has been read to its end.
func (p *Poller) readable(s *shard) bool {
	parent, ok := p.shards[s.parent]
	return s.parent == "" || !ok || parent.done
}

// position resolves LATEST: it lists the shards and moves each one's
// checkpoint past the records it already holds.
func (p *Poller) position(ctx context.Context) error {
	if err := p.describeStream(ctx, true); err != nil {
		return err
	}
	p.positioned = true
	return nil
}

// describeStream brings p.shards up to date with the stream's shards. New
// shards start at TRIM_HORIZON, or, if latest, after their last record.
func (p *Poller) describeStream(ctx context.Context, latest bool) error {
	var listed []types.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: &p.o.StreamARN}
	for {
		out, err := p.client.DescribeStream(ctx, in)
		if err != nil {
			return fmt.Errorf("describe stream: %w", err)
		}
		d := out.StreamDescription
		// moto finds a stream by its table's name alone, so the ARN of a
		// deleted table's stream reads the stream of a new table of that
		// name; AWS answers ResourceNotFoundException.
		if label := aws.ToString(d.StreamLabel); label != "" && !strings.HasSuffix(p.o.StreamARN, "/stream/"+label) {
			return fmt.Errorf("stream %s no longer exists: its table's stream is now %s", p.o.StreamARN, label)
		}
		listed = append(listed, d.Shards...)
		if d.LastEvaluatedShardId == nil || len(d.Shards) == 0 {
			break
		}
		in.ExclusiveStartShardId = d.LastEvaluatedShardId
	}
	for _, s := range p.shards {
		s.listed = false
	}
	for _, l := range listed {
		id := aws.ToString(l.ShardId)
		if s, ok := p.shards[id]; ok {
			s.listed = true
			continue
		}
		s := &shard{id: id, parent: aws.ToString(l.ParentShardId), next: position{typ: types.ShardIteratorTypeTrimHorizon}, listed: true}
		if latest {
			if err := p.skipToEnd(ctx, s); err != nil {
				return err
			}
		}
		p.shards[id] = s
	}
	for id, s := range p.shards {
		if !s.listed {
			if !s.done {
				p.log.Warn("streampoller: a shard left the stream before it was read to its end", "shard", id)
			}
			delete(p.shards, id)
		}
	}
	p.lastDescribe = time.Now()
	return nil
}

// skipToEnd moves s's checkpoint past every record it holds.
func (p *Poller) skipToEnd(ctx context.Context, s *shard) error {
	for {
		records, open, err := p.readRecords(ctx, s, MaxBatchSize)
		if errors.Is(err, errUnsettled) {
			continue
		}
		if err != nil {
			return err
		}
		if len(records) == 0 {
			s.done = !open
			return nil
		}
		s.next = position{types.ShardIteratorTypeAfterSequenceNumber, seq(records[len(records)-1])}
	}
}

// errUnsettled is a read whose records a second read did not confirm.
var errUnsettled = errors.New("the stream changed under the read")

// readRecords reads up to limit records at s's checkpoint. open is false
// once a closed shard has nothing more.
//
// Records are confirmed by a second read, and only those both reads
// returned (by eventID) are kept: a TransactWriteItems that fails on moto
// puts back a deep copy of the table taken when it began, stream included,
// so an iterator taken before it reads the discarded copy, which holds the
// failed transaction's records (with sequence numbers the real stream then
// gives to later changes) and never gets another one. A phantom record
// lives only in the copy that one failed transaction discarded, so two
// iterators taken at different times never both return it; every record
// that really happened is in each copy. An empty read needs no
// confirmation: a discarded copy holds everything written before it was
// discarded. For the same reason each read gets a fresh iterator at the
// checkpoint rather than following NextShardIterator.
func (p *Poller) readRecords(ctx context.Context, s *shard, limit int) (records []types.Record, open bool, err error) {
	first, open, err := p.readOnce(ctx, s, limit)
	if err != nil || len(first) == 0 {
		return nil, open, err
	}
	second, open, err := p.readOnce(ctx, s, limit)
	if err != nil {
		return nil, open, err
	}
	n := 0
	for n < min(len(first), len(second)) && aws.ToString(first[n].EventID) == aws.ToString(second[n].EventID) && seq(first[n]) == seq(second[n]) {
		n++
	}
	if n == 0 {
		p.log.Warn("streampoller: a read returned records a second read did not; a transaction probably failed in between", "shard", s.id, "first", seq(first[0]))
		return nil, true, errUnsettled
	}
	return second[:n], open || n < len(second), nil
}

// readOnce reads up to limit records at s's checkpoint with a fresh iterator.
func (p *Poller) readOnce(ctx context.Context, s *shard, limit int) (records []types.Record, open bool, err error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &p.o.StreamARN, ShardId: &s.id, ShardIteratorType: s.next.typ}
	if s.next.seq != "" {
		in.SequenceNumber = aws.String(s.next.seq)
	}
	it, err := p.client.GetShardIterator(ctx, in)
	if err == nil && it.ShardIterator == nil {
		return nil, false, nil // a closed shard with nothing past the checkpoint
	}
	if err == nil {
		// An iterator is "<stream ARN>|1|<token>" on AWS and moto; moto
		// gives the ARN of a deleted table's stream an iterator of the
		// stream of a new table of that name (see describeStream).
		if arn, _, ok := strings.Cut(*it.ShardIterator, "|"); ok && strings.HasPrefix(arn, "arn:") && arn != p.o.StreamARN {
			return nil, true, fmt.Errorf("stream %s no longer exists: its table's stream is now %s", p.o.StreamARN, arn)
		}
	}
	var out *dynamodbstreams.GetRecordsOutput
	if err == nil {
		out, err = p.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(int32(limit))})
	}
	var trimmed *types.TrimmedDataAccessException
	if errors.As(err, &trimmed) {
		// The checkpoint is older than the stream keeps (24 h on AWS):
		// carry on from the oldest record left, as AWS does.
		p.log.Warn("streampoller: records past the checkpoint were trimmed; reading from TRIM_HORIZON", "shard", s.id, "checkpoint", s.next.seq)
		s.next, s.pending = position{typ: types.ShardIteratorTypeTrimHorizon}, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("read shard %s: %w", s.id, err)
	}
	return out.Records, out.NextShardIterator != nil, nil
}

// step reads one batch from s and invokes the function with it, or retries
// the batch that failed. progress is whether records were processed;
// caughtUp whether s had nothing new.
func (p *Poller) step(ctx context.Context, s *shard) (progress, caughtUp bool, err error) {
	batch := s.pending
	if batch == nil {
		records, open, err := p.readRecords(ctx, s, p.o.BatchSize)
		if errors.Is(err, errUnsettled) {
			return false, false, nil // read again in the next pass
		}
		if err != nil {
			return false, false, err
		}
		if len(records) == 0 {
			if !open {
				s.done = true
				p.describe.Store(true) // its children may be listed now
				p.log.Info("streampoller: shard read to its end", "shard", s.id)
				return false, false, nil
			}
			return false, true, nil
		}
		batch = records
	}
	if expired := p.expired(batch); expired > 0 {
		if err := p.giveUp(ctx, s, batch[:expired], recordAgeExceeded, "", s.failures); err != nil {
			return false, false, err
		}
		return true, false, nil
	}
	start := time.Now()
	event, payload, err := p.event(batch)
	if err != nil {
		p.failed(s, batch, true, "cannot build the event: "+err.Error())
		return false, false, nil
	}
	batch = batch[:len(event.Records)]
	out, invokeErr := gateway.InvokeAsLambda(ctx, p.fn, payload)
	if ctx.Err() != nil {
		p.log.Info("streampoller: stopped during an invocation; its batch was not checkpointed", "shard", s.id, "size", len(batch))
		return false, false, nil
	}
	processed, whole, reason := p.outcome(event.Records, out, invokeErr)
	attrs := []slog.Attr{
		slog.String("shard", s.id),
		slog.Int("size", len(batch)),
		slog.String("first", seq(batch[0])),
		slog.String("last", seq(batch[len(batch)-1])),
		slog.Int("processed", processed),
		slog.Duration("duration", time.Since(start)),
	}
	if reason == "" {
		s.next = position{types.ShardIteratorTypeAfterSequenceNumber, seq(batch[len(batch)-1])}
		s.pending, s.failures, s.retryAt, s.reason = nil, 0, time.Time{}, ""
		p.log.LogAttrs(ctx, slog.LevelInfo, "dynamodb stream batch", attrs...)
		return true, false, nil
	}
	if processed > 0 {
		s.failures = 0 // the checkpoint moves: the failed record's retries start now
	}
	p.failed(s, batch, whole, reason)
	if !whole {
		// Checkpoint before the first failed record: reading starts there.
		s.next = position{types.ShardIteratorTypeAtSequenceNumber, seq(batch[processed])}
	}
	attrs = append(attrs, slog.String("reason", reason), slog.Int("failures", s.failures), slog.Duration("retryIn", time.Until(s.retryAt)))
	p.log.LogAttrs(ctx, slog.LevelWarn, "dynamodb stream batch failed", attrs...)
	if p.o.OnFailure != "" && p.o.MaxRetryAttempts > 0 && s.failures > p.o.MaxRetryAttempts {
		functionError := ""
		if invokeErr != nil {
			functionError = "Unhandled"
		}
		if err := p.giveUp(ctx, s, batch[processed:], retryAttemptsExhausted, functionError, s.failures); err != nil {
			return processed > 0, false, err
		}
		return true, false, nil
	}
	return processed > 0, false, nil
}

// failed records a failed invocation of batch on s: the whole batch is
// kept to be retried as it is (its first half, with BisectBatchOnError), or
// (a partial failure) read again.
func (p *Poller) failed(s *shard, batch []types.Record, whole bool, reason string) {
	s.pending = nil
	if whole {
		s.pending = batch
		if p.o.BisectBatchOnError && len(batch) > 1 {
			s.pending = batch[:len(batch)/2]
		}
	}
	s.failures++
	s.reason = reason
	s.retryAt = time.Now().Add(min(minRetryPause<<min(s.failures-1, 10), maxRetryPause))
}

// Conditions of an invocation record: why records were given up on.
const (
	retryAttemptsExhausted = "RetryAttemptsExhausted"
	recordAgeExceeded      = "RecordAgeExceeded"
)

// expired is how many of batch's first records are older than MaxRecordAge.
func (p *Poller) expired(batch []types.Record) int {
	if p.o.OnFailure == "" || p.o.MaxRecordAge <= 0 {
		return 0
	}
	n := 0
	for n < len(batch) && batch[n].Dynamodb != nil && batch[n].Dynamodb.ApproximateCreationDateTime != nil &&
		time.Since(*batch[n].Dynamodb.ApproximateCreationDateTime) > p.o.MaxRecordAge {
		n++
	}
	return n
}

// InvocationRecord is what Lambda sends an on-failure destination for
// records of a DynamoDB stream it gave up on: which records, not what they
// held (docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
type InvocationRecord struct {
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionARN            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	ResponseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError,omitempty"`
	} `json:"responseContext"`
	Version        string    `json:"version"`
	Timestamp      time.Time `json:"timestamp"`
	DDBStreamBatch struct {
		ShardID                         string    `json:"shardId"`
		StartSequenceNumber             string    `json:"startSequenceNumber"`
		EndSequenceNumber               string    `json:"endSequenceNumber"`
		ApproximateArrivalOfFirstRecord time.Time `json:"approximateArrivalOfFirstRecord"`
		ApproximateArrivalOfLastRecord  time.Time `json:"approximateArrivalOfLastRecord"`
		BatchSize                       int       `json:"batchSize"`
		StreamARN                       string    `json:"streamArn"`
	} `json:"DDBStreamBatchInfo"`
}

// giveUp sends the invocation record of records to the OnFailure queue
// and moves s's checkpoint past them. If the send fails, nothing moves.
func (p *Poller) giveUp(ctx context.Context, s *shard, records []types.Record, condition, functionError string, invocations int) error {
	var r InvocationRecord
	r.RequestContext.RequestID = newRequestID()
	r.RequestContext.FunctionARN = p.o.FunctionARN
	r.RequestContext.Condition = condition
	r.RequestContext.ApproximateInvokeCount = invocations
	r.ResponseContext.StatusCode = 200
	r.ResponseContext.ExecutedVersion = "$LATEST"
	r.ResponseContext.FunctionError = functionError
	r.Version = "1.0"
	r.Timestamp = time.Now().UTC()
	b := &r.DDBStreamBatch
	b.ShardID, b.StreamARN, b.BatchSize = s.id, p.o.StreamARN, len(records)
	b.StartSequenceNumber, b.EndSequenceNumber = seq(records[0]), seq(records[len(records)-1])
	b.ApproximateArrivalOfFirstRecord = created(records[0])
	b.ApproximateArrivalOfLastRecord = created(records[len(records)-1])
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := p.o.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &p.o.OnFailure, MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("send the invocation record of shard %s, %s to %s, to the on-failure queue: %w", s.id, b.StartSequenceNumber, b.EndSequenceNumber, err)
	}
	p.log.Warn("streampoller: records given up on and sent to the on-failure queue", "shard", s.id, "condition", condition,
		"first", b.StartSequenceNumber, "last", b.EndSequenceNumber, "size", len(records), "invocations", invocations)
	s.next = position{types.ShardIteratorTypeAfterSequenceNumber, b.EndSequenceNumber}
	s.pending, s.failures, s.retryAt, s.reason = nil, 0, time.Time{}, ""
	return nil
}

func created(r types.Record) time.Time {
	if r.Dynamodb == nil || r.Dynamodb.ApproximateCreationDateTime == nil {
		return time.Time{}
	}
	return r.Dynamodb.ApproximateCreationDateTime.UTC().Truncate(time.Second)
}

// newRequestID is a random UUID (version 4), as Lambda's request ids are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func seq(r types.Record) string {
	if r.Dynamodb == nil {
		return ""
	}
	return aws.ToString(r.Dynamodb.SequenceNumber)
}

// event builds the event for batch, or for as many of its first records as
// fit Lambda's payload limit.
func (p *Poller) event(batch []types.Record) (events.DynamoDBEvent, []byte, error) {
	event := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, len(batch))}
	for i, r := range batch {
		rec, err := Record(r, p.o.StreamARN, p.region)
		if err != nil {
			return event, nil, fmt.Errorf("record %s: %w", seq(r), err)
		}
		event.Records[i] = rec
	}
	for {
		payload, err := json.Marshal(event)
		if err != nil {
			return event, nil, err
		}
		if len(payload) <= maxPayloadSize || len(event.Records) == 1 {
			return event, payload, nil
		}
		event.Records = event.Records[:len(event.Records)/2]
	}
}

// outcome reads the invocation's result: how many of the batch's first
// records were processed, and, if not all, whether the whole batch failed
// and why.
func (p *Poller) outcome(records []events.DynamoDBEventRecord, out []byte, invokeErr error) (processed int, whole bool, reason string) {
	if invokeErr != nil {
		return 0, true, "function error: " + invokeErr.Error()
	}
	if !p.o.ReportBatchItemFailures {
		return len(records), false, ""
	}
	out = bytes.TrimSpace(out)
	if len(out) == 0 || bytes.Equal(out, []byte("null")) {
		return len(records), false, "" // a null response is a complete success
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if out[0] != '{' || json.Unmarshal(out, &resp) != nil {
		return 0, true, "unparsable batch item failures response"
	}
	first := len(records)
	for _, f := range resp.BatchItemFailures {
		id := aws.ToString(f.ItemIdentifier)
		if id == "" {
			return 0, true, "a batch item failure without itemIdentifier"
		}
		i := slices.IndexFunc(records, func(r events.DynamoDBEventRecord) bool { return r.Change.SequenceNumber == id })
		if i < 0 {
			return 0, true, fmt.Sprintf("itemIdentifier %q is not the sequence number of a record in the batch", id)
		}
		first = min(first, i)
	}
	if first == len(records) {
		return first, false, ""
	}
	return first, false, fmt.Sprintf("batch item failure at sequence number %s", records[first].Change.SequenceNumber)
}

// Record is the event record Lambda builds from a stream record: the stream
// record with the stream's ARN and region (moto's records say us-east-1
// whatever the region).
func Record(r types.Record, streamARN, region string) (events.DynamoDBEventRecord, error) {
	rec := events.DynamoDBEventRecord{
		AWSRegion:      region,
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    "aws:dynamodb",
		EventVersion:   aws.ToString(r.EventVersion),
		EventSourceArn: streamARN,
	}
	if rec.EventVersion == "" {
		rec.EventVersion = "1.1"
	}
	if id := r.UserIdentity; id != nil {
		rec.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(id.Type), PrincipalID: aws.ToString(id.PrincipalId)}
	}
	d := r.Dynamodb
	if d == nil {
		return rec, errors.New("no dynamodb section")
	}
	var err error
	c := &rec.Change
	if c.Keys, err = attributeMap(d.Keys); err != nil {
		return rec, fmt.Errorf("Keys: %w", err)
	}
	if c.NewImage, err = attributeMap(d.NewImage); err != nil {
		return rec, fmt.Errorf("NewImage: %w", err)
	}
	if c.OldImage, err = attributeMap(d.OldImage); err != nil {
		return rec, fmt.Errorf("OldImage: %w", err)
	}
	c.SequenceNumber = aws.ToString(d.SequenceNumber)
	c.SizeBytes = aws.ToInt64(d.SizeBytes)
	c.StreamViewType = string(d.StreamViewType)
	if t := d.ApproximateCreationDateTime; t != nil {
		// Lambda sends whole epoch seconds.
		c.ApproximateCreationDateTime = events.SecondsEpochTime{Time: t.Truncate(time.Second)}
	}
	return rec, nil
}

// attributeMap converts an item image; nil stays nil (left out of the JSON).
func attributeMap(m map[string]types.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		a, err := AttributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = a
	}
	return out, nil
}

// AttributeValue converts a stream attribute value to the event's. Lists,
// maps and sets are never null in the event: an empty one is [] or {}.
func AttributeValue(v types.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(nonNil(v.Value)), nil
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(nonNil(v.Value)), nil
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(nonNil(v.Value)), nil
	case *types.AttributeValueMemberBS:
		set := make([][]byte, len(v.Value))
		for i, b := range v.Value {
			set[i] = nonNil(b)
		}
		return events.NewBinarySetAttribute(set), nil
	case *types.AttributeValueMemberL:
		list := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			a, err := AttributeValue(e)
			if err != nil {
				return a, fmt.Errorf("[%d]: %w", i, err)
			}
			list[i] = a
		}
		return events.NewListAttribute(list), nil
	case *types.AttributeValueMemberM:
		m, err := attributeMap(v.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		if m == nil {
			m = map[string]events.DynamoDBAttributeValue{}
		}
		return events.NewMapAttribute(m), nil
	case nil:
		return events.DynamoDBAttributeValue{}, errors.New("no value")
	case *types.UnknownUnionMember:
		return events.DynamoDBAttributeValue{}, fmt.Errorf("unknown attribute type %s", v.Tag)
	default:
		return events.DynamoDBAttributeValue{}, fmt.Errorf("unknown attribute value %T", v)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/shared/ident"
)

// elevenDigits is a run of exactly eleven digits: the shape of a
// fødselsnummer or D-number. GSRNs (18), GLNs (13) and organisation numbers
// (9) are other lengths.
var elevenDigits = regexp.MustCompile(`(?:^|\D)(\d{11})(?:\D|$)`)

// nationalIDsIn returns the valid national identity numbers written in clear in text.
func nationalIDsIn(text string) []string {
	var found []string
	for _, m := range elevenDigits.FindAllStringSubmatch(text, -1) {
		if _, err := ident.ParseNationalID(m[1]); err == nil {
			found = append(found, m[1])
		}
	}
	return found
}

// clearNationalIDs looks where the stack keeps or writes anything — every
// table item, every stream record, every Step Functions execution's input
// and output, and every log in the state folder — for a national identity
// number in clear, and says where each one is. It also counts what it read.
func (u user) clearNationalIDs() (leaks []string, read map[string]int) {
	t, ctx := u.t, u.ctx
	cfg := moto.Config(u.s.endpoint)
	read = map[string]int{}
	look := func(where string, v any) {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range nationalIDsIn(string(raw)) {
			leaks = append(leaks, fmt.Sprintf("%s: %s…", where, id[:6]))
		}
	}

	db := dynamodb.NewFromConfig(cfg)
	tables, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables.TableNames {
		pages := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range page.Items {
				look("table "+table, item)
				read["table items"]++
			}
		}
	}

	streams := dynamodbstreams.NewFromConfig(cfg)
	list, err := streams.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Streams {
		desc, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: s.StreamArn})
		if err != nil {
			t.Fatal(err)
		}
		for _, shard := range desc.StreamDescription.Shards {
			it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: s.StreamArn, ShardId: shard.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			for next := it.ShardIterator; next != nil; {
				out, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: next})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range out.Records {
					look("stream of "+aws.ToString(s.TableName), r.Dynamodb)
					read["stream records"]++
				}
				if len(out.Records) == 0 {
					break
				}
				next = out.NextShardIterator
			}
		}
	}

	sf := sfn.NewFromConfig(cfg)
	machines, err := sf.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range machines.StateMachines {
		executions, err := sf.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: m.StateMachineArn})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range executions.Executions {
			d, err := sf.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			look("execution "+aws.ToString(e.Name), []*string{d.Input, d.Output})
			read["executions"]++
		}
	}

	logs, err := filepath.Glob(filepath.Join(u.s.opts.stateDir, "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range logs {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			for _, id := range nationalIDsIn(line) {
				leaks = append(leaks, fmt.Sprintf("%s:%d: %s…", filepath.Base(path), i+1, id[:6]))
			}
			read["log lines"]++
		}
	}
	return leaks, read
}

// The finder finds what it looks for: a number in clear, and nothing that
// is masked or of another length.
func TestNationalIDsInFindsOnlyNumbersInClear(t *testing.T) {
	if got := nationalIDsIn(`{"nationalId":"15033951210"}`); len(got) != 1 {
		t.Errorf("a number in clear was not found: %v", got)
	}
	if got := nationalIDsIn(`***********, 707057500000001039, 7090000000011, 150339512100, 15033951211`); len(got) != 0 {
		t.Errorf("found %v where there is none", got)
	}
}

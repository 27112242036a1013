//go:build integration

package moto

import (
	"context"
	"errors"
	"net/http/httptrace"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The server handles one request at a time; were it to read one connection
// at a time too, a connection a client opens and never sends on would hold
// up every other client (serve.py). A request cancelled
// while its connection is being dialled leaves just such a connection (Go
// finishes the dial for a later request to use): here the dial is held until
// the cancelled request has returned, and a second client's request must
// still be answered.
func TestARequestCancelledWhileConnectingHoldsUpNoOtherClient(t *testing.T) {
	srv, err := Start(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	cfg := srv.AWSConfig()

	ctx, cancel := context.WithCancel(t.Context())
	returned, connected := make(chan struct{}), make(chan struct{})
	dialing := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		ConnectStart: func(string, string) {
			cancel()
			<-returned
		},
		ConnectDone: func(string, string, error) { close(connected) },
	})
	_, err = sqs.NewFromConfig(cfg).ListQueues(dialing, &sqs.ListQueuesInput{})
	close(returned)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled request: %v, want context.Canceled", err)
	}
	<-connected // the server is to take that connection first

	// A bound, not a timing: a held-up server answers after Go's 90 s idle
	// connection timeout at the earliest.
	ctx, cancel = context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("another client's request: %v", err)
	}
}

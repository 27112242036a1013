// Package stepfunctions is an adapter: it runs each access request's expiry timer as a Step
// Functions Standard execution named after the request, so that a retry can
// never start two.
package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// ExpiryInput is the execution input the ASL reads.
type ExpiryInput struct {
	RequestID       string `json:"requestId"`
	ThirdPartyID    string `json:"thirdPartyId"`
	MeteringPointID string `json:"meteringPointId"`
	ExpiresAt       string `json:"expiresAt"` // UTC with Z: what the Wait state's TimestampPath accepts
}

// API is the Step Functions operations Expiry calls; *sfn.Client has them.
type API interface {
	StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	StopExecution(context.Context, *sfn.StopExecutionInput, ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
}

// Expiry starts and stops expiry executions.
type Expiry struct {
	Client          API
	StateMachineARN string
	// ToWallClock maps the application clock to the real one, which the Wait
	// state compares against; nil on AWS. The local stack sets it when NOW is set.
	ToWallClock func(time.Time) time.Time
}

// Schedule starts the execution for r. Starting it again is harmless: the
// name is taken, and the timer that exists (or has run) is the one that counts.
func (e *Expiry) Schedule(ctx context.Context, r accessrequest.Request) error {
	at := r.ExpiresAt
	if e.ToWallClock != nil {
		at = e.ToWallClock(at)
	}
	input, err := json.Marshal(ExpiryInput{
		RequestID: r.ID, ThirdPartyID: string(r.ThirdParty), MeteringPointID: string(r.MeteringPoint),
		ExpiresAt: oslo.FormatUTC(at),
	})
	if err != nil {
		return err
	}
	_, err = e.Client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(e.StateMachineARN),
		Name:            aws.String(r.ID),
		Input:           aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("start expiry execution: %w", err)
	}
	return nil
}

// Cancel stops r's execution; one that has already ended is left alone.
func (e *Expiry) Cancel(ctx context.Context, r accessrequest.Request) error {
	_, err := e.Client.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(ExecutionARN(e.StateMachineARN, r.ID)),
		Cause:        aws.String("access request " + strings.ToLower(string(r.Status))),
	})
	var missing *types.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		return nil
	}
	return err
}

// ExecutionARN is the ARN of the execution named name.
func ExecutionARN(stateMachineARN, name string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

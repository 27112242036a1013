// Package stepfunctions is an adapter: it runs each access request's expiry timer as a Step
// Functions Standard execution named after the request, so that a retry can
// never start two. It calls Step Functions through package awsjson, not the
// SDK's client, whose schema tables cost 0.2–0.26 MB on each bootstrap.
package stepfunctions

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// ExpiryInput is the execution input the ASL reads.
type ExpiryInput struct {
	RequestID       string `json:"requestId"`
	ThirdPartyID    string `json:"thirdPartyId"`
	MeteringPointID string `json:"meteringPointId"`
	ExpiresAt       string `json:"expiresAt"` // UTC with Z: what the Wait state's TimestampPath accepts
}

// API is how Expiry calls Step Functions: an *awsjson.Client of
// awsjson.StepFunctions.
type API interface {
	Call(ctx context.Context, operation string, in, out any) error
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
	err = e.Client.Call(ctx, "StartExecution", struct {
		StateMachineARN string `json:"stateMachineArn"`
		Name            string `json:"name"`
		Input           string `json:"input"`
	}{e.StateMachineARN, r.ID, string(input)}, nil)
	if awsjson.IsCode(err, "ExecutionAlreadyExists") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("start expiry execution: %w", err)
	}
	return nil
}

// Cancel stops r's execution; one that has already ended is left alone.
func (e *Expiry) Cancel(ctx context.Context, r accessrequest.Request) error {
	err := e.Client.Call(ctx, "StopExecution", struct {
		ExecutionARN string `json:"executionArn"`
		Cause        string `json:"cause"`
	}{ExecutionARN(e.StateMachineARN, r.ID), "access request " + strings.ToLower(string(r.Status))}, nil)
	if awsjson.IsCode(err, "ExecutionDoesNotExist") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stop expiry execution: %w", err)
	}
	return nil
}

// ExecutionARN is the ARN of the execution named name.
func ExecutionARN(stateMachineARN, name string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

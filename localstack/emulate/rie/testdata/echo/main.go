// Command echo is a tiny Lambda function for the rie package's tests. It
// returns its event unchanged, fails with an EchoError when the event has a
// "fail" field, and sleeps first when it has a "sleepMs" field.
package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// EchoError is the failure the tests expect; its name becomes errorType.
type EchoError struct{ Reason string }

func (e EchoError) Error() string { return e.Reason }

func handle(_ context.Context, event json.RawMessage) (json.RawMessage, error) {
	var ctl struct {
		Fail    string `json:"fail"`
		SleepMs int    `json:"sleepMs"`
		Env     string `json:"env"`
	}
	_ = json.Unmarshal(event, &ctl)
	if ctl.SleepMs > 0 {
		time.Sleep(time.Duration(ctl.SleepMs) * time.Millisecond)
	}
	if ctl.Fail != "" {
		return nil, EchoError{Reason: ctl.Fail}
	}
	if ctl.Env != "" {
		return json.Marshal(map[string]string{ctl.Env: os.Getenv(ctl.Env)})
	}
	return event, nil
}

func main() { lambda.Start(handle) }

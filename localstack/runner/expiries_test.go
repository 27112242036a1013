package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tredjepart/tredjepart/localstack/emulate/provision"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// A reset stops the running expiry executions of every page
// ListExecutions answers, each once, with the reset as the cause.
func TestAResetStopsTheRunningExpiriesOfEveryPage(t *testing.T) {
	const machine = "arn:aws:states:eu-north-1:000000000000:stateMachine:expiry"
	var stopped []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			t.Errorf("body: %v", err)
		}
		switch r.Header.Get("X-Amz-Target") {
		case "AWSStepFunctions.ListExecutions":
			if in["stateMachineArn"] != machine || in["statusFilter"] != "RUNNING" {
				t.Errorf("ListExecutions with %v", in)
			}
			if in["nextToken"] == "" {
				_, _ = io.WriteString(w, `{"executions":[{"executionArn":"arn:e1"},{"executionArn":"arn:e2"}],"nextToken":"page2"}`)
				return
			}
			_, _ = io.WriteString(w, `{"executions":[{"executionArn":"arn:e3"}]}`)
		case "AWSStepFunctions.StopExecution":
			if in["cause"] != "sandbox reset" {
				t.Errorf("StopExecution with %v", in)
			}
			stopped = append(stopped, in["executionArn"])
			_, _ = io.WriteString(w, `{}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	sb := &sandbox{
		cfg: aws.Config{Region: "eu-north-1", BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")},
		st:  provision.Stack{StateMachines: map[string]string{resources.ExpiryStateMachineID: machine}},
	}
	n, err := sb.stopExpiries(context.Background())
	if err != nil || n != 3 || !slices.Equal(stopped, []string{"arn:e1", "arn:e2", "arn:e3"}) {
		t.Fatalf("stopped %d (%q), %v; want arn:e1, arn:e2, arn:e3", n, stopped, err)
	}
}

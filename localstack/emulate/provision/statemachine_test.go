package provision

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// A machine whose name is taken (AWS refuses a changed definition; moto
// does not, so this is a fake) is found on whichever page of
// ListStateMachines lists it and updated by its ARN with the substituted
// definition.
func TestAnExistingMachineIsFoundOnALaterPageAndUpdated(t *testing.T) {
	var created, updated map[string]string
	var listed []string // the nextToken of each ListStateMachines call
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			t.Errorf("body: %v", err)
		}
		switch r.Header.Get("X-Amz-Target") {
		case "AWSStepFunctions.CreateStateMachine":
			created = in
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"com.amazonaws.states#StateMachineAlreadyExists","message":"taken"}`)
		case "AWSStepFunctions.ListStateMachines":
			listed = append(listed, in["nextToken"])
			if in["nextToken"] == "" {
				_, _ = io.WriteString(w, `{"stateMachines":[{"name":"other","stateMachineArn":"arn:other"}],"nextToken":"page2"}`)
				return
			}
			_, _ = io.WriteString(w, `{"stateMachines":[{"name":"expiry","stateMachineArn":"arn:expiry"}]}`)
		case "AWSStepFunctions.UpdateStateMachine":
			updated = in
			_, _ = io.WriteString(w, `{}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-north-1", BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}
	sf := awsjson.New(cfg, awsjson.StepFunctions)
	m := resources.StateMachine{ID: "Expiry", LocalName: "expiry", Definition: `{"Comment":"${Table}"}`,
		Substitutions: map[string]resources.Substitution{"Table": {TableName: "Access"}}}
	const definition = `{"Comment":"tredjepart-access"}`

	arn, err := createStateMachine(context.Background(), sf, m, Stack{Tables: map[string]string{"Access": "tredjepart-access"}})
	if err != nil || arn != "arn:expiry" {
		t.Fatalf("%q, %v", arn, err)
	}
	if created["name"] != "expiry" || created["definition"] != definition || created["roleArn"] != localRoleARN || created["type"] != "STANDARD" {
		t.Errorf("CreateStateMachine with %v", created)
	}
	if len(listed) != 2 || listed[0] != "" || listed[1] != "page2" {
		t.Errorf("ListStateMachines called with next tokens %q, want \"\" then page2", listed)
	}
	if updated["stateMachineArn"] != "arn:expiry" || updated["definition"] != definition {
		t.Errorf("UpdateStateMachine with %v", updated)
	}

	m.LocalName = "missing"
	if _, err := createStateMachine(context.Background(), sf, m, Stack{}); err == nil {
		t.Error("a taken name that no page lists is not an error")
	}
}

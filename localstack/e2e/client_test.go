//go:build integration

package e2e_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/tredjepart/tredjepart/client"
)

// The generated client through the gateway, as a third party's program
// uses it: a token from the issuer by client credentials (the README's
// form, no audience named), an access request made and found in the list,
// the master data of the metering point the demo third party has access
// to, and a bad request answered with a problem document as a Go error.
func TestTheGeneratedClientThroughTheGateway(t *testing.T) {
	w := newMeteringWorld(t)
	ctx := context.Background()
	mp := freshGSRN(t)
	w.register(t, mp, "PT60M", endUser{id: person(t), name: "Klient Kunde", moveIn: "2024-01-01"})

	api, err := client.New(w.api, client.ClientCredentials(ctx, w.issuer.URL()+"/token", straumkompis))
	if err != nil {
		t.Fatal(err)
	}

	key := "client-" + string(mp)
	created, err := api.CreateAccessRequestWithResponse(ctx, &client.CreateAccessRequestParams{IdempotencyKey: &key},
		client.CreateAccessRequest{MeteringPointId: string(mp)})
	if err != nil {
		t.Fatal(err)
	}
	if created.StatusCode() != http.StatusAccepted || created.JSON202 == nil || created.JSON202.Status != client.StatusPENDING {
		t.Fatalf("create answered %d: %s", created.StatusCode(), created.Body)
	}

	var listed []client.AccessRequest
	pending := client.StatusPENDING
	params := &client.ListAccessRequestsParams{Status: &pending}
	for {
		page, err := api.ListAccessRequestsWithResponse(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, page.JSON200.Items...)
		if page.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = page.JSON200.NextCursor
	}
	if !slices.ContainsFunc(listed, func(r client.AccessRequest) bool { return r.Id == created.JSON202.Id }) {
		t.Fatalf("request %s is not among the %d pending listed", created.JSON202.Id, len(listed))
	}

	master, err := api.GetMasterDataWithResponse(ctx, string(w.demo.AlreadyGranted), nil)
	if err != nil {
		t.Fatal(err)
	}
	if master.JSON200 == nil || master.JSON200.MeteringPointId != string(w.demo.AlreadyGranted) || master.JSON200.AccessLevel != client.ScopeLIMITED {
		t.Fatalf("master data of %s answered %d: %s", w.demo.AlreadyGranted, master.StatusCode(), master.Body)
	}

	wrongCheckDigit := string(mp[:17]) + string('0'+(mp[17]-'0'+1)%10)
	_, err = api.CreateAccessRequestWithResponse(ctx, nil, client.CreateAccessRequest{MeteringPointId: wrongCheckDigit})
	var problem *client.ProblemError
	if !errors.As(err, &problem) {
		t.Fatalf("a wrong check digit gave %v (%T), want a *client.ProblemError", err, err)
	}
	if problem.Status != http.StatusBadRequest || problem.Type != "urn:tredjepart:problem:invalid-request" || problem.RequestID == "" ||
		len(problem.Errors) != 1 || problem.Errors[0].Field != "meteringPointId" {
		t.Fatalf("problem %+v", *problem)
	}
}

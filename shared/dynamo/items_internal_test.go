package dynamo

import (
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/registry"
)

// cancelled is a cancelled transaction with one reason code per item ("" for None).
func cancelled(codes ...string) error {
	tce := &types.TransactionCanceledException{}
	for _, c := range codes {
		if c == "" {
			c = "None"
		}
		tce.CancellationReasons = append(tce.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
	}
	return tce
}

// Another transaction writing the same items at the same moment is a lost
// race, reported as the domain's conflict, never passed on as a cause of
// an internal error; a condition that failed names its own item.
func TestCancelledTransactionsAreTheDomainsConflicts(t *testing.T) {
	errHead, errName := errors.New("head changed"), errors.New("name taken")
	other := errors.New("throttled")
	for _, c := range []struct {
		name       string
		err        error
		onConflict []error
		want       error
	}{
		{"condition on the head", cancelled("ConditionalCheckFailed", ""), []error{errHead, errName}, errHead},
		{"condition on a name", cancelled("", "ConditionalCheckFailed"), []error{errHead, errName}, errName},
		{"another transaction on a mapped item", cancelled("", "TransactionConflict"), []error{errHead, errName}, errName},
		{"another transaction on an unmapped item", cancelled("", "TransactionConflict"), []error{errHead}, errHead},
		{"another transaction, nothing mapped", cancelled("TransactionConflict"), nil, nil},
		{"not a cancellation", other, []error{errHead}, other},
	} {
		got := cancelledBy(c.err, c.onConflict)
		if c.want == nil {
			if got != c.err {
				t.Errorf("%s: %v, want the cancellation itself", c.name, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if !lostRace(&types.TransactionConflictException{}) || !lostRace(&types.ConditionalCheckFailedException{}) || lostRace(other) {
		t.Error("lostRace")
	}
}

// Both kinds of party share their head item's shape (partyHead): the item
// of each keeps the attributes it had when each kind had its own item type,
// and reads back as the party written.
func TestPartyItemsKeepTheirAttributes(t *testing.T) {
	tp := registry.ThirdParty{GLN: "7090000000011", Name: "Straum AS", OrgNumber: "912345688", ClientIDs: []string{"straum"},
		RedirectURIs: []string{"https://straum.example/back"}, Contact: registry.Contact{Email: "drift@straum.example"}, Disabled: true, Version: 3}
	dp := registry.DataProvider{GLN: "7080000000019", Name: "Nett AS", OrgNumber: "912345688", Role: registry.GridCompany,
		ClientIDs: []string{"nett"}, GridAreas: []string{"50YNO1ELVIA0001K"}, Version: 2}
	want := map[string]string{
		"pk": "TP#7090000000011", "sk": "THIRDPARTY", "gsi2pk": "THIRDPARTY", "gsi2sk": "7090000000011", "gln": "7090000000011",
		"name": "Straum AS", "orgNumber": "912345688",
	}
	rec, err := thirdParties.record(tp)
	if err != nil {
		t.Fatal(err)
	}
	for attr, value := range want {
		if s, ok := rec.head[attr].(*types.AttributeValueMemberS); !ok || s.Value != value {
			t.Errorf("third party's %s: %#v, want %s", attr, rec.head[attr], value)
		}
	}
	for _, attr := range []string{"clientIds", "redirectUris", "contact", "disabled", "version"} {
		if rec.head[attr] == nil {
			t.Errorf("third party's item has no %s", attr)
		}
	}
	var back thirdPartyItem
	if err := attributevalue.UnmarshalMap(rec.head, &back); err != nil || !reflect.DeepEqual(thirdParties.party(back), tp) {
		t.Errorf("third party read back as %+v (%v), want %+v", thirdParties.party(back), err, tp)
	}
	rec, err = dataProviders.record(dp)
	if err != nil {
		t.Fatal(err)
	}
	for _, attr := range []string{"pk", "sk", "gsi2pk", "gsi2sk", "gln", "name", "orgNumber", "role", "clientIds", "gridAreas", "contact", "version"} {
		if rec.head[attr] == nil {
			t.Errorf("data provider's item has no %s", attr)
		}
	}
	if rec.head["redirectUris"] != nil || rec.org != "" {
		t.Errorf("a data provider's item names a redirect URI or an organisation: %+v", rec)
	}
	var dpBack dataProviderItem
	if err := attributevalue.UnmarshalMap(rec.head, &dpBack); err != nil || !reflect.DeepEqual(dataProviders.party(dpBack), dp) {
		t.Errorf("data provider read back as %+v (%v), want %+v", dataProviders.party(dpBack), err, dp)
	}
}

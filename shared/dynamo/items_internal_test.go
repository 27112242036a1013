package dynamo

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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

// Package storetest is test harness: the behaviour every store
// implementation must have, as one contract test per port. Each RunXxx
// runs the same cases against the store newStore returns; package inmem's
// tests call them on the fakes, package dynamo's on moto, so the fakes
// cannot drift from DynamoDB's behaviour.
//
// The cases use identifiers of their own (GSRNs, GLNs, organisation
// numbers no other test uses), so newStore may return a store on a table
// that other tests share.
package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
)

var serial, orgSerial atomic.Int64

func init() { orgSerial.Store(30000000) }

// fresh returns a GSRN and a GLN no other case uses.
func fresh(t *testing.T) (ident.GSRN, ident.GLN) {
	t.Helper()
	n := serial.Add(1)
	mp, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705759900%06d", n))
	if err != nil {
		t.Fatal(err)
	}
	tp, err := ident.GLNWithCheckDigit(fmt.Sprintf("70990%07d", n))
	if err != nil {
		t.Fatal(err)
	}
	return mp, tp
}

// freshOrg returns an organisation number no other case uses.
func freshOrg(t *testing.T) ident.OrgNumber {
	t.Helper()
	for {
		if org, err := ident.OrgNumberWithControlDigit(fmt.Sprint(orgSerial.Add(1))); err == nil {
			return org
		}
	}
}

func pending(tp ident.GLN, mp ident.GSRN, created time.Time) accessrequest.Request {
	return accessrequest.Request{
		ID: uuid.NewString(), ThirdParty: tp, MeteringPoint: mp, Scope: accessrequest.Limited,
		Status: accessrequest.Pending, CreatedAt: created, ExpiresAt: created.Add(72 * time.Hour), Version: 1,
	}
}

func pseudonymOf(s string) pseudonym.EndUserID { return pseudonym.EndUserID(s) }

package metering

import (
	"time"

	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// The JSON form of master data (BRS-NO-303), shared by the query API and
// the master-data change documents in the outbox.

// WindowView is a span of Oslo days as JSON.
type WindowView struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// ViewWindow writes a window as JSON.
func ViewWindow(w Window) WindowView { return WindowView{From: Date(w.From), To: Date(w.To)} }

type addressView struct {
	Street       string `json:"street,omitempty"`
	Postcode     string `json:"postcode,omitempty"`
	Municipality string `json:"municipality"`
}

// MasterDataDocument is master data as a third party receives it.
type MasterDataDocument struct {
	MeteringPointID string      `json:"meteringPointId"`
	AccessLevel     string      `json:"accessLevel"`
	DataWindow      WindowView  `json:"dataWindow"`
	Type            string      `json:"type"`
	Address         addressView `json:"address"`
	PriceArea       string      `json:"priceArea"`
	Resolution      string      `json:"resolution"`
	// Full access only.
	AccountingPoint            *bool         `json:"accountingPoint,omitempty"`
	Status                     string        `json:"status,omitempty"`
	GridArea                   string        `json:"gridArea,omitempty"`
	MeterNumber                string        `json:"meterNumber,omitempty"`
	EstimatedAnnualConsumption string        `json:"estimatedAnnualConsumption,omitempty"`
	Contract                   *contractView `json:"contract,omitempty"`
	EndUser                    *endUserView  `json:"endUser,omitempty"`
}

type contractView struct {
	BalanceSupplier string `json:"balanceSupplier"`
	Start           string `json:"start"`
}

type endUserView struct {
	Name    string `json:"name"`
	MoveIn  string `json:"moveIn"`
	MoveOut string `json:"moveOut,omitempty"`
}

// MasterDataView is the JSON of the master data an access shows (from Visible).
func MasterDataView(a Access, md MasterData) MasterDataDocument {
	v := MasterDataDocument{
		MeteringPointID: string(md.ID), AccessLevel: string(a.Grant.Level), DataWindow: ViewWindow(a.Window),
		Type:      string(md.Type),
		Address:   addressView{Street: md.Address.Street, Postcode: md.Address.Postcode, Municipality: md.Address.Municipality},
		PriceArea: string(md.PriceArea), Resolution: string(md.Resolution),
	}
	full := md.Full
	if full == nil {
		return v
	}
	v.AccountingPoint, v.Status, v.GridArea, v.MeterNumber = &full.AccountingPoint, string(full.Status), full.GridArea, full.MeterNumber
	v.EstimatedAnnualConsumption = metervalues.FormatQuantity(full.EstimatedAnnualConsumption)
	if c := full.Contract; c != nil {
		v.Contract = &contractView{BalanceSupplier: string(c.BalanceSupplier), Start: Date(c.Start)}
	}
	if o := full.EndUser; o != nil {
		v.EndUser = &endUserView{Name: o.DisplayName, MoveIn: Date(o.MoveIn)}
		if !o.MoveOut.IsZero() {
			v.EndUser.MoveOut = Date(o.MoveOut)
		}
	}
	return v
}

// Date writes an Oslo calendar date.
func Date(t time.Time) string { return t.In(oslo.Oslo).Format(registry.DateLayout) }

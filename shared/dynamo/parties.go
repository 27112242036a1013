package dynamo

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// Parties stores the registered parties, third parties and data
// providers, with the names (OAuth client ids, organisation numbers) that
// lead to them, in the Registry table. Both kinds are stored, read and
// listed the same way (partyKind); the methods name the kind.
type Parties struct{ store }

// partyHead is what the head item of a party of any kind holds.
type partyHead struct {
	PK        string   `dynamodbav:"pk"`
	SK        string   `dynamodbav:"sk"`
	GSI2PK    string   `dynamodbav:"gsi2pk"` // the kind: lists the parties of a kind on byKind
	GSI2SK    string   `dynamodbav:"gsi2sk"` // the GLN
	GLN       string   `dynamodbav:"gln"`
	Name      string   `dynamodbav:"name"`
	OrgNumber string   `dynamodbav:"orgNumber"`
	ClientIDs []string `dynamodbav:"clientIds"`
	Contact   contact  `dynamodbav:"contact"`
	Disabled  bool     `dynamodbav:"disabled,omitempty"`
	Version   int      `dynamodbav:"version"`
}

type thirdPartyItem struct {
	partyHead
	RedirectURIs []string `dynamodbav:"redirectUris,omitempty"`
}

type dataProviderItem struct {
	partyHead
	Role      string   `dynamodbav:"role"`
	GridAreas []string `dynamodbav:"gridAreas"`
}

type contact struct {
	Name  string `dynamodbav:"name,omitempty"`
	Email string `dynamodbav:"email,omitempty"`
	Phone string `dynamodbav:"phone,omitempty"`
}

// partyKind is how one kind of party is stored: the kind (its sort key,
// its byKind partition and the kind its CLIENT# items name), its head
// item's partition prefix, and its item's shape I.
type partyKind[P registry.Party[P], I any] struct {
	kind, prefix, plural string
	head                 func(P) partyHead // what every kind's head holds, but for the state
	item                 func(P, partyHead) I
	party                func(I) P
	org                  func(P) ident.OrgNumber // the name besides client ids that leads to it, if any
}

var (
	thirdParties = partyKind[registry.ThirdParty, thirdPartyItem]{
		kind: thirdPartySK, prefix: "TP#", plural: "third parties",
		head: func(tp registry.ThirdParty) partyHead { return headOf(tp.Name, tp.OrgNumber, tp.ClientIDs, tp.Contact) },
		item: func(tp registry.ThirdParty, head partyHead) thirdPartyItem {
			return thirdPartyItem{partyHead: head, RedirectURIs: tp.RedirectURIs}
		},
		party: func(it thirdPartyItem) registry.ThirdParty {
			return registry.ThirdParty{GLN: ident.GLN(it.GLN), Name: it.Name, OrgNumber: ident.OrgNumber(it.OrgNumber), ClientIDs: it.ClientIDs,
				RedirectURIs: it.RedirectURIs, Contact: registry.Contact(it.Contact), Disabled: it.Disabled, Version: it.Version}
		},
		org: func(tp registry.ThirdParty) ident.OrgNumber { return tp.OrgNumber }, // the portal finds third parties by organisation
	}
	dataProviders = partyKind[registry.DataProvider, dataProviderItem]{
		kind: dataProviderSK, prefix: "DP#", plural: "data providers",
		head: func(dp registry.DataProvider) partyHead {
			return headOf(dp.Name, dp.OrgNumber, dp.ClientIDs, dp.Contact)
		},
		item: func(dp registry.DataProvider, head partyHead) dataProviderItem {
			return dataProviderItem{partyHead: head, Role: string(dp.Role), GridAreas: dp.GridAreas}
		},
		party: func(it dataProviderItem) registry.DataProvider {
			return registry.DataProvider{GLN: ident.GLN(it.GLN), Name: it.Name, OrgNumber: ident.OrgNumber(it.OrgNumber), Role: registry.DataProviderRole(it.Role),
				ClientIDs: it.ClientIDs, GridAreas: it.GridAreas, Contact: registry.Contact(it.Contact), Disabled: it.Disabled, Version: it.Version}
		},
		org: func(registry.DataProvider) ident.OrgNumber { return "" },
	}
)

func (k partyKind[P, I]) key(gln ident.GLN) map[string]types.AttributeValue {
	return key(k.prefix+string(gln), k.kind)
}

// record is p as written: its head item and the names that lead to it.
func (k partyKind[P, I]) record(p P) (partyRecord, error) {
	head, state := k.head(p), p.State()
	head.PK, head.SK, head.GSI2PK, head.GSI2SK = k.prefix+string(state.GLN), k.kind, k.kind, string(state.GLN)
	head.GLN, head.Disabled, head.Version = string(state.GLN), state.Disabled, state.Version
	item, err := attributevalue.MarshalMap(k.item(p, head))
	return partyRecord{kind: k.kind, gln: state.GLN, head: item, clients: head.ClientIDs, org: k.org(p)}, err
}

// headOf is the part of a party's head item its kind does not shape.
func headOf(name string, org ident.OrgNumber, clients []string, c registry.Contact) partyHead {
	return partyHead{Name: name, OrgNumber: string(org), ClientIDs: clients, Contact: contact(c)}
}

// registerParty writes a new party at version 1, with the names that lead
// to it, in one transaction: registry.ErrRegistered if its GLN is taken, a
// *registry.TakenError if a name belongs to another party.
func registerParty[P registry.Party[P], I any](ctx context.Context, s *Parties, k partyKind[P, I], p P) error {
	state := p.State()
	state.Version = 1
	rec, err := k.record(p.WithState(state))
	if err != nil {
		return err
	}
	return s.register(ctx, rec)
}

// updateParty replaces a party registered at p's version and gives up the
// names it no longer names: registry.ErrNotRegistered, registry.ErrChanged
// if another write came first, or a *registry.TakenError.
func updateParty[P registry.Party[P], I any](ctx context.Context, s *Parties, k partyKind[P, I], p P) error {
	current, found, err := getParty(ctx, s, k, p.State().GLN)
	if err != nil {
		return err
	}
	if !found {
		return registry.ErrNotRegistered
	}
	if current.State().Version != p.State().Version {
		return registry.ErrChanged
	}
	before, err := k.record(current)
	if err != nil {
		return err
	}
	state := p.State()
	state.Version++
	after, err := k.record(p.WithState(state))
	if err != nil {
		return err
	}
	return s.update(ctx, before, after)
}

func getParty[P registry.Party[P], I any](ctx context.Context, s *Parties, k partyKind[P, I], gln ident.GLN) (P, bool, error) {
	var it I
	found, err := s.get(ctx, k.key(gln), &it)
	if err != nil || !found {
		var none P
		return none, false, err
	}
	return k.party(it), true, nil
}

// partyByClient finds the party of kind k an OAuth client acts for; a
// client of another kind's party is none of k's.
func partyByClient[P registry.Party[P], I any](ctx context.Context, s *Parties, k partyKind[P, I], clientID string) (P, bool, error) {
	gln, found, err := s.clientOf(ctx, clientID, k.kind)
	if err != nil || !found {
		var none P
		return none, false, err
	}
	return getParty(ctx, s, k, gln)
}

// listParties lists every party of kind k, by GLN.
func listParties[P registry.Party[P], I any](ctx context.Context, s *Parties, k partyKind[P, I]) ([]P, error) {
	all, err := queryAll(ctx, s.client, byKind(s.table, k.kind), func(it I) (P, error) { return k.party(it), nil })
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", k.plural, err)
	}
	return all, nil
}

// RegisterThirdParty writes a new third party with the OAuth clients and
// the organisation number that lead to it (registerParty).
func (s *Parties) RegisterThirdParty(ctx context.Context, tp registry.ThirdParty) error {
	return registerParty(ctx, s, thirdParties, tp)
}

// UpdateThirdParty replaces a third party registered at tp.Version, and
// gives up the client ids and organisation number it no longer names
// (updateParty).
func (s *Parties) UpdateThirdParty(ctx context.Context, tp registry.ThirdParty) error {
	return updateParty(ctx, s, thirdParties, tp)
}

// ThirdParty returns a registered third party.
func (s *Parties) ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error) {
	return getParty(ctx, s, thirdParties, gln)
}

// ThirdPartyByClient finds the third party an OAuth client acts for; a
// data provider's client is no third party's.
func (s *Parties) ThirdPartyByClient(ctx context.Context, clientID string) (registry.ThirdParty, bool, error) {
	return partyByClient(ctx, s, thirdParties, clientID)
}

// ThirdPartyByOrg finds the third party an organisation is registered as:
// the portal maps the organisation its staff act for to it.
func (s *Parties) ThirdPartyByOrg(ctx context.Context, org ident.OrgNumber) (registry.ThirdParty, bool, error) {
	var it nameItem
	found, err := s.get(ctx, key("ORG#"+string(org), orgSK), &it)
	if err != nil || !found {
		return registry.ThirdParty{}, false, err
	}
	return s.ThirdParty(ctx, ident.GLN(it.GLN))
}

// ThirdParties lists every registered third party, by GLN.
func (s *Parties) ThirdParties(ctx context.Context) ([]registry.ThirdParty, error) {
	return listParties(ctx, s, thirdParties)
}

// RegisterDataProvider writes a new data provider with the OAuth clients
// that lead to it (registerParty).
func (s *Parties) RegisterDataProvider(ctx context.Context, dp registry.DataProvider) error {
	return registerParty(ctx, s, dataProviders, dp)
}

// UpdateDataProvider replaces a data provider registered at dp.Version and
// gives up the client ids it no longer names (updateParty).
func (s *Parties) UpdateDataProvider(ctx context.Context, dp registry.DataProvider) error {
	return updateParty(ctx, s, dataProviders, dp)
}

// DataProvider returns a registered data provider.
func (s *Parties) DataProvider(ctx context.Context, gln ident.GLN) (registry.DataProvider, bool, error) {
	return getParty(ctx, s, dataProviders, gln)
}

// DataProviderByClient finds the data provider an OAuth client acts for; a
// third party's client is no data provider's.
func (s *Parties) DataProviderByClient(ctx context.Context, clientID string) (registry.DataProvider, bool, error) {
	return partyByClient(ctx, s, dataProviders, clientID)
}

// DataProviders lists every registered data provider, by GLN.
func (s *Parties) DataProviders(ctx context.Context) ([]registry.DataProvider, error) {
	return listParties(ctx, s, dataProviders)
}

func (s *Parties) get(ctx context.Context, k map[string]types.AttributeValue, into any) (bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return false, err
	}
	return true, attributevalue.UnmarshalMap(out.Item, into)
}

// byKind queries the sparse byKind index for one kind of party.
func byKind(table, kind string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 &table,
		IndexName:                 aws.String(resources.ByKindIndexName),
		KeyConditionExpression:    aws.String("gsi2pk = :kind"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":kind": &types.AttributeValueMemberS{Value: kind}},
	}
}

// nameItem says which party a name leads to: a CLIENT# item (client ids
// are one namespace for every kind of party) or an ORG# item.
type nameItem struct {
	PK   string `dynamodbav:"pk"`
	SK   string `dynamodbav:"sk"`
	GLN  string `dynamodbav:"gln"`
	Kind string `dynamodbav:"kind"`
}

// clientOf finds the party of kind an OAuth client acts for.
func (s *Parties) clientOf(ctx context.Context, clientID, kind string) (ident.GLN, bool, error) {
	var it nameItem
	found, err := s.get(ctx, key("CLIENT#"+clientID, clientSK), &it)
	if err != nil || !found || it.Kind != kind {
		return "", false, err
	}
	return ident.GLN(it.GLN), true, nil
}

// partyRecord is a party of either kind as written: its head item and the
// names that lead to it.
type partyRecord struct {
	kind    string
	gln     ident.GLN
	head    map[string]types.AttributeValue
	clients []string
	org     ident.OrgNumber // third parties only: the portal finds them by organisation
}

func (p partyRecord) version() string { return p.head["version"].(*types.AttributeValueMemberN).Value }

// register writes a new party: the head only if its GLN is free, each name
// only if no other party holds it.
func (s *Parties) register(ctx context.Context, p partyRecord) error {
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table, Item: p.head, ConditionExpression: aws.String("attribute_not_exists(pk)")}}}
	onConflict := []error{registry.ErrRegistered}
	items, onConflict, err := s.claimNames(p, nil, items, onConflict)
	if err != nil {
		return err
	}
	return s.writeParty(ctx, p, items, onConflict)
}

// update replaces before with after: the head conditional on the version
// read, names claimed as in register, and the names before held and after
// does not released (conditional on still being this party's).
func (s *Parties) update(ctx context.Context, before, after partyRecord) error {
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: &s.table, Item: after.head, ConditionExpression: aws.String("version = :read"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":read": &types.AttributeValueMemberN{Value: before.version()}},
	}}}
	onConflict := []error{registry.ErrChanged}
	items, onConflict, err := s.claimNames(after, &before, items, onConflict)
	if err != nil {
		return err
	}
	return s.writeParty(ctx, after, items, onConflict)
}

func (s *Parties) claimNames(p partyRecord, before *partyRecord, items []types.TransactWriteItem, onConflict []error) ([]types.TransactWriteItem, []error, error) {
	mine := map[string]types.AttributeValue{
		":gln": &types.AttributeValueMemberS{Value: string(p.gln)}, ":kind": &types.AttributeValueMemberS{Value: p.kind},
	}
	claim := func(it nameItem, taken error) error {
		item, err := attributevalue.MarshalMap(it)
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: item, ExpressionAttributeValues: mine,
			ConditionExpression: aws.String("attribute_not_exists(pk) OR (gln = :gln AND kind = :kind)"),
		}})
		onConflict = append(onConflict, taken)
		return nil
	}
	release := func(k map[string]types.AttributeValue) {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table, Key: k, ExpressionAttributeValues: mine,
			ConditionExpression: aws.String("gln = :gln AND kind = :kind"),
		}})
		onConflict = append(onConflict, registry.ErrChanged)
	}
	for _, id := range p.clients {
		if err := claim(nameItem{PK: "CLIENT#" + id, SK: clientSK, GLN: string(p.gln), Kind: p.kind}, &registry.TakenError{Field: "clientIds", Value: id}); err != nil {
			return nil, nil, err
		}
	}
	if p.org != "" {
		if err := claim(nameItem{PK: "ORG#" + string(p.org), SK: orgSK, GLN: string(p.gln), Kind: p.kind}, &registry.TakenError{Field: "orgNumber", Value: string(p.org)}); err != nil {
			return nil, nil, err
		}
	}
	if before != nil {
		for _, id := range before.clients {
			if !slices.Contains(p.clients, id) {
				release(key("CLIENT#"+id, clientSK))
			}
		}
		if before.org != "" && before.org != p.org {
			release(key("ORG#"+string(before.org), orgSK))
		}
	}
	return items, onConflict, nil
}

// writeParty runs a party's transaction; a failed condition is returned as
// the domain error its item stands for.
func (s *Parties) writeParty(ctx context.Context, p partyRecord, items []types.TransactWriteItem, onConflict []error) error {
	err := transact(ctx, s.client, items, onConflict...)
	if err != nil && !slices.Contains(onConflict, err) {
		return fmt.Errorf("write %s %s: %w", p.kind, p.gln, err)
	}
	return err
}

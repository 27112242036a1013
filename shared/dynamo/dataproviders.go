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

type dataProviderItem struct {
	PK        string   `dynamodbav:"pk"`
	SK        string   `dynamodbav:"sk"`
	GSI2PK    string   `dynamodbav:"gsi2pk"` // dataProviderKind: lists data providers on byKind
	GSI2SK    string   `dynamodbav:"gsi2sk"` // the GLN
	GLN       string   `dynamodbav:"gln"`
	Name      string   `dynamodbav:"name"`
	OrgNumber string   `dynamodbav:"orgNumber"`
	Role      string   `dynamodbav:"role"`
	ClientIDs []string `dynamodbav:"clientIds"`
	GridAreas []string `dynamodbav:"gridAreas"`
	Contact   contact  `dynamodbav:"contact"`
	Disabled  bool     `dynamodbav:"disabled,omitempty"`
	Version   int      `dynamodbav:"version"`
}

// dataProviderKind is the byKind partition of the registered data
// providers, and the kind a CLIENT# item names for their clients.
const dataProviderKind = "DATAPROVIDER"

func dataProviderKey(gln ident.GLN) map[string]types.AttributeValue {
	return key("DP#"+string(gln), dataProviderSK)
}

func dataProviderRecord(dp registry.DataProvider) (partyRecord, error) {
	head, err := attributevalue.MarshalMap(dataProviderItem{
		PK: "DP#" + string(dp.GLN), SK: dataProviderSK, GSI2PK: dataProviderKind, GSI2SK: string(dp.GLN), GLN: string(dp.GLN),
		Name: dp.Name, OrgNumber: string(dp.OrgNumber), Role: string(dp.Role), ClientIDs: dp.ClientIDs, GridAreas: dp.GridAreas,
		Contact: contact(dp.Contact), Disabled: dp.Disabled, Version: dp.Version,
	})
	return partyRecord{kind: dataProviderKind, gln: dp.GLN, head: head, clients: dp.ClientIDs}, err
}

func (it dataProviderItem) dataProvider() (registry.DataProvider, error) {
	return registry.DataProvider{GLN: ident.GLN(it.GLN), Name: it.Name, OrgNumber: ident.OrgNumber(it.OrgNumber),
		Role: registry.DataProviderRole(it.Role), ClientIDs: it.ClientIDs, GridAreas: it.GridAreas,
		Contact: registry.Contact(it.Contact), Disabled: it.Disabled, Version: it.Version}, nil
}

// RegisterDataProvider writes a new data provider with the OAuth clients
// that lead to it, in one transaction: registry.ErrRegistered if its GLN
// is taken, a *registry.TakenError if a client id belongs to another party.
func (s *Parties) RegisterDataProvider(ctx context.Context, dp registry.DataProvider) error {
	dp.Version = 1
	rec, err := dataProviderRecord(dp)
	if err != nil {
		return err
	}
	return s.register(ctx, rec)
}

// UpdateDataProvider replaces a data provider registered at dp.Version and
// gives up the client ids it no longer names: registry.ErrNotRegistered,
// registry.ErrChanged if another write came first, or a *registry.TakenError.
func (s *Parties) UpdateDataProvider(ctx context.Context, dp registry.DataProvider) error {
	current, found, err := s.DataProvider(ctx, dp.GLN)
	if err != nil {
		return err
	}
	if !found {
		return registry.ErrNotRegistered
	}
	if current.Version != dp.Version {
		return registry.ErrChanged
	}
	before, err := dataProviderRecord(current)
	if err != nil {
		return err
	}
	dp.Version++
	after, err := dataProviderRecord(dp)
	if err != nil {
		return err
	}
	return s.update(ctx, before, after)
}

// DataProvider returns a registered data provider.
func (s *Parties) DataProvider(ctx context.Context, gln ident.GLN) (registry.DataProvider, bool, error) {
	var it dataProviderItem
	found, err := s.get(ctx, dataProviderKey(gln), &it)
	if err != nil || !found {
		return registry.DataProvider{}, false, err
	}
	dp, err := it.dataProvider()
	return dp, true, err
}

// DataProviderByClient finds the data provider an OAuth client acts for; a
// third party's client is no data provider's.
func (s *Parties) DataProviderByClient(ctx context.Context, clientID string) (registry.DataProvider, bool, error) {
	gln, found, err := s.clientOf(ctx, clientID, dataProviderKind)
	if err != nil || !found {
		return registry.DataProvider{}, false, err
	}
	return s.DataProvider(ctx, gln)
}

// DataProviders lists every registered data provider, by GLN.
func (s *Parties) DataProviders(ctx context.Context) ([]registry.DataProvider, error) {
	dps, err := queryAll(ctx, s.client, byKind(s.table, dataProviderKind), dataProviderItem.dataProvider)
	if err != nil {
		return nil, fmt.Errorf("list data providers: %w", err)
	}
	return dps, nil
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

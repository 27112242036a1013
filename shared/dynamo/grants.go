package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/ident"
)

const grantActive = "ACTIVE"

type grantItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	GSI1PK        string `dynamodbav:"gsi1pk"`
	GSI1SK        string `dynamodbav:"gsi1sk"`
	ThirdParty    string `dynamodbav:"thirdPartyId"`
	MeteringPoint string `dynamodbav:"meteringPointId"`
	Scope         string `dynamodbav:"scope"`
	Status        string `dynamodbav:"status"`
	GrantedAt     string `dynamodbav:"grantedAt"`
	Version       int    `dynamodbav:"version"`
}

func grantKey(tp ident.GLN, mp ident.GSRN) map[string]types.AttributeValue {
	return key("GRANT#"+string(tp)+"#"+string(mp), grantSK)
}

// GrantDirectly records an active grant that an end user gave without a
// request. It refuses to overwrite an existing grant.
func (s *Requests) GrantDirectly(ctx context.Context, tp ident.GLN, mp ident.GSRN, scope accessrequest.Scope, at time.Time) error {
	item, err := attributevalue.MarshalMap(grantItem{
		PK: "GRANT#" + string(tp) + "#" + string(mp), SK: grantSK,
		GSI1PK: thirdPartyPartition(tp), GSI1SK: "GRANT#" + string(mp),
		ThirdParty: string(tp), MeteringPoint: string(mp), Scope: string(scope),
		Status: grantActive, GrantedAt: formatTime(at), Version: 1,
	})
	if err != nil {
		return err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil && !isConditionFailure(err) {
		return fmt.Errorf("grant %s access to %s: %w", tp, mp, err)
	}
	return nil
}

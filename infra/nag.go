package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/tredjepart/tredjepart/shared/resources"
)

// suppressNagFindings gives the reason for each finding of cdk-nag's
// AwsSolutions and Serverless packs (nag_test.go applies them) that the
// stack does not fix, on the resources it concerns. What the packs flag
// and is real is fixed in stack.go instead; README's security section
// lists both.
func (s *Tredjepart) suppressNagFindings(publicRoutes []awsapigatewayv2.HttpRoute) {
	// Each table's index/* beside the table: the convenience grants allow
	// queries on the table's own indexes, which the function uses.
	tableIndexes := nagRule("AwsSolutions-IAM5",
		"Queries on the indexes of a table the function is granted (<table arn>/index/*), no other table.",
		regex(`/^Resource::<[A-Za-z0-9]+\.Arn>\/index\/\*$/`))
	// Active tracing's grant (xray:PutTraceSegments, PutTelemetryRecords):
	// X-Ray's actions take no resource but *.
	xrayWrites := nagRule("AwsSolutions-IAM5",
		"X-Ray (active tracing): xray:PutTraceSegments and xray:PutTelemetryRecords take no resource but *.",
		"Resource::*")
	for _, f := range resources.Functions {
		suppressions := []*cdknag.NagPackSuppression{
			tableIndexes,
			xrayWrites,
		}
		if len(f.WriteTables) > 0 {
			suppressions = append(suppressions, nagRule("AwsSolutions-IAM5",
				"kms:GenerateDataKey* and kms:ReEncrypt* on the tables' own key only (TableKey): the actions CDK's table grants give for a table "+
					"with its own key, which DynamoDB uses on the writer's behalf; wildcards of action names, not of resources.",
				regex(`/^Action::kms:(GenerateDataKey|ReEncrypt)\*$/`)))
		}
		if len(f.StateMachines) > 0 {
			suppressions = append(suppressions, nagRule("AwsSolutions-IAM5",
				"states:StopExecution and states:DescribeExecution on the executions of this one state machine; each execution is named at run time.",
				regex(`/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*:\*$/`)))
		}
		if f.OnFailure != "" {
			suppressions = append(suppressions, nagRule("Serverless-LambdaDLQ",
				"Invoked asynchronously by its schedule only: the on-failure destination (EventInvokeConfig, the "+f.OnFailure+
					" dead-letter queue, alarmed) receives a failed invocation with its error, which a DLQ would not."))
		} else {
			suppressions = append(suppressions, nagRule("Serverless-LambdaDLQ",
				"Never invoked asynchronously: by API Gateway (synchronously) or by an event source mapping, to which a function's DLQ does not apply."))
		}
		if len(f.Consumes) > 0 {
			suppressions = append(suppressions, nagRule("Serverless-LambdaEventSourceMappingDestination",
				"An SQS event source has no on-failure destination: a message failed MaxReceiveCount times goes to the queue's dead-letter queue (redrive policy, alarmed)."))
		}
		cdknag.NagSuppressions_AddResourceSuppressions(s.functions[f.ID], &suppressions, jsii.Bool(true))
	}

	for _, m := range resources.StateMachines {
		cdknag.NagSuppressions_AddResourceSuppressions(s.stateMachines[m.ID].construct, &[]*cdknag.NagPackSuppression{
			tableIndexes,
			nagRule("AwsSolutions-IAM5",
				"Step Functions' logging to CloudWatch Logs and X-Ray tracing: logs:CreateLogDelivery and the other log delivery actions, "+
					"xray:PutTraceSegments and the other X-Ray actions take no resource but *.",
				"Resource::*"),
			nagRule("AwsSolutions-SF1",
				"Logs at ERROR: each failed execution with its error; ALL would copy every request's input into the logs."),
		}, jsii.Bool(true))
	}

	for _, q := range resources.Queues {
		cdknag.NagSuppressions_AddResourceSuppressions(s.queues[q.ID].construct.DeadLetterQueue().Queue, &[]*cdknag.NagPackSuppression{
			nagRule("Serverless-SQSRedrivePolicy",
				"A dead-letter queue itself: its first message raises an alarm, and an operator redrives it by hand."),
		}, jsii.Bool(false))
	}

	for _, r := range publicRoutes {
		cdknag.NagSuppressions_AddResourceSuppressions(r, &[]*cdknag.NagPackSuppression{
			nagRule("AwsSolutions-APIG4",
				"A browser page: the function authenticates the end user (ID-porten) or the third party's staff (Ansattporten) "+
					"by OpenID Connect and its own session cookie, which a JWT authorizer cannot read."),
		}, jsii.Bool(true))
	}
}

func nagRule(id, reason string, appliesTo ...any) *cdknag.NagPackSuppression {
	rule := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		rule.AppliesTo = &appliesTo
	}
	return rule
}

func regex(pattern string) *cdknag.RegexAppliesTo {
	return &cdknag.RegexAppliesTo{Regex: jsii.String(pattern)}
}

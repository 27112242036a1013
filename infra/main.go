// Command infra synthesises Tredjepart's CloudFormation template with the AWS CDK.
//
// With the CDK CLI: npx cdk synth. Without it: CDK_OUTDIR=cdk.out go run .
package main

import (
	"encoding/json"
	"log"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

const stackName = "Tredjepart"

func main() {
	context, err := readContext("cdk.json")
	if err != nil {
		log.Fatal(err)
	}
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &context})
	NewTredjepart(app, stackName, &awscdk.StackProps{Env: environment()})
	app.Synth(nil)
}

// readContext returns the context defaults in cdk.json. The CDK CLI passes
// them itself, but `go run .` without the CLI would not see them; passing them
// as AppProps.Context keeps both paths identical, and context the CLI sets
// (-c key=value, cdk.context.json) still wins over them.
func readContext(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, err
	}
	return cfg.Context, nil
}

// environment pins the stack to the account and region the CDK CLI resolved,
// if it did. Without them the template is environment-agnostic, so synthesis
// needs no AWS credentials.
func environment() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: &account, Region: &region}
}

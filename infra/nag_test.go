package main

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// The stack passes cdk-nag's AwsSolutions and Serverless packs: no error
// and no warning that is not suppressed, on the resource or the stack, with
// a reason (nag.go). A new resource that a rule flags fails here until it is
// fixed or its finding is reasoned.
func TestNagFindsNothingUnsuppressed(t *testing.T) {
	synth(t) // start the jsii runtime the same way as the other tests
	dir := t.TempDir()
	assets, err := standInAssets(dir)
	if err != nil {
		t.Fatal(err)
	}
	context := testAppContext(t, assets)
	// With this flag (cdk.json) an error annotation fails synthesis with a
	// report; off, the findings are annotations this test can list.
	context["@aws-cdk/core:annotationsInValidationReport"] = false
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out")), Context: &context})
	s := NewTredjepart(app, stackName, nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
	annotations := assertions.Annotations_FromStack(s.stack)
	any := assertions.Match_StringLikeRegexp(jsii.String(".*"))
	findings := map[string][]string{} // rule → construct paths
	rule := regexp.MustCompile(`^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[[^\]]*\])?`)
	count := 0
	for level, messages := range map[string]*[]*cxapi.SynthesisMessage{
		"error":   annotations.FindError(jsii.String("*"), any),
		"warning": annotations.FindWarning(jsii.String("*"), any),
	} {
		for _, m := range *messages {
			text := fmt.Sprint(m.Entry.Data)
			id := rule.FindString(text)
			if id == "" {
				// A warning of CDK itself (a deprecated API, …) is no finding
				// of the packs, but it is a warning nobody reads: show it.
				id = "other"
			}
			findings[level+" "+id] = append(findings[level+" "+id], *m.Id)
			count++
		}
	}
	keys := slices.Sorted(maps.Keys(findings))
	for _, k := range keys {
		paths := findings[k]
		slices.Sort(paths)
		t.Errorf("%s on %d resources: %s", k, len(paths), strings.Join(paths, ", "))
	}
	if count > 0 {
		t.Logf("%d unsuppressed findings", count)
	}
}

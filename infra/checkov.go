package main

import (
	_ "embed"
	"fmt"
	"path"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// checkovSkipsFile lists the checkov checks that the template fails and
// that are reasoned rather than fixed, one a line (see the file).
//
//go:embed checkov-skips.txt
var checkovSkipsFile string

// checkovSkip is one line of checkov-skips.txt: a check, the type and
// construct paths of the resources it is skipped for, and why.
type checkovSkip struct {
	Line   int
	Check  string
	Type   string // AWS::Lambda::Function
	Paths  string // a path.Match pattern over a resource's construct path
	Reason string
}

func parseCheckovSkips(text string) ([]checkovSkip, error) {
	var skips []checkovSkip
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "CKV") || !strings.HasPrefix(fields[1], "AWS::") {
			return nil, fmt.Errorf("checkov-skips.txt:%d: want CHECK RESOURCE-TYPE PATH-PATTERN REASON", n+1)
		}
		if _, err := path.Match(fields[2], ""); err != nil {
			return nil, fmt.Errorf("checkov-skips.txt:%d: %v", n+1, err)
		}
		skips = append(skips, checkovSkip{Line: n + 1, Check: fields[0], Type: fields[1], Paths: fields[2], Reason: strings.Join(fields[3:], " ")})
	}
	return skips, nil
}

// skipCheckov writes each skip of checkov-skips.txt into the Metadata of
// the resources it names, where checkov reads it: checkov then reports
// those checks as skipped, with the reason, and fails none of them. For
// each check, the first line whose type and pattern match a resource
// applies to it.
func (s *Tredjepart) skipCheckov() {
	skips, err := parseCheckovSkips(checkovSkipsFile)
	if err != nil {
		panic(err.Error())
	}
	for _, c := range *s.stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if !*awscdk.CfnResource_IsCfnResource(c) {
			continue
		}
		resource := c.(awscdk.CfnResource)
		resourcePath := *resource.Node().Path()
		var entries []map[string]string
		seen := map[string]bool{}
		for _, skip := range skips {
			if ok, _ := path.Match(skip.Paths, resourcePath); ok && skip.Type == *resource.CfnResourceType() && !seen[skip.Check] {
				seen[skip.Check] = true
				entries = append(entries, map[string]string{"id": skip.Check, "comment": skip.Reason})
			}
		}
		if len(entries) > 0 {
			resource.AddMetadata(jsii.String("checkov"), map[string]any{"skip": entries})
		}
	}
}

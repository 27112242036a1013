package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// The template, as `make synth` writes it (with each resource's construct
// path), in a temporary directory.
func synthesiseTemplateFile(t *testing.T) string {
	t.Helper()
	synth(t) // start the jsii runtime the same way as the other tests
	dir := t.TempDir()
	assets, err := standInAssets(dir)
	if err != nil {
		t.Fatal(err)
	}
	context := testAppContext(t, assets)
	context["aws:cdk:enable-path-metadata"] = true // what the CDK CLI sets: findings name construct paths
	out := filepath.Join(dir, "cdk.out")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out), Context: &context})
	NewTredjepart(app, stackName, nil)
	app.Synth(nil)
	return filepath.Join(out, stackName+".template.json")
}

// scanTool is a program in a venv of the repository; the test fails (not
// skips) without it, as the other venv-driven tests do.
func scanTool(t *testing.T, venv, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", venv, "bin", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s not found: run `make %s` (or `make test`) first", path, map[string]string{".venv": "testvenv", ".venv-scan": "scanvenv"}[venv])
	}
	return path
}

// checkov, as an operator's security team runs it over the template,
// fails no check: each one the template fails is skipped with its reason
// (checkov-skips.txt, written into the resources' Metadata), and each line
// there skips something.
func TestCheckovFailsNothing(t *testing.T) {
	checkov := scanTool(t, ".venv-scan", "checkov")
	template := synthesiseTemplateFile(t)
	cmd := exec.Command(checkov, "-f", template, "--framework", "cloudformation", "-o", "json", "--soft-fail", "--skip-download")
	// Offline: no look-up of a newer checkov or of the vendor's guidelines.
	cmd.Env = append(os.Environ(), "CKV_SKIP_PACKAGE_UPDATE_CHECK=true", "BC_SKIP_MAPPING=TRUE")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("checkov: %v\n%s", err, stderr.String())
	}
	type check struct {
		CheckID   string `json:"check_id"`
		CheckName string `json:"check_name"`
		Resource  string // AWS::Lambda::Function.IntakeA0CA28E8
	}
	var report struct {
		Summary struct {
			Passed, Failed, Skipped int
			ParsingErrors           int `json:"parsing_errors"`
		}
		Results struct {
			Failed  []check `json:"failed_checks"`
			Skipped []check `json:"skipped_checks"`
		}
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("checkov's report: %v\n%.500s", err, out)
	}
	if report.Summary.Passed == 0 || report.Summary.ParsingErrors > 0 {
		t.Fatalf("checkov passed %d checks with %d parsing errors: it did not read the template", report.Summary.Passed, report.Summary.ParsingErrors)
	}
	paths := constructPaths(t, template)
	for _, c := range report.Results.Failed {
		_, id, _ := strings.Cut(c.Resource, ".")
		t.Errorf("%s (%s) fails on %s (%s): fix it, or give the reason in checkov-skips.txt", c.CheckID, c.CheckName, paths[id], c.Resource)
	}
	skips, err := parseCheckovSkips(checkovSkipsFile)
	if err != nil {
		t.Fatal(err)
	}
	used := map[int]bool{}
	for _, c := range report.Results.Skipped {
		typ, id, _ := strings.Cut(c.Resource, ".")
		for _, s := range skips {
			if ok, _ := path.Match(s.Paths, paths[id]); ok && s.Check == c.CheckID && s.Type == typ {
				used[s.Line] = true
				break
			}
		}
	}
	for _, s := range skips {
		if !used[s.Line] {
			t.Errorf("checkov-skips.txt:%d: %s %s %s skips nothing: remove it", s.Line, s.Check, s.Type, s.Paths)
		}
	}
	t.Logf("checkov %s: %d passed, %d failed, %d skipped", "-f <template> --framework cloudformation",
		report.Summary.Passed, report.Summary.Failed, report.Summary.Skipped)
}

// constructPaths maps each logical id of the template to its construct
// path without the resource's own name: Tredjepart/Intake/Resource.
func constructPaths(t *testing.T, template string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Metadata map[string]any
		}
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for id, r := range tpl.Resources {
		p, _ := r.Metadata["aws:cdk:path"].(string)
		if p == "" {
			t.Fatalf("%s has no aws:cdk:path", id)
		}
		paths[id] = p
	}
	return paths
}

// cfn-lint finds no error and no warning in the template, but for the
// rules .cfnlintrc.yaml ignores with a reason.
func TestCfnLintFindsNothing(t *testing.T) {
	cfnLint := scanTool(t, ".venv", "cfn-lint")
	template := synthesiseTemplateFile(t)
	cmd := exec.Command(cfnLint, "--config-file", ".cfnlintrc.yaml", "--format", "parseable", "--", template)
	out, err := cmd.CombinedOutput()
	if len(out) > 0 || err != nil {
		t.Errorf("cfn-lint: %v\n%s", err, out)
	}
}

package lambdasize

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxBootstrap is the size budget of an unzipped bootstrap: 10 MiB.
const maxBootstrap = 10 << 20

// overBudget are the functions allowed more than maxBootstrap, each with a
// ceiling about half a MiB over its size today, so that growth is a
// decision. Both are web sites, drawn with templ since html/template's
// reflection (4.3 MB a bootstrap) went, reading their secrets without the
// SDK's SSM client (1.2 MB); what keeps them over is what they do: go-oidc
// and go-jose, securecookie's encoding/gob, the Step Functions client
// (both) and the KMS and SQS clients for webhook secrets and pushes (the
// portal) (docs/benchmarks.md, "Bootstrap sizes").
var overBudget = map[string]int64{
	"consent": 11 << 20,
	"portal":  23 << 19, // 11.5 MiB
}

// root is the repository, where the Makefile is.
const root = "../../.."

// TestBootstrapSizes builds every function with `make build` into a
// temporary directory, as for AWS (linux/arm64, the Makefile's LAMBDA_FLAGS),
// and checks each bootstrap's size. A size is deterministic for a given
// toolchain and go.sum, so it is asserted, not measured.
func TestBootstrapSizes(t *testing.T) {
	dir := t.TempDir()
	build := exec.Command("make", "--no-print-directory", "build", "LAMBDA_DIR="+dir)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	functions, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	if len(functions) == 0 {
		t.Fatal("no functions")
	}
	var table strings.Builder
	for _, fn := range functions {
		info, err := os.Stat(filepath.Join(dir, fn.Name(), "bootstrap"))
		if err != nil {
			t.Errorf("%s: %v", fn.Name(), err)
			continue
		}
		limit, allowed := overBudget[fn.Name()]
		if !allowed {
			limit = maxBootstrap
		}
		fmt.Fprintf(&table, "%-12s %11d bytes (%4.1f MiB), at most %d\n", fn.Name(), info.Size(), float64(info.Size())/(1<<20), limit)
		if info.Size() > limit {
			t.Errorf("%s: bootstrap is %d bytes, over its budget of %d (%.1f MiB)", fn.Name(), info.Size(), limit, float64(limit)/(1<<20))
		}
	}
	t.Logf("bootstraps (linux/arm64):\n%s", table.String())
}

// TestFunctionsLinkNoDeveloperLibraries: gonum/plot draws the benchmark
// plots (localstack/tools/benchplot) and would link a dozen fonts into a Lambda;
// gorilla/csrf was replaced by the standard library's cross-origin
// protection (shared/websession); the generated API client (client/) and its
// runtime are for third parties' programs.
func TestFunctionsLinkNoDeveloperLibraries(t *testing.T) {
	list := exec.Command("go", "list", "-deps", "./functions/...")
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list -deps ./functions/... lists %d packages: %q", len(deps), out)
	}
	for _, pkg := range deps {
		for _, banned := range []string{"gonum.org/", "github.com/gorilla/csrf", "github.com/oapi-codegen/", "github.com/tredjepart/tredjepart/client"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("a function links %s", pkg)
			}
		}
	}
}

// TestNoSiteCallsMethodsByReflection: one reachable call of
// reflect.Value.Method or MethodByName with a name not known at compile time
// (html/template's, for one) makes the linker keep every exported method of
// every type that reaches an interface — 4.3 MB on a bootstrap. The linker's
// dependency dump marks such a function <ReflectMethod>. The two web sites
// are checked (they drew pages with html/template); the dump of all twelve
// functions takes a minute.
func TestNoSiteCallsMethodsByReflection(t *testing.T) {
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-ldflags=-dumpdep", "-o", os.DevNull, "./functions/consent", "./functions/portal")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%.2000s", err, out)
	}
	if !strings.Contains(string(out), " -> ") {
		t.Fatalf("go build -ldflags=-dumpdep printed no dependencies:\n%.2000s", out)
	}
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, "<ReflectMethod>") {
			t.Fatalf("a function calls methods by reflection: %s", line)
		}
	}
}

package lambdasize

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxBootstrap is the size budget of every unzipped bootstrap: 10 MiB.
// The two web sites came under it by linking no SDK client but DynamoDB's
// (package awsjson calls Step Functions, KMS, SQS and SSM), sealing cookies
// with the standard library, checking ID tokens with golang-jwt and
// embedding their stylesheet gzipped (docs/benchmarks.md, "Bootstrap
// sizes").
const maxBootstrap = 10 << 20

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
		fmt.Fprintf(&table, "%-12s %11d bytes (%4.1f MiB)\n", fn.Name(), info.Size(), float64(info.Size())/(1<<20))
		if info.Size() > maxBootstrap {
			t.Errorf("%s: bootstrap is %d bytes, over the budget of %d (10 MiB)", fn.Name(), info.Size(), maxBootstrap)
		}
	}
	t.Logf("bootstraps (linux/arm64), at most %d bytes each:\n%s", maxBootstrap, table.String())
}

// TestFunctionsLinkNoDeveloperLibraries: gonum/plot draws the benchmark
// plots (localstack/tools/benchplot) and would link a dozen fonts into a Lambda;
// gorilla/csrf was replaced by the standard library's cross-origin
// protection (shared/websession); the generated API client (client/) and its
// runtime are for third parties' programs. Nor does a function link an SDK
// client but DynamoDB's, and the admin function's SQS client (queue
// depths and redrive): each links its service's schema tables whatever it
// calls, and package awsjson makes the few calls the functions need;
// securecookie, go-oidc and go-jose were replaced by lighter code.
func TestFunctionsLinkNoDeveloperLibraries(t *testing.T) {
	functions, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var butAdmin []string
	for _, fn := range functions {
		if fn.Name() != "admin" {
			butAdmin = append(butAdmin, "./functions/"+fn.Name())
		}
	}
	for _, c := range []struct {
		functions []string
		banned    []string
	}{
		{[]string{"./functions/..."}, []string{"gonum.org/", "github.com/gorilla/", "github.com/oapi-codegen/", "github.com/tredjepart/tredjepart/client",
			"github.com/coreos/go-oidc", "github.com/go-jose/", "github.com/aws/aws-sdk-go-v2/service/sfn", "github.com/aws/aws-sdk-go-v2/service/kms",
			"github.com/aws/aws-sdk-go-v2/service/ssm"}},
		{butAdmin, []string{"github.com/aws/aws-sdk-go-v2/service/sqs"}},
	} {
		list := exec.Command("go", append([]string{"list", "-deps"}, c.functions...)...)
		list.Dir = root
		out, err := list.Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 100 {
			t.Fatalf("go list -deps %s lists %d packages: %q", c.functions, len(deps), out)
		}
		for _, pkg := range deps {
			for _, banned := range c.banned {
				if strings.HasPrefix(pkg, banned) {
					t.Errorf("a function of %s links %s", c.functions, pkg)
				}
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

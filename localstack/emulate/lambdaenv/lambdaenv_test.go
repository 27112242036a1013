package lambdaenv_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/localstack/emulate/lambdaenv"
	"github.com/tredjepart/tredjepart/shared/resources"
)

func localStack() lambdaenv.Stack { return lambdaenv.Placeholders("/local") }

var process = lambdaenv.Process{Region: "eu-north-1", AccessKeyID: "local", SecretAccessKey: "local",
	Additions: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}}

func vars(t *testing.T, env []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, v := range env {
		name, value, _ := strings.Cut(v, "=")
		m[name] = value
	}
	return m
}

// Each function gets its own timeout and memory, and its own resources only:
// the shard worker is not handed the Outbox table that Delivery writes.
func TestEachFunctionGetsItsOwnSettings(t *testing.T) {
	for _, fn := range resources.Functions {
		env, err := lambdaenv.Env(fn, localStack(), process)
		if err != nil {
			t.Fatal(err)
		}
		got := vars(t, env)
		if want := strconv.Itoa(int(fn.MaxDuration().Seconds())); got["AWS_LAMBDA_FUNCTION_TIMEOUT"] != want {
			t.Errorf("%s: timeout %s s, want %s", fn.ID, got["AWS_LAMBDA_FUNCTION_TIMEOUT"], want)
		}
		if want := strconv.Itoa(fn.MemoryMB()); got["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != want {
			t.Errorf("%s: memory %s MB, want %s", fn.ID, got["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], want)
		}
		if got["AWS_LAMBDA_FUNCTION_NAME"] != fn.ID || got["AWS_ENDPOINT_URL"] == "" {
			t.Errorf("%s: %v", fn.ID, got)
		}
		for _, v := range fn.Environment(localStack()) {
			if got[v.Name] != v.Value {
				t.Errorf("%s: %s = %q, want %q", fn.ID, v.Name, got[v.Name], v.Value)
			}
		}
	}
	shard := vars(t, must(lambdaenv.Env(resources.FanOutShard, localStack(), process)))
	if shard["AWS_LAMBDA_FUNCTION_TIMEOUT"] != "120" || shard["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != "256" {
		t.Errorf("FanOutShard: timeout %s s, memory %s MB", shard["AWS_LAMBDA_FUNCTION_TIMEOUT"], shard["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
	}
	if _, ok := shard[resources.Outbox.EnvVar]; ok {
		t.Error("FanOutShard is given the Outbox table, which it does not have on AWS")
	}
}

func must(env []string, err error) []string {
	if err != nil {
		panic(err)
	}
	return env
}

func TestEnvRefusesWhatAWSWouldNotHave(t *testing.T) {
	unknown := process
	unknown.Additions = map[string]string{"DEBUG_EVERYTHING": "true"}
	if _, err := lambdaenv.Env(resources.Intake, localStack(), unknown); err == nil {
		t.Error("an addition not named in Local is accepted")
	}
	shadow := process
	shadow.Additions = map[string]string{"AWS_ENDPOINT_URL": "x"}
	missing := localStack()
	delete(missing.Tables, resources.AccessTableID)
	if _, err := lambdaenv.Env(resources.Intake, missing, shadow); err == nil {
		t.Error("a table without a name on the local stack is accepted")
	}
	tooShort := resources.FanOutShard
	tooShort.Timeout = 10 * time.Second
	if _, err := lambdaenv.Env(tooShort, localStack(), process); err == nil {
		t.Error("a function whose reserve is its whole timeout is accepted")
	}
	if slices.ContainsFunc(lambdaenv.Local, func(name string) bool { return slices.Contains(lambdaenv.Runtime, name) }) {
		t.Error("a name is both the runtime's and a local addition")
	}
}

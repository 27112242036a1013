// Package lambdaenv is an emulator: it makes the environment of a function's
// process on the local stack, exactly the environment the function has on AWS,
// built from resources.Function.Environment as the CDK app builds it, plus
// what the Lambda runtime itself provides, plus the few local-only additions
// named in Local. It imports nothing but shared/resources, so that the CDK
// app's tests can compare it with the synthesised template.
package lambdaenv

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tredjepart/tredjepart/shared/resources"
)

// Runtime names what the Lambda runtime sets in every function's process.
// The Lambda emulator takes the function's timeout and memory from the same
// names, as AWS takes them from the function's configuration.
var Runtime = []string{
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_TIMEOUT", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
}

// Local names everything the local stack adds that AWS does not have.
var Local = []string{
	"AWS_ENDPOINT_URL",        // the AWS emulator (moto, LocalStack) instead of AWS
	"WEBHOOK_LOCAL_ENDPOINTS", // sender.LocalEndpointsEnv: the demo webhook is plain HTTP on 127.0.0.1
	"INSECURE_COOKIES",        // websession.InsecureCookiesEnv: the pages are on plain-HTTP localhost
	"CLOCK_OFFSET",            // clock.OffsetEnv: the stack's clock, when NOW set it
	"REDOC_BUNDLE",            // apidocs.BundleEnv: Redoc's bundle in node_modules, not beside the bootstrap
	"TRACE_FILE",              // tracing.FileEnv: the SDK calls' subsegments, where AWS has the X-Ray daemon
}

// Stack is resources.Deployment on the local stack: what provisioning made
// (by resources ID; Keys holds key ARNs), the settings' values (by name), and
// the SSM path the secrets were put under.
type Stack struct {
	Tables, QueueURLs, StateMachines, Keys map[string]string
	Settings                               map[string]string
	SecretsPrefix                          string
}

// Placeholders is a Stack with a made-up name, URL or ARN for every
// resource and a value for every setting, for tests that compare what
// functions are given rather than use it.
func Placeholders(secretsPrefix string) Stack {
	s := Stack{Tables: map[string]string{}, QueueURLs: map[string]string{}, StateMachines: map[string]string{},
		Keys: map[string]string{}, Settings: map[string]string{}, SecretsPrefix: secretsPrefix}
	for _, k := range resources.Keys {
		s.Keys[k.ID] = "arn:aws:kms:eu-north-1:000000000000:key/" + k.ID
	}
	for _, t := range resources.Tables {
		s.Tables[t.ID] = "local-" + t.ID
	}
	for _, q := range resources.Queues {
		s.QueueURLs[q.ID] = "http://127.0.0.1/" + q.ID
	}
	for _, m := range resources.StateMachines {
		s.StateMachines[m.ID] = "arn:aws:states:eu-north-1:000000000000:stateMachine:" + m.ID
	}
	for _, f := range resources.Functions {
		for _, name := range f.Settings {
			s.Settings[name] = "local value of " + name
		}
	}
	return s
}

func (s Stack) TableName(id string) string       { return s.Tables[id] }
func (s Stack) QueueURL(id string) string        { return s.QueueURLs[id] }
func (s Stack) StateMachineARN(id string) string { return s.StateMachines[id] }
func (s Stack) Setting(name string) string       { return s.Settings[name] }
func (s Stack) KeyARN(id string) string          { return s.Keys[id] }
func (s Stack) SecretParameter(name string) string {
	return resources.SecretParameterName(s.SecretsPrefix, name)
}

// Process is what the runtime gives a process besides the function's own
// configuration, and the local-only additions, each named in Local.
type Process struct {
	Region                       string
	AccessKeyID, SecretAccessKey string
	Additions                    map[string]string
}

// Env is fn's whole environment on the local stack, as NAME=value. It
// refuses a function resources.Function.Validate refuses, a variable of fn's
// own without a value, and an addition not named in Local.
func Env(fn resources.Function, stack Stack, p Process) ([]string, error) {
	if err := fn.Validate(); err != nil {
		return nil, err
	}
	var env []string
	for _, v := range fn.Environment(stack) {
		if v.Value == "" {
			return nil, fmt.Errorf("%s: environment variable %s has no value on the local stack", fn.ID, v.Name)
		}
		env = append(env, v.Name+"="+v.Value)
	}
	env = append(env,
		"AWS_LAMBDA_FUNCTION_NAME="+fn.ID,
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(fn.MaxDuration().Seconds())),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(fn.MemoryMB()),
		"AWS_REGION="+p.Region, "AWS_DEFAULT_REGION="+p.Region,
		"AWS_ACCESS_KEY_ID="+p.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+p.SecretAccessKey,
	)
	for _, name := range slices.Sorted(maps.Keys(p.Additions)) {
		if !slices.Contains(Local, name) {
			return nil, fmt.Errorf("%s: %s is not one of the local-only variables %v", fn.ID, name, Local)
		}
		env = append(env, name+"="+p.Additions[name])
	}
	seen := map[string]bool{}
	for _, v := range env {
		name, _, _ := strings.Cut(v, "=")
		if seen[name] {
			return nil, fmt.Errorf("%s: environment variable %s is set twice", fn.ID, name)
		}
		seen[name] = true
	}
	return env, nil
}

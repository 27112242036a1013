package resources

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
)

func TestReferencesResolve(t *testing.T) {
	tables := map[string]bool{}
	for _, tb := range Tables {
		tables[tb.ID] = true
	}
	queues := map[string]bool{}
	for _, q := range Queues {
		queues[q.ID] = true
	}
	functions := map[string]bool{}
	for _, f := range Functions {
		functions[f.ID] = true
		for _, id := range slices.Concat(f.ReadTables, f.WriteTables) {
			if !tables[id] {
				t.Errorf("function %s names unknown table %s", f.ID, id)
			}
		}
		if f.OnFailure != "" && !queues[f.OnFailure] {
			t.Errorf("function %s sends failed invocations to unknown queue %s", f.ID, f.OnFailure)
		}
	}
	for _, r := range Routes {
		if !functions[r.Function] {
			t.Errorf("route %s goes to unknown function %s", r.Key(), r.Function)
		}
	}
	for _, m := range StateMachines {
		for name, sub := range m.Substitutions {
			if (sub.TableName != "" && !tables[sub.TableName]) || (sub.QueueURL != "" && !queues[sub.QueueURL]) {
				t.Errorf("%s: ${%s} refers to nothing", m.ID, name)
			}
		}
	}
}

func TestExpiryDefinitionUsesExactlyItsSubstitutions(t *testing.T) {
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(Expiry.Definition, -1) {
		used[m[1]] = true
	}
	for name := range Expiry.Substitutions {
		if !used[name] {
			t.Errorf("${%s} is substituted but not used", name)
		}
		delete(used, name)
	}
	for name := range used {
		t.Errorf("${%s} is used but never substituted", name)
	}
	values := map[string]string{"AccessTableName": "t", "NotificationQueueUrl": "http://q"}
	var asl map[string]any
	if err := json.Unmarshal([]byte(Substitute(Expiry.Definition, values)), &asl); err != nil {
		t.Fatalf("substituted ASL is not JSON: %v", err)
	}
	if asl["StartAt"] != "WaitUntilExpiry" {
		t.Fatalf("StartAt %v", asl["StartAt"])
	}
}

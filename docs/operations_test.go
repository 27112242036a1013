package docs

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// The runbook has a section for every alarm the stack makes, and none for
// an alarm it does not; its metric table names every business metric.
func TestTheRunbookCoversEveryAlarmAndMetric(t *testing.T) {
	raw, err := os.ReadFile("operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	sections := map[string]bool{}
	alarms, _, _ := strings.Cut(doc[strings.Index(doc, "\n## Alarms\n"):], "\n## Not here yet")
	for _, m := range regexp.MustCompile(`(?m)^### (\S+)$`).FindAllStringSubmatch(alarms, -1) {
		sections[m[1]] = true
	}
	for _, a := range resources.Alarms {
		if !sections[a.ID] {
			t.Errorf("operations.md has no section ### %s", a.ID)
		}
		delete(sections, a.ID)
	}
	for id := range sections {
		t.Errorf("operations.md has a section on alarm %s, which the stack does not make", id)
	}
	for _, name := range []string{metrics.DocumentsDelivered, metrics.DeliveryPointsDue, metrics.DeliveryPointsDone, metrics.WebhookPushes,
		metrics.WebhookFailingForAnHour, metrics.AccessRequests, metrics.IngestItems, metrics.ReadsLogged} {
		if !strings.Contains(doc, "| `"+name+"` |") {
			t.Errorf("operations.md's metric table has no row for %s", name)
		}
	}
}

//go:build integration

package e2e_test

// The example third party (examples/thirdparty), built from source and run
// as a process, through its whole story against the stack: it registers
// its webhook and has a test event pushed, asks for access to a metering
// point of Kari's and prints the redirect-flow link; Kari approves in a real
// browser and comes back to the example's return page; the approval's
// notification is pushed and the example prints the last month per day.
// Then it is stopped, its webhook is registered anew with another secret
// (as `make down && make up` does), the next day's delivery runs while it
// is down, and once restarted it verifies pushes with the new secret, finds
// the day's document in the feed from its stored position, and drops the
// push of the same document that comes after.

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// exampleProcess is one run of the example, its output kept line by line.
type exampleProcess struct {
	cmd   *exec.Cmd
	done  chan struct{}
	mu    sync.Mutex
	lines []string
}

func startExample(t *testing.T, binary string, args ...string) *exampleProcess {
	t.Helper()
	p := &exampleProcess{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout // one stream, in order
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, scanner.Text())
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop interrupts the example, as Ctrl-C does, and waits until it has ended.
func (p *exampleProcess) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	<-p.done
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("the example ended with %v:\n%s", err, p.output())
	}
}

func (p *exampleProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// count is how many lines match pattern.
func (p *exampleProcess) count(pattern *regexp.Regexp) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(slices.DeleteFunc(slices.Clone(p.lines), func(l string) bool { return !pattern.MatchString(l) }))
}

// waitFor waits for a line matching pattern and returns its submatches. It
// fails the test if the example ends first or the bound passes: a bound on
// a hang, not a timed assertion.
func (p *exampleProcess) waitFor(t *testing.T, pattern string) []string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for _, l := range p.lines {
			if m := re.FindStringSubmatch(l); m != nil {
				p.mu.Unlock()
				return m
			}
		}
		p.mu.Unlock()
		select {
		case <-p.done:
			t.Fatalf("the example ended without printing %q:\n%s", pattern, p.output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("the example did not print %q:\n%s", pattern, p.output())
	return nil
}

func TestTheExampleThirdPartyRunsItsWholeStory(t *testing.T) {
	started := time.Now()
	w := newDeliveryWorld(t)
	ctx := context.Background()

	// A metering point of Kari's, with hourly values for the last 40 days.
	mp := freshGSRN(t)
	w.register(t, mp, "PT60M", endUser{id: demo.Kari.NationalID, name: demo.Kari.Name, moveIn: "2021-08-01"})
	today := metervalues.Date(time.Now())
	yesterday := today.AddDate(0, 0, -1).Format(metervalues.DayLayout)
	yesterdaySlots := metervalues.SlotsOn(today.AddDate(0, 0, -1), metervalues.PT60M)
	var series []string
	for d := 1; d <= 40; d++ {
		day := today.AddDate(0, 0, -d)
		series = append(series, seriesJSON(mp, day.Format(metervalues.DayLayout), "PT60M", metervalues.SlotsOn(day, metervalues.PT60M), 0.5))
	}
	w.ingest(t, "/v1/ingest/meter-values", "series", series...)

	// The example listens on a port of its own; the operator registers
	// its return URL for Straumkompis, whose client it runs as.
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	parties := &registry.Parties{Store: w.stores.Parties}
	before, err := parties.ThirdParty(ctx, w.gln(t, straumkompis))
	if err != nil {
		t.Fatal(err)
	}
	withReturn := before
	withReturn.RedirectURIs = append(slices.Clone(before.RedirectURIs), "http://"+addr+"/return")
	if _, err := parties.UpdateThirdParty(ctx, withReturn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		now, err := parties.ThirdParty(ctx, before.GLN)
		if err == nil {
			now.RedirectURIs = before.RedirectURIs
			_, err = parties.UpdateThirdParty(ctx, now)
		}
		if err != nil {
			t.Errorf("restore %s: %v", before.GLN, err)
		}
		w.call(t, straumkompis, "DELETE", "/v1/webhook", "") // no pushes to a stopped example
	})

	binary := filepath.Join(t.TempDir(), "thirdparty")
	if out, err := exec.Command("go", "build", "-o", binary, "../../examples/thirdparty").CombinedOutput(); err != nil {
		t.Fatalf("build the example: %v\n%s", err, out)
	}
	args := []string{"-api", w.api, "-token-url", w.issuer.URL() + "/token", "-client", straumkompis,
		"-listen", addr, "-public-url", "http://" + addr, "-points", string(mp),
		"-state", filepath.Join(t.TempDir(), "state.json"), "-poll", "0"}
	built := time.Now()
	example := startExample(t, binary, args...)

	// It registers its webhook, asks for access and prints the links.
	example.waitFor(t, `^webhook (registered|was registered already)`)
	example.waitFor(t, `^  test event \(webhook.test\)$`) // its own test event, pushed and verified
	link := example.waitFor(t, `^  authorize link: (\S+)$`)[1]
	example.waitFor(t, `^  consent link: \S+/consent/requests/`)
	example.waitFor(t, `^ready`)

	// Kari opens the link, logs in, approves, and comes back to the example.
	browser := headlessChromium(t)
	err = chromedp.Do(browser,
		chromedp.Navigate(link),
		chromedp.WaitVisible(testid("login-kari")),
		chromedp.Click(testid("login-kari")),
		chromedp.WaitVisible(testid("authorize-approve")),
		chromedp.Click(testid("authorize-approve")),
		chromedp.WaitVisible("#decision"), // the example's return page
	)
	if err != nil {
		t.Fatalf("approve in the browser: %v\n%s", err, example.output())
	}
	heading, err := chromedp.Run(browser, chromedp.Text("#decision"))
	if err != nil || heading != fmt.Sprintf("Access to %s: APPROVED", mp) {
		t.Fatalf("the return page says %q (%v)", heading, err)
	}
	example.waitFor(t, `^return: request \S+ for `+string(mp)+` is APPROVED LIMITED$`)

	// The approval's notification is pushed; the example reads the month.
	w.drainQueue(t, resources.NotificationQueueID, w.notifier, 10)
	w.drainQueue(t, resources.WebhookPushesQueueID, w.push, 1)
	example.waitFor(t, `^push notification:\S+ verified$`)
	example.waitFor(t, `^  notification access-request.approved for `+string(mp))
	total := example.waitFor(t, `^  (\d+) days with values, ([0-9.]+) kWh in all$`)
	if days := example.count(regexp.MustCompile(`^  \w{3} \d{4}-\d{2}-\d{2} +\d+\.\d{3}  A04$`)); total[1] != fmt.Sprint(days) || days < 28 {
		t.Errorf("a month by day: %s days said, %d rows:\n%s", total[1], days, example.output())
	}
	approved := time.Now()
	example.stop(t)
	t.Logf("the example's first run:\n%s", example.output())

	// While it is down its webhook is registered anew, as a restarted
	// sandbox registers its demo receiver: another secret signs from now on,
	// and the example's next PUT answers without it.
	w.call(t, straumkompis, "DELETE", "/v1/webhook", "").expect(t, 204)
	w.call(t, straumkompis, "PUT", "/v1/webhook", `{"url":"http://127.0.0.1:9/elsewhere"}`).expect(t, 200)

	// The next day's delivery runs while the example is down: the document
	// goes into the feed, and its push waits in the queue.
	w.runFanOut(t, yesterday)
	w.drain(t)
	time.Sleep(delivery.SettleLag + 500*time.Millisecond) // the feed shows a document once it is 5 s old

	// Restarted, the example reads the webhook's new secret and verifies
	// its test event with it, reads the feed from where it stopped and finds
	// the day; the push that comes after is verified and dropped.
	id := "meter-values:" + string(mp) + ":" + yesterday + ":r1"
	example = startExample(t, binary, args...)
	example.waitFor(t, `^webhook was registered already`)
	example.waitFor(t, `^  test event \(webhook.test\)$`)
	example.waitFor(t, `^feed `+regexp.QuoteMeta(id)+`$`)
	example.waitFor(t, `^  meter-values of `+string(mp)+` for `+yesterday+fmt.Sprintf(`: %d positions, revision 1, late false$`, yesterdaySlots))
	example.waitFor(t, `^ready`)
	w.drainQueue(t, resources.WebhookPushesQueueID, w.push, 1)
	example.waitFor(t, `^push `+regexp.QuoteMeta(id)+` verified; already handled, dropped$`)
	if n := example.count(regexp.MustCompile(`^  meter-values of ` + string(mp))); n != 1 {
		t.Errorf("the day was handled %d times, want once:\n%s", n, example.output())
	}
	if example.count(regexp.MustCompile(`refused`)) > 0 {
		t.Errorf("a push was refused:\n%s", example.output())
	}
	t.Logf("the example's second run:\n%s", example.output())
	t.Logf("the example's story: %s from its start to the approved month printed (browser included), %s for the delivery and the restart; %s in all with the stack, data and build",
		approved.Sub(built).Round(time.Millisecond), time.Since(approved).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}

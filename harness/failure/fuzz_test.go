package failure

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/results"
)

// FuzzClassify: any error text gets exactly one of the four kinds, a mark
// always wins, and a crash is always the harness's fault.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"expected POND, Amy",
		"Target page, context or browser has been closed",
		"locator.click: Target crashed",
		"page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:1/",
		"Timeout 10000ms exceeded.",
		"This site can’t be reached",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		for _, err := range []error{errors.New(msg), fmt.Errorf("%w: %s", playwright.ErrTimeout, msg), fmt.Errorf("%w: %s", playwright.ErrTargetClosed, msg)} {
			switch k := Classify(err); k {
			case results.KindAssertion, results.KindTimeout, results.KindBackend, results.KindHarness:
			default:
				t.Fatalf("Classify(%q) = %q", err, k)
			}
			if Crash(err) != NoCrash && Classify(err) != results.KindHarness {
				t.Fatalf("a crash (%q) must be the harness's fault, got %s", err, Classify(err))
			}
			if Classify(Backend(err)) != results.KindBackend || Classify(Harness(err)) != results.KindHarness {
				t.Fatalf("a mark must win over %q", err)
			}
		}
	})
}

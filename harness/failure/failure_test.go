package failure

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cucumber/godog"
	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/results"
)

func TestClassify(t *testing.T) {
	assert.Equal(t, results.KindNone, Classify(nil))
	assert.Equal(t, results.KindAssertion, Classify(errors.New("expected POND, Amy")))
	assert.Equal(t, results.KindTimeout, Classify(fmt.Errorf("click: %w", playwright.ErrTimeout)))
	assert.Equal(t, results.KindHarness, Classify(fmt.Errorf("page: %w", playwright.ErrTargetClosed)))
	assert.Equal(t, results.KindHarness, Classify(fmt.Errorf("%w: step", godog.ErrUndefined)))
	assert.Equal(t, results.KindBackend, Classify(fmt.Errorf("step: %w", Backend(errors.New("connection refused")))))
	// An explicit mark wins over what the wrapped error looks like.
	assert.Equal(t, results.KindBackend, Classify(Backend(fmt.Errorf("load: %w", playwright.ErrTimeout))))
	assert.Equal(t, results.KindHarness, Classify(Harness(errors.New("no fixture"))))
	assert.Nil(t, Backend(nil))
	assert.Nil(t, Harness(nil))
}

// driverError builds an error the way playwright-go's parseError does from
// what the Playwright driver sends.
func driverError(name, message string) error {
	e := &playwright.Error{Name: name, Message: message}
	switch name {
	case "TimeoutError":
		return fmt.Errorf("%w: %w: %w", playwright.ErrPlaywright, playwright.ErrTimeout, e)
	case "TargetClosedError":
		return fmt.Errorf("%w: %w: %w", playwright.ErrPlaywright, playwright.ErrTargetClosed, e)
	}
	return fmt.Errorf("%w: %w", playwright.ErrPlaywright, e)
}

// The errors steps really see when the browser, the page or the EPR goes
// away, as values and as the text an adapter's %v leaves of them.
func TestClassifyEnvironmentFaults(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		kind  results.FailureKind
		crash CrashKind
	}{
		{"browser closed (driver)", driverError("TargetClosedError", "Target page, context or browser has been closed"), results.KindHarness, BrowserGone},
		{"browser closed, formatted by an adapter", fmt.Errorf("fill NHS number: %v", driverError("TargetClosedError", "Target page, context or browser has been closed")), results.KindHarness, BrowserGone},
		{"browser has been closed", fmt.Errorf("expected the banner to show POND, Amy: %v", driverError("Error", "locator.textContent: Browser has been closed")), results.KindHarness, BrowserGone},
		{"connection to the driver lost", fmt.Errorf("click: %w", fmt.Errorf("%w: %w", playwright.ErrTargetClosed, errors.New("connection closed"))), results.KindHarness, BrowserGone},
		{"renderer crashed during an action", driverError("Error", "locator.click: Target crashed"), results.KindHarness, PageCrashed},
		{"renderer crashed, formatted", fmt.Errorf("expected POND, Amy: %v", driverError("Error", "Target crashed")), results.KindHarness, PageCrashed},
		{"renderer crashed during navigation", fmt.Errorf("open record: %w", errors.New("Navigation failed because page crashed!")), results.KindHarness, PageCrashed},
		{"page crashed while waiting", fmt.Errorf("wait for URL: %w", errors.New("page crashed")), results.KindHarness, PageCrashed},
		{"EPR refused the connection", driverError("Error", "page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:39211/patients"), results.KindBackend, NoCrash},
		{"EPR reset the connection", fmt.Errorf("sign in: %v", driverError("Error", "page.reload: net::ERR_CONNECTION_RESET at http://127.0.0.1:39211/")), results.KindBackend, NoCrash},
		{"empty response", driverError("Error", "page.goto: net::ERR_EMPTY_RESPONSE at http://127.0.0.1:39211/"), results.KindBackend, NoCrash},
		{"Chromium's error page", errors.New(`expected the patient banner to show "POND, Amy", got "This site can’t be reached"`), results.KindBackend, NoCrash},
		{"timeout", driverError("TimeoutError", "Timeout 10000ms exceeded."), results.KindTimeout, NoCrash},
		{"the machine's network changed (what CI saw)", fmt.Errorf("open sign-in page: Frame.Goto /login: %w", driverError("Error", "net::ERR_NETWORK_CHANGED at http://localhost:32789/login")), results.KindHarness, NoCrash},
		{"network changed, formatted", fmt.Errorf("search: %v", errors.New("page.goto: net::ERR_NETWORK_CHANGED at http://127.0.0.1:39211/patients")), results.KindHarness, NoCrash},
		{"assertion", errors.New(`expected a NEWS2 score of 3, got 5`), results.KindAssertion, NoCrash},
		{"marked backend is not a crash", Backend(fmt.Errorf("reset: %w", playwright.ErrTargetClosed)), results.KindBackend, NoCrash},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.kind, Classify(c.err))
			assert.Equal(t, c.crash, Crash(c.err))
		})
	}
	assert.Equal(t, NoCrash, Crash(nil))
	assert.False(t, Unreachable(nil))
	assert.False(t, NetworkChanged(nil))
	assert.True(t, NetworkChanged(errors.New("net::ERR_NETWORK_CHANGED")))
	assert.False(t, NetworkChanged(errors.New("net::ERR_CONNECTION_REFUSED")))
}

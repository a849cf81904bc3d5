// Package failure classifies errors into the failure kinds of the results
// model, so that a scenario's failure is blamed on the right party: the EPR
// (assertion, timeout), the test backend, or the harness.
//
// Code that knows why something failed marks the error with Backend or
// Harness; Classify reads the mark, and otherwise infers the kind from
// Playwright's and Godog's error values and, for errors that reach the
// harness as text only (a Playwright error formatted with %v by an adapter,
// Chromium's network errors), from their messages: a browser or page that
// went away is the harness's fault (see Crash), a page that could not reach
// the EPR at all (net::ERR_CONNECTION_REFUSED, "This site can't be
// reached") is the backend's, and a request Chromium aborted because this
// machine's network changed (net::ERR_NETWORK_CHANGED) is the harness's
// environment's, never the EPR's. Classify is the one place that maps errors
// to kinds. All functions are safe for concurrent use.
package failure

import (
	"errors"
	"strings"

	"github.com/cucumber/godog"
	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/results"
)

// Error marks an error with the kind of failure it is.
type Error struct {
	Kind results.FailureKind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Backend marks err as a fault of the test backend (database, containers,
// fixture loading). It returns nil for a nil err.
func Backend(err error) error { return mark(results.KindBackend, err) }

// Harness marks err as a fault of the harness itself. It returns nil for a
// nil err.
func Harness(err error) error { return mark(results.KindHarness, err) }

func mark(kind results.FailureKind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Err: err}
}

// CrashKind says what went away under a step.
type CrashKind int

const (
	// NoCrash: the error says nothing of a browser or page going away.
	NoCrash CrashKind = iota
	// BrowserGone: the browser process (or the Playwright connection to
	// it) closed: "Browser has been closed", "Target page, context or
	// browser has been closed", playwright.ErrTargetClosed. This is also
	// what a step sees when the harness closes the browser on purpose
	// (an interrupt): the caller tells the two apart.
	BrowserGone
	// PageCrashed: the page's renderer process crashed ("Target crashed",
	// "page crashed"); the browser itself still runs.
	PageCrashed
)

// pageCrashMessages and browserGoneMessages are what Playwright (driver
// and Go client) and Chromium say, lower-cased.
var (
	pageCrashMessages = []string{
		"target crashed",
		"page crashed",
		"navigation failed because page crashed",
	}
	browserGoneMessages = []string{
		"browser has been closed",
		"target page, context or browser has been closed",
		"browser has disconnected",
		"browser closed",
		"target closed",
		"connection closed",
		"playwright connection closed",
	}
	// networkMessages are Chromium's errors for a page that could not
	// reach its server at all: the EPR (or its container) is gone.
	networkMessages = []string{
		"net::err_connection_refused",
		"net::err_connection_reset",
		"net::err_connection_closed",
		"net::err_empty_response",
		"net::err_connection_aborted",
		"net::err_address_unreachable",
		"net::err_name_not_resolved",
		"net::err_internet_disconnected",
		"this site can’t be reached",
		"this site can't be reached",
	}
	// networkChangedMessages are Chromium's errors for requests it
	// aborted because the machine's network configuration changed under
	// them (a network interface came or went: Docker creating a network
	// for another container does it). Nothing is wrong with the EPR; the
	// same request a moment later succeeds.
	networkChangedMessages = []string{
		"net::err_network_changed",
		"net::err_network_io_suspended",
	}
)

// NetworkChanged reports whether err is Chromium aborting a request
// because this machine's network changed (net::ERR_NETWORK_CHANGED): a
// fault of the test environment, never of the EPR.
func NetworkChanged(err error) bool {
	return err != nil && containsAny(strings.ToLower(err.Error()), networkChangedMessages)
}

// Crash reports whether err says the browser or the page went away under
// the step, and which. A marked error (Backend, Harness) is never a crash:
// the code that marked it knew better.
func Crash(err error) CrashKind {
	if err == nil {
		return NoCrash
	}
	var fe *Error
	if errors.As(err, &fe) {
		return NoCrash
	}
	msg := strings.ToLower(err.Error())
	if containsAny(msg, pageCrashMessages) {
		return PageCrashed
	}
	if errors.Is(err, playwright.ErrTargetClosed) || containsAny(msg, browserGoneMessages) {
		return BrowserGone
	}
	return NoCrash
}

// Unreachable reports whether err is the browser failing to reach the
// EPR's server at all (connection refused or reset, empty response):
// nothing was tested, the backend is down.
func Unreachable(err error) bool {
	return err != nil && containsAny(strings.ToLower(err.Error()), networkMessages)
}

// Classify returns the kind of failure err represents; KindNone for nil.
func Classify(err error) results.FailureKind {
	if err == nil {
		return results.KindNone
	}
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	switch {
	case errors.Is(err, godog.ErrUndefined), errors.Is(err, godog.ErrAmbiguous), errors.Is(err, godog.ErrPending):
		return results.KindHarness
	case Crash(err) != NoCrash, NetworkChanged(err):
		// The browser, context or page went away under the step, or the
		// machine's network changed under its requests.
		return results.KindHarness
	case Unreachable(err):
		return results.KindBackend
	case errors.Is(err, playwright.ErrTimeout):
		return results.KindTimeout
	default:
		return results.KindAssertion
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

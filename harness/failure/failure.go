// Package failure classifies errors into the failure kinds of the results
// model, so that a scenario's failure is blamed on the right party: the EPR
// (assertion, timeout), the test backend, or the harness.
//
// Code that knows why something failed marks the error with Backend or
// Harness; Classify reads the mark, and otherwise infers the kind from
// Playwright's and Godog's error values. All functions are safe for
// concurrent use.
package failure

import (
	"errors"

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
	case errors.Is(err, playwright.ErrTargetClosed):
		// The browser, context or page went away under the step.
		return results.KindHarness
	case errors.Is(err, playwright.ErrTimeout):
		return results.KindTimeout
	default:
		return results.KindAssertion
	}
}

// Package backend defines the contract between the harness and a test
// backend: something that runs the system under test for a run and can put it
// back to a clean state between scenarios.
//
// Implementations live in sub-packages (embedded, docker), each with the same
// shape: Run(ctx, opts...) (*Backend, error) with WithX options. Run returns
// the partial backend together with an error so the caller can always
// Terminate it. The caller owns a Backend and must call Terminate exactly
// once, on success and failure alike.
package backend

import (
	"context"

	"github.com/eprharness/eprharness/harness/results"
)

// Backend runs the system under test.
//
// BaseURL and Describe are safe for concurrent use. Reset must not run
// concurrently with scenarios that use the backend.
type Backend interface {
	// BaseURL is where the browser reaches the EPR, e.g. http://127.0.0.1:39211.
	BaseURL() string
	// Reset returns the EPR to a clean state: no patients, seeded users.
	Reset(ctx context.Context) error
	// Terminate stops everything the backend started. It is safe to call on
	// a partially started backend and more than once.
	Terminate(ctx context.Context) error
	// Describe says what runs, for the results of the run.
	Describe() results.Target
}

// Package exitcode names the eprharness process exit codes, so pipelines can
// tell a regression in the EPR from a fault of the harness or of the test
// environment, and decides which one a finished run gets.
package exitcode

import "github.com/eprharness/eprharness/harness/results"

// Code is a process exit code.
type Code int

const (
	// Pass: every scenario passed.
	Pass Code = 0
	// Failures: at least one scenario failed an assertion or timed out in the
	// EPR; the harness and backends worked.
	Failures Code = 1
	// Usage: bad command line, configuration, feature file or fixture.
	Usage Code = 2
	// Harness: the harness itself failed (browser could not start, driver
	// missing, reports could not be written, undefined steps).
	Harness Code = 3
	// Backend: the test backend failed (containers did not start, the
	// database or fixture load failed); the EPR was not properly tested.
	Backend Code = 4
	// Interrupted: the run was stopped by SIGINT or SIGTERM, or it is
	// unfinished (it never recorded its end: killed, or still running), or
	// a scenario of it was interrupted. Not everything was tested.
	Interrupted Code = 130
)

func (c Code) String() string {
	switch c {
	case Pass:
		return "pass"
	case Failures:
		return "scenario failures"
	case Usage:
		return "usage or bad input"
	case Harness:
		return "harness fault"
	case Backend:
		return "backend fault"
	case Interrupted:
		return "interrupted"
	default:
		return "unknown"
	}
}

// ForRun returns the exit code of a run. A run that was interrupted, that
// never recorded its end (run.FinishedAt is zero: it was killed, or is
// still running) or that holds an interrupted scenario gets Interrupted,
// whatever its scenarios say: it did not test everything, so it is never
// green; so does a finished run that passed but left planned scenarios
// unrun (a run merged from shards with one missing). Otherwise a harness fault outranks a backend fault, which
// outranks scenario failures: when the test environment broke, the results
// say little about the EPR and a pipeline must not read them as a plain
// regression. Interrupted scenarios are never failures of the EPR;
// quarantined scenarios never count; flaky ones count as failures only
// when run.FailOnFlaky is set.
func ForRun(run *results.Run) Code {
	if run.Interrupted || run.Unfinished() || len(run.InterruptedScenarios()) > 0 {
		return Interrupted
	}
	code := Pass
	if run.Accessibility != nil && len(run.Accessibility.Expired) > 0 {
		// An accepted accessibility violation whose acceptance expired
		// must be reviewed again: the run fails until the baseline entry
		// is renewed or removed.
		code = Failures
	}
	if run.FailOnFlaky {
		for _, s := range run.Flaky() {
			if s.Gates() {
				code = Failures
			}
		}
	}
	for _, s := range run.Failures() {
		if !s.Gates() {
			continue // quarantined: reported, never gating
		}
		switch s.FailureKind {
		case results.KindHarness:
			return Harness
		case results.KindBackend:
			code = Backend
		default:
			if code == Pass {
				code = Failures
			}
		}
	}
	if code == Pass && len(run.NotRun()) > 0 {
		// Finished, but part of the plan never ran (a merged run missing
		// a shard): never a pass.
		return Interrupted
	}
	return code
}

// Package reset puts the data of an EPR under test back between scenarios
// when the harness did not start it (backend: url or compose), as the
// reset setting says:
//
//   - HTTP calls the EPR's own reset endpoint (reset: http);
//   - SQL runs a script in one transaction (reset: sql);
//   - Snapshot restores a PostgreSQL template database taken after
//     seeding (reset: snapshot): the fastest way back to a known state for
//     an EPR whose data is all in one PostgreSQL database;
//   - None does nothing (reset: none, and reset: unique, where scenarios
//     use identities of their own instead: fixtures.Patient.Unique);
//   - Func adapts a backend's own reset (reset: builtin).
//
// Contract: Reset returns when the data is back, or an error marked
// failure.Backend (the scenario did not reach the EPR's behaviour under
// test) wrapped as "reset over http: …", "reset over sql: …" or "reset
// snapshot: …". The caller (a backend) owns the Resetter and calls Reset
// before each scenario. HTTP and SQL hold nothing between calls; a
// DatabaseSnapshot keeps one connection to the server's maintenance
// database and copies in the background, so its owner calls Close when
// the run ends. All are safe for concurrent use, but a reset wipes the
// data of every scenario running on the same EPR: with several workers
// each needs an EPR (or database) of its own.
package reset

import "context"

// Resetter puts the EPR's data back to its starting state.
type Resetter interface {
	Reset(ctx context.Context) error
}

// None returns a Resetter that does nothing.
func None() Resetter { return Func(func(context.Context) error { return nil }) }

// Func adapts a function (a backend's own reset) to a Resetter.
type Func func(ctx context.Context) error

// Reset calls f.
func (f Func) Reset(ctx context.Context) error { return f(ctx) }

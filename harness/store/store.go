// Package store keeps every harness run's results so test analysts can see
// what regressed, what is flaky and what a failure looked like.
//
// A Store is a database of runs (an embedded SQLite file by default, or a
// PostgreSQL database shared by a team) plus an artifacts folder holding the
// attachments (screenshots, traces, page HTML, console and backend logs),
// each named by its content hash.
//
// A run is recorded incrementally: Begin when it starts, Record as each
// scenario finishes (and again for each retry of it), Finish at the end. A
// run that is killed therefore keeps every scenario that had finished; its
// FinishedAt stays zero, and it is "unfinished". Begin also records the
// run's plan (results.Run.Planned), so the store knows which scenarios a
// killed or interrupted run never ran; run lists count them (Summary
// Counts.NotRun, Planned), and "last-green" never picks a run that is
// unfinished, interrupted, or holds an interrupted or never-run scenario.
//
// Open creates a missing SQLite store unless WithMustExist is given: the
// read-only commands (report, diff, serve) give it, so a mistyped path is
// an error wrapping ErrNotFound and leaves nothing behind.
//
// Artifacts are stored at sha256/<first two hex digits>/<sha256><ext>
// below the artifacts folder (ext is the source file's lower-cased
// extension, if a plain one): the same file recorded twice, or by two
// runs, is stored once. Files are written to a temporary name and renamed,
// so a stored path always holds complete content. Nothing ever deletes
// them; the store only adds.
//
// Each run keeps its verdict (Summary.Verdict: VerdictOf the run, its
// exit code once it tested everything), recomputed by Begin, Record and
// Finish in the same transaction, so lists of runs and "last-green" read
// one row per run and never a run in full. Runs recorded before verdicts
// were kept get theirs when Open migrates the store to schema version 4
// (computed in Go from their scenarios, in the migration's transaction),
// not lazily. Durations gives each scenario's median duration over its
// recent runs, for ordering and sharding. A scenario's results are read
// through one index in run order (History, Durations, Unstable), so these
// stay fast with ten thousand runs of a hundred scenarios (see make
// bench-store for the figures).
//
// Instants come back in UTC to the nanosecond (the store keeps nanoseconds
// since the Unix epoch, so it holds the years 1678 to 2262); durations
// exactly. Both databases hold the same schema, created or migrated by
// Open and versioned in a store_schema table.
//
// Open returns a Store that is safe for concurrent use by many goroutines
// (and several processes may share one database). The caller closes it.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
)

// ErrNotFound is returned (wrapped) when a run or run reference does not
// exist.
var ErrNotFound = errors.New("not found")

// ErrBadReference is returned (wrapped) by Resolve for a run reference
// that cannot name a run ("latest~x", "latest~-1", text that is not
// UTF-8 or holds control characters). It wraps ErrNotFound: no run has
// such a name.
var ErrBadReference error = badReference{}

type badReference struct{}

func (badReference) Error() string        { return "bad run reference" }
func (badReference) Is(target error) bool { return target == ErrNotFound }

// ErrExists is returned (wrapped) by Begin when the run id is taken.
var ErrExists = errors.New("run already exists")

// ErrAmbiguous is returned (wrapped) by Resolve when an id prefix matches
// several runs; the message lists them.
var ErrAmbiguous = errors.New("ambiguous run id prefix")

// The run references Resolve knows besides ids.
const (
	RefLatest    = "latest"
	RefLastGreen = "last-green"
)

// Store records runs and reads them back.
type Store interface {
	// Begin records a new run: everything in run except its features and
	// scenarios, which Record adds; its plan (run.Planned) included, so
	// the store knows which scenarios a killed run never ran. It fails (wrapping ErrExists) if the
	// run id exists, and when run has no id or no StartedAt.
	Begin(ctx context.Context, run *results.Run) error
	// Record adds one finished scenario of feature f to the run, or
	// replaces it (same Scenario.ID) when it was recorded before, as a
	// retried scenario is. Only f's own fields are read (not its
	// Scenarios). Each attachment is copied from srcDir (the run's output
	// folder, which attachment paths are relative to) into the artifacts
	// folder; the stored scenario's attachments point into the artifacts
	// folder (see Run), with SHA256 and Size those of the copied content.
	// sc is not modified.
	//
	// An attachment path that is absolute or leads out of srcDir ("..")
	// is an error and nothing is recorded. An attachment whose file
	// cannot be read is left out and Record returns a
	// *MissingAttachmentsError after recording the scenario: a warning.
	// A run that was not begun gives an error wrapping ErrNotFound.
	Record(ctx context.Context, runID string, f *results.Feature, sc *results.Scenario, srcDir string) error
	// Finish records the run's end: FinishedAt, Interrupted and any run
	// field that changed since Begin (for example Target, known only once
	// the backend started). A nil run.Planned keeps the plan recorded by
	// Begin; a non-nil one replaces it.
	Finish(ctx context.Context, run *results.Run) error

	// Run returns a stored run with its features and scenarios, sorted
	// (results.Run.Sort), and its plan (nil for runs recorded without
	// one). A run whose FinishedAt is zero is unfinished: still running,
	// or killed. Attachment paths are relative to Artifacts().
	Run(ctx context.Context, id string) (*results.Run, error)
	// Runs lists run summaries, newest first.
	Runs(ctx context.Context, f Filter) ([]Summary, error)
	// Resolve turns a run reference into a run id: an id, an unambiguous
	// id prefix, "latest" (the newest run), "latest~N" (the Nth run
	// before the newest) or "last-green" (the newest
	// finished, uninterrupted run with no interrupted scenario and no
	// planned scenario left unrun, whose exit code would be 0, see
	// exitcode.ForRun): an unfinished run is never last-green. It returns an error wrapping ErrNotFound when none
	// matches, and one wrapping ErrAmbiguous when a prefix matches several
	// runs, and one wrapping ErrBadReference (itself wrapping
	// ErrNotFound) when ref cannot name a run: empty, "latest~" with
	// anything but a whole number, not UTF-8 or holding control
	// characters. "latest" and "last-green" win over run ids spelled the
	// same.
	Resolve(ctx context.Context, ref string) (string, error)
	// History returns a scenario's outcomes in the last limit runs that
	// ran it, oldest first, up to and including the run before (and not
	// including) beforeRun, or up to the newest run when beforeRun is "".
	// Runs are ordered by their StartedAt, then id; a point's StartedAt is
	// its run's. limit must be positive; an unknown beforeRun gives an
	// error wrapping ErrNotFound.
	History(ctx context.Context, scenarioID string, beforeRun string, limit int) ([]results.HistoryPoint, error)
	// Durations returns, for every scenario id the store has a result of,
	// the median duration of the scenario over its last window runs that
	// ran it: those in which its status was passed, failed or flaky
	// (skipped, interrupted and other outcomes say nothing of how long it
	// takes). Runs are ordered as in History. An even number of durations
	// gives the mean of the middle two. Scenarios with no such run are left
	// out. window must be positive. Schedulers use it to start the longest
	// scenarios first and to balance shards.
	Durations(ctx context.Context, window int) (map[string]time.Duration, error)
	// Unstable lists the scenarios whose status flips across their last
	// window runs: those that failed at least twice with a pass in
	// between (flaky counts as a failure followed by a pass), newest
	// first by their last run. Window counts each scenario's own runs
	// (the last window runs that ran it, skipped ones included) and must
	// be positive.
	Unstable(ctx context.Context, window int) ([]Instability, error)

	// Artifacts is the artifacts folder.
	Artifacts() string
	// Close releases the database. It does not touch the artifacts.
	Close() error
}

// Filter narrows Runs.
type Filter struct {
	// Limit is the most runs returned; 0 means 50. Negative is an error.
	Limit int
}

// Summary is one run in a list of runs.
type Summary struct {
	ID          string
	StartedAt   time.Time
	FinishedAt  time.Time // zero while running, or when the run was killed
	Interrupted bool
	Target      results.Target
	Commit      string
	Tags        string
	// Counts are the recorded scenarios' counts; Counts.NotRun is how many
	// planned scenarios have no result (so far, for a running run).
	Counts results.Counts
	// Planned is how many scenarios the run set out to run; 0 for runs
	// recorded without a plan.
	Planned int
	// Verdict is the run's outcome, stored with the run and kept right
	// by Begin, Record and Finish: VerdictOf the run as it stands.
	Verdict Verdict
}

// Verdict is a run's outcome as a list of runs shows it: whether it
// tested everything it set out to, and if so its exit code
// (exitcode.ForRun). The store keeps it with the run (Begin, Record and
// Finish recompute it), so lists of runs never read runs in full; runs
// recorded before verdicts were kept get theirs when the store is
// migrated (schema version 4).
type Verdict string

// The verdicts, in the order VerdictOf decides them.
const (
	// VerdictUnfinished: the run never recorded its end (still running,
	// or killed) and was not interrupted.
	VerdictUnfinished Verdict = "unfinished"
	// VerdictInterrupted: the run was stopped by a signal.
	VerdictInterrupted Verdict = "interrupted"
	// VerdictIncomplete: the run finished, but a scenario was interrupted
	// or a planned scenario never ran.
	VerdictIncomplete Verdict = "incomplete"
	// VerdictPass: complete, exit code exitcode.Pass (flaky scenarios
	// may have passed on a retry: see Counts.Flaky).
	VerdictPass Verdict = "pass"
	// VerdictFailures, VerdictBackend, VerdictHarness: complete, with
	// exit code exitcode.Failures, exitcode.Backend or exitcode.Harness.
	VerdictFailures Verdict = "failures"
	VerdictBackend  Verdict = "backend"
	VerdictHarness  Verdict = "harness"
)

// VerdictOf returns the verdict of run: unfinished when it never recorded
// its end (and was not interrupted), interrupted when it was, incomplete
// when it is otherwise results.Run.Incomplete, and else its exit code's
// (exitcode.ForRun).
func VerdictOf(run *results.Run) Verdict {
	switch {
	case run.Unfinished() && !run.Interrupted:
		return VerdictUnfinished
	case run.Interrupted:
		return VerdictInterrupted
	case run.Incomplete():
		return VerdictIncomplete
	}
	return verdictOfCode(exitcode.ForRun(run))
}

func verdictOfCode(code exitcode.Code) Verdict {
	switch code {
	case exitcode.Pass:
		return VerdictPass
	case exitcode.Failures:
		return VerdictFailures
	case exitcode.Backend:
		return VerdictBackend
	case exitcode.Harness:
		return VerdictHarness
	default:
		return VerdictInterrupted
	}
}

// Code is the exit code the verdict stands for: exitcode.Interrupted for
// a run that did not test everything (and for a verdict this build does
// not know).
func (v Verdict) Code() exitcode.Code {
	switch v {
	case VerdictPass:
		return exitcode.Pass
	case VerdictFailures:
		return exitcode.Failures
	case VerdictBackend:
		return exitcode.Backend
	case VerdictHarness:
		return exitcode.Harness
	default:
		return exitcode.Interrupted
	}
}

// Unfinished reports whether the run never recorded its end: it is still
// running, or it was killed. Such a run is never green.
func (s Summary) Unfinished() bool { return s.FinishedAt.IsZero() }

// Incomplete reports whether the run did not test all it set out to: it
// is unfinished or interrupted, or a scenario was interrupted or never
// ran. Lists must never show such a run as green.
func (s Summary) Incomplete() bool {
	return s.Unfinished() || s.Interrupted || s.Counts.Untested() > 0
}

// Instability is a scenario whose status flips across runs.
type Instability struct {
	ScenarioID string
	Name       string
	// Runs is how many of the window's runs ran it; Failures how many of
	// them it failed (flaky counts); Flips how many times its status
	// changed between pass and fail.
	Runs, Failures, Flips int
	History               []results.HistoryPoint
}

// Option configures Open.
type Option func(*options)

type options struct {
	artifacts string
	mustExist bool
}

// WithMustExist makes Open fail, with an error wrapping ErrNotFound ("no
// results store at PATH"), when the SQLite file does not exist, instead of
// creating it (and its folders). Read-only commands (report, diff, serve)
// use it so that a mistyped path never leaves an empty store behind. A
// PostgreSQL database is never created by Open, so the option changes
// nothing there.
func WithMustExist() Option { return func(o *options) { o.mustExist = true } }

// WithArtifacts sets the artifacts folder; by default it is "artifacts"
// beside a SQLite file, or .eprharness/artifacts for PostgreSQL.
func WithArtifacts(dir string) Option { return func(o *options) { o.artifacts = dir } }

// Open opens (creating when needed) the store at url: a SQLite file path
// (or sqlite:PATH), or a postgres:// or postgresql:// URL. The schema is
// created or migrated on open. The caller closes the store.
//
// A relative SQLite path is relative to the working directory; its parent
// folders are created. The artifacts folder is made absolute and created
// when the first attachment is stored. Errors name the store by its URL
// with any password redacted.
func Open(ctx context.Context, url string, opts ...Option) (Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	loc, err := parseLocation(url)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", loc.shown, err)
	}
	artifacts := o.artifacts
	if artifacts == "" {
		artifacts = filepath.Join(".eprharness", "artifacts")
		if loc.dialect == sqliteDialect {
			artifacts = filepath.Join(filepath.Dir(loc.path), "artifacts")
		}
	}
	if artifacts, err = filepath.Abs(artifacts); err != nil {
		return nil, fmt.Errorf("open store %s: artifacts folder: %w", loc.shown, err)
	}
	if o.mustExist && loc.dialect == sqliteDialect {
		if _, err := os.Stat(loc.path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open store %s: no results store at %s: %w", loc.shown, loc.path, ErrNotFound)
		} else if err != nil {
			return nil, fmt.Errorf("open store %s: %w", loc.shown, err)
		}
	}
	db, err := connect(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", loc.shown, err)
	}
	s := &sqlStore{db: db, dialect: loc.dialect, name: loc.shown, artifacts: artifacts}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", loc.shown, scrub(err, loc.dsn, loc.secret))
	}
	return s, nil
}

// historian is a Store that reads RunHistory in a query or a few rather
// than one History call per scenario: the SQL store.
type historian interface {
	runHistory(ctx context.Context, run *results.Run, limit int) (map[string][]results.HistoryPoint, error)
}

// RunHistory returns, for every scenario of run, its outcomes in the limit
// runs before run (History with beforeRun = run.ID), by scenario id;
// scenarios with no earlier outcome are left out. On an error it returns
// what it had read so far with the error, so a report can still be written.
func RunHistory(ctx context.Context, st Store, run *results.Run, limit int) (map[string][]results.HistoryPoint, error) {
	if h, ok := st.(historian); ok {
		return h.runHistory(ctx, run, limit)
	}
	out := map[string][]results.HistoryPoint{}
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			h, err := st.History(ctx, sc.ID, run.ID, limit)
			if err != nil {
				return out, fmt.Errorf("history of %s: %w", sc.ID, err)
			}
			if len(h) > 0 {
				out[sc.ID] = h
			}
		}
	}
	return out, nil
}

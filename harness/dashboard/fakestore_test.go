package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/store"
)

// fakeStore is an in-memory store.Store over a slice of runs, with a real
// artifacts folder. It follows the interface's documented contract and is
// safe for concurrent use.
type fakeStore struct {
	mu   sync.Mutex
	runs []*results.Run
	dir  string
}

var _ store.Store = (*fakeStore)(nil)

// newFakeStore holds copies of runs and writes their attachments (the
// resultstest fake files) into a temporary artifacts folder.
func newFakeStore(t testing.TB, runs ...*results.Run) *fakeStore {
	t.Helper()
	fs := &fakeStore{dir: filepath.Join(t.TempDir(), "artifacts")}
	if err := os.MkdirAll(fs.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		resultstest.WriteAttachments(t, fs.dir, r)
		fs.runs = append(fs.runs, clone(r))
	}
	return fs
}

// clone deep-copies a run through its JSON form, as a database would.
func clone(r *results.Run) *results.Run {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	var out results.Run
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

func (s *fakeStore) find(id string) *results.Run {
	for _, r := range s.runs {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (s *fakeStore) Begin(_ context.Context, run *results.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.find(run.ID) != nil {
		return fmt.Errorf("begin run %q: exists", run.ID)
	}
	c := clone(run)
	c.Features = nil
	s.runs = append(s.runs, c)
	return nil
}

func (s *fakeStore) Record(_ context.Context, runID string, f *results.Feature, sc *results.Scenario, srcDir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.find(runID)
	if r == nil {
		return fmt.Errorf("record %q: %w", runID, store.ErrNotFound)
	}
	for _, a := range sc.Attachments {
		data, err := os.ReadFile(filepath.Join(srcDir, filepath.FromSlash(a.Path)))
		if err != nil {
			return fmt.Errorf("record: %w", err)
		}
		dst := filepath.Join(s.dir, filepath.FromSlash(a.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return fmt.Errorf("record: %w", err)
		}
	}
	var feat *results.Feature
	for _, x := range r.Features {
		if x.URI == f.URI {
			feat = x
		}
	}
	if feat == nil {
		cp := *f
		cp.Scenarios = nil
		feat = &cp
		r.Features = append(r.Features, feat)
	}
	one := clone(&results.Run{Features: []*results.Feature{{Scenarios: []*results.Scenario{sc}}}})
	c := one.Features[0].Scenarios[0]
	for i, x := range feat.Scenarios {
		if x.ID == sc.ID {
			feat.Scenarios[i] = c
			return nil
		}
	}
	feat.Scenarios = append(feat.Scenarios, c)
	return nil
}

func (s *fakeStore) Finish(_ context.Context, run *results.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.find(run.ID)
	if r == nil {
		return fmt.Errorf("finish %q: %w", run.ID, store.ErrNotFound)
	}
	c := clone(run)
	c.Features = r.Features
	*r = *c
	return nil
}

func (s *fakeStore) Run(_ context.Context, id string) (*results.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.find(id)
	if r == nil {
		return nil, fmt.Errorf("run %q: %w", id, store.ErrNotFound)
	}
	c := clone(r)
	c.Sort()
	return c, nil
}

// newestFirst returns the runs, newest first.
func (s *fakeStore) newestFirst() []*results.Run {
	out := append([]*results.Run(nil), s.runs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.After(out[j].StartedAt) })
	return out
}

func (s *fakeStore) Runs(_ context.Context, f store.Filter) ([]store.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	var out []store.Summary
	for _, r := range s.newestFirst() {
		if len(out) == limit {
			break
		}
		out = append(out, store.Summary{ID: r.ID, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Interrupted: r.Interrupted,
			Target: r.Target, Commit: r.Commit, Tags: r.Tags, Counts: r.Counts(), Planned: len(r.Planned),
			Verdict: store.VerdictOf(r)})
	}
	return out, nil
}

func (s *fakeStore) Resolve(_ context.Context, ref string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	runs := s.newestFirst()
	switch ref {
	case "latest":
		if len(runs) > 0 {
			return runs[0].ID, nil
		}
	case "last-green":
		for _, r := range runs {
			if !r.Incomplete() && exitcode.ForRun(r) == exitcode.Pass {
				return r.ID, nil
			}
		}
	default:
		if r := s.find(ref); r != nil {
			return r.ID, nil
		}
		var match []string
		for _, r := range runs {
			if ref != "" && strings.HasPrefix(r.ID, ref) {
				match = append(match, r.ID)
			}
		}
		if len(match) == 1 {
			return match[0], nil
		}
		if len(match) > 1 {
			return "", fmt.Errorf("resolve %q: ambiguous: %s", ref, strings.Join(match, ", "))
		}
	}
	return "", fmt.Errorf("resolve %q: %w", ref, store.ErrNotFound)
}

func (s *fakeStore) History(_ context.Context, scenarioID, beforeRun string, limit int) ([]results.HistoryPoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	runs := s.newestFirst()
	if beforeRun != "" {
		i := 0
		for i < len(runs) && runs[i].ID != beforeRun {
			i++
		}
		if i == len(runs) {
			return nil, fmt.Errorf("history before %q: %w", beforeRun, store.ErrNotFound)
		}
		runs = runs[i+1:]
	}
	var pts []results.HistoryPoint // newest first
	for _, r := range runs {
		if limit > 0 && len(pts) == limit {
			break
		}
		if _, sc, ok := r.Scenario(scenarioID); ok {
			pts = append(pts, results.HistoryPoint{RunID: r.ID, StartedAt: r.StartedAt, Status: sc.Status, Duration: sc.Duration})
		}
	}
	for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
		pts[i], pts[j] = pts[j], pts[i]
	}
	return pts, nil
}

// Durations is the median of the scenario's last window passed, failed
// or flaky durations (mean of the middle two for an even number).
func (s *fakeStore) Durations(_ context.Context, window int) (map[string]time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if window <= 0 {
		return nil, fmt.Errorf("durations: window must be positive, got %d", window)
	}
	by := map[string][]time.Duration{}
	for _, r := range s.newestFirst() {
		for _, f := range r.Features {
			for _, sc := range f.Scenarios {
				if (sc.Status == results.Passed || sc.Status == results.Failed || sc.Status == results.Flaky) && len(by[sc.ID]) < window {
					by[sc.ID] = append(by[sc.ID], sc.Duration)
				}
			}
		}
	}
	out := map[string]time.Duration{}
	for id, ds := range by {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		if n := len(ds); n%2 == 1 {
			out[id] = ds[n/2]
		} else {
			out[id] = (ds[n/2-1] + ds[n/2]) / 2
		}
	}
	return out, nil
}

func (s *fakeStore) Unstable(_ context.Context, window int) ([]store.Instability, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	runs := s.newestFirst()
	if window > 0 && len(runs) > window {
		runs = runs[:window]
	}
	type acc struct {
		in   store.Instability
		last time.Time
	}
	by := map[string]*acc{}
	for i := len(runs) - 1; i >= 0; i-- { // oldest first
		r := runs[i]
		for _, f := range r.Features {
			for _, sc := range f.Scenarios {
				a := by[sc.ID]
				if a == nil {
					a = &acc{in: store.Instability{ScenarioID: sc.ID}}
					by[sc.ID] = a
				}
				a.in.Name, a.last = sc.Name, r.StartedAt
				a.in.Runs++
				if sc.Status != results.Passed && sc.Status != results.Skipped {
					a.in.Failures++
				}
				a.in.History = append(a.in.History, results.HistoryPoint{RunID: r.ID, StartedAt: r.StartedAt, Status: sc.Status, Duration: sc.Duration})
			}
		}
	}
	var out []*acc
	for _, a := range by {
		a.in.Flips = flips(a.in.History)
		if failPassFail(a.in.History) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].last.Equal(out[j].last) {
			return out[i].last.After(out[j].last)
		}
		return out[i].in.ScenarioID < out[j].in.ScenarioID
	})
	res := []store.Instability{}
	for _, a := range out {
		res = append(res, a.in)
	}
	return res, nil
}

// failPassFail reports whether the history holds a failure, a later pass
// and a later failure (flaky is a failure then a pass).
func failPassFail(pts []results.HistoryPoint) bool {
	state := 0 // 0: waiting for a fail, 1: for a pass, 2: for a fail
	step := func(pass bool) {
		switch {
		case state == 0 && !pass, state == 1 && pass:
			state++
		case state == 2 && !pass:
			state = 3
		}
	}
	for _, pt := range pts {
		switch pt.Status {
		case results.Skipped:
		case results.Passed:
			step(true)
		case results.Flaky:
			step(false)
			step(true)
		default:
			step(false)
		}
	}
	return state == 3
}

func (s *fakeStore) Artifacts() string { return s.dir }
func (s *fakeStore) Close() error      { return nil }

// brokenStore fails every read (or panics), to test error pages.
type brokenStore struct {
	fakeStore
	panics bool
}

func (b *brokenStore) err() error {
	if b.panics {
		panic("store exploded")
	}
	return errors.New("database is locked")
}
func (b *brokenStore) Runs(context.Context, store.Filter) ([]store.Summary, error) {
	return nil, b.err()
}
func (b *brokenStore) Resolve(context.Context, string) (string, error) { return "", b.err() }
func (b *brokenStore) History(context.Context, string, string, int) ([]results.HistoryPoint, error) {
	return nil, b.err()
}
func (b *brokenStore) Unstable(context.Context, int) ([]store.Instability, error) {
	return nil, b.err()
}

// Run ids of fixtureRuns, oldest first.
const (
	greenID = "run-20260530T090000Z"
	baseID  = "run-20260531T090000Z"
	candID  = "run-20260601T090000Z"

	nameSearchID   = "features/patient_search.feature:20"
	nameSearchName = "Searching by name lists matching patients"
	rescheduleID   = "features/appointments.feature:17"
	regressionShot = "patient-search/searching-by-name-lists-matching-patients-L20/screenshot.png"
)

// fixtureRuns are three runs of resultstest.Sample a day apart: green (every
// gating scenario passes, version 2.3.0), base (Sample as it is, 2.3.1) and
// cand (Sample with one regression, "Searching by name lists matching
// patients", 2.4.0-rc1).
func fixtureRuns() (green, base, cand *results.Run) {
	at := func(r *results.Run, id string, days int, version string) *results.Run {
		shift := time.Duration(days) * 24 * time.Hour
		r.ID, r.StartedAt, r.FinishedAt = id, r.StartedAt.Add(shift), r.FinishedAt.Add(shift)
		r.Target.Version = version
		return r
	}
	green = at(resultstest.Sample(), greenID, -2, "2.3.0")
	for _, f := range green.Features {
		for _, s := range f.Scenarios {
			if s.Status == results.Skipped || s.Quarantined {
				continue
			}
			s.Status, s.FailureKind, s.Error, s.Repro = results.Passed, results.KindNone, "", ""
			s.Attachments, s.Attempts = nil, nil
			for _, st := range s.Steps {
				st.Status, st.Error = results.Passed, ""
			}
		}
	}
	base = at(resultstest.Sample(), baseID, -1, "2.3.1")
	cand = at(resultstest.Sample(), candID, 0, "2.4.0-rc1")
	cand.Commit = "9c0ffee1234567890abcdef1234567890abcdef0"
	_, s, _ := cand.Scenario(nameSearchID)
	last := s.Steps[len(s.Steps)-1]
	last.Status, last.Error = results.Failed, "expected 3 patients in the results\nbut the list showed 0"
	s.Status, s.FailureKind, s.Error = results.Failed, results.KindAssertion, last.Error
	s.Attachments = append(s.Attachments, results.Attachment{Name: "screenshot", MediaType: "image/png", Path: regressionShot})
	s.Repro = "eprharness run " + s.ID + " --headed --trace always --keep-backends"
	return green, base, cand
}

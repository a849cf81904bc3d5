package store_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/store"
)

// FuzzResolve feeds run references to Resolve over a SQLite store holding a
// few runs (green, failed, killed with a plan, interrupted, ids that are
// prefixes of others). Resolve must never panic, and must return either
// the id of a stored run or an error wrapping ErrNotFound or ErrAmbiguous.
func FuzzResolve(f *testing.F) {
	for _, ref := range []string{
		"latest", "latest~0", "latest~1", "latest~3", "latest~4", "latest~99", "latest~x", "latest~-1", "latest~+1",
		"latest~", "latest~ 1", "latest~9223372036854775807", "latest~99999999999999999999", "last-green", "",
		"20260601", "20260601-a", "20260601-b2", "r1", "r10", "%", "_", "\x00", "\xff", "latest\n", "LATEST",
	} {
		f.Add(ref)
	}
	dir := f.TempDir()
	s, err := store.Open(f.Context(), filepath.Join(dir, "results.db"), store.WithArtifacts(filepath.Join(dir, "artifacts")))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	ids := map[string]bool{}
	feat := &results.Feature{URI: "features/fuzz.feature", Name: "Fuzz", Line: 1}
	for i, r := range []struct {
		id     string
		status results.Status
		finish bool
	}{
		{"20260601-a1", results.Passed, true},
		{"20260601-b2", results.Failed, true},
		{"20260602-c3", results.Passed, false},
		{"r1", results.Passed, true},
		{"r10", results.Interrupted, true},
	} {
		run := &results.Run{ID: r.id, StartedAt: resultstest.Start.Add(time.Duration(i) * time.Hour),
			Planned: []results.PlannedScenario{{ID: "features/fuzz.feature:3", Feature: feat.URI}, {ID: "features/fuzz.feature:9", Feature: feat.URI}}}
		if err := s.Begin(f.Context(), run); err != nil {
			f.Fatal(err)
		}
		sc := &results.Scenario{ID: "features/fuzz.feature:3", Name: "S", Line: 3, Status: r.status, StartedAt: run.StartedAt}
		if r.status == results.Failed {
			sc.FailureKind = results.KindAssertion
		}
		if err := s.Record(f.Context(), run.ID, feat, sc, ""); err != nil {
			f.Fatal(err)
		}
		if r.finish {
			run.FinishedAt = run.StartedAt.Add(time.Minute)
			if err := s.Finish(f.Context(), run); err != nil {
				f.Fatal(err)
			}
		}
		ids[r.id] = true
	}
	f.Fuzz(func(t *testing.T, ref string) {
		id, err := s.Resolve(t.Context(), ref)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrAmbiguous) {
				t.Fatalf("Resolve(%q): error wraps neither ErrNotFound nor ErrAmbiguous: %v", ref, err)
			}
			if id != "" {
				t.Fatalf("Resolve(%q) gave id %q with an error", ref, id)
			}
			return
		}
		if !ids[id] {
			t.Fatalf("Resolve(%q) = %q, not a stored run", ref, id)
		}
		if ref != store.RefLatest && ref != store.RefLastGreen && !strings.HasPrefix(ref, store.RefLatest+"~") && !strings.HasPrefix(id, ref) {
			t.Fatalf("Resolve(%q) = %q: an id or prefix must match the id", ref, id)
		}
		if ref == store.RefLastGreen && id != "20260601-a1" {
			t.Fatalf("last-green = %q: only 20260601-a1 is finished, complete and passed", id)
		}
	})
}

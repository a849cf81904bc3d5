package store_test

import (
	"context"
	"testing"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/store"
)

// TEMPORARY: before figures.
func BenchmarkBeforeSQLite(b *testing.B) { benchBefore(b, openScaleSQLite(b)) }

func benchBefore(b *testing.B, st store.Store) {
	ctx := context.Background()
	b.Run("RunsPage", func(b *testing.B) {
		for b.Loop() {
			sums, err := st.Runs(ctx, store.Filter{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			for _, sm := range sums {
				if sm.Incomplete() {
					continue
				}
				run, err := st.Run(ctx, sm.ID)
				if err != nil {
					b.Fatal(err)
				}
				_ = exitcode.ForRun(run)
			}
		}
	})
	b.Run("LastGreen", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.OldLastGreen(ctx, st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("History", func(b *testing.B) {
		for b.Loop() {
			if n, err := store.OldHistory(ctx, st, store.BenchScenarioID(42), 30); err != nil || n != 30 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("RunHistory", func(b *testing.B) {
		for b.Loop() {
			for j := range scaleScenarios {
				if _, err := store.OldHistory(ctx, st, store.BenchScenarioID(j), 30); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("Unstable", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.OldUnstable(ctx, st, 20); err != nil {
				b.Fatal(err)
			}
		}
	})
}

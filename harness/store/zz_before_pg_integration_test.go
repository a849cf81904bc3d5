//go:build integration

package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/store"
)

// TEMPORARY: before and after on one PostgreSQL history.
func BenchmarkBeforeAfterPostgres(b *testing.B) {
	pg := startPostgres(b)
	st, err := store.Open(b.Context(), pg.newDatabase(b), store.WithArtifacts(b.TempDir()))
	require.NoError(b, err)
	defer st.Close()
	require.NoError(b, store.GenerateHistory(b.Context(), st, scaleRuns, scaleScenarios))
	plan, err := store.ExplainDurations(b.Context(), st, true)
	require.NoError(b, err)
	b.Log(plan)
	b.Run("Before", func(b *testing.B) { benchBefore(b, st) })
	b.Run("After", func(b *testing.B) { benchScale(b, st) })
}

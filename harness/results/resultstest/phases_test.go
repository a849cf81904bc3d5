package resultstest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

// Phased is Sample with phases and nothing else changed; every scenario
// that ran has each phase once, positive, adding up to no more than its
// duration.
func TestPhased(t *testing.T) {
	run, sample := Phased(), Sample()
	require.Len(t, run.Phases, 3)
	assert.Equal(t, results.PhaseFirstStep, run.Phases[2].Name)
	withPhases := 0
	for i, f := range run.Features {
		for j, s := range f.Scenarios {
			orig := sample.Features[i].Scenarios[j]
			if orig.Status == results.Skipped {
				assert.Empty(t, s.Phases, s.ID)
				continue
			}
			require.NotEmpty(t, s.Phases, s.ID)
			withPhases++
			seen := map[string]bool{}
			var sum time.Duration
			for _, p := range s.Phases {
				assert.False(t, seen[p.Name], "%s: phase %s twice", s.ID, p.Name)
				seen[p.Name] = true
				assert.Positive(t, p.Duration, "%s: %s", s.ID, p.Name)
				sum += p.Duration
			}
			assert.LessOrEqual(t, sum, s.Duration, s.ID)
			s.Phases = nil
			assert.Equal(t, orig, s, "only the phases differ")
		}
	}
	assert.Equal(t, 9, withPhases)
	run.Phases = nil
	assert.Equal(t, sample, run)
}

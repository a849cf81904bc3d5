package profile

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func write(t *testing.T, run *results.Run, cfg Config) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, run, cfg))
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	resultstest.Golden(t, "phased.golden", write(t, resultstest.Phased(), Config{}))
}

// A run recorded before phases were kept still shows its steps and the
// slowest scenarios, their time outside the steps as "other".
func TestGoldenWithoutPhases(t *testing.T) {
	resultstest.Golden(t, "sample.golden", write(t, resultstest.Sample(), Config{Top: 3}))
}

func TestSummarize(t *testing.T) {
	run := resultstest.Phased()
	sum := Summarize(run, 0)

	assert.Equal(t, run.Phases, sum.Run)
	assert.Equal(t, 10, sum.Scenarios, "the skipped scenario's hooks took time too")
	var total, phases time.Duration
	var share float64
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			total += s.Duration
		}
	}
	assert.Equal(t, total, sum.Total)
	var names []string
	for _, p := range sum.Phases {
		names = append(names, p.Name)
		phases += p.Total
		share += p.Share
	}
	assert.Equal(t, []string{"reset", "context", "fixtures", "sign-in", "steps", "evidence", "teardown", "other"}, names)
	assert.Equal(t, total, phases, "the phases, other included, account for all the scenarios' time")
	assert.InDelta(t, 1.0, share, 1e-9)
	assert.Equal(t, PhaseTotal{Name: "reset", Total: 9 * 40 * time.Millisecond, Share: float64(9*40*time.Millisecond) / float64(total)}, sum.Phases[0])

	// Slowest first; the slowest is the 30 s backend failure.
	require.Len(t, sum.Slowest, 10)
	assert.Equal(t, "features/medications.feature:5", sum.Slowest[0].ID)
	for i := 1; i < len(sum.Slowest); i++ {
		assert.GreaterOrEqual(t, sum.Slowest[i-1].Duration, sum.Slowest[i].Duration)
	}

	// Steps by text: the dr.jones sign-in ran in four scenarios.
	var signIn *StepTime
	for i := range sum.Steps {
		if sum.Steps[i].Text == `I am logged in as "dr.jones"` {
			signIn = &sum.Steps[i]
		}
	}
	require.NotNil(t, signIn)
	ms := time.Millisecond
	assert.Equal(t, StepTime{Text: `I am logged in as "dr.jones"`, Count: 5,
		Total: (1184 + 1207 + 1150 + 1162 + 1120) * ms, Mean: (1184 + 1207 + 1150 + 1162 + 1120) * ms / 5, Max: 1207 * ms}, *signIn)
	require.Len(t, sum.Steps, DefaultTop)
	assert.Equal(t, "the patient \"999 000 0026\" has a medication history", sum.Steps[0].Text, "most time in total first")
	for i := 1; i < len(sum.Steps); i++ {
		assert.GreaterOrEqual(t, sum.Steps[i-1].Total, sum.Steps[i].Total)
	}
}

func TestTop(t *testing.T) {
	sum := Summarize(resultstest.Phased(), 2)
	assert.Len(t, sum.Slowest, 2)
	assert.Len(t, sum.Steps, 2)
}

// Phases recorded on a scenario replace the steps' total; time they leave
// unaccounted is "other", and unknown phase names come after the known ones.
func TestScenarioPhases(t *testing.T) {
	ms := time.Millisecond
	s := &results.Scenario{Duration: 1000 * ms,
		Steps:  []*results.Step{{Text: "a", Status: results.Passed, Duration: 700 * ms}},
		Phases: []results.Phase{{Name: "steps", Duration: 500 * ms}, {Name: "warm-up", Duration: 50 * ms}, {Name: "reset", Duration: 100 * ms}, {Name: "sign-in", Duration: 200 * ms}},
	}
	assert.Equal(t, []results.Phase{{Name: "reset", Duration: 100 * ms}, {Name: "sign-in", Duration: 200 * ms}, {Name: "steps", Duration: 500 * ms}, {Name: "warm-up", Duration: 50 * ms}, {Name: "other", Duration: 150 * ms}}, scenarioPhases(s))
	s.Phases = nil
	assert.Equal(t, []results.Phase{{Name: "steps", Duration: 700 * ms}, {Name: "other", Duration: 300 * ms}}, scenarioPhases(s))
}

func TestEmptyAndNil(t *testing.T) {
	out := write(t, &results.Run{ID: "r1", Phases: []results.Phase{{Name: results.PhaseBrowser, Duration: time.Second}}}, Config{})
	assert.Equal(t, "eprharness: where the time went in run r1\n  run: browser 1s\n  no scenario took any time\n", string(out))
	assert.Error(t, Write(&bytes.Buffer{}, nil, Config{}))
}

func TestDeterministic(t *testing.T) {
	assert.Equal(t, write(t, resultstest.Phased(), Config{}), write(t, resultstest.Phased(), Config{}))
}

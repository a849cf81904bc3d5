package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/clinical/results"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

func TestResultsSQLite(t *testing.T) {
	runResults(t, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "refepr.db") })
}

// runResults is the single observations' behaviour suite, run on every
// database the store supports.
func runResults(t *testing.T, newDSN func(t *testing.T) string) {
	clock := time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	ctx := context.Background()
	s, pid := openWithAmy(t, newDSN(t), clock)

	validate := func(in results.Input) results.Result {
		t.Helper()
		r, errs := in.Validate()
		require.Empty(t, errs)
		r.PatientID = pid
		return r
	}
	v := func(x float64) *float64 { return &x }
	loinc := func(code, display string) []results.Coding {
		return []results.Coding{{System: results.LOINC, Code: code, Display: display}}
	}
	bp := validate(results.Input{Codes: loinc(results.BloodPressure, "Blood pressure panel"), Effective: "2026-05-01T10:30:00+01:00",
		RecordedBy: "Grace Okafor", Components: []results.ComponentInput{
			{Codes: loinc(results.Systolic, "Systolic blood pressure"), Quantity: &results.Quantity{Value: v(121), Code: "mm[Hg]"}},
			{Codes: loinc(results.Diastolic, "Diastolic blood pressure"), Quantity: &results.Quantity{Value: v(79), Code: "mm[Hg]"}}}})
	require.NoError(t, s.CreateResult(ctx, &bp))
	potassium := validate(results.Input{Categories: []string{"laboratory"}, Codes: loinc("2823-3", "Potassium"), Effective: "2026-05-02",
		Quantity: &results.Quantity{Value: v(5.9), Code: "mmol/L", UnitText: "mmol/l"}, Interpretation: "H",
		Range: results.Range{Low: v(3.5), High: v(5.3), Unit: "mmol/L", Text: "adult"}})
	require.NoError(t, s.CreateResult(ctx, &potassium))
	text := "Not detected"
	pcr := validate(results.Input{Categories: []string{"laboratory"}, Codes: loinc("94500-6", "SARS-CoV-2 RNA"), String: &text})
	require.NoError(t, s.CreateResult(ctx, &pcr))
	colour := validate(results.Input{Categories: []string{"laboratory"}, Codes: loinc("5778-6", "Color of Urine"),
		Concept:   &results.ConceptInput{Codes: []results.Coding{{System: "http://snomed.info/sct", Code: "371244009", Display: "Yellow"}}},
		Effective: "2026"})
	require.NoError(t, s.CreateResult(ctx, &colour))

	assert.Equal(t, clock, pcr.RecordedAt)
	assert.Equal(t, clock, pcr.Effective.At, "without a date the clinical clock")
	assert.Equal(t, 4, colour.Seq)

	all, err := s.Results(ctx, pid)
	require.NoError(t, err)
	var order []string
	for _, r := range all {
		order = append(order, r.Name)
	}
	assert.Equal(t, []string{"SARS-CoV-2 RNA", "Potassium", "Blood pressure panel", "Color of Urine"}, order, "newest first by effective time")

	got, err := s.Result(ctx, bp.ID)
	require.NoError(t, err)
	assert.Equal(t, "121/79 mmHg", got.ValueLabel())
	assert.Equal(t, "01-May-2026 10:30", got.Effective.Label(), "the source's date, as written")
	assert.Equal(t, "2026-05-01T10:30:00+01:00", got.Effective.Text)
	assert.Equal(t, "Grace Okafor", got.RecordedBy)
	assert.Equal(t, results.VitalSign, got.Kind)

	got, err = s.Result(ctx, potassium.ID)
	require.NoError(t, err)
	assert.Equal(t, "5.9 mmol/L", got.ValueLabel())
	assert.Equal(t, "mmol/l", got.Value.UnitText)
	assert.Equal(t, "3.5–5.3 mmol/L (adult)", got.ReferenceRange.Label())
	assert.Equal(t, "High", got.Interpretation)
	assert.Equal(t, results.Laboratory, got.Kind)
	assert.Nil(t, got.Components)

	got, err = s.Result(ctx, pcr.ID)
	require.NoError(t, err)
	assert.Equal(t, results.StringValue, got.Value.Type)
	assert.Equal(t, "Not detected", got.ValueLabel())
	assert.True(t, got.ReferenceRange.IsZero())

	got, err = s.Result(ctx, colour.ID)
	require.NoError(t, err)
	assert.Equal(t, results.Coding{System: "http://snomed.info/sct", Code: "371244009", Display: "Yellow"}, got.Value.Concept)
	assert.Equal(t, "2026", got.Effective.Label())

	_, err = s.Result(ctx, "nope")
	assert.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, s.Reset(ctx, nil))
	all, err = s.Results(ctx, pid)
	require.NoError(t, err)
	assert.Empty(t, all, "a reset clears them with the patients")
}

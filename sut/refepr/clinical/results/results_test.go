package results_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/clinical/results"
)

func f(v float64) *float64 { return &v }

func loinc(code, display string) []results.Coding {
	return []results.Coding{{System: results.LOINC, Code: code, Display: display}}
}

func quantity(v float64, code string) *results.Quantity {
	return &results.Quantity{Value: f(v), Code: code}
}

// fields lists the errors as "field: message".
func fields(errs []results.FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestVitalSignsAndMeasurements(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    results.Input
		kind  results.Kind
		label string
	}{
		{"heart rate", results.Input{Codes: loinc(results.HeartRate, "Heart rate"), Quantity: quantity(72, "/min")}, results.VitalSign, "72 /min"},
		{"respiratory rate in text units", results.Input{Codes: loinc(results.RespiratoryRate, ""),
			Quantity: &results.Quantity{Value: f(16), UnitText: "breaths/minute"}}, results.VitalSign, "16 breaths/minute"},
		{"SpO2 arterial", results.Input{Codes: loinc(results.SpO2Arterial, "Oxygen saturation in Arterial blood"), Quantity: quantity(97, "%")}, results.VitalSign, "97 %"},
		{"temperature", results.Input{Codes: loinc(results.BodyTemperature, "Body temperature"), Quantity: quantity(37.5, "Cel")}, results.VitalSign, "37.5 °C"},
		{"temperature in Fahrenheit", results.Input{Codes: loinc(results.BodyTemperature, "Body temperature"), Quantity: quantity(99.5, "[degF]")}, results.VitalSign, "99.5 °F"},
		{"blood pressure", results.Input{Codes: loinc(results.BloodPressure, "Blood pressure panel"), Components: []results.ComponentInput{
			{Codes: loinc(results.Diastolic, "Diastolic blood pressure"), Quantity: quantity(80, "mm[Hg]")},
			{Codes: loinc(results.Systolic, "Systolic blood pressure"), Quantity: quantity(121, "mm[Hg]")},
		}}, results.VitalSign, "121/80 mmHg"},
		{"weight", results.Input{Codes: loinc(results.BodyWeight, "Body weight"), Quantity: quantity(70.4, "kg")}, results.BodyMeasurement, "70.4 kg"},
		{"height", results.Input{Codes: loinc(results.BodyHeight, "Body height"), Quantity: quantity(172, "cm")}, results.BodyMeasurement, "172 cm"},
		{"BMI", results.Input{Codes: loinc(results.BodyMassIndex, "Body mass index"), Quantity: quantity(23.8, "kg/m2")}, results.BodyMeasurement, "23.8 kg/m²"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, errs := c.in.Validate()
			require.Empty(t, errs)
			assert.Equal(t, c.kind, r.Kind)
			assert.Equal(t, results.CategoryVitalSigns, r.Category, "a known code is a vital sign whatever the category says")
			assert.Equal(t, "final", r.Status, "final when absent")
			assert.Equal(t, c.label, r.ValueLabel())
			assert.NotEmpty(t, r.Name)
		})
	}
}

func TestVitalSignsRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		in   results.Input
		want []string
	}{
		{"wrong unit", results.Input{Codes: loinc(results.HeartRate, "Heart rate"), Quantity: quantity(72, "kg")},
			[]string{`valueQuantity: the heart rate must be in /min (UCUM), got "kg"`}},
		{"out of range", results.Input{Codes: loinc(results.HeartRate, "Heart rate"), Quantity: quantity(400, "/min")},
			[]string{"valueQuantity: the heart rate must be between 20 and 250 /min, got 400 /min"}},
		{"Fahrenheit out of range", results.Input{Codes: loinc(results.BodyTemperature, ""), Quantity: quantity(120, "[degF]")},
			[]string{"valueQuantity: the body temperature must be between 25 and 45 Cel, got 120 [degF]"}},
		{"weight in pounds out of range", results.Input{Codes: loinc(results.BodyWeight, ""), Quantity: quantity(1200, "[lb_av]")},
			[]string{"valueQuantity: the body weight must be between 0.2 and 500 kg, got 1200 [lb_av]"}},
		{"no value", results.Input{Codes: loinc(results.BodyHeight, "Body height")},
			[]string{"valueQuantity: the body height needs a value in cm"}},
		{"blood pressure without diastolic", results.Input{Codes: loinc(results.BloodPressure, ""), Components: []results.ComponentInput{
			{Codes: loinc(results.Systolic, ""), Quantity: quantity(121, "mmHg")}}},
			[]string{"component: the diastolic blood pressure (LOINC 8462-4) is required"}},
		{"blood pressure in kPa", results.Input{Codes: loinc(results.BloodPressure, ""), Components: []results.ComponentInput{
			{Codes: loinc(results.Systolic, ""), Quantity: quantity(16, "kPa")}, {Codes: loinc(results.Diastolic, ""), Quantity: quantity(80, "mm[Hg]")}}},
			[]string{`component[8480-6].valueQuantity: the systolic blood pressure must be in mm[Hg] (UCUM), got "kPa"`}},
		{"status", results.Input{Status: "entered-in-error", Codes: loinc(results.HeartRate, ""), Quantity: quantity(72, "/min")},
			[]string{`status: "entered-in-error" is not supported (final, amended, corrected or preliminary)`}},
		{"date", results.Input{Effective: "yesterday", Codes: loinc(results.HeartRate, ""), Quantity: quantity(72, "/min")},
			[]string{`effectiveDateTime: "yesterday" is not a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errs := c.in.Validate()
			assert.Equal(t, c.want, fields(errs))
		})
	}
}

func TestLaboratoryResults(t *testing.T) {
	lab := []string{"laboratory"}
	s := "Positive"
	r, errs := results.Input{Categories: lab, Codes: loinc("2823-3", "Potassium [Moles/volume] in Serum or Plasma"),
		Quantity: &results.Quantity{Value: f(5.9), Code: "mmol/L", UnitText: "mmol/L"}, Interpretation: "H",
		Range: results.Range{Low: f(3.5), High: f(5.3), Unit: "mmol/L"}, Effective: "2026-05-01T10:30:00+01:00"}.Validate()
	require.Empty(t, errs)
	assert.Equal(t, results.Laboratory, r.Kind)
	assert.Equal(t, "5.9 mmol/L", r.ValueLabel())
	assert.Equal(t, "3.5–5.3 mmol/L", r.ReferenceRange.Label())
	assert.Equal(t, "High", r.Interpretation)
	assert.Equal(t, "01-May-2026 10:30", r.Effective.Label(), "shown in the source's own offset")
	assert.Equal(t, time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC), r.Effective.At.UTC())

	r, errs = results.Input{Categories: lab, Codes: []results.Coding{{System: "http://acme.example/lab", Code: "COV"}}, Text: "SARS-CoV-2 PCR",
		String: &s, Effective: "2026-04-30"}.Validate()
	require.Empty(t, errs)
	assert.Equal(t, "Positive", r.ValueLabel())
	assert.Equal(t, "SARS-CoV-2 PCR", r.Name)
	assert.Equal(t, "30-Apr-2026", r.Effective.Label())

	r, errs = results.Input{Categories: lab, Codes: loinc("5778-6", "Color of Urine"),
		Concept: &results.ConceptInput{Codes: []results.Coding{{System: "http://snomed.info/sct", Code: "371244009", Display: "Yellow"}}}}.Validate()
	require.Empty(t, errs)
	assert.Equal(t, "Yellow", r.ValueLabel())
	assert.Equal(t, "371244009", r.Value.Concept.Code)

	r, errs = results.Input{Categories: []string{"survey"}, Codes: loinc("72514-3", "Pain severity"), Quantity: &results.Quantity{Value: f(2), Code: "{score}"}}.Validate()
	require.Empty(t, errs)
	assert.Equal(t, results.Other, r.Kind)

	_, errs = results.Input{Categories: lab, Codes: []results.Coding{{System: results.LOINC, Code: "2823-3"}}, Quantity: quantity(5, "mmol/L")}.Validate()
	assert.Equal(t, []string{"code: the code http://loinc.org|2823-3 needs a display or text, to show what was measured"}, fields(errs))
	_, errs = results.Input{Categories: lab, Codes: loinc("2823-3", "Potassium")}.Validate()
	assert.Equal(t, []string{"value[x]: a value is required (valueQuantity, valueString or valueCodeableConcept)"}, fields(errs))
	empty := " "
	_, errs = results.Input{Categories: lab, Codes: loinc("2823-3", "Potassium"), String: &empty}.Validate()
	assert.Equal(t, []string{"valueString: the value is empty"}, fields(errs))
}

func TestRangeAndDateLabels(t *testing.T) {
	assert.Equal(t, "≥ 60 mL/min", results.Range{Low: f(60), Unit: "mL/min"}.Label())
	assert.Equal(t, "≤ 5.2", results.Range{High: f(5.2)}.Label())
	assert.Equal(t, "Negative", results.Range{Text: "Negative"}.Label())
	assert.Equal(t, "70–99 mg/dL (fasting)", results.Range{Low: f(70), High: f(99), Unit: "mg/dL", Text: "fasting"}.Label())
	assert.True(t, results.Range{}.IsZero())
	for text, want := range map[string]string{"2026": "2026", "2026-05": "May-2026", "2026-05-01": "01-May-2026",
		"2026-05-01T23:15:00Z": "01-May-2026 23:15", "2026-05-01T23:15:00.123-05:00": "01-May-2026 23:15"} {
		d, err := results.ParseDateTime(text)
		require.NoError(t, err, text)
		assert.Equal(t, want, d.Label(), text)
		assert.Equal(t, text, d.Text, "kept as the source wrote it")
	}
}

func TestLatestAndNewest(t *testing.T) {
	at := func(day int) results.DateTime {
		return results.Instant(time.Date(2026, 5, day, 9, 0, 0, 0, time.UTC))
	}
	mk := func(seq int, kind results.Kind, code, name string, day int, v float64) results.Result {
		return results.Result{Seq: seq, Kind: kind, Code: results.Coding{System: results.LOINC, Code: code}, Name: name,
			Value: results.Value{Type: results.QuantityValue, Number: v}, Effective: at(day)}
	}
	rs := []results.Result{
		mk(1, results.BodyMeasurement, results.BodyWeight, "Body weight", 1, 70),
		mk(2, results.VitalSign, results.HeartRate, "Heart rate", 3, 80),
		mk(3, results.BodyMeasurement, results.BodyWeight, "Body weight", 2, 71),
		mk(4, results.VitalSign, results.HeartRate, "Heart rate", 1, 60),
		mk(5, results.Laboratory, "2823-3", "Potassium", 4, 4.1),
		mk(6, results.VitalSign, results.SpO2Arterial, "SpO2", 1, 95),
		mk(7, results.VitalSign, results.SpO2, "SpO2", 2, 97),
		mk(8, results.Laboratory, "2823-3", "Potassium", 4, 4.4), // same time: the later recorded first
	}
	latest := results.Latest(rs)
	var got []string
	for _, r := range latest {
		got = append(got, r.Name+" "+results.FormatNumber(r.Value.Number))
	}
	assert.Equal(t, []string{"Heart rate 80", "SpO2 97", "Body weight 71"}, got, "newest of each, in chart order")
	labs := results.OfKind(rs, results.Laboratory)
	require.Len(t, labs, 2)
	assert.Equal(t, []int{8, 5}, []int{labs[0].Seq, labs[1].Seq})
	assert.True(t, strings.HasPrefix(results.Instant(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)).Text, "2026-06-01T00:00:00"))
}

package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/clinical/medication"
	"github.com/eprharness/eprharness/sut/refepr/clinical/news2"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

func TestClinicalSQLite(t *testing.T) {
	runClinical(t, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "refepr.db") })
}

// openWithAmy opens a store on dsn whose clock is fixed at clock, closed
// when the test ends, with one patient, Amy Pond, whose id it returns.
func openWithAmy(t *testing.T, dsn string, clock time.Time) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{Now: func() time.Time { return clock }})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	p := patient.Patient{NHSNumber: "9990000018", Family: "Pond", Given: []string{"Amy"}, Gender: patient.Female,
		BirthDate: patient.Date{Year: 1987, Month: time.March, Day: 15}}
	require.NoError(t, s.CreatePatient(ctx, &p))
	return s, p.ID
}

// runClinical is the clinical tables' behaviour suite, run on every
// database the store supports.
func runClinical(t *testing.T, newDSN func(t *testing.T) string) {
	clock := time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	open := func(t *testing.T) (*store.Store, string) { return openWithAmy(t, newDSN(t), clock) }
	ctx := context.Background()

	t.Run("Allergies", func(t *testing.T) {
		s, pid := open(t)
		nka := allergy.Allergy{PatientID: pid, Kind: allergy.NoKnownAllergies, RecordedBy: "Dr Priya Patel"}
		require.NoError(t, s.CreateAllergy(ctx, &nka))
		again := allergy.Allergy{PatientID: pid, Kind: allergy.NoKnownAllergies}
		require.NoError(t, s.CreateAllergy(ctx, &again))
		assert.Equal(t, nka.ID, again.ID, "one assertion at a time")

		pen := allergy.Allergy{PatientID: pid, Substance: "Penicillin", Reaction: "Rash", Severity: allergy.Mild, RecordedBy: "Dr Priya Patel"}
		require.NoError(t, s.CreateAllergy(ctx, &pen))
		latex := allergy.Allergy{PatientID: pid, Substance: "Latex", Reaction: "Urticaria", Severity: allergy.Moderate}
		require.NoError(t, s.CreateAllergy(ctx, &latex))
		all, err := s.Allergies(ctx, pid)
		require.NoError(t, err)
		require.Len(t, all, 3)
		assert.Equal(t, allergy.Resolved, all[0].Status, "recording an allergy resolves no known allergies")
		assert.Equal(t, "Allergies: Penicillin (rash), Latex (urticaria)", allergy.Alert(all))
		assert.Equal(t, clock, all[1].RecordedAt)

		nka2 := allergy.Allergy{PatientID: pid, Kind: allergy.NoKnownAllergies}
		assert.ErrorIs(t, s.CreateAllergy(ctx, &nka2), store.ErrActiveAllergies)

		pen.Reaction, pen.Severity = "Anaphylaxis", allergy.Severe
		require.NoError(t, s.UpdateAllergy(ctx, pen))
		got, err := s.Allergy(ctx, pen.ID)
		require.NoError(t, err)
		assert.True(t, got.Updated)
		assert.Equal(t, allergy.Severe, got.Severity)
		require.NoError(t, s.SetAllergyStatus(ctx, latex.ID, allergy.EnteredInError))
		all, err = s.Allergies(ctx, pid)
		require.NoError(t, err)
		assert.Equal(t, "Allergies: Penicillin (anaphylaxis)", allergy.Alert(all))

		_, err = s.Allergy(ctx, "nope")
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.ErrorIs(t, s.SetAllergyStatus(ctx, "nope", allergy.Resolved), store.ErrNotFound)
	})

	t.Run("Prescriptions", func(t *testing.T) {
		s, pid := open(t)
		rx := medication.Prescription{PatientID: pid, Drug: "Amoxicillin", Dose: "500 mg", Route: "Oral", Frequency: "Three times a day",
			OverrideReason: "Tolerated before", ConflictWarning: "Amoxicillin conflicts with the penicillin allergy", PrescribedBy: "Dr Priya Patel"}
		require.NoError(t, s.CreatePrescription(ctx, &rx))
		require.NoError(t, s.StopPrescription(ctx, rx.ID, "Dr Priya Patel", "Course complete"))
		assert.ErrorIs(t, s.StopPrescription(ctx, rx.ID, "Dr Priya Patel", ""), store.ErrNotFound, "already stopped")
		all, err := s.Prescriptions(ctx, pid)
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, medication.Stopped, all[0].Status)
		assert.Equal(t, "Course complete", all[0].StopReason)
		assert.Equal(t, "Tolerated before", all[0].OverrideReason)
		assert.Equal(t, clock, all[0].StoppedAt)
	})

	t.Run("ObservationSets", func(t *testing.T) {
		s, pid := open(t)
		for _, rr := range []int{16, 25} {
			v := news2.Vitals{RespirationRate: rr, SpO2: 96, SpO2Scale: 2, OnOxygen: true, Systolic: 120, Pulse: 70, Consciousness: news2.Alert, TempTenths: 371}
			a := news2.Calculate(v)
			set := store.ObservationSet{PatientID: pid, Vitals: v, Total: a.Total, Band: a.Band, RecordedBy: "Grace Okafor"}
			require.NoError(t, s.CreateObservationSet(ctx, &set))
		}
		sets, err := s.ObservationSets(ctx, pid)
		require.NoError(t, err)
		require.Len(t, sets, 2)
		assert.Equal(t, 25, sets[0].Vitals.RespirationRate, "newest first")
		assert.True(t, sets[0].Vitals.OnOxygen)
		assert.Equal(t, 371, sets[0].Vitals.TempTenths)
		assert.Equal(t, news2.High, sets[0].Band)
		one, err := s.ObservationSetByID(ctx, sets[1].ID)
		require.NoError(t, err)
		assert.Equal(t, sets[1], one)
	})

	t.Run("ResetClearsClinicalData", func(t *testing.T) {
		s, pid := open(t)
		a := allergy.Allergy{PatientID: pid, Substance: "Latex", Reaction: "Rash", Severity: allergy.Mild}
		require.NoError(t, s.CreateAllergy(ctx, &a))
		require.NoError(t, s.Reset(ctx, nil))
		all, err := s.Allergies(ctx, pid)
		require.NoError(t, err)
		assert.Empty(t, all)
	})
}

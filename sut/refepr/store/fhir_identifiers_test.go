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
	"github.com/eprharness/eprharness/sut/refepr/store"
)

func TestImportsSQLite(t *testing.T) {
	runImports(t, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "refepr.db") })
}

// runImports is the behaviour suite of what records loaded through FHIR
// need from the store (identifiers for conditional creates, allergies
// without a reaction, free-text dosage), run on every database.
func runImports(t *testing.T, newDSN func(t *testing.T) string) {
	ctx := context.Background()
	open := func(t *testing.T) (*store.Store, string) {
		return openWithAmy(t, newDSN(t), time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC))
	}

	t.Run("Identifiers", func(t *testing.T) {
		s, pid := open(t)
		const sys = "https://example.org/allergy-ids"
		require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.RecordIdentifiers(ctx, store.IdentifiedResource{Type: "AllergyIntolerance", ID: "a1", PatientID: pid,
				Identifiers: []store.Identifier{{System: sys, Value: "A-1"}, {System: sys, Value: "A-1"}, {Value: "bare"}, {System: sys}}}); err != nil {
				return err
			}
			// Seen inside the transaction that recorded it.
			got, err := tx.FindByIdentifier(ctx, "AllergyIntolerance", store.Identifier{System: sys, Value: "A-1"}, false)
			assert.Equal(t, []string{"a1"}, got)
			return err
		}))
		find := func(typ string, id store.Identifier, any bool) []string {
			t.Helper()
			got, err := s.FindByIdentifier(ctx, typ, id, any)
			require.NoError(t, err)
			return got
		}
		assert.Equal(t, []string{"a1"}, find("AllergyIntolerance", store.Identifier{Value: "A-1"}, true), "any system")
		assert.Empty(t, find("AllergyIntolerance", store.Identifier{Value: "A-1"}, false), "no system is a system of its own")
		assert.Equal(t, []string{"a1"}, find("AllergyIntolerance", store.Identifier{Value: "bare"}, false))
		assert.Empty(t, find("MedicationRequest", store.Identifier{System: sys, Value: "A-1"}, false), "per resource type")
		assert.Empty(t, find("AllergyIntolerance", store.Identifier{System: sys, Value: "A-2"}, false))
		ids, err := s.Identifiers(ctx, "AllergyIntolerance", "a1")
		require.NoError(t, err)
		assert.Equal(t, []store.Identifier{{Value: "bare"}, {System: sys, Value: "A-1"}}, ids, "kept once, empty values left out")

		// A second resource with the same identifier: both are found.
		require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
			return tx.RecordIdentifiers(ctx, store.IdentifiedResource{Type: "AllergyIntolerance", ID: "a0", PatientID: pid,
				Identifiers: []store.Identifier{{System: sys, Value: "A-1"}}})
		}))
		assert.Equal(t, []string{"a0", "a1"}, find("AllergyIntolerance", store.Identifier{System: sys, Value: "A-1"}, false))

		// The identifiers belong to the patient's record: a reset removes them.
		require.NoError(t, s.Reset(ctx, nil))
		assert.Empty(t, find("AllergyIntolerance", store.Identifier{Value: "A-1"}, true))
	})

	t.Run("IdentifiersNeedAPatient", func(t *testing.T) {
		s, _ := open(t)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.RecordIdentifiers(ctx, store.IdentifiedResource{Type: "AllergyIntolerance", ID: "a1", PatientID: "nobody",
				Identifiers: []store.Identifier{{Value: "x"}}})
		})
		assert.Error(t, err)
	})

	t.Run("AllergyWithoutReaction", func(t *testing.T) {
		s, pid := open(t)
		in, errs := allergy.Input{Substance: "Latex", ReactionOptional: true}.Validate()
		require.Empty(t, errs)
		in.PatientID = pid
		require.NoError(t, s.CreateAllergy(ctx, &in))
		got, err := s.Allergy(ctx, in.ID)
		require.NoError(t, err)
		assert.Equal(t, "", got.Reaction)
		assert.Equal(t, allergy.Severity(""), got.Severity)
		all, err := s.Allergies(ctx, pid)
		require.NoError(t, err)
		assert.Equal(t, "Allergies: Latex (reaction not recorded)", allergy.Alert(all))
	})

	t.Run("FreeTextDosage", func(t *testing.T) {
		s, pid := open(t)
		text := medication.Prescription{PatientID: pid, Drug: "Metformin", DosageText: "Take one tablet twice a day with food"}
		none := medication.Prescription{PatientID: pid, Drug: "Simvastatin"}
		structured := medication.Prescription{PatientID: pid, Drug: "Amoxicillin", Dose: "500 mg", Route: "Oral", Frequency: "Three times a day"}
		for _, p := range []*medication.Prescription{&text, &none, &structured} {
			require.NoError(t, s.CreatePrescription(ctx, p))
		}
		all, err := s.Prescriptions(ctx, pid)
		require.NoError(t, err)
		require.Len(t, all, 3)
		assert.Equal(t, "Take one tablet twice a day with food", all[0].DosageText)
		assert.Equal(t, "Take one tablet twice a day with food", all[0].Instruction())
		assert.False(t, all[0].Structured())
		assert.Equal(t, medication.NoDosageRecorded, all[1].Instruction())
		assert.Equal(t, "500 mg oral three times a day", all[2].Instruction())
		assert.True(t, all[2].Structured())
	})
}

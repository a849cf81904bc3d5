package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// This file holds what the HL7 v2 interface (package messaging) needs
// beyond the screens' operations: demographic updates, beds by the names
// the bed board shows, and the allergy list inside a transaction.

// UpdatePatientDetails overwrites the demographics of the patient with
// p.ID (names, gender, birth date, address; not the NHS number, GP
// practice or sensitivity) and sets p.LastUpdated. An unknown id gives an
// error matching ErrNotFound.
func (tx *Tx) UpdatePatientDetails(ctx context.Context, p *patient.Patient) error {
	if strings.TrimSpace(p.Family) == "" || p.BirthDate.IsZero() {
		return fmt.Errorf("update patient: family name and birth date are required")
	}
	if p.Gender == "" {
		p.Gender = patient.Unknown
	}
	given, err := json.Marshal(nonNil(p.Given))
	if err != nil {
		return fmt.Errorf("update patient: %w", err)
	}
	lines, err := json.Marshal(nonNil(p.Address.Lines))
	if err != nil {
		return fmt.Errorf("update patient: %w", err)
	}
	now := tx.now().UTC()
	res, err := tx.exec(ctx, `UPDATE patients SET family = ?, given_names = ?, family_lower = ?, given_lower = ?,
			gender = ?, birth_date = ?, address_lines = ?, city = ?, postal_code = ?, updated_at = ?
		WHERE id = ?`,
		p.Family, string(given), strings.ToLower(p.Family), strings.ToLower(p.GivenNames()),
		string(p.Gender), p.BirthDate.String(), string(lines), p.Address.City, p.Address.PostalCode,
		formatInstant(now), p.ID)
	if err := affectedOne(res, err, "update patient", p.ID); err != nil {
		return err
	}
	p.LastUpdated = now
	return nil
}

// BedByName finds a bed by its ward's name and its label as the bed board
// shows them ("Ward 7", "3"), case-insensitively. An empty label picks the
// ward's first free bed. An unknown ward or bed gives an error matching
// ErrNotFound; a ward with no free bed one matching ErrBedOccupied. A
// named bed is returned whether or not it is free (Admit checks).
func (tx *Tx) BedByName(ctx context.Context, ward, label string) (Bed, error) {
	rows, err := tx.query(ctx, `SELECT b.id, b.label, w.id, w.name,
			(SELECT COUNT(*) FROM admissions a WHERE a.bed_id = b.id AND a.discharged_at IS NULL)
		FROM beds b JOIN wards w ON w.id = b.ward_id
		WHERE LOWER(w.name) = ? ORDER BY b.position, b.label`, strings.ToLower(strings.TrimSpace(ward)))
	if err != nil {
		return Bed{}, fmt.Errorf("find bed: %w", err)
	}
	type row struct {
		bed      Bed
		occupied int
	}
	var beds []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.bed.ID, &r.bed.Label, &r.bed.WardID, &r.bed.WardName, &r.occupied); err != nil {
			rows.Close()
			return Bed{}, fmt.Errorf("find bed: %w", err)
		}
		beds = append(beds, r)
	}
	if err := rows.Close(); err != nil {
		return Bed{}, fmt.Errorf("find bed: %w", err)
	}
	if err := rows.Err(); err != nil {
		return Bed{}, fmt.Errorf("find bed: %w", err)
	}
	if len(beds) == 0 {
		return Bed{}, fmt.Errorf("ward %q: %w", ward, ErrNotFound)
	}
	label = strings.TrimSpace(label)
	for _, r := range beds {
		if label == "" && r.occupied == 0 {
			return r.bed, nil
		}
		if label != "" && strings.EqualFold(r.bed.Label, label) {
			return r.bed, nil
		}
	}
	if label == "" {
		return Bed{}, fmt.Errorf("ward %q has no free bed: %w", beds[0].bed.WardName, ErrBedOccupied)
	}
	return Bed{}, fmt.Errorf("bed %q on %s: %w", label, beds[0].bed.WardName, ErrNotFound)
}

// Allergies is Store.Allergies inside the transaction.
func (tx *Tx) Allergies(ctx context.Context, patientID string) ([]allergy.Allergy, error) {
	return tx.allergies(ctx, patientID)
}

// DeleteAllergies removes the patient's entries with the given ids
// outright, leaving no trace in the allergy list. Only the
// adt-a08-drops-allergy defect uses it: the EPR itself never deletes an
// allergy (it resolves it or marks it entered in error).
func (tx *Tx) DeleteAllergies(ctx context.Context, patientID string, ids []string) error {
	for _, id := range ids {
		if _, err := tx.exec(ctx, `DELETE FROM allergies WHERE patient_id = ? AND id = ?`, patientID, id); err != nil {
			return fmt.Errorf("delete allergy %s: %w", id, err)
		}
	}
	return nil
}

// LastAdmission returns the patient's most recent admission, active or
// discharged, or an error matching ErrNotAdmitted when there has been none.
func (s *Store) LastAdmission(ctx context.Context, patientID string) (Admission, error) {
	list, err := s.ops().admissions(ctx, ` WHERE a.patient_id = ?`, patientID)
	if err != nil {
		return Admission{}, fmt.Errorf("read admissions: %w", err)
	}
	if len(list) == 0 {
		return Admission{}, fmt.Errorf("patient %s: %w", patientID, ErrNotAdmitted)
	}
	return list[len(list)-1], nil
}

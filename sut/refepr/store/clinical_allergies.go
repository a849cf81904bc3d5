package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
)

// ErrActiveAllergies is returned when "No known allergies" is recorded for
// a patient who has active allergies.
var ErrActiveAllergies = errors.New("the patient has active allergies")

// CreateAllergy records an allergy or a "No known allergies" assertion,
// setting a.ID, a.Seq and the timestamps. Recording an allergy resolves an
// active "No known allergies"; recording "No known allergies" while an
// allergy is active fails with ErrActiveAllergies, and while one is already
// asserted returns that one.
func (s *Store) CreateAllergy(ctx context.Context, a *allergy.Allergy) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.CreateAllergy(ctx, a) })
}

// CreateAllergy is Store.CreateAllergy inside the transaction.
func (tx *Tx) CreateAllergy(ctx context.Context, a *allergy.Allergy) error {
	existing, err := tx.allergies(ctx, a.PatientID)
	if err != nil {
		return fmt.Errorf("create allergy: %w", err)
	}
	now := tx.now().UTC()
	if a.Kind == allergy.NoKnownAllergies {
		if len(allergy.ActiveAllergies(existing)) > 0 {
			return fmt.Errorf("create allergy: %w", ErrActiveAllergies)
		}
		for _, e := range existing {
			if e.Kind == allergy.NoKnownAllergies && e.Status == allergy.Active {
				*a = e
				return nil
			}
		}
		a.Substance = allergy.AlertNone
		a.Reaction, a.Severity = "", ""
	} else {
		a.Kind = allergy.Substance
		if _, err := tx.exec(ctx, `UPDATE allergies SET status = ?, updated_at = ?
			WHERE patient_id = ? AND kind = ? AND status = ?`,
			string(allergy.Resolved), formatInstant(now), a.PatientID, string(allergy.NoKnownAllergies), string(allergy.Active)); err != nil {
			return fmt.Errorf("create allergy: resolve no known allergies: %w", err)
		}
	}
	if a.Status == "" {
		a.Status = allergy.Active
	}
	a.ID = NewID()
	a.Seq = len(existing) + 1
	a.RecordedAt, a.UpdatedAt = now, now
	_, err = tx.exec(ctx, `INSERT INTO allergies (id, patient_id, seq, kind, substance, reaction, severity, status,
			updated, recorded_by, recorded_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		a.ID, a.PatientID, a.Seq, string(a.Kind), a.Substance, a.Reaction, string(a.Severity), string(a.Status),
		a.RecordedBy, formatInstant(now), formatInstant(now))
	if err != nil {
		return fmt.Errorf("create allergy: %w", err)
	}
	return nil
}

// Allergies returns a patient's entries (every status) in recording order.
func (s *Store) Allergies(ctx context.Context, patientID string) ([]allergy.Allergy, error) {
	return s.ops().allergies(ctx, patientID)
}

// Allergy returns one entry, or an error matching ErrNotFound.
func (s *Store) Allergy(ctx context.Context, id string) (allergy.Allergy, error) {
	rows, err := s.ops().queryAllergies(ctx, `WHERE id = ?`, id)
	if err != nil {
		return allergy.Allergy{}, err
	}
	if len(rows) == 0 {
		return allergy.Allergy{}, fmt.Errorf("allergy %q: %w", id, ErrNotFound)
	}
	return rows[0], nil
}

// UpdateAllergy changes an entry's substance, reaction and severity and
// marks it updated.
func (s *Store) UpdateAllergy(ctx context.Context, a allergy.Allergy) error {
	res, err := s.ops().exec(ctx, `UPDATE allergies SET substance = ?, reaction = ?, severity = ?, updated = 1, updated_at = ?
		WHERE id = ? AND kind = ?`,
		a.Substance, a.Reaction, string(a.Severity), formatInstant(s.now()), a.ID, string(allergy.Substance))
	return affectedOne(res, err, "update allergy", a.ID)
}

// SetAllergyStatus resolves an entry or marks it entered in error.
func (s *Store) SetAllergyStatus(ctx context.Context, id string, status allergy.Status) error {
	res, err := s.ops().exec(ctx, `UPDATE allergies SET status = ?, updated_at = ? WHERE id = ?`,
		string(status), formatInstant(s.now()), id)
	return affectedOne(res, err, "set allergy status", id)
}

func (o ops) allergies(ctx context.Context, patientID string) ([]allergy.Allergy, error) {
	return o.queryAllergies(ctx, `WHERE patient_id = ? ORDER BY seq, id`, patientID)
}

func (o ops) queryAllergies(ctx context.Context, where string, args ...any) ([]allergy.Allergy, error) {
	rows, err := o.query(ctx, `SELECT id, patient_id, seq, kind, substance, reaction, severity, status, updated,
		recorded_by, recorded_at, updated_at FROM allergies `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read allergies: %w", err)
	}
	defer rows.Close()
	var out []allergy.Allergy
	for rows.Next() {
		var (
			a                                    allergy.Allergy
			kind, severity, status, recAt, updAt string
			updated                              int
		)
		if err := rows.Scan(&a.ID, &a.PatientID, &a.Seq, &kind, &a.Substance, &a.Reaction, &severity, &status,
			&updated, &a.RecordedBy, &recAt, &updAt); err != nil {
			return nil, fmt.Errorf("read allergies: %w", err)
		}
		a.Kind, a.Severity, a.Status, a.Updated = allergy.Kind(kind), allergy.Severity(severity), allergy.Status(status), updated != 0
		if a.RecordedAt, err = parseInstant(recAt); err != nil {
			return nil, err
		}
		if a.UpdatedAt, err = parseInstant(updAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read allergies: %w", err)
	}
	return out, nil
}

// affectedOne turns an UPDATE that touched no row into ErrNotFound.
func affectedOne(res interface{ RowsAffected() (int64, error) }, err error, what, id string) error {
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", what, id, ErrNotFound)
	}
	return nil
}

package store

import (
	"context"
	"fmt"

	"github.com/eprharness/eprharness/sut/refepr/clinical/medication"
)

// CreatePrescription stores a new prescription, setting p.ID, p.Seq and
// p.PrescribedAt. Its dosage may be structured (dose, route, frequency),
// free text (DosageText) or absent.
func (s *Store) CreatePrescription(ctx context.Context, p *medication.Prescription) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.CreatePrescription(ctx, p) })
}

// CreatePrescription is Store.CreatePrescription inside the transaction.
func (tx *Tx) CreatePrescription(ctx context.Context, p *medication.Prescription) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM prescriptions WHERE patient_id = ?`, p.PatientID).Scan(&n); err != nil {
		return fmt.Errorf("create prescription: %w", translate(err))
	}
	if p.Status == "" {
		p.Status = medication.Active
	}
	p.ID, p.Seq, p.PrescribedAt = NewID(), n+1, tx.now().UTC()
	stoppedAt := ""
	if !p.StoppedAt.IsZero() {
		stoppedAt = formatInstant(p.StoppedAt)
	}
	_, err := tx.exec(ctx, `INSERT INTO prescriptions (id, patient_id, seq, drug, dose, route, frequency, status,
			override_reason, conflict_warning, prescribed_by, prescribed_at, stopped_by, stopped_at, stop_reason, dosage_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.PatientID, p.Seq, p.Drug, p.Dose, string(p.Route), p.Frequency, string(p.Status),
		p.OverrideReason, p.ConflictWarning, p.PrescribedBy, formatInstant(p.PrescribedAt), p.StoppedBy, stoppedAt, p.StopReason, p.DosageText)
	if err != nil {
		return fmt.Errorf("create prescription: %w", err)
	}
	return nil
}

// Prescriptions returns a patient's prescriptions in prescribing order.
func (s *Store) Prescriptions(ctx context.Context, patientID string) ([]medication.Prescription, error) {
	return s.ops().queryPrescriptions(ctx, `WHERE patient_id = ? ORDER BY seq, id`, patientID)
}

// Prescription returns one prescription, or an error matching ErrNotFound.
func (s *Store) Prescription(ctx context.Context, id string) (medication.Prescription, error) {
	rows, err := s.ops().queryPrescriptions(ctx, `WHERE id = ?`, id)
	if err != nil {
		return medication.Prescription{}, err
	}
	if len(rows) == 0 {
		return medication.Prescription{}, fmt.Errorf("prescription %q: %w", id, ErrNotFound)
	}
	return rows[0], nil
}

// StopPrescription stops an active prescription; one already stopped, or
// unknown, gives ErrNotFound.
func (s *Store) StopPrescription(ctx context.Context, id, by, reason string) error {
	res, err := s.ops().exec(ctx, `UPDATE prescriptions SET status = ?, stopped_by = ?, stopped_at = ?, stop_reason = ?
		WHERE id = ? AND status = ?`,
		string(medication.Stopped), by, formatInstant(s.now()), reason, id, string(medication.Active))
	return affectedOne(res, err, "stop prescription", id)
}

func (o ops) queryPrescriptions(ctx context.Context, where string, args ...any) ([]medication.Prescription, error) {
	rows, err := o.query(ctx, `SELECT id, patient_id, seq, drug, dose, route, frequency, status, override_reason,
		conflict_warning, prescribed_by, prescribed_at, stopped_by, stopped_at, stop_reason, dosage_text FROM prescriptions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read prescriptions: %w", err)
	}
	defer rows.Close()
	var out []medication.Prescription
	for rows.Next() {
		var (
			p                                 medication.Prescription
			route, status, prescAt, stoppedAt string
		)
		if err := rows.Scan(&p.ID, &p.PatientID, &p.Seq, &p.Drug, &p.Dose, &route, &p.Frequency, &status, &p.OverrideReason,
			&p.ConflictWarning, &p.PrescribedBy, &prescAt, &p.StoppedBy, &stoppedAt, &p.StopReason, &p.DosageText); err != nil {
			return nil, fmt.Errorf("read prescriptions: %w", err)
		}
		p.Route, p.Status = medication.Route(route), medication.Status(status)
		if p.PrescribedAt, err = parseInstant(prescAt); err != nil {
			return nil, err
		}
		if stoppedAt != "" {
			if p.StoppedAt, err = parseInstant(stoppedAt); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read prescriptions: %w", err)
	}
	return out, nil
}

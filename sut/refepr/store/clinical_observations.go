package store

import (
	"context"
	"fmt"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/clinical/news2"
)

// ObservationSet is one set of vital signs with the NEWS2 total and band
// as computed when it was recorded.
type ObservationSet struct {
	ID         string
	PatientID  string
	Seq        int
	Vitals     news2.Vitals
	Total      int
	Band       news2.Band
	RecordedBy string
	RecordedAt time.Time
}

// CreateObservationSet stores a set, setting o.ID, o.Seq and o.RecordedAt.
func (s *Store) CreateObservationSet(ctx context.Context, o *ObservationSet) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.CreateObservationSet(ctx, o) })
}

// CreateObservationSet is Store.CreateObservationSet inside the transaction.
func (tx *Tx) CreateObservationSet(ctx context.Context, o *ObservationSet) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM observation_sets WHERE patient_id = ?`, o.PatientID).Scan(&n); err != nil {
		return fmt.Errorf("create observation set: %w", translate(err))
	}
	o.ID, o.Seq, o.RecordedAt = NewID(), n+1, tx.now().UTC()
	v := o.Vitals
	oxygen := 0
	if v.OnOxygen {
		oxygen = 1
	}
	_, err := tx.exec(ctx, `INSERT INTO observation_sets (id, patient_id, seq, respiration_rate, spo2, spo2_scale, on_oxygen,
			systolic, pulse, consciousness, temp_tenths, news2_total, news2_band, recorded_by, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.PatientID, o.Seq, v.RespirationRate, v.SpO2, v.SpO2Scale, oxygen, v.Systolic, v.Pulse,
		string(v.Consciousness), v.TempTenths, o.Total, string(o.Band), o.RecordedBy, formatInstant(o.RecordedAt))
	if err != nil {
		return fmt.Errorf("create observation set: %w", err)
	}
	return nil
}

// ObservationSets returns a patient's sets, newest first.
func (s *Store) ObservationSets(ctx context.Context, patientID string) ([]ObservationSet, error) {
	return s.ops().queryObservationSets(ctx, `WHERE patient_id = ? ORDER BY seq DESC, id`, patientID)
}

// ObservationSetByID returns one set, or an error matching ErrNotFound.
func (s *Store) ObservationSetByID(ctx context.Context, id string) (ObservationSet, error) {
	rows, err := s.ops().queryObservationSets(ctx, `WHERE id = ?`, id)
	if err != nil {
		return ObservationSet{}, err
	}
	if len(rows) == 0 {
		return ObservationSet{}, fmt.Errorf("observation set %q: %w", id, ErrNotFound)
	}
	return rows[0], nil
}

func (o ops) queryObservationSets(ctx context.Context, where string, args ...any) ([]ObservationSet, error) {
	rows, err := o.query(ctx, `SELECT id, patient_id, seq, respiration_rate, spo2, spo2_scale, on_oxygen, systolic, pulse,
		consciousness, temp_tenths, news2_total, news2_band, recorded_by, recorded_at FROM observation_sets `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read observation sets: %w", err)
	}
	defer rows.Close()
	var out []ObservationSet
	for rows.Next() {
		var (
			s                          ObservationSet
			oxygen                     int
			consciousness, band, recAt string
		)
		v := &s.Vitals
		if err := rows.Scan(&s.ID, &s.PatientID, &s.Seq, &v.RespirationRate, &v.SpO2, &v.SpO2Scale, &oxygen, &v.Systolic, &v.Pulse,
			&consciousness, &v.TempTenths, &s.Total, &band, &s.RecordedBy, &recAt); err != nil {
			return nil, fmt.Errorf("read observation sets: %w", err)
		}
		v.OnOxygen, v.Consciousness, s.Band = oxygen != 0, news2.Consciousness(consciousness), news2.Band(band)
		if s.RecordedAt, err = parseInstant(recAt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read observation sets: %w", err)
	}
	return out, nil
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/eprharness/eprharness/sut/refepr/clinical/results"
)

// effectiveLayout is effective_at's fixed-width UTC form, so that text
// order is time order.
const effectiveLayout = "2006-01-02T15:04:05Z"

// CreateResult stores a single observation, setting r.ID, r.Seq and
// r.RecordedAt, and r.Effective to the clinical clock when it is not set.
func (s *Store) CreateResult(ctx context.Context, r *results.Result) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.CreateResult(ctx, r) })
}

// CreateResult is Store.CreateResult inside the transaction.
func (tx *Tx) CreateResult(ctx context.Context, r *results.Result) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM observation_results WHERE patient_id = ?`, r.PatientID).Scan(&n); err != nil {
		return fmt.Errorf("create result: %w", translate(err))
	}
	r.ID, r.Seq, r.RecordedAt = NewID(), n+1, tx.now().UTC()
	if r.Effective.IsZero() {
		r.Effective = results.Instant(r.RecordedAt)
	}
	components, err := json.Marshal(r.Components)
	if err != nil {
		return fmt.Errorf("create result: encode components: %w", err)
	}
	if r.Components == nil {
		components = []byte("[]")
	}
	v, rr := r.Value, r.ReferenceRange
	var number sql.NullFloat64
	if v.Type == results.QuantityValue {
		number = sql.NullFloat64{Float64: v.Number, Valid: true}
	}
	_, err = tx.exec(ctx, `INSERT INTO observation_results (id, patient_id, seq, kind, status, category, code_system, code, code_display, name,
			value_type, value_number, value_unit, value_unit_text, value_text, value_system, value_code, value_display, components,
			range_low, range_high, range_unit, range_text, interpretation, effective, effective_at, recorded_by, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PatientID, r.Seq, string(r.Kind), r.Status, r.Category, r.Code.System, r.Code.Code, r.Code.Display, r.Name,
		string(v.Type), number, v.Unit, v.UnitText, v.Text, v.Concept.System, v.Concept.Code, v.Concept.Display, string(components),
		nullable(rr.Low), nullable(rr.High), rr.Unit, rr.Text, r.Interpretation,
		r.Effective.Text, r.Effective.At.UTC().Format(effectiveLayout), r.RecordedBy, formatInstant(r.RecordedAt))
	if err != nil {
		return fmt.Errorf("create result: %w", err)
	}
	return nil
}

func nullable(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

// Results returns a patient's single observations, newest first (by
// effective time, then latest recorded).
func (s *Store) Results(ctx context.Context, patientID string) ([]results.Result, error) {
	return s.ops().queryResults(ctx, `WHERE patient_id = ? ORDER BY effective_at DESC, seq DESC`, patientID)
}

// Result returns one single observation, or an error matching ErrNotFound.
func (s *Store) Result(ctx context.Context, id string) (results.Result, error) {
	rows, err := s.ops().queryResults(ctx, `WHERE id = ?`, id)
	if err != nil {
		return results.Result{}, err
	}
	if len(rows) == 0 {
		return results.Result{}, fmt.Errorf("result %q: %w", id, ErrNotFound)
	}
	return rows[0], nil
}

func (o ops) queryResults(ctx context.Context, where string, args ...any) ([]results.Result, error) {
	rows, err := o.query(ctx, `SELECT id, patient_id, seq, kind, status, category, code_system, code, code_display, name,
		value_type, value_number, value_unit, value_unit_text, value_text, value_system, value_code, value_display, components,
		range_low, range_high, range_unit, range_text, interpretation, effective, recorded_by, recorded_at
		FROM observation_results `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer rows.Close()
	var out []results.Result
	for rows.Next() {
		var (
			r                           results.Result
			kind, valueType, components string
			effective, recAt            string
			number, low, high           sql.NullFloat64
		)
		v, rr := &r.Value, &r.ReferenceRange
		if err := rows.Scan(&r.ID, &r.PatientID, &r.Seq, &kind, &r.Status, &r.Category, &r.Code.System, &r.Code.Code, &r.Code.Display, &r.Name,
			&valueType, &number, &v.Unit, &v.UnitText, &v.Text, &v.Concept.System, &v.Concept.Code, &v.Concept.Display, &components,
			&low, &high, &rr.Unit, &rr.Text, &r.Interpretation, &effective, &r.RecordedBy, &recAt); err != nil {
			return nil, fmt.Errorf("read results: %w", err)
		}
		r.Kind, v.Type, v.Number = results.Kind(kind), results.ValueType(valueType), number.Float64
		if low.Valid {
			rr.Low = &low.Float64
		}
		if high.Valid {
			rr.High = &high.Float64
		}
		if err := json.Unmarshal([]byte(components), &r.Components); err != nil {
			return nil, fmt.Errorf("read result %s: components: %w", r.ID, err)
		}
		if len(r.Components) == 0 {
			r.Components = nil
		}
		if r.Effective, err = results.ParseDateTime(effective); err != nil {
			return nil, fmt.Errorf("read result %s: %w", r.ID, err)
		}
		if r.RecordedAt, err = parseInstant(recAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	return out, nil
}

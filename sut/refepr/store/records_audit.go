package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/audit"
)

// AppendAudit writes an entry to the audit log, setting e.ID and, when
// zero, e.At (the clinical clock). The log is append-only.
func (s *Store) AppendAudit(ctx context.Context, e *audit.Entry) error {
	return s.ops().appendAudit(ctx, e)
}

// AppendAudit is Store.AppendAudit inside the transaction, so a change and
// its audit entry commit together.
func (tx *Tx) AppendAudit(ctx context.Context, e *audit.Entry) error {
	return tx.appendAudit(ctx, e)
}

func (o ops) appendAudit(ctx context.Context, e *audit.Entry) error {
	if e.Username == "" || e.Action == "" {
		return fmt.Errorf("append audit entry: user and action are required")
	}
	if e.At.IsZero() {
		e.At = o.now()
	}
	e.ID = NewID()
	_, err := o.exec(ctx, `INSERT INTO audit_log (id, at, logged_at, username, action, patient_id, nhs_number, details)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, formatInstant(e.At), formatInstant(time.Now()), e.Username, string(e.Action), e.PatientID, e.NHSNumber, e.Details)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// SearchAudit returns the entries matching q, newest first, and how many
// matched in all.
func (s *Store) SearchAudit(ctx context.Context, q audit.Query) ([]audit.Entry, int, error) {
	var (
		conds []string
		args  []any
	)
	eq := func(col, v string) {
		if v != "" {
			conds = append(conds, col+` = ?`)
			args = append(args, v)
		}
	}
	eq("username", q.Username)
	eq("nhs_number", q.NHSNumber)
	eq("patient_id", q.PatientID)
	eq("action", string(q.Action))
	// Instants are stored as RFC 3339 in UTC, so text order is time order
	// within the day's prefix.
	if !q.From.IsZero() {
		conds = append(conds, `at >= ?`)
		args = append(args, q.From.UTC().Format(time.DateOnly))
	}
	if !q.To.IsZero() {
		conds = append(conds, `at < ?`)
		args = append(args, q.To.UTC().AddDate(0, 0, 1).Format(time.DateOnly))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := q.Limit
	if limit <= 0 || limit > audit.MaxResults {
		limit = audit.MaxResults
	}
	o := s.ops()
	var total int
	if err := o.queryRow(ctx, `SELECT COUNT(*) FROM audit_log`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit entries: %w", translate(err))
	}
	rows, err := o.query(ctx, `SELECT id, at, username, action, patient_id, nhs_number, details FROM audit_log`+where+
		` ORDER BY logged_at DESC, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search audit log: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var (
			e      audit.Entry
			at, ac string
		)
		if err := rows.Scan(&e.ID, &at, &e.Username, &ac, &e.PatientID, &e.NHSNumber, &e.Details); err != nil {
			return nil, 0, fmt.Errorf("search audit log: %w", err)
		}
		if e.At, err = parseInstant(at); err != nil {
			return nil, 0, fmt.Errorf("search audit log: %w", err)
		}
		e.Action = audit.Action(ac)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search audit log: %w", err)
	}
	return out, total, nil
}

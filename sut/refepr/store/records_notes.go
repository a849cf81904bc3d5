package store

import (
	"context"
	"fmt"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/records"
)

// CreateNote stores a new draft note with its first version, setting n.ID,
// n.Status, n.CreatedAt and the version's RecordedAt.
func (tx *Tx) CreateNote(ctx context.Context, n *records.Note) error {
	if len(n.Versions) != 1 {
		return fmt.Errorf("create note: want exactly one version, got %d", len(n.Versions))
	}
	now := tx.now()
	n.ID, n.Status, n.CreatedAt = NewID(), records.Draft, now
	if _, err := tx.exec(ctx, `INSERT INTO clinical_notes (id, patient_id, status, created_by, created_at, logged_at)
		VALUES (?, ?, ?, ?, ?, ?)`, n.ID, n.PatientID, string(n.Status), n.CreatedBy, formatInstant(now), formatInstant(time.Now())); err != nil {
		return fmt.Errorf("create note: %w", err)
	}
	v := &n.Versions[0]
	v.Version, v.RecordedAt = 1, now
	return tx.insertVersion(ctx, n.ID, *v)
}

func (tx *Tx) insertVersion(ctx context.Context, noteID string, v records.NoteVersion) error {
	signed := ""
	if !v.SignedAt.IsZero() {
		signed = formatInstant(v.SignedAt)
	}
	_, err := tx.exec(ctx, `INSERT INTO clinical_note_versions (note_id, version, body, author, author_name, recorded_at, signed_at, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, noteID, v.Version, v.Body, v.Author, v.AuthorName, formatInstant(v.RecordedAt), signed, v.Reason)
	if err != nil {
		return fmt.Errorf("store note version %d: %w", v.Version, err)
	}
	return nil
}

// SignNote marks a draft signed now; its only version gets the signing time.
func (tx *Tx) SignNote(ctx context.Context, noteID string) error {
	now := formatInstant(tx.now())
	if _, err := tx.exec(ctx, `UPDATE clinical_notes SET status = ? WHERE id = ?`, string(records.Signed), noteID); err != nil {
		return fmt.Errorf("sign note: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE clinical_note_versions SET signed_at = ? WHERE note_id = ? AND version = 1`, now, noteID); err != nil {
		return fmt.Errorf("sign note: %w", err)
	}
	return nil
}

// AmendNote adds v as the next version of a signed note, signed now.
func (tx *Tx) AmendNote(ctx context.Context, n records.Note, v *records.NoteVersion) error {
	now := tx.now()
	v.Version = n.Current().Version + 1
	v.RecordedAt, v.SignedAt = now, now
	return tx.insertVersion(ctx, n.ID, *v)
}

// Note returns a note with every version, or an error matching ErrNotFound.
func (tx *Tx) Note(ctx context.Context, noteID string) (records.Note, error) {
	notes, err := tx.ops.notes(ctx, `n.id = ?`, noteID)
	if err != nil {
		return records.Note{}, err
	}
	if len(notes) == 0 {
		return records.Note{}, fmt.Errorf("note %q: %w", noteID, ErrNotFound)
	}
	return notes[0], nil
}

// Notes returns a patient's notes, newest first, each with every version.
func (s *Store) Notes(ctx context.Context, patientID string) ([]records.Note, error) {
	return s.ops().notes(ctx, `n.patient_id = ?`, patientID)
}

func (o ops) notes(ctx context.Context, cond string, arg string) ([]records.Note, error) {
	rows, err := o.query(ctx, `SELECT n.id, n.patient_id, n.status, n.created_by, n.created_at,
			v.version, v.body, v.author, v.author_name, v.recorded_at, v.signed_at, v.reason
		FROM clinical_notes n JOIN clinical_note_versions v ON v.note_id = n.id
		WHERE `+cond+` ORDER BY n.logged_at DESC, n.id, v.version`, arg)
	if err != nil {
		return nil, fmt.Errorf("read notes: %w", err)
	}
	defer rows.Close()
	var out []records.Note
	for rows.Next() {
		var (
			n                          records.Note
			v                          records.NoteVersion
			status, created, rec, sign string
		)
		if err := rows.Scan(&n.ID, &n.PatientID, &status, &n.CreatedBy, &created,
			&v.Version, &v.Body, &v.Author, &v.AuthorName, &rec, &sign, &v.Reason); err != nil {
			return nil, fmt.Errorf("read notes: %w", err)
		}
		n.Status = records.NoteStatus(status)
		if n.CreatedAt, err = parseInstant(created); err != nil {
			return nil, fmt.Errorf("read notes: %w", err)
		}
		if v.RecordedAt, err = parseInstant(rec); err != nil {
			return nil, fmt.Errorf("read notes: %w", err)
		}
		if sign != "" {
			if v.SignedAt, err = parseInstant(sign); err != nil {
				return nil, fmt.Errorf("read notes: %w", err)
			}
		}
		if len(out) == 0 || out[len(out)-1].ID != n.ID {
			out = append(out, n)
		}
		last := &out[len(out)-1]
		last.Versions = append(last.Versions, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read notes: %w", err)
	}
	return out, nil
}

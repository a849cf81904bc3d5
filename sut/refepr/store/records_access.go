package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SessionKey is how the store keys a sign-in session: a SHA-256 of its
// token, so the table never holds a usable token.
func SessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AddToCareTeam puts a user on a patient's care team (a legitimate
// relationship); adding a member twice is not an error.
func (s *Store) AddToCareTeam(ctx context.Context, patientID, username string) error {
	return s.ops().addToCareTeam(ctx, patientID, username)
}

// AddToCareTeam is Store.AddToCareTeam inside the transaction.
func (tx *Tx) AddToCareTeam(ctx context.Context, patientID, username string) error {
	return tx.addToCareTeam(ctx, patientID, username)
}

func (o ops) addToCareTeam(ctx context.Context, patientID, username string) error {
	_, err := o.exec(ctx, `INSERT INTO care_team (patient_id, username, added_at) VALUES (?, ?, ?)
		ON CONFLICT (patient_id, username) DO NOTHING`, patientID, username, formatInstant(o.now()))
	if err != nil {
		return fmt.Errorf("add %s to the care team of %s: %w", username, patientID, err)
	}
	return nil
}

// OnCareTeam reports whether the user is on the patient's care team.
func (s *Store) OnCareTeam(ctx context.Context, patientID, username string) (bool, error) {
	var n int
	err := s.ops().queryRow(ctx, `SELECT COUNT(*) FROM care_team WHERE patient_id = ? AND username = ?`, patientID, username).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read care team: %w", translate(err))
	}
	return n > 0, nil
}

// GrantBreakGlass records that the session (by SessionKey) may see the
// patient's restricted record, with the user and their reason. Granting
// again keeps the first grant.
func (s *Store) GrantBreakGlass(ctx context.Context, sessionKey, patientID, username, reason string) error {
	_, err := s.ops().exec(ctx, `INSERT INTO break_glass_grants (session_key, patient_id, username, reason, granted_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_key, patient_id) DO NOTHING`,
		sessionKey, patientID, username, reason, formatInstant(s.now()))
	if err != nil {
		return fmt.Errorf("grant break-glass access: %w", err)
	}
	return nil
}

// BrokeGlass reports whether the session has broken the glass for the
// patient.
func (s *Store) BrokeGlass(ctx context.Context, sessionKey, patientID string) (bool, error) {
	var n int
	err := s.ops().queryRow(ctx, `SELECT COUNT(*) FROM break_glass_grants WHERE session_key = ? AND patient_id = ?`,
		sessionKey, patientID).Scan(&n)
	if err != nil && !errors.Is(translate(err), ErrNotFound) {
		return false, fmt.Errorf("read break-glass grants: %w", translate(err))
	}
	return n > 0, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
)

// User is a person who can sign in. The store keeps only the password hash;
// hashing and checking belong to the caller.
type User struct {
	Username     string
	PasswordHash string
	Role         string
	DisplayName  string
	RoleTitle    string
}

// UpsertUsers inserts the users, replacing any with the same username.
func (s *Store) UpsertUsers(ctx context.Context, users []User) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.upsertUsers(ctx, users) })
}

func (o ops) upsertUsers(ctx context.Context, users []User) error {
	for _, u := range users {
		_, err := o.exec(ctx, `INSERT INTO users (username, password_hash, role, display_name, role_title)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (username) DO UPDATE SET
				password_hash = excluded.password_hash,
				role = excluded.role,
				display_name = excluded.display_name,
				role_title = excluded.role_title`,
			u.Username, u.PasswordHash, u.Role, u.DisplayName, u.RoleTitle)
		if err != nil {
			return fmt.Errorf("upsert user %s: %w", u.Username, err)
		}
	}
	return nil
}

// User returns the user with the given username, or an error matching
// ErrNotFound.
func (s *Store) User(ctx context.Context, username string) (User, error) {
	var u User
	err := s.ops().queryRow(ctx, `SELECT username, password_hash, role, display_name, role_title
		FROM users WHERE username = ?`, username).
		Scan(&u.Username, &u.PasswordHash, &u.Role, &u.DisplayName, &u.RoleTitle)
	if err != nil {
		err = translate(err)
		if errors.Is(err, ErrNotFound) {
			return User{}, fmt.Errorf("user %q: %w", username, ErrNotFound)
		}
		return User{}, fmt.Errorf("read user %q: %w", username, err)
	}
	return u, nil
}

// Reset deletes every patient and every user, then inserts users, all in one
// transaction.
func (s *Store) Reset(ctx context.Context, users []User) error {
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.resetReferrals(ctx); err != nil { // before scheduling and patients: referrals name clinics and patients
			return err
		}
		if err := tx.resetScheduling(ctx); err != nil { // before patients: appointments and admissions refer to them
			return err
		}
		for _, table := range []string{"allergies", "prescriptions", "observation_sets", "audit_log", "break_glass_grants", "care_team", "clinical_note_versions", "clinical_notes", "patients", "users"} {
			if _, err := tx.exec(ctx, "DELETE FROM "+table); err != nil {
				return fmt.Errorf("delete from %s: %w", table, err)
			}
		}
		return tx.upsertUsers(ctx, users)
	})
	if err != nil {
		return fmt.Errorf("reset store: %w", err)
	}
	return nil
}

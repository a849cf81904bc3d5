package store

import (
	"context"
	"fmt"
)

// Users returns every user (without password hashes), by username.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.ops().query(ctx, `SELECT username, role, display_name, role_title FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.Username, &u.Role, &u.DisplayName, &u.RoleTitle); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

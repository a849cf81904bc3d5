package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Subscription statuses (FHIR R4's SubscriptionStatus codes).
const (
	SubscriptionRequested = "requested"
	SubscriptionActive    = "active"
	SubscriptionError     = "error"
	SubscriptionOff       = "off"
)

// Subscription is a FHIR R4 Subscription with a rest-hook channel: where
// to tell another system about changes matching Criteria.
type Subscription struct {
	ID       string
	Criteria string // e.g. "Appointment?patient=Patient/123"
	Endpoint string // the rest-hook URL
	Payload  string // "application/fhir+json", or "" for an empty notification
	Headers  []string
	Reason   string
	Status   string // SubscriptionActive, SubscriptionError, ...
	// Error is why delivery failed (status error).
	Error       string
	LastUpdated time.Time
}

// CreateSubscription stores a new subscription, setting s.ID and
// s.LastUpdated.
func (s *Store) CreateSubscription(ctx context.Context, sub *Subscription) error {
	o := s.ops()
	sub.ID = NewID()
	headers, err := json.Marshal(nonNil(sub.Headers))
	if err != nil {
		return fmt.Errorf("create subscription: %w", err)
	}
	now := formatInstant(o.now())
	if _, err := o.exec(ctx, `INSERT INTO subscriptions (id, criteria, endpoint, payload, headers, reason, status, error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sub.ID, sub.Criteria, sub.Endpoint, sub.Payload, string(headers), sub.Reason,
		sub.Status, sub.Error, now, now); err != nil {
		return fmt.Errorf("create subscription: %w", err)
	}
	stored, err := s.Subscription(ctx, sub.ID)
	if err != nil {
		return fmt.Errorf("create subscription: %w", err)
	}
	*sub = stored
	return nil
}

const subscriptionColumns = `id, criteria, endpoint, payload, headers, reason, status, error, updated_at`

func scanSubscription(row scanner) (Subscription, error) {
	var (
		sub              Subscription
		headers, updated string
	)
	if err := row.Scan(&sub.ID, &sub.Criteria, &sub.Endpoint, &sub.Payload, &headers, &sub.Reason, &sub.Status, &sub.Error, &updated); err != nil {
		return Subscription{}, translate(err)
	}
	if err := json.Unmarshal([]byte(headers), &sub.Headers); err != nil {
		return Subscription{}, fmt.Errorf("stored headers of subscription %s: %w", sub.ID, err)
	}
	var err error
	if sub.LastUpdated, err = parseInstant(updated); err != nil {
		return Subscription{}, err
	}
	return sub, nil
}

// Subscription returns the subscription with the id, or an error matching
// ErrNotFound.
func (s *Store) Subscription(ctx context.Context, id string) (Subscription, error) {
	sub, err := scanSubscription(s.ops().queryRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = ?`, id))
	if errors.Is(err, ErrNotFound) {
		return Subscription{}, fmt.Errorf("subscription %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("read subscription: %w", err)
	}
	return sub, nil
}

// Subscriptions returns the subscriptions with the status ("" for all),
// oldest first.
func (s *Store) Subscriptions(ctx context.Context, status string) ([]Subscription, error) {
	query := `SELECT ` + subscriptionColumns + ` FROM subscriptions`
	var args []any
	if status != "" {
		query += ` WHERE status = ?`
		args = append(args, status)
	}
	rows, err := s.ops().query(ctx, query+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return out, nil
}

// SetSubscriptionStatus sets a subscription's status and error text.
// An unknown id gives an error matching ErrNotFound.
func (s *Store) SetSubscriptionStatus(ctx context.Context, id, status, errText string) error {
	res, err := s.ops().exec(ctx, `UPDATE subscriptions SET status = ?, error = ?, updated_at = ? WHERE id = ?`,
		status, errText, formatInstant(s.now()), id)
	if err != nil {
		return fmt.Errorf("set subscription status: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("subscription %q: %w", id, ErrNotFound)
	}
	return nil
}

// DeleteSubscription deletes a subscription. An unknown id gives an error
// matching ErrNotFound.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	res, err := s.ops().exec(ctx, `DELETE FROM subscriptions WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("subscription %q: %w", id, ErrNotFound)
	}
	return nil
}

package store

import (
	"context"
	"fmt"
)

// Identifier is one of a FHIR resource's business identifiers
// (Resource.identifier): a value in a system, such as a Synthea patient's
// medical record number or an allergy's id in the system it came from.
type Identifier struct {
	System string // "" when the identifier names none
	Value  string
}

// IdentifiedResource is a resource created through the FHIR API with its
// identifiers, as kept for conditional creates.
type IdentifiedResource struct {
	Type        string // "AllergyIntolerance"
	ID          string // the id in the FHIR API ("AllergyIntolerance/{id}")
	PatientID   string // whose record it is part of; the patient itself for a Patient
	Identifiers []Identifier
}

// RecordIdentifiers keeps the resource's identifiers (empty values are
// left out, duplicates kept once), so that FindByIdentifier finds it. The
// patient must exist.
func (tx *Tx) RecordIdentifiers(ctx context.Context, r IdentifiedResource) error {
	seen := map[Identifier]bool{}
	for _, id := range r.Identifiers {
		if id.Value == "" || seen[id] {
			continue
		}
		seen[id] = true
		if _, err := tx.exec(ctx, `INSERT INTO fhir_identifiers (resource_type, system, value, resource_id, patient_id)
			VALUES (?, ?, ?, ?, ?)`, r.Type, id.System, id.Value, r.ID, r.PatientID); err != nil {
			return fmt.Errorf("record identifiers of %s/%s: %w", r.Type, r.ID, err)
		}
	}
	return nil
}

// FindByIdentifier returns the ids of the resources of the type that carry
// the identifier, in id order: with anySystem the value in any system (the
// search "identifier=VALUE"), else the value in exactly id.System
// ("identifier=SYSTEM|VALUE", or "identifier=|VALUE" for none).
func (tx *Tx) FindByIdentifier(ctx context.Context, resourceType string, id Identifier, anySystem bool) ([]string, error) {
	return tx.findByIdentifier(ctx, resourceType, id, anySystem)
}

// FindByIdentifier is Tx.FindByIdentifier outside a transaction.
func (s *Store) FindByIdentifier(ctx context.Context, resourceType string, id Identifier, anySystem bool) ([]string, error) {
	return s.ops().findByIdentifier(ctx, resourceType, id, anySystem)
}

func (o ops) findByIdentifier(ctx context.Context, resourceType string, id Identifier, anySystem bool) ([]string, error) {
	query, args := `SELECT DISTINCT resource_id FROM fhir_identifiers WHERE resource_type = ? AND value = ?`, []any{resourceType, id.Value}
	if !anySystem {
		query += ` AND system = ?`
		args = append(args, id.System)
	}
	rows, err := o.query(ctx, query+` ORDER BY resource_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find %s by identifier: %w", resourceType, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var rid string
		if err := rows.Scan(&rid); err != nil {
			return nil, fmt.Errorf("find %s by identifier: %w", resourceType, err)
		}
		out = append(out, rid)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find %s by identifier: %w", resourceType, err)
	}
	return out, nil
}

// Identifiers returns the identifiers kept for a resource, in system and
// value order.
func (s *Store) Identifiers(ctx context.Context, resourceType, id string) ([]Identifier, error) {
	rows, err := s.ops().query(ctx, `SELECT system, value FROM fhir_identifiers WHERE resource_type = ? AND resource_id = ?
		ORDER BY system, value`, resourceType, id)
	if err != nil {
		return nil, fmt.Errorf("read identifiers of %s/%s: %w", resourceType, id, err)
	}
	defer rows.Close()
	var out []Identifier
	for rows.Next() {
		var i Identifier
		if err := rows.Scan(&i.System, &i.Value); err != nil {
			return nil, fmt.Errorf("read identifiers of %s/%s: %w", resourceType, id, err)
		}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read identifiers of %s/%s: %w", resourceType, id, err)
	}
	return out, nil
}

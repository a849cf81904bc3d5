package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// MaxSearchResults caps the patients one search returns.
const MaxSearchResults = 1000

// PatientStore is what a Store and a Tx offer for patients.
type PatientStore interface {
	CreatePatient(ctx context.Context, p *patient.Patient) error
	Patient(ctx context.Context, id string) (patient.Patient, error)
	PatientByNHSNumber(ctx context.Context, n nhsnumber.Number) (patient.Patient, error)
	SearchPatients(ctx context.Context, q PatientQuery) (PatientPage, error)
}

var (
	_ PatientStore = (*Store)(nil)
	_ PatientStore = (*Tx)(nil)
)

// CreatePatient stores a new patient, setting p.ID and p.LastUpdated. A
// second patient with the same NHS number gives an error matching
// ErrDuplicate.
func (s *Store) CreatePatient(ctx context.Context, p *patient.Patient) error {
	return s.ops().createPatient(ctx, p)
}

// CreatePatient is Store.CreatePatient inside the transaction.
func (tx *Tx) CreatePatient(ctx context.Context, p *patient.Patient) error {
	return tx.createPatient(ctx, p)
}

// Patient returns the patient with the id, or an error matching ErrNotFound.
func (s *Store) Patient(ctx context.Context, id string) (patient.Patient, error) {
	return s.ops().patientBy(ctx, "id", id)
}

// Patient is Store.Patient inside the transaction.
func (tx *Tx) Patient(ctx context.Context, id string) (patient.Patient, error) {
	return tx.patientBy(ctx, "id", id)
}

// PatientByNHSNumber returns the patient with the NHS number, or an error
// matching ErrNotFound.
func (s *Store) PatientByNHSNumber(ctx context.Context, n nhsnumber.Number) (patient.Patient, error) {
	return s.ops().patientBy(ctx, "nhs_number", n.String())
}

// PatientByNHSNumber is Store.PatientByNHSNumber inside the transaction.
func (tx *Tx) PatientByNHSNumber(ctx context.Context, n nhsnumber.Number) (patient.Patient, error) {
	return tx.patientBy(ctx, "nhs_number", n.String())
}

// SearchPatients returns the patients matching every criterion set in q,
// ordered by family name then given names (case-insensitively).
func (s *Store) SearchPatients(ctx context.Context, q PatientQuery) (PatientPage, error) {
	return s.ops().searchPatients(ctx, q)
}

// SearchPatients is Store.SearchPatients inside the transaction.
func (tx *Tx) SearchPatients(ctx context.Context, q PatientQuery) (PatientPage, error) {
	return tx.searchPatients(ctx, q)
}

func (o ops) createPatient(ctx context.Context, p *patient.Patient) error {
	if p.NHSNumber == "" || strings.TrimSpace(p.Family) == "" || p.BirthDate.IsZero() {
		return fmt.Errorf("create patient: NHS number, family name and birth date are required")
	}
	if p.Gender == "" {
		p.Gender = patient.Unknown
	}
	given, err := json.Marshal(nonNil(p.Given))
	if err != nil {
		return fmt.Errorf("create patient: %w", err)
	}
	lines, err := json.Marshal(nonNil(p.Address.Lines))
	if err != nil {
		return fmt.Errorf("create patient: %w", err)
	}
	id := NewID()
	now := o.now().UTC()
	_, err = o.exec(ctx, `INSERT INTO patients (id, nhs_number, family, given_names, family_lower, given_lower,
			gender, birth_date, address_lines, city, postal_code, created_at, updated_at, gp_practice, sensitive)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, p.NHSNumber.String(), p.Family, string(given), strings.ToLower(p.Family), strings.ToLower(p.GivenNames()),
		string(p.Gender), p.BirthDate.String(), string(lines), p.Address.City, p.Address.PostalCode,
		formatInstant(now), formatInstant(now), p.GPPractice, boolInt(p.Sensitive))
	if err != nil {
		if errors.Is(err, ErrDuplicate) {
			return fmt.Errorf("create patient: NHS number %s is already registered: %w", p.NHSNumber, err)
		}
		return fmt.Errorf("create patient: %w", err)
	}
	p.ID = id
	p.LastUpdated = now
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const patientColumns = `id, nhs_number, family, given_names, gender, birth_date, address_lines, city, postal_code, updated_at, gp_practice, sensitive`

type scanner interface{ Scan(dest ...any) error }

func scanPatient(row scanner) (patient.Patient, error) {
	var (
		p                                       patient.Patient
		nhs, given, gender, birth, lines, updAt string
		sensitive                               int
	)
	if err := row.Scan(&p.ID, &nhs, &p.Family, &given, &gender, &birth, &lines, &p.Address.City, &p.Address.PostalCode, &updAt, &p.GPPractice, &sensitive); err != nil {
		return patient.Patient{}, translate(err)
	}
	p.Sensitive = sensitive != 0
	p.NHSNumber = nhsnumber.Number(nhs)
	p.Gender = patient.Gender(gender)
	var err error
	if p.BirthDate, err = patient.ParseDate(birth); err != nil {
		return patient.Patient{}, fmt.Errorf("patient %s: stored birth date: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(given), &p.Given); err != nil {
		return patient.Patient{}, fmt.Errorf("patient %s: stored given names: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(lines), &p.Address.Lines); err != nil {
		return patient.Patient{}, fmt.Errorf("patient %s: stored address: %w", p.ID, err)
	}
	if len(p.Address.Lines) == 0 {
		p.Address.Lines = nil
	}
	if len(p.Given) == 0 {
		p.Given = nil
	}
	if p.LastUpdated, err = parseInstant(updAt); err != nil {
		return patient.Patient{}, fmt.Errorf("patient %s: %w", p.ID, err)
	}
	return p, nil
}

// patientBy reads one patient by a unique column (a constant, never input).
func (o ops) patientBy(ctx context.Context, column, value string) (patient.Patient, error) {
	p, err := scanPatient(o.queryRow(ctx, `SELECT `+patientColumns+` FROM patients WHERE `+column+` = ?`, value))
	if errors.Is(err, ErrNotFound) {
		return patient.Patient{}, fmt.Errorf("patient with %s %q: %w", column, value, ErrNotFound)
	}
	if err != nil {
		return patient.Patient{}, fmt.Errorf("read patient: %w", err)
	}
	return p, nil
}

// PatientQuery selects patients. Empty fields do not constrain; set fields
// must all match.
type PatientQuery struct {
	// NHSNumber matches exactly.
	NHSNumber nhsnumber.Number
	// Text is what a person types in a name search box: it matches any
	// patient whose family name or given names contain it, and also the
	// full forms "Given Family" and "Family, Given" (each part a substring,
	// case-insensitive).
	Text string
	// Family matches family names starting with it (FHIR string search).
	Family string
	// Name matches a family name or any given name starting with it (FHIR
	// string search).
	Name string
	// BirthDate matches the date of birth exactly.
	BirthDate patient.Date
	// Limit caps the patients returned; 0 means 50, and it is at most
	// MaxSearchResults.
	Limit int
	// Offset skips that many matches first (paging); 0 starts at the first.
	Offset int
}

// PatientPage is one search's result.
type PatientPage struct {
	Patients []patient.Patient // at most the query's limit
	Total    int               // all matches, however many were returned
}

func (o ops) searchPatients(ctx context.Context, q PatientQuery) (PatientPage, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 50
	case limit > MaxSearchResults:
		limit = MaxSearchResults
	}
	where, args := q.where()
	var page PatientPage
	if err := o.queryRow(ctx, `SELECT COUNT(*) FROM patients`+where, args...).Scan(&page.Total); err != nil {
		return PatientPage{}, fmt.Errorf("count patients: %w", err)
	}
	rows, err := o.query(ctx, `SELECT `+patientColumns+` FROM patients`+where+
		` ORDER BY family_lower, given_lower, birth_date, id LIMIT ? OFFSET ?`, append(args, limit, max(q.Offset, 0))...)
	if err != nil {
		return PatientPage{}, fmt.Errorf("search patients: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPatient(rows)
		if err != nil {
			return PatientPage{}, fmt.Errorf("search patients: %w", err)
		}
		page.Patients = append(page.Patients, p)
	}
	if err := rows.Err(); err != nil {
		return PatientPage{}, fmt.Errorf("search patients: %w", err)
	}
	return page, nil
}

// where builds the WHERE clause (with a leading space) and its arguments.
func (q PatientQuery) where() (string, []any) {
	var (
		conds []string
		args  []any
	)
	if q.NHSNumber != "" {
		conds = append(conds, `nhs_number = ?`)
		args = append(args, q.NHSNumber.String())
	}
	if text := normaliseSpace(strings.ToLower(q.Text)); text != "" {
		c, a := textCondition(text)
		conds = append(conds, c)
		args = append(args, a...)
	}
	if !q.BirthDate.IsZero() {
		conds = append(conds, `birth_date = ?`)
		args = append(args, q.BirthDate.String())
	}
	if f := normaliseSpace(strings.ToLower(q.Family)); f != "" {
		conds = append(conds, `family_lower LIKE ? ESCAPE '\'`)
		args = append(args, escapeLike(f)+"%")
	}
	if n := normaliseSpace(strings.ToLower(q.Name)); n != "" {
		conds = append(conds, `(family_lower LIKE ? ESCAPE '\' OR given_lower LIKE ? ESCAPE '\' OR given_lower LIKE ? ESCAPE '\')`)
		args = append(args, escapeLike(n)+"%", escapeLike(n)+"%", "% "+escapeLike(n)+"%")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// maxNameWords bounds the "Given Family" splits tried for free text.
const maxNameWords = 6

// textCondition matches free text against names; see PatientQuery.Text.
func textCondition(text string) (string, []any) {
	contains := func(s string) string { return "%" + escapeLike(s) + "%" }
	const like = ` LIKE ? ESCAPE '\'`
	if family, given, ok := strings.Cut(text, ","); ok {
		family, given = strings.TrimSpace(family), strings.TrimSpace(given)
		c := `(family_lower` + like
		args := []any{contains(family)}
		if given != "" {
			c += ` AND given_lower` + like
			args = append(args, contains(given))
		}
		return c + `)`, args
	}
	ors := []string{`family_lower` + like, `given_lower` + like}
	args := []any{contains(text), contains(text)}
	words := strings.Fields(text)
	if len(words) > maxNameWords {
		words = nil // a whole-text match only: no name has this many parts
	}
	for i := 1; i < len(words); i++ {
		first, rest := strings.Join(words[:i], " "), strings.Join(words[i:], " ")
		// "Given Family", and the same without a comma the other way round.
		ors = append(ors, `(given_lower`+like+` AND family_lower`+like+`)`,
			`(family_lower`+like+` AND given_lower`+like+`)`)
		args = append(args, contains(first), contains(rest), contains(first), contains(rest))
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

func normaliseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// escapeLike escapes LIKE's wildcards so user input matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

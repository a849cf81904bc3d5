package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// Referral statuses (FHIR's RequestStatus codes the EPR keeps).
const (
	ReferralActive         = "active"
	ReferralRevoked        = "revoked"
	ReferralEnteredInError = "entered-in-error"
	ReferralCompleted      = "completed"
)

// Referral is a request from a GP practice for an outpatient appointment
// in a clinic (a FHIR ServiceRequest).
type Referral struct {
	ID        string
	PatientID string
	Patient   patient.Patient // filled in by reads
	Clinic    Clinic
	Status    string // ReferralActive, ReferralRevoked, ReferralEnteredInError, ReferralCompleted
	Intent    string // order, proposal or plan
	Priority  string // routine or urgent
	Reason    string
	Requester string // the referring GP practice
	// AuthoredOn is the sender's date or dateTime, as written.
	AuthoredOn string
	// AppointmentID is the appointment booked from the referral ("" until
	// booked).
	AppointmentID string
	ReceivedAt    time.Time // the clinical clock's now when it arrived
	LastUpdated   time.Time
}

// ClinicByName returns the clinic whose name (or specialty) is name,
// ignoring case, or an error matching ErrNotFound.
func (s *Store) ClinicByName(ctx context.Context, name string) (Clinic, error) {
	return s.ops().clinicByName(ctx, name)
}

// ClinicByName is Store.ClinicByName inside the transaction.
func (tx *Tx) ClinicByName(ctx context.Context, name string) (Clinic, error) {
	return tx.clinicByName(ctx, name)
}

func (o ops) clinicByName(ctx context.Context, name string) (Clinic, error) {
	rows, err := o.query(ctx, `SELECT id, name, specialty, location FROM clinics ORDER BY position, name`)
	if err != nil {
		return Clinic{}, fmt.Errorf("find clinic: %w", err)
	}
	defer rows.Close()
	want := strings.ToLower(strings.TrimSpace(name))
	var bySpecialty *Clinic
	for rows.Next() {
		var c Clinic
		if err := rows.Scan(&c.ID, &c.Name, &c.Specialty, &c.Location); err != nil {
			return Clinic{}, fmt.Errorf("find clinic: %w", err)
		}
		if strings.ToLower(c.Name) == want {
			return c, nil
		}
		if bySpecialty == nil && strings.ToLower(c.Specialty) == want {
			bySpecialty = &c
		}
	}
	if err := rows.Err(); err != nil {
		return Clinic{}, fmt.Errorf("find clinic: %w", err)
	}
	if bySpecialty != nil {
		return *bySpecialty, nil
	}
	return Clinic{}, fmt.Errorf("clinic %q: %w", name, ErrNotFound)
}

// clinicExists returns nil when the clinic with the id exists, else an
// error matching ErrNotFound (a referral's clinic_id is a foreign key, and
// the driver's constraint error would not say which rule failed).
func (o ops) clinicExists(ctx context.Context, id string) error {
	var found string
	err := translate(o.queryRow(ctx, `SELECT id FROM clinics WHERE id = ?`, id).Scan(&found))
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("clinic %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("find clinic: %w", err)
	}
	return nil
}

// resetReferrals empties the referrals and subscriptions.
func (o ops) resetReferrals(ctx context.Context) error {
	for _, table := range []string{"referrals", "subscriptions"} {
		if _, err := o.exec(ctx, "DELETE FROM "+table); err != nil {
			return fmt.Errorf("delete from %s: %w", table, err)
		}
	}
	return nil
}

// CreateReferral stores a new referral, setting r.ID (when empty),
// r.ReceivedAt and r.LastUpdated. The patient and clinic must exist (else
// an error matching ErrNotFound).
func (tx *Tx) CreateReferral(ctx context.Context, r *Referral) error {
	if _, err := tx.patientBy(ctx, "id", r.PatientID); err != nil {
		return fmt.Errorf("create referral: %w", err)
	}
	if err := tx.clinicExists(ctx, r.Clinic.ID); err != nil {
		return fmt.Errorf("create referral: %w", err)
	}
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Status == "" {
		r.Status = ReferralActive
	}
	now := tx.now()
	if _, err := tx.exec(ctx, `INSERT INTO referrals (id, patient_id, clinic_id, status, intent, priority, reason, requester,
		authored_on, appointment_id, received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PatientID, r.Clinic.ID, r.Status, r.Intent, r.Priority, r.Reason, r.Requester, r.AuthoredOn,
		r.AppointmentID, formatInstant(now), formatInstant(now)); err != nil {
		return fmt.Errorf("create referral: %w", err)
	}
	stored, err := tx.referral(ctx, r.ID)
	if err != nil {
		return fmt.Errorf("create referral: %w", err)
	}
	*r = stored
	return nil
}

// UpdateReferral changes what a sender may change of a referral: status,
// priority, reason, clinic, requester and authoredOn. It returns the
// stored referral. An unknown referral or clinic gives an error matching
// ErrNotFound.
func (tx *Tx) UpdateReferral(ctx context.Context, r Referral) (Referral, error) {
	if err := tx.clinicExists(ctx, r.Clinic.ID); err != nil {
		return Referral{}, fmt.Errorf("update referral: %w", err)
	}
	res, err := tx.exec(ctx, `UPDATE referrals SET status = ?, priority = ?, reason = ?, clinic_id = ?, requester = ?,
		authored_on = ?, intent = ?, updated_at = ? WHERE id = ?`,
		r.Status, r.Priority, r.Reason, r.Clinic.ID, r.Requester, r.AuthoredOn, r.Intent, formatInstant(tx.now()), r.ID)
	if err != nil {
		return Referral{}, fmt.Errorf("update referral: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return Referral{}, fmt.Errorf("update referral %q: %w", r.ID, ErrNotFound)
	}
	return tx.referral(ctx, r.ID)
}

// LinkReferralAppointment records the appointment booked from an active
// referral. A referral that is not active gives an error matching
// ErrReferralClosed.
func (tx *Tx) LinkReferralAppointment(ctx context.Context, referralID, appointmentID string) (Referral, error) {
	r, err := tx.referral(ctx, referralID)
	if err != nil {
		return Referral{}, fmt.Errorf("link referral: %w", err)
	}
	if r.Status != ReferralActive {
		return Referral{}, fmt.Errorf("link referral %s (%s): %w", referralID, r.Status, ErrReferralClosed)
	}
	if _, err := tx.exec(ctx, `UPDATE referrals SET appointment_id = ?, updated_at = ? WHERE id = ?`,
		appointmentID, formatInstant(tx.now()), referralID); err != nil {
		return Referral{}, fmt.Errorf("link referral: %w", err)
	}
	return tx.referral(ctx, referralID)
}

// ErrReferralClosed is returned when booking from a referral that was
// withdrawn (or entered in error, or completed).
var ErrReferralClosed = errors.New("referral is no longer open")

// Referral returns the referral with the id, or an error matching
// ErrNotFound.
func (s *Store) Referral(ctx context.Context, id string) (Referral, error) {
	return s.ops().referral(ctx, id)
}

// Referral is Store.Referral inside the transaction.
func (tx *Tx) Referral(ctx context.Context, id string) (Referral, error) { return tx.referral(ctx, id) }

const referralColumns = `r.id, r.patient_id, r.status, r.intent, r.priority, r.reason, r.requester, r.authored_on,
	r.appointment_id, r.received_at, r.updated_at, c.id, c.name, c.specialty, c.location`

const referralFrom = ` FROM referrals r JOIN clinics c ON c.id = r.clinic_id`

func scanReferral(row scanner) (Referral, error) {
	var (
		r             Referral
		recv, updated string
	)
	if err := row.Scan(&r.ID, &r.PatientID, &r.Status, &r.Intent, &r.Priority, &r.Reason, &r.Requester, &r.AuthoredOn,
		&r.AppointmentID, &recv, &updated, &r.Clinic.ID, &r.Clinic.Name, &r.Clinic.Specialty, &r.Clinic.Location); err != nil {
		return Referral{}, translate(err)
	}
	var err error
	if r.ReceivedAt, err = parseInstant(recv); err != nil {
		return Referral{}, err
	}
	if r.LastUpdated, err = parseInstant(updated); err != nil {
		return Referral{}, err
	}
	return r, nil
}

func (o ops) referral(ctx context.Context, id string) (Referral, error) {
	r, err := scanReferral(o.queryRow(ctx, `SELECT `+referralColumns+referralFrom+` WHERE r.id = ?`, id))
	if errors.Is(err, ErrNotFound) {
		return Referral{}, fmt.Errorf("referral %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Referral{}, fmt.Errorf("read referral: %w", err)
	}
	if r.Patient, err = o.patientBy(ctx, "id", r.PatientID); err != nil {
		return Referral{}, fmt.Errorf("read referral: %w", err)
	}
	return r, nil
}

// ReferralQuery selects referrals; empty fields do not constrain.
type ReferralQuery struct {
	PatientID string
	Statuses  []string
	ClinicID  string
	// AppointmentID keeps the referral an appointment was booked from.
	AppointmentID string
	// Limit caps the list (0: no cap).
	Limit int
}

// Referrals returns the matching referrals, newest first, each with its
// patient.
func (s *Store) Referrals(ctx context.Context, q ReferralQuery) ([]Referral, error) {
	return s.ops().referrals(ctx, q)
}

// Referrals is Store.Referrals inside the transaction.
func (tx *Tx) Referrals(ctx context.Context, q ReferralQuery) ([]Referral, error) {
	return tx.referrals(ctx, q)
}

func (o ops) referrals(ctx context.Context, q ReferralQuery) ([]Referral, error) {
	query := `SELECT ` + referralColumns + referralFrom + ` WHERE 1 = 1`
	var args []any
	if q.PatientID != "" {
		query += ` AND r.patient_id = ?`
		args = append(args, q.PatientID)
	}
	if q.ClinicID != "" {
		query += ` AND r.clinic_id = ?`
		args = append(args, q.ClinicID)
	}
	if q.AppointmentID != "" {
		query += ` AND r.appointment_id = ?`
		args = append(args, q.AppointmentID)
	}
	if len(q.Statuses) > 0 {
		query += ` AND r.status IN (?` + strings.Repeat(`, ?`, len(q.Statuses)-1) + `)`
		for _, s := range q.Statuses {
			args = append(args, s)
		}
	}
	query += ` ORDER BY r.received_at DESC, r.id`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	rows, err := o.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list referrals: %w", err)
	}
	var out []Referral
	for rows.Next() {
		r, err := scanReferral(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list referrals: %w", err)
		}
		out = append(out, r)
	}
	err = rows.Err()
	rows.Close() // before the patient reads: an in-memory store has one connection
	if err != nil {
		return nil, fmt.Errorf("list referrals: %w", err)
	}
	for i := range out {
		if out[i].Patient, err = o.patientBy(ctx, "id", out[i].PatientID); err != nil {
			return nil, fmt.Errorf("list referrals: %w", err)
		}
	}
	return out, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/scheduling"
)

// ErrSlotTaken is returned when a booking names a slot that is no longer
// free (someone else booked it first).
var ErrSlotTaken = errors.New("slot is no longer available")

// Appointment statuses (FHIR's AppointmentStatus codes).
const (
	AppointmentBooked    = "booked"
	AppointmentCancelled = "cancelled"
)

// Slot statuses (FHIR's SlotStatus codes).
const (
	SlotFree = "free"
	SlotBusy = "busy"
)

// Clinic is an outpatient clinic.
type Clinic struct {
	ID, Name, Specialty, Location string
}

// Slot is a bookable period of a clinic.
type Slot struct {
	ID         string
	Clinic     Clinic
	Start, End time.Time
	Status     string // SlotFree or SlotBusy
}

// Appointment is a patient's booking of a slot.
type Appointment struct {
	ID          string
	PatientID   string
	Slot        Slot
	Status      string // AppointmentBooked or AppointmentCancelled
	BookedBy    string // username
	LastUpdated time.Time
}

// Booking asks for a slot for a patient.
type Booking struct {
	PatientID string
	SlotID    string
	BookedBy  string
	// Overbook books the slot even if it is taken (a clinic's deliberate
	// overbooking). Ordinary bookings leave it false.
	Overbook bool
}

// resetScheduling empties the appointments, slots and admissions and
// re-seeds the clinics, wards and beds.
func (o ops) resetScheduling(ctx context.Context) error {
	for _, table := range []string{"admissions", "appointments", "slots"} {
		if _, err := o.exec(ctx, "DELETE FROM "+table); err != nil {
			return fmt.Errorf("delete from %s: %w", table, err)
		}
	}
	for _, stmt := range schedulingSeed() {
		if _, err := o.exec(ctx, stmt); err != nil {
			return fmt.Errorf("seed schedule: %w", err)
		}
	}
	return nil
}

// Clinics returns the outpatient clinics in display order.
func (s *Store) Clinics(ctx context.Context) ([]Clinic, error) {
	rows, err := s.ops().query(ctx, `SELECT id, name, specialty, location FROM clinics ORDER BY position, name`)
	if err != nil {
		return nil, fmt.Errorf("list clinics: %w", err)
	}
	defer rows.Close()
	var out []Clinic
	for rows.Next() {
		var c Clinic
		if err := rows.Scan(&c.ID, &c.Name, &c.Specialty, &c.Location); err != nil {
			return nil, fmt.Errorf("list clinics: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list clinics: %w", err)
	}
	return out, nil
}

// ensureSlots materialises the clinic's slots for the horizon after the
// clinical clock's today; slots that exist are left as they are.
func (o ops) ensureSlots(ctx context.Context, clinicID string) error {
	var clinic *scheduling.Clinic
	for i := range scheduling.Clinics {
		if scheduling.Clinics[i].ID == clinicID {
			clinic = &scheduling.Clinics[i]
		}
	}
	if clinic == nil {
		return nil // a clinic without a template offers no slots
	}
	want, err := scheduling.Slots(*clinic, o.now())
	if err != nil || len(want) == 0 {
		return err
	}
	var have int
	if err := o.queryRow(ctx, `SELECT COUNT(*) FROM slots WHERE clinic_id = ? AND start_at >= ? AND start_at <= ?`,
		clinicID, formatInstant(want[0].Start), formatInstant(want[len(want)-1].Start)).Scan(&have); err != nil {
		return fmt.Errorf("count slots: %w", err)
	}
	if have >= len(want) {
		return nil
	}
	for _, sl := range want {
		if _, err := o.exec(ctx, `INSERT INTO slots (id, clinic_id, start_at, end_at, status) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, sl.ID, clinicID, formatInstant(sl.Start), formatInstant(sl.End), SlotFree); err != nil {
			return fmt.Errorf("add slot %s: %w", sl.ID, err)
		}
	}
	return nil
}

const slotColumns = `s.id, s.start_at, s.end_at, s.status, c.id, c.name, c.specialty, c.location`

func scanSlot(row scanner, extra ...any) (Slot, error) {
	var (
		sl         Slot
		start, end string
	)
	dest := append([]any{&sl.ID, &start, &end, &sl.Status, &sl.Clinic.ID, &sl.Clinic.Name, &sl.Clinic.Specialty, &sl.Clinic.Location}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Slot{}, translate(err)
	}
	var err error
	if sl.Start, err = parseInstant(start); err != nil {
		return Slot{}, err
	}
	if sl.End, err = parseInstant(end); err != nil {
		return Slot{}, err
	}
	return sl, nil
}

// FreeSlots returns the clinic's free slots that start after the clinical
// clock's now, earliest first, at most limit of them (0 means all).
func (s *Store) FreeSlots(ctx context.Context, clinicID string, limit int) ([]Slot, error) {
	return s.ops().slots(ctx, clinicID, SlotFree, limit)
}

// Slots returns the clinic's slots (status "" for any) that start after the
// clinical clock's now, earliest first, at most limit (0 means all).
func (s *Store) Slots(ctx context.Context, clinicID, status string, limit int) ([]Slot, error) {
	return s.ops().slots(ctx, clinicID, status, limit)
}

func (o ops) slots(ctx context.Context, clinicID, status string, limit int) ([]Slot, error) {
	if err := o.ensureSlots(ctx, clinicID); err != nil {
		return nil, fmt.Errorf("list slots: %w", err)
	}
	query := `SELECT ` + slotColumns + ` FROM slots s JOIN clinics c ON c.id = s.clinic_id
		WHERE s.clinic_id = ? AND s.start_at > ?`
	args := []any{clinicID, formatInstant(o.now())}
	if status != "" {
		query += ` AND s.status = ?`
		args = append(args, status)
	}
	query += ` ORDER BY s.start_at`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := o.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list slots: %w", err)
	}
	defer rows.Close()
	var out []Slot
	for rows.Next() {
		sl, err := scanSlot(rows)
		if err != nil {
			return nil, fmt.Errorf("list slots: %w", err)
		}
		out = append(out, sl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list slots: %w", err)
	}
	return out, nil
}

// Slot returns the slot with the id, or an error matching ErrNotFound.
func (s *Store) Slot(ctx context.Context, id string) (Slot, error) { return s.ops().slot(ctx, id) }

func (o ops) slot(ctx context.Context, id string) (Slot, error) {
	const query = `SELECT ` + slotColumns + ` FROM slots s JOIN clinics c ON c.id = s.clinic_id WHERE s.id = ?`
	sl, err := scanSlot(o.queryRow(ctx, query, id))
	if errors.Is(err, ErrNotFound) {
		// The clinic's slots may not have been listed yet: ids are
		// "<clinic>-YYYYMMDD-HHMM", so materialise that clinic's and look again.
		if parts := strings.Split(id, "-"); len(parts) > 2 {
			if err := o.ensureSlots(ctx, strings.Join(parts[:len(parts)-2], "-")); err != nil {
				return Slot{}, fmt.Errorf("read slot: %w", err)
			}
			sl, err = scanSlot(o.queryRow(ctx, query, id))
		}
	}
	if errors.Is(err, ErrNotFound) {
		return Slot{}, fmt.Errorf("slot %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Slot{}, fmt.Errorf("read slot: %w", err)
	}
	return sl, nil
}

// BookAppointment books the slot for the patient in one transaction. A slot
// that is not free gives an error matching ErrSlotTaken (unless b.Overbook);
// an unknown slot or patient one matching ErrNotFound.
func (s *Store) BookAppointment(ctx context.Context, b Booking) (Appointment, error) {
	var a Appointment
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.BookAppointment(ctx, b)
		return err
	})
	return a, err
}

// BookAppointment is Store.BookAppointment inside the transaction.
func (tx *Tx) BookAppointment(ctx context.Context, b Booking) (Appointment, error) {
	if _, err := tx.patientBy(ctx, "id", b.PatientID); err != nil {
		return Appointment{}, fmt.Errorf("book appointment: %w", err)
	}
	if err := tx.takeSlot(ctx, b.SlotID, b.Overbook); err != nil {
		return Appointment{}, fmt.Errorf("book appointment: %w", err)
	}
	now := formatInstant(tx.now())
	id := NewID()
	if _, err := tx.exec(ctx, `INSERT INTO appointments (id, patient_id, slot_id, status, booked_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, b.PatientID, b.SlotID, AppointmentBooked, b.BookedBy, now, now); err != nil {
		return Appointment{}, fmt.Errorf("book appointment: %w", err)
	}
	return tx.appointment(ctx, id)
}

// takeSlot marks a free slot busy. The condition on the status makes the
// check and the change one step, so of two racing bookings only one wins
// (PostgreSQL re-checks the condition after waiting for the row lock; SQLite
// has one writer at a time).
func (o ops) takeSlot(ctx context.Context, slotID string, overbook bool) error {
	sl, err := o.slot(ctx, slotID) // materialises the clinic's slots if needed
	if err != nil {
		return err
	}
	query := `UPDATE slots SET status = ? WHERE id = ? AND start_at > ? AND status = ?`
	args := []any{SlotBusy, slotID, formatInstant(o.now()), SlotFree}
	if overbook {
		query, args = `UPDATE slots SET status = ? WHERE id = ? AND start_at > ?`, args[:3]
	}
	res, err := o.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("take slot %s: %w", slotID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("take slot %s: %w", slotID, err)
	}
	if n == 1 {
		return nil
	}
	if !sl.Start.After(o.now()) {
		return fmt.Errorf("slot %s has passed: %w", slotID, ErrSlotTaken)
	}
	return fmt.Errorf("slot %s: %w", slotID, ErrSlotTaken)
}

// freeSlot makes a slot free again if no booked appointment holds it.
func (o ops) freeSlot(ctx context.Context, slotID string) error {
	_, err := o.exec(ctx, `UPDATE slots SET status = ? WHERE id = ? AND NOT EXISTS (
		SELECT 1 FROM appointments a WHERE a.slot_id = ? AND a.status = ?)`, SlotFree, slotID, slotID, AppointmentBooked)
	if err != nil {
		return fmt.Errorf("free slot %s: %w", slotID, err)
	}
	return nil
}

const appointmentColumns = `a.id, a.patient_id, a.status, a.booked_by, a.updated_at, ` + slotColumns

const appointmentFrom = ` FROM appointments a JOIN slots s ON s.id = a.slot_id JOIN clinics c ON c.id = s.clinic_id`

func scanAppointment(row scanner) (Appointment, error) {
	var (
		a     Appointment
		updAt string
	)
	var sl Slot
	var start, end string
	if err := row.Scan(&a.ID, &a.PatientID, &a.Status, &a.BookedBy, &updAt,
		&sl.ID, &start, &end, &sl.Status, &sl.Clinic.ID, &sl.Clinic.Name, &sl.Clinic.Specialty, &sl.Clinic.Location); err != nil {
		return Appointment{}, translate(err)
	}
	var err error
	if sl.Start, err = parseInstant(start); err != nil {
		return Appointment{}, err
	}
	if sl.End, err = parseInstant(end); err != nil {
		return Appointment{}, err
	}
	if a.LastUpdated, err = parseInstant(updAt); err != nil {
		return Appointment{}, err
	}
	a.Slot = sl
	return a, nil
}

// Appointment returns the appointment with the id, or an error matching
// ErrNotFound.
func (s *Store) Appointment(ctx context.Context, id string) (Appointment, error) {
	return s.ops().appointment(ctx, id)
}

func (o ops) appointment(ctx context.Context, id string) (Appointment, error) {
	a, err := scanAppointment(o.queryRow(ctx, `SELECT `+appointmentColumns+appointmentFrom+` WHERE a.id = ?`, id))
	if errors.Is(err, ErrNotFound) {
		return Appointment{}, fmt.Errorf("appointment %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Appointment{}, fmt.Errorf("read appointment: %w", err)
	}
	return a, nil
}

// AppointmentQuery selects appointments; empty fields do not constrain.
type AppointmentQuery struct {
	PatientID string
	Status    string
	// Upcoming keeps appointments that start after the clinical clock's now.
	Upcoming bool
	// SlotID keeps the appointments of one slot.
	SlotID string
}

// Appointments returns the matching appointments, earliest first.
func (s *Store) Appointments(ctx context.Context, q AppointmentQuery) ([]Appointment, error) {
	query := `SELECT ` + appointmentColumns + appointmentFrom + ` WHERE 1 = 1`
	var args []any
	if q.PatientID != "" {
		query += ` AND a.patient_id = ?`
		args = append(args, q.PatientID)
	}
	if q.Status != "" {
		query += ` AND a.status = ?`
		args = append(args, q.Status)
	}
	if q.SlotID != "" {
		query += ` AND a.slot_id = ?`
		args = append(args, q.SlotID)
	}
	if q.Upcoming {
		query += ` AND s.start_at > ?`
		args = append(args, formatInstant(s.now()))
	}
	rows, err := s.ops().query(ctx, query+` ORDER BY s.start_at, a.created_at, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list appointments: %w", err)
	}
	defer rows.Close()
	var out []Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, fmt.Errorf("list appointments: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list appointments: %w", err)
	}
	return out, nil
}

// Appointment is Store.Appointment inside the transaction.
func (tx *Tx) Appointment(ctx context.Context, id string) (Appointment, error) {
	return tx.appointment(ctx, id)
}

// RescheduleAppointment moves a booked appointment to another slot in one
// transaction, freeing the old one. The new slot must be free (unless
// overbook), else the error matches ErrSlotTaken and nothing changes. An
// appointment that is not booked gives an error matching ErrNotFound.
func (s *Store) RescheduleAppointment(ctx context.Context, id, slotID string, overbook bool) (Appointment, error) {
	var a Appointment
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.RescheduleAppointment(ctx, id, slotID, overbook)
		return err
	})
	return a, err
}

// RescheduleAppointment is Store.RescheduleAppointment inside the
// transaction, so the move and its audit entry commit together.
func (tx *Tx) RescheduleAppointment(ctx context.Context, id, slotID string, overbook bool) (Appointment, error) {
	a, err := tx.rescheduleAppointment(ctx, id, slotID, overbook)
	if err != nil {
		return Appointment{}, fmt.Errorf("reschedule appointment: %w", err)
	}
	return a, nil
}

func (tx *Tx) rescheduleAppointment(ctx context.Context, id, slotID string, overbook bool) (Appointment, error) {
	old, err := tx.appointment(ctx, id)
	if err != nil {
		return Appointment{}, err
	}
	if old.Status != AppointmentBooked {
		return Appointment{}, fmt.Errorf("appointment %s is %s: %w", id, old.Status, ErrNotFound)
	}
	if old.Slot.ID == slotID {
		return old, nil
	}
	if err := tx.takeSlot(ctx, slotID, overbook); err != nil {
		return Appointment{}, err
	}
	if _, err := tx.exec(ctx, `UPDATE appointments SET slot_id = ?, updated_at = ? WHERE id = ?`,
		slotID, formatInstant(tx.now()), id); err != nil {
		return Appointment{}, fmt.Errorf("move appointment: %w", err)
	}
	if err := tx.freeSlot(ctx, old.Slot.ID); err != nil {
		return Appointment{}, err
	}
	return tx.appointment(ctx, id)
}

// CancelAppointment cancels a booked appointment and frees its slot.
// Cancelling a cancelled appointment changes nothing.
func (s *Store) CancelAppointment(ctx context.Context, id string) (Appointment, error) {
	var a Appointment
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.CancelAppointment(ctx, id)
		return err
	})
	return a, err
}

// CancelAppointment is Store.CancelAppointment inside the transaction.
func (tx *Tx) CancelAppointment(ctx context.Context, id string) (Appointment, error) {
	a, err := tx.cancelAppointment(ctx, id)
	if err != nil {
		return Appointment{}, fmt.Errorf("cancel appointment: %w", err)
	}
	return a, nil
}

func (tx *Tx) cancelAppointment(ctx context.Context, id string) (Appointment, error) {
	old, err := tx.appointment(ctx, id)
	if err != nil {
		return Appointment{}, err
	}
	if old.Status == AppointmentCancelled {
		return old, nil
	}
	if _, err := tx.exec(ctx, `UPDATE appointments SET status = ?, updated_at = ? WHERE id = ?`,
		AppointmentCancelled, formatInstant(tx.now()), id); err != nil {
		return Appointment{}, fmt.Errorf("cancel: %w", err)
	}
	if err := tx.freeSlot(ctx, old.Slot.ID); err != nil {
		return Appointment{}, err
	}
	return tx.appointment(ctx, id)
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// Admission errors, matched with errors.Is.
var (
	// ErrBedOccupied: the bed already holds a patient.
	ErrBedOccupied = errors.New("bed is occupied")
	// ErrAlreadyAdmitted: the patient already has an active admission.
	ErrAlreadyAdmitted = errors.New("patient is already admitted")
	// ErrNotAdmitted: the patient has no active admission.
	ErrNotAdmitted = errors.New("patient is not admitted")
)

// Bed is a bed on a ward, with its occupant if it has one.
type Bed struct {
	ID, Label string
	WardID    string
	WardName  string
	// Occupant is the active admission in the bed, if any.
	Occupant *Admission
}

// Ward is an inpatient ward and its beds, in board order.
type Ward struct {
	ID, Name, Specialty string
	Beds                []Bed
}

// Admission is a patient's stay in a bed.
type Admission struct {
	ID           string
	Patient      patient.Patient
	BedID        string
	BedLabel     string
	WardName     string
	AdmittedAt   time.Time
	AdmittedBy   string
	DischargedAt *time.Time
}

// BedBoard returns every ward with its beds and their occupants.
func (s *Store) BedBoard(ctx context.Context) ([]Ward, error) {
	o := s.ops()
	rows, err := o.query(ctx, `SELECT w.id, w.name, w.specialty, b.id, b.label FROM wards w JOIN beds b ON b.ward_id = w.id
		ORDER BY w.position, w.name, b.position, b.label`)
	if err != nil {
		return nil, fmt.Errorf("read bed board: %w", err)
	}
	var wards []Ward
	index := map[string][2]int{} // bed id -> ward, bed
	for rows.Next() {
		var w Ward
		var b Bed
		if err := rows.Scan(&w.ID, &w.Name, &w.Specialty, &b.ID, &b.Label); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read bed board: %w", err)
		}
		if len(wards) == 0 || wards[len(wards)-1].ID != w.ID {
			wards = append(wards, w)
		}
		last := &wards[len(wards)-1]
		b.WardID, b.WardName = last.ID, last.Name
		last.Beds = append(last.Beds, b)
		index[b.ID] = [2]int{len(wards) - 1, len(last.Beds) - 1}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read bed board: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read bed board: %w", err)
	}
	active, err := o.admissions(ctx, ` WHERE a.discharged_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("read bed board: %w", err)
	}
	for i := range active {
		if at, ok := index[active[i].BedID]; ok {
			wards[at[0]].Beds[at[1]].Occupant = &active[i]
		}
	}
	return wards, nil
}

const admissionSelect = `SELECT a.id, a.patient_id, a.bed_id, b.label, w.name, a.admitted_at, a.admitted_by, a.discharged_at
	FROM admissions a JOIN beds b ON b.id = a.bed_id JOIN wards w ON w.id = b.ward_id`

// admissions reads the admissions matching where, each with its patient.
func (o ops) admissions(ctx context.Context, where string, args ...any) ([]Admission, error) {
	rows, err := o.query(ctx, admissionSelect+where+` ORDER BY a.admitted_at, a.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []Admission
	for rows.Next() {
		var (
			a          Admission
			admitted   string
			discharged *string
		)
		if err := rows.Scan(&a.ID, &a.Patient.ID, &a.BedID, &a.BedLabel, &a.WardName, &admitted, &a.AdmittedBy, &discharged); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		if a.AdmittedAt, err = parseInstant(admitted); err != nil {
			rows.Close()
			return nil, err
		}
		if discharged != nil {
			t, err := parseInstant(*discharged)
			if err != nil {
				rows.Close()
				return nil, err
			}
			a.DischargedAt = &t
		}
		out = append(out, a)
	}
	// Closed before reading the patients: an in-memory store has one connection.
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		p, err := o.patientBy(ctx, "id", out[i].Patient.ID)
		if err != nil {
			return nil, err
		}
		out[i].Patient = p
	}
	return out, nil
}

// CurrentAdmission returns the patient's active admission, or an error
// matching ErrNotAdmitted.
func (s *Store) CurrentAdmission(ctx context.Context, patientID string) (Admission, error) {
	return s.ops().currentAdmission(ctx, patientID)
}

// CurrentAdmission is Store.CurrentAdmission inside the transaction.
func (tx *Tx) CurrentAdmission(ctx context.Context, patientID string) (Admission, error) {
	return tx.currentAdmission(ctx, patientID)
}

func (o ops) currentAdmission(ctx context.Context, patientID string) (Admission, error) {
	list, err := o.admissions(ctx, ` WHERE a.patient_id = ? AND a.discharged_at IS NULL`, patientID)
	if err != nil {
		return Admission{}, fmt.Errorf("read admission: %w", err)
	}
	if len(list) == 0 {
		return Admission{}, fmt.Errorf("patient %s: %w", patientID, ErrNotAdmitted)
	}
	return list[0], nil
}

// bedFree checks the bed exists and holds no one.
func (o ops) bedFree(ctx context.Context, bedID string) error {
	var n int
	if err := o.queryRow(ctx, `SELECT COUNT(*) FROM beds WHERE id = ?`, bedID).Scan(&n); err != nil {
		return fmt.Errorf("read bed: %w", translate(err))
	}
	if n == 0 {
		return fmt.Errorf("bed %q: %w", bedID, ErrNotFound)
	}
	if err := o.queryRow(ctx, `SELECT COUNT(*) FROM admissions WHERE bed_id = ? AND discharged_at IS NULL`, bedID).Scan(&n); err != nil {
		return fmt.Errorf("read bed: %w", translate(err))
	}
	if n > 0 {
		return fmt.Errorf("bed %s: %w", bedID, ErrBedOccupied)
	}
	return nil
}

// occupiedOrAdmitted turns a unique-index violation (a racing admission)
// into the rule it broke, read from the index the database names
// (admissions_active_patient on PostgreSQL, admissions.patient_id on
// SQLite). The transaction cannot be queried again: PostgreSQL has aborted it.
func occupiedOrAdmitted(bedID string, err error) error {
	if !errors.Is(err, ErrDuplicate) {
		return err
	}
	if strings.Contains(err.Error(), "patient") {
		return fmt.Errorf("%w: %w", ErrAlreadyAdmitted, err)
	}
	return fmt.Errorf("bed %s: %w: %w", bedID, ErrBedOccupied, err)
}

// Admit admits the patient to the bed. A patient already admitted gives an
// error matching ErrAlreadyAdmitted, an occupied bed one matching
// ErrBedOccupied; the partial unique indexes keep both rules under races.
func (s *Store) Admit(ctx context.Context, patientID, bedID, by string) (Admission, error) {
	var a Admission
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.Admit(ctx, patientID, bedID, by)
		return err
	})
	return a, err
}

// Admit is Store.Admit inside the transaction, so the admission and its
// audit entry commit together.
func (tx *Tx) Admit(ctx context.Context, patientID, bedID, by string) (Admission, error) {
	a, err := tx.admit(ctx, patientID, bedID, by)
	if err != nil {
		return Admission{}, fmt.Errorf("admit: %w", err)
	}
	return a, nil
}

func (tx *Tx) admit(ctx context.Context, patientID, bedID, by string) (Admission, error) {
	if _, err := tx.patientBy(ctx, "id", patientID); err != nil {
		return Admission{}, err
	}
	if _, err := tx.currentAdmission(ctx, patientID); err == nil {
		return Admission{}, fmt.Errorf("patient %s: %w", patientID, ErrAlreadyAdmitted)
	} else if !errors.Is(err, ErrNotAdmitted) {
		return Admission{}, err
	}
	if err := tx.bedFree(ctx, bedID); err != nil {
		return Admission{}, err
	}
	now := formatInstant(tx.now())
	if _, err := tx.exec(ctx, `INSERT INTO admissions (id, patient_id, bed_id, admitted_at, admitted_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, NewID(), patientID, bedID, now, by, now); err != nil {
		return Admission{}, occupiedOrAdmitted(bedID, err)
	}
	return tx.currentAdmission(ctx, patientID)
}

// Transfer moves the admitted patient to another free bed.
func (s *Store) Transfer(ctx context.Context, patientID, bedID string) (Admission, error) {
	var a Admission
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.Transfer(ctx, patientID, bedID)
		return err
	})
	return a, err
}

// Transfer is Store.Transfer inside the transaction.
func (tx *Tx) Transfer(ctx context.Context, patientID, bedID string) (Admission, error) {
	a, err := tx.transfer(ctx, patientID, bedID)
	if err != nil {
		return Admission{}, fmt.Errorf("transfer: %w", err)
	}
	return a, nil
}

func (tx *Tx) transfer(ctx context.Context, patientID, bedID string) (Admission, error) {
	cur, err := tx.currentAdmission(ctx, patientID)
	if err != nil {
		return Admission{}, err
	}
	if cur.BedID == bedID {
		return cur, nil
	}
	if err := tx.bedFree(ctx, bedID); err != nil {
		return Admission{}, err
	}
	if _, err := tx.exec(ctx, `UPDATE admissions SET bed_id = ?, updated_at = ? WHERE id = ?`,
		bedID, formatInstant(tx.now()), cur.ID); err != nil {
		return Admission{}, occupiedOrAdmitted(bedID, err)
	}
	return tx.currentAdmission(ctx, patientID)
}

// Discharge ends the patient's active admission and frees the bed.
func (s *Store) Discharge(ctx context.Context, patientID string) (Admission, error) {
	var a Admission
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.Discharge(ctx, patientID)
		return err
	})
	return a, err
}

// Discharge is Store.Discharge inside the transaction.
func (tx *Tx) Discharge(ctx context.Context, patientID string) (Admission, error) {
	cur, err := tx.currentAdmission(ctx, patientID)
	if err != nil {
		return Admission{}, fmt.Errorf("discharge: %w", err)
	}
	now := tx.now()
	if _, err := tx.exec(ctx, `UPDATE admissions SET discharged_at = ?, updated_at = ? WHERE id = ?`,
		formatInstant(now), formatInstant(now), cur.ID); err != nil {
		return Admission{}, fmt.Errorf("discharge: %w", err)
	}
	cur.DischargedAt = &now
	return cur, nil
}

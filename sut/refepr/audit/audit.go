// Package audit is the reference EPR's audit trail vocabulary: the actions
// recorded, an entry (who, what, which patient, when, details) and the query
// an administrator searches the log with.
//
// Every view of a patient record and every change made through the UI is
// written to the audit log (package store keeps it, append-only), in the
// same database transaction as the change. Changes made through the FHIR
// API are written too, under the system user the fhir package names
// (fhir.AuditUser, "fhir-api"), with details saying which FHIR interaction
// made them. Times are
// the clinical clock's, so a fixed clock gives stable audit times in tests.
// The package is pure; values are plain structs the caller owns.
package audit

import (
	"fmt"
	"strings"
	"time"
)

// Action is what a user did. The values are the API's and the store's codes.
type Action string

// The actions recorded.
const (
	ViewRecord      Action = "view-record"
	RegisterPatient Action = "register-patient"
	UpdatePatient   Action = "update-patient"
	BreakGlass      Action = "break-glass"
	ViewNotes       Action = "view-notes"
	DraftNote       Action = "draft-note"
	SignNote        Action = "sign-note"
	AmendNote       Action = "amend-note"
	AccessDenied    Action = "access-denied"

	BookAppointment       Action = "book-appointment"
	RescheduleAppointment Action = "reschedule-appointment"
	CancelAppointment     Action = "cancel-appointment"
	AdmitPatient          Action = "admit-patient"
	TransferPatient       Action = "transfer-patient"
	DischargePatient      Action = "discharge-patient"

	RecordAllergy      Action = "record-allergy"
	UpdateAllergy      Action = "update-allergy"
	ResolveAllergy     Action = "resolve-allergy"
	AllergyInError     Action = "allergy-entered-in-error"
	NoKnownAllergies   Action = "no-known-allergies"
	Prescribe          Action = "prescribe"
	StopMedication     Action = "stop-medication"
	RecordObservations Action = "record-observations"

	ReceiveReferral  Action = "receive-referral"
	UpdateReferral   Action = "update-referral"
	WithdrawReferral Action = "withdraw-referral"
)

// Actions lists every action in the order the UI offers them.
var Actions = []Action{ViewRecord, RegisterPatient, UpdatePatient, BreakGlass, ViewNotes, DraftNote, SignNote, AmendNote, AccessDenied,
	BookAppointment, RescheduleAppointment, CancelAppointment, AdmitPatient, TransferPatient, DischargePatient,
	RecordAllergy, UpdateAllergy, ResolveAllergy, AllergyInError, NoKnownAllergies, Prescribe, StopMedication, RecordObservations,
	ReceiveReferral, UpdateReferral, WithdrawReferral}

var labels = map[Action]string{
	ViewRecord:      "Viewed record",
	RegisterPatient: "Registered patient",
	UpdatePatient:   "Updated patient details",
	BreakGlass:      "Accessed restricted record",
	ViewNotes:       "Viewed clinical notes",
	DraftNote:       "Drafted note",
	SignNote:        "Signed note",
	AmendNote:       "Amended note",
	AccessDenied:    "Access denied",

	BookAppointment:       "Booked appointment",
	RescheduleAppointment: "Rescheduled appointment",
	CancelAppointment:     "Cancelled appointment",
	AdmitPatient:          "Admitted patient",
	TransferPatient:       "Transferred patient",
	DischargePatient:      "Discharged patient",

	RecordAllergy:      "Recorded allergy",
	UpdateAllergy:      "Updated allergy",
	ResolveAllergy:     "Resolved allergy",
	AllergyInError:     "Marked allergy entered in error",
	NoKnownAllergies:   "Recorded no known allergies",
	Prescribe:          "Prescribed medication",
	StopMedication:     "Stopped medication",
	RecordObservations: "Recorded observations",

	ReceiveReferral:  "Received referral",
	UpdateReferral:   "Updated referral",
	WithdrawReferral: "Withdrew referral",
}

// Label is the action as people read it: "Viewed record".
func (a Action) Label() string {
	if l, ok := labels[a]; ok {
		return l
	}
	return string(a)
}

// ParseAction accepts an action code; "" means any action.
func ParseAction(s string) (Action, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if _, ok := labels[Action(s)]; ok {
		return Action(s), nil
	}
	codes := make([]string, len(Actions))
	for i, a := range Actions {
		codes[i] = string(a)
	}
	return "", fmt.Errorf("action %q is not one of %s", s, strings.Join(codes, ", "))
}

// Entry is one line of the audit log.
type Entry struct {
	ID        string    // assigned by the store
	At        time.Time // the clinical clock when it happened
	Username  string    // who
	Action    Action    // what
	PatientID string    // which patient ("" when none)
	NHSNumber string    // the patient's NHS number, ten digits ("" when none)
	Details   string    // e.g. the break-glass reason
}

// Query selects entries; empty fields do not constrain.
type Query struct {
	Username  string
	NHSNumber string // ten digits
	PatientID string
	Action    Action
	// From and To bound the clinical date of an entry, inclusive; zero
	// values do not constrain.
	From, To time.Time
	// Limit caps the entries returned; 0 means MaxResults.
	Limit int
}

// MaxResults caps the entries one search returns.
const MaxResults = 500

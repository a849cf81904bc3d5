package target

import "net/http"

// Registration is a new patient's details as an analyst writes them in a
// registration step. Empty fields are left blank on the form.
type Registration struct {
	NHSNumber    string
	Given        string
	Family       string
	BirthDate    string // as typed: "15/03/1987" or "1987-03-15"
	Sex          string // "Female", "Male", "Other" or "Unknown"
	AddressLine1 string
	AddressLine2 string
	Town         string
	Postcode     string
	GPPractice   string
	Restricted   bool // a sensitive patient whose address is hidden
}

// AuditAction is what an audit entry says a user did, in the harness's
// vocabulary; adapters map it onto their EPR's codes.
type AuditAction string

// The audited actions steps ask about.
const (
	AuditViewRecord      AuditAction = "view-record"
	AuditRegisterPatient AuditAction = "register-patient"
	AuditBreakGlass      AuditAction = "break-glass"
	AuditViewNotes       AuditAction = "view-notes"
	AuditDraftNote       AuditAction = "draft-note"
	AuditSignNote        AuditAction = "sign-note"
	AuditAmendNote       AuditAction = "amend-note"
)

// AuditQuery selects audit entries; empty fields do not constrain.
type AuditQuery struct {
	User      string // username
	NHSNumber string // ten digits
	Action    AuditAction
}

// AuditEntry is one audit log entry as read through an EPR's API.
type AuditEntry struct {
	User      string
	Action    AuditAction
	NHSNumber string
	Details   string
}

// API is how an adapter reaches an EPR's HTTP APIs (beside the browser):
// the client, the EPR's base URL and the credentials of the user to call
// them as.
type API struct {
	HTTP               *http.Client
	BaseURL            string
	Username, Password string
}

// Records covers registration, restricted records and break-glass access,
// clinical notes and the audit log.
type Records interface {
	// RegisterPatient opens the registration form, fills it in and submits
	// it; it returns once the EPR has answered (a record or an error).
	RegisterPatient(ui UI, r Registration) error
	// ExpectNewPatientRecord checks the EPR shows the record of the patient
	// just registered.
	ExpectNewPatientRecord(ui UI, p Patient) error
	// ExpectRegistrationNHSNumberInvalid checks the registration was refused
	// because the NHS number is not valid.
	ExpectRegistrationNHSNumberInvalid(ui UI) error
	// ExpectAlreadyRegistered checks the registration was refused because a
	// patient with the NHS number exists, offering a link to their record.
	ExpectAlreadyRegistered(ui UI, nhsNumber string) error

	// ExpectAddressHidden checks the open record hides (hidden) or shows the
	// patient's address.
	ExpectAddressHidden(ui UI, hidden bool) error
	// BreakGlass opens the restricted record from the open record page,
	// giving the reason, and returns on the record page.
	BreakGlass(ui UI, reason string) error

	// WriteNote saves a draft clinical note for the open patient.
	WriteNote(ui UI, text string) error
	// SignNote signs the most recent note.
	SignNote(ui UI) error
	// AmendNote amends the most recent note with a reason.
	AmendNote(ui UI, text, reason string) error
	// ExpectNoteText checks the most recent note's current text.
	ExpectNoteText(ui UI, text string) error
	// ExpectNoteHistory checks how many versions the most recent note has.
	ExpectNoteHistory(ui UI, versions int) error
	// ExpectNotesDenied tries to open the clinical notes of the open record
	// and checks access is denied.
	ExpectNotesDenied(ui UI) error

	// SearchAuditLog searches the audit log through the UI.
	SearchAuditLog(ui UI, q AuditQuery) error
	// ExpectAuditLogEntry checks the audit log results show an entry.
	ExpectAuditLogEntry(ui UI, user string, action AuditAction) error
	// ExpectAuditLogDenied tries to open the audit log and checks access is
	// denied.
	ExpectAuditLogDenied(ui UI) error
	// AuditEntries reads the audit log through the EPR's API.
	AuditEntries(api API, q AuditQuery) ([]AuditEntry, error)
}

// Package declarative is the target adapter configured by a YAML screen
// map instead of Go code: the map binds each action of target.EPR
// ("sign-in", "search-by-nhs-number", "expect-banner", ...) to a short list
// of generic steps (goto, fill, click, expect-value, ...) whose strings may
// use the action's parameters ({username}, {nhs_number}, {family|upper}).
// docs/testing-your-own-epr.md ("Clinical steps through a screen map") is the format; Params lists each
// action's parameters.
//
// Contract:
//   - Load reads and checks a map. Every problem names the map's file:line
//     and the field; css locators are allowed but listed in Warnings.
//   - Adapter implements target.EPR and target.Binder. An action the map
//     does not bind fails with a harness error naming the map; so does
//     the action a map cannot perform (AuditEntries, which reads an API).
//     BookAs opens a window of its own (target.UI.Another; none offered is
//     a harness error), signs the user in there through sign-in and runs
//     book-as there, leaving the scenario's page as it was; it reports
//     what book-as's one outcome step saw (Load makes book-as have
//     exactly one, and no other action any). The actions that
//     return an appointment (ChooseFirstFreeSlot, Reschedule, BookReferral)
//     return what their read steps read from the page (into: clinic, when,
//     ref); Load makes each read into when. A step whose expectation is not met
//     fails with a plain error saying what was expected (the EPR is to
//     blame); a locator that cannot be used (matching several elements, a
//     parameter that is not a number) is a harness error.
//   - With `session: none` SignIn, ExpectSignedIn and ResumeSignIn do
//     nothing and succeed. ResumeSignIn runs the resume-sign-in steps and
//     reports false when one of its expectations is not met; unbound, it
//     reports false, so the user signs in afresh through sign-in.
//   - Steps act on the scenario's page (target.UI) with Playwright's
//     auto-waiting actions and assertions; nothing sleeps. The adapter
//     opens and closes nothing: the harness owns the browser, context and
//     page (BookAs's second window is the harness's, through UI.Another).
//   - Adapter holds only the read-only Map: it is stateless and safe for
//     concurrent use by parallel scenarios.
//
// Beyond the design's format: a parameter may pass through filters,
// {family|upper} (upper, lower, capitalise, sentence, nhs for 3-3-4,
// digits, plural for "s" unless 1); expect-text takes any LOCATOR (text is
// one), with visible true or false; expect-row may give several columns of
// one row as cells: {COLUMN: VALUE, ...}; wait, expect-value and expect-row
// take within: LOCATOR; accept-dialog may take {prompt: TEXT}; the generic
// idle: DURATION runs the page's clock (bind idle-for to it). A true/false
// or number field may be a parameter ("{visible}", "{count}"). The
// generic read: {LOCATOR, into: clinic|when|ref, format?} reads a value
// into the appointment an action returns and into the parameters of the
// steps after it; the map's when-format (a Go layout) is how the EPR shows
// dates and times, for reads into when and for {when_shown}; read:
// {url: NAME, into: ...} reads a parameter of the page's address instead
// of an element, and goto: "?QUERY" keeps the page's path. The generic
// outcome: {click?, refused, otherwise} waits for either locator (after
// pressing click if it is offered) and records whether refused was
// shown; it belongs to book-as. An action
// may be bound per value of one parameter (by, cases, otherwise; see
// cases), for EPRs that show each banner field in its own way.
package declarative

import (
	"errors"
	"fmt"
	"time"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/target"
)

func init() {
	target.Register("declarative", func(o target.Options) (target.EPR, error) {
		if o.ScreenMap == "" {
			return nil, errors.New("the declarative adapter needs a screen-map: set screen-map (--screen-map FILE) to a YAML screen map")
		}
		m, err := Load(o.ScreenMap)
		if err != nil {
			return nil, err
		}
		return New(m), nil
	})
}

// Adapter implements target.EPR with a screen map.
type Adapter struct {
	m *Map
}

var (
	_ target.EPR    = (*Adapter)(nil)
	_ target.Binder = (*Adapter)(nil)
)

// New returns the adapter for a loaded map.
func New(m *Map) *Adapter { return &Adapter{m: m} }

// Map is the adapter's screen map.
func (a *Adapter) Map() *Map { return a.m }

// Warnings lists what the map does that it should not (css locators),
// each with its file:line, for `eprharness check`.
func (a *Adapter) Warnings() []string { return a.m.Warnings() }

// Name implements target.EPR.
func (a *Adapter) Name() string { return "declarative" }

// Source implements target.Binder: the map's path.
func (a *Adapter) Source() string { return a.m.source }

// Binds implements target.Binder. With session none the session actions
// need no binding; resume-sign-in needs none when sign-in is bound (the
// user then signs in afresh).
func (a *Adapter) Binds(action string) bool {
	if _, ok := a.m.actions[action]; ok {
		return true
	}
	switch action {
	case "sign-in", "expect-signed-in", "resume-sign-in":
		if a.m.Session == "none" {
			return true
		}
		if action == "resume-sign-in" {
			_, ok := a.m.actions["sign-in"]
			return ok
		}
	}
	return false
}

func (a *Adapter) unbound(action string) error {
	return failure.Harness(fmt.Errorf("%s does not bind the action %q", a.m.source, action))
}

func notSupported(action string) error {
	return failure.Harness(fmt.Errorf("the action %q is not supported by the declarative adapter", action))
}

// run performs an action's steps with its parameters.
func (a *Adapter) run(ui target.UI, action string, params map[string]string) error {
	return a.runWithin(ui, action, params, 0)
}

// runWithin is run with a time bound on its waits and expectations (0: the
// run's timeout).
func (a *Adapter) runWithin(ui target.UI, action string, params map[string]string, within time.Duration) error {
	_, err := a.exec(ui, action, params, within)
	return err
}

// runRead runs an action that returns an appointment: the appointment is
// given's fields, replaced by those its read steps read. The map's loader
// makes every binding of such an action read into when.
func (a *Adapter) runRead(ui target.UI, action string, params map[string]string, given target.Appointment) (target.Appointment, error) {
	got, err := a.exec(ui, action, params, 0)
	if err != nil {
		return target.Appointment{}, err
	}
	out := given
	if got.read["clinic"] {
		out.Clinic = got.appt.Clinic
	}
	if got.read["ref"] {
		out.Ref = got.appt.Ref
	}
	if !got.read["when"] {
		return target.Appointment{}, failure.Harness(fmt.Errorf("%s: %s read no date and time (into: when) for the appointment it returns", a.m.source, action))
	}
	out.When = got.appt.When
	return out, nil
}

// exec performs an action's steps on a copy of its parameters (with
// {when_shown} in the map's when-format) and returns what its read steps
// read.
func (a *Adapter) exec(ui target.UI, action string, params map[string]string, within time.Duration) (*readout, error) {
	steps, ok := a.m.actions[action]
	if !ok {
		return nil, a.unbound(action)
	}
	if c := a.m.cases[action]; c != nil {
		if steps, ok = c.pick(params); !ok {
			return nil, failure.Harness(fmt.Errorf("%s binds %s by {%s}, with no case for %q and no otherwise", a.m.source, action, c.by, params[c.by]))
		}
	}
	params = merge(params)
	if w, ok := params["when"]; ok && a.m.WhenFormat != "" {
		if t, err := time.Parse(whenLayout, w); err == nil {
			params["when_shown"] = t.Format(a.m.WhenFormat)
		}
	}
	got := &readout{read: map[string]bool{}}
	r := runner{ui: ui, params: params, within: within, whenFormat: a.m.WhenFormat, got: got}
	for _, s := range steps {
		if err := r.do(s); err != nil {
			return nil, fmt.Errorf("%s (%s %s): %w", action, s.pos, s.kind, err)
		}
	}
	return got, nil
}

// isExpectation reports whether err is an expectation the EPR did not meet
// (not a fault of the map or the harness).
func isExpectation(err error) bool {
	var fe *failure.Error
	return err != nil && !errors.As(err, &fe)
}

// --- Sessions ---

// SignIn implements target.Sessions.
func (a *Adapter) SignIn(ui target.UI, username, password string) error {
	if a.m.Session == "none" {
		return nil
	}
	return a.run(ui, "sign-in", map[string]string{"username": username, "password": password})
}

// ExpectSignedIn implements target.Sessions.
func (a *Adapter) ExpectSignedIn(ui target.UI, displayName, roleTitle string) error {
	if a.m.Session == "none" {
		return nil
	}
	return a.run(ui, "expect-signed-in", map[string]string{"display_name": displayName, "role_title": roleTitle})
}

// ResumeSignIn implements target.Sessions.
func (a *Adapter) ResumeSignIn(ui target.UI, displayName, roleTitle string) (bool, error) {
	if a.m.Session == "none" {
		return true, nil
	}
	if _, ok := a.m.actions["resume-sign-in"]; !ok {
		return false, nil
	}
	err := a.run(ui, "resume-sign-in", map[string]string{"display_name": displayName, "role_title": roleTitle})
	if err == nil {
		return true, nil
	}
	if isExpectation(err) {
		return false, nil
	}
	return false, err
}

// ExpectSignInRefused implements target.Sessions.
func (a *Adapter) ExpectSignInRefused(ui target.UI) error {
	return a.run(ui, "expect-sign-in-refused", nil)
}

// SignOut implements target.Sessions.
func (a *Adapter) SignOut(ui target.UI) error { return a.run(ui, "sign-out", nil) }

// ExpectSignedOut implements target.Sessions.
func (a *Adapter) ExpectSignedOut(ui target.UI) error { return a.run(ui, "expect-signed-out", nil) }

// --- Search ---

// SearchByNHSNumber implements target.Search.
func (a *Adapter) SearchByNHSNumber(ui target.UI, nhs string) error {
	return a.run(ui, "search-by-nhs-number", map[string]string{"nhs_number": nhs})
}

// SearchByName implements target.Search.
func (a *Adapter) SearchByName(ui target.UI, name string) error {
	return a.run(ui, "search-by-name", map[string]string{"name": name})
}

// ExpectResult implements target.Search.
func (a *Adapter) ExpectResult(ui target.UI, p target.Patient) error {
	return a.run(ui, "expect-result", patient(p))
}

// ExpectResultCount implements target.Search.
func (a *Adapter) ExpectResultCount(ui target.UI, n int) error {
	return a.run(ui, "expect-result-count", map[string]string{"count": fmt.Sprint(n)})
}

// ExpectNoPatientFound implements target.Search.
func (a *Adapter) ExpectNoPatientFound(ui target.UI) error {
	return a.run(ui, "expect-no-patient-found", nil)
}

// ExpectInvalidNHSNumber implements target.Search.
func (a *Adapter) ExpectInvalidNHSNumber(ui target.UI) error {
	return a.run(ui, "expect-invalid-nhs-number", nil)
}

// OpenRecord implements target.Search.
func (a *Adapter) OpenRecord(ui target.UI, p target.Patient) error {
	return a.run(ui, "open-record", patient(p))
}

// --- Record ---

// ExpectBanner implements target.Record.
func (a *Adapter) ExpectBanner(ui target.UI, field target.BannerField, value string) error {
	return a.run(ui, "expect-banner", map[string]string{"field": string(field), "value": value})
}

// ExpectClinicalRecord implements target.Record.
func (a *Adapter) ExpectClinicalRecord(ui target.UI, visible bool) error {
	return a.run(ui, "expect-clinical-record", map[string]string{"visible": boolString(visible)})
}

// --- Records ---

// RegisterPatient implements target.Records.
func (a *Adapter) RegisterPatient(ui target.UI, r target.Registration) error {
	return a.run(ui, "register-patient", map[string]string{
		"nhs_number": r.NHSNumber, "given": r.Given, "family": r.Family, "birth_date": r.BirthDate,
		"sex": r.Sex, "address_line1": r.AddressLine1, "address_line2": r.AddressLine2, "town": r.Town,
		"postcode": r.Postcode, "gp_practice": r.GPPractice, "restricted": boolString(r.Restricted),
	})
}

// ExpectNewPatientRecord implements target.Records.
func (a *Adapter) ExpectNewPatientRecord(ui target.UI, p target.Patient) error {
	return a.run(ui, "expect-new-patient-record", patient(p))
}

// ExpectRegistrationNHSNumberInvalid implements target.Records.
func (a *Adapter) ExpectRegistrationNHSNumberInvalid(ui target.UI) error {
	return a.run(ui, "expect-registration-nhs-number-invalid", nil)
}

// ExpectAlreadyRegistered implements target.Records.
func (a *Adapter) ExpectAlreadyRegistered(ui target.UI, nhs string) error {
	return a.run(ui, "expect-already-registered", map[string]string{"nhs_number": nhs})
}

// ExpectAddressHidden implements target.Records.
func (a *Adapter) ExpectAddressHidden(ui target.UI, hidden bool) error {
	return a.run(ui, "expect-address-hidden", map[string]string{"hidden": boolString(hidden)})
}

// BreakGlass implements target.Records.
func (a *Adapter) BreakGlass(ui target.UI, reason string) error {
	return a.run(ui, "break-glass", map[string]string{"reason": reason})
}

// WriteNote implements target.Records.
func (a *Adapter) WriteNote(ui target.UI, text string) error {
	return a.run(ui, "write-note", map[string]string{"text": text})
}

// SignNote implements target.Records.
func (a *Adapter) SignNote(ui target.UI) error { return a.run(ui, "sign-note", nil) }

// AmendNote implements target.Records.
func (a *Adapter) AmendNote(ui target.UI, text, reason string) error {
	return a.run(ui, "amend-note", map[string]string{"text": text, "reason": reason})
}

// ExpectNoteText implements target.Records.
func (a *Adapter) ExpectNoteText(ui target.UI, text string) error {
	return a.run(ui, "expect-note-text", map[string]string{"text": text})
}

// ExpectNoteHistory implements target.Records.
func (a *Adapter) ExpectNoteHistory(ui target.UI, versions int) error {
	return a.run(ui, "expect-note-history", map[string]string{"versions": fmt.Sprint(versions)})
}

// ExpectNotesDenied implements target.Records.
func (a *Adapter) ExpectNotesDenied(ui target.UI) error {
	return a.run(ui, "expect-notes-denied", nil)
}

// SearchAuditLog implements target.Records.
func (a *Adapter) SearchAuditLog(ui target.UI, q target.AuditQuery) error {
	return a.run(ui, "search-audit-log", map[string]string{"user": q.User, "nhs_number": q.NHSNumber, "action": string(q.Action)})
}

// ExpectAuditLogEntry implements target.Records.
func (a *Adapter) ExpectAuditLogEntry(ui target.UI, user string, action target.AuditAction) error {
	return a.run(ui, "expect-audit-log-entry", map[string]string{"user": user, "action": string(action)})
}

// ExpectAuditLogDenied implements target.Records.
func (a *Adapter) ExpectAuditLogDenied(ui target.UI) error {
	return a.run(ui, "expect-audit-log-denied", nil)
}

// AuditEntries implements target.Records: not supported (a screen map
// cannot read an API).
func (a *Adapter) AuditEntries(target.API, target.AuditQuery) ([]target.AuditEntry, error) {
	return nil, notSupported("audit-entries")
}

// --- PatientSearch ---

// SearchByNameAndBirthDate implements target.PatientSearch.
func (a *Adapter) SearchByNameAndBirthDate(ui target.UI, name, birthDate string) error {
	return a.run(ui, "search-by-name-and-birth-date", map[string]string{"name": name, "birth_date": birthDate})
}

// SearchByNHSNumberWithin implements target.PatientSearch: every wait and
// expectation of its steps must be met within d.
func (a *Adapter) SearchByNHSNumberWithin(ui target.UI, nhs string, d time.Duration) error {
	err := a.runWithin(ui, "search-by-nhs-number-within", map[string]string{"nhs_number": nhs, "within": d.String()}, d)
	if isExpectation(err) {
		return fmt.Errorf("the search did not answer within %s: %w", d, err)
	}
	return err
}

// ExpectResultsOnPage implements target.PatientSearch.
func (a *Adapter) ExpectResultsOnPage(ui target.UI, n int) error {
	return a.run(ui, "expect-results-on-page", map[string]string{"count": fmt.Sprint(n)})
}

// ExpectResultsRange implements target.PatientSearch.
func (a *Adapter) ExpectResultsRange(ui target.UI, from, to, total int) error {
	return a.run(ui, "expect-results-range", map[string]string{"from": fmt.Sprint(from), "to": fmt.Sprint(to), "total": fmt.Sprint(total)})
}

// ResultsPage implements target.PatientSearch. {direction} is "next" or
// "previous".
func (a *Adapter) ResultsPage(ui target.UI, next bool) error {
	dir := "previous"
	if next {
		dir = "next"
	}
	return a.run(ui, "results-page", map[string]string{"next": boolString(next), "direction": dir})
}

// ExpectTooManyResults implements target.PatientSearch.
func (a *Adapter) ExpectTooManyResults(ui target.UI) error {
	return a.run(ui, "expect-too-many-results", nil)
}

// --- Operations ---

// OpenAbout implements target.Operations.
func (a *Adapter) OpenAbout(ui target.UI) error { return a.run(ui, "open-about", nil) }

// ExpectAbout implements target.Operations.
func (a *Adapter) ExpectAbout(ui target.UI, fact, value string) error {
	return a.run(ui, "expect-about", map[string]string{"fact": fact, "value": value})
}

// IdleFor implements target.Operations; bind it as `- idle: "{duration}"`.
func (a *Adapter) IdleFor(ui target.UI, d time.Duration) error {
	return a.run(ui, "idle-for", map[string]string{"duration": d.String()})
}

// ExpectSessionWarning implements target.Operations.
func (a *Adapter) ExpectSessionWarning(ui target.UI, text string) error {
	return a.run(ui, "expect-session-warning", map[string]string{"text": text})
}

// StaySignedIn implements target.Operations.
func (a *Adapter) StaySignedIn(ui target.UI) error { return a.run(ui, "stay-signed-in", nil) }

// ExpectSessionEnded implements target.Operations.
func (a *Adapter) ExpectSessionEnded(ui target.UI) error {
	return a.run(ui, "expect-session-ended", nil)
}

// --- Scheduling ---

// ChooseFirstFreeSlot implements target.Appointments: the slot is what the
// steps read (the clinic, unless read, is the one asked for).
func (a *Adapter) ChooseFirstFreeSlot(ui target.UI, p target.Patient, clinic string) (target.Appointment, error) {
	return a.runRead(ui, "choose-first-free-slot", merge(patient(p), map[string]string{"clinic": clinic}), target.Appointment{Clinic: clinic})
}

// ConfirmBooking implements target.Appointments.
func (a *Adapter) ConfirmBooking(ui target.UI) error { return a.run(ui, "confirm-booking", nil) }

// ExpectBooked implements target.Appointments.
func (a *Adapter) ExpectBooked(ui target.UI) error { return a.run(ui, "expect-booked", nil) }

// ExpectBookingRefused implements target.Appointments.
func (a *Adapter) ExpectBookingRefused(ui target.UI) error {
	return a.run(ui, "expect-booking-refused", nil)
}

// BookAs implements target.Appointments: in a browser window of its own
// (target.UI.Another) the user signs in through the map's sign-in, then
// book-as runs there with the patient's and the appointment's parameters;
// its outcome step says whether the EPR refused the booking. The
// scenario's page is not touched.
func (a *Adapter) BookAs(ui target.UI, user target.Credentials, p target.Patient, ap target.Appointment) (bool, error) {
	if _, ok := a.m.actions[outcomeAction]; !ok {
		return false, a.unbound(outcomeAction)
	}
	if ui.Another == nil {
		return false, failure.Harness(errors.New("book as another user: the harness offers no second browser window"))
	}
	other, err := ui.Another()
	if err != nil {
		return false, failure.Harness(fmt.Errorf("book as another user: open a second browser window: %w", err))
	}
	if err := a.SignIn(other, user.Username, user.Password); err != nil {
		return false, fmt.Errorf("book as another user: %w", err)
	}
	got, err := a.exec(other, outcomeAction, merge(patient(p), appointment(ap)), 0)
	if err != nil {
		return false, fmt.Errorf("book as another user: %w", err)
	}
	if !got.decided {
		return false, failure.Harness(fmt.Errorf("%s: %s ran no outcome step", a.m.source, outcomeAction))
	}
	return got.refused, nil
}

// ExpectAppointment implements target.Appointments.
func (a *Adapter) ExpectAppointment(ui target.UI, p target.Patient, clinic string, at time.Time, present bool) error {
	return a.run(ui, "expect-appointment", merge(patient(p), when(at), map[string]string{"clinic": clinic, "present": boolString(present)}))
}

// Reschedule implements target.Appointments: the new slot is what the
// steps read after the parameters of the old one were used (the clinic,
// unless read, is the old one's; so is the ref).
func (a *Adapter) Reschedule(ui target.UI, p target.Patient, ap target.Appointment) (target.Appointment, error) {
	return a.runRead(ui, "reschedule", merge(patient(p), appointment(ap)), target.Appointment{Clinic: ap.Clinic, Ref: ap.Ref})
}

// Cancel implements target.Appointments.
func (a *Adapter) Cancel(ui target.UI, p target.Patient, ap target.Appointment) error {
	return a.run(ui, "cancel", merge(patient(p), appointment(ap)))
}

// KeepAppointment implements target.Appointments.
func (a *Adapter) KeepAppointment(ui target.UI, p target.Patient, ap target.Appointment) error {
	return a.run(ui, "keep-appointment", merge(patient(p), appointment(ap)))
}

// Admit implements target.Admissions.
func (a *Adapter) Admit(ui target.UI, p target.Patient, ward, bed string) error {
	return a.run(ui, "admit", merge(patient(p), map[string]string{"ward": ward, "bed": bed}))
}

// Transfer implements target.Admissions.
func (a *Adapter) Transfer(ui target.UI, p target.Patient, ward, bed string) error {
	return a.run(ui, "transfer", merge(patient(p), map[string]string{"ward": ward, "bed": bed}))
}

// Discharge implements target.Admissions.
func (a *Adapter) Discharge(ui target.UI, p target.Patient) error {
	return a.run(ui, "discharge", patient(p))
}

// ExpectBed implements target.Admissions: with p nil the patient
// parameters are empty and {occupied} is false.
func (a *Adapter) ExpectBed(ui target.UI, ward, bed string, p *target.Patient) error {
	params := map[string]string{"ward": ward, "bed": bed, "occupied": boolString(p != nil)}
	if p != nil {
		params = merge(params, patient(*p))
	} else {
		params = merge(params, patient(target.Patient{}))
	}
	return a.run(ui, "expect-bed", params)
}

// ExpectBedNotOffered implements target.Admissions.
func (a *Adapter) ExpectBedNotOffered(ui target.UI, p target.Patient, ward, bed string) error {
	return a.run(ui, "expect-bed-not-offered", merge(patient(p), map[string]string{"ward": ward, "bed": bed}))
}

// ExpectCannotAdmit implements target.Admissions.
func (a *Adapter) ExpectCannotAdmit(ui target.UI, p target.Patient) error {
	return a.run(ui, "expect-cannot-admit", patient(p))
}

// --- Clinical ---

// RecordAllergy implements target.Clinical.
func (a *Adapter) RecordAllergy(ui target.UI, substance, reaction, severity string) error {
	return a.run(ui, "record-allergy", map[string]string{"substance": substance, "reaction": reaction, "severity": severity})
}

// UpdateAllergy implements target.Clinical.
func (a *Adapter) UpdateAllergy(ui target.UI, substance, reaction, severity string) error {
	return a.run(ui, "update-allergy", map[string]string{"substance": substance, "reaction": reaction, "severity": severity})
}

// ResolveAllergy implements target.Clinical.
func (a *Adapter) ResolveAllergy(ui target.UI, substance string) error {
	return a.run(ui, "resolve-allergy", map[string]string{"substance": substance})
}

// MarkAllergyEnteredInError implements target.Clinical.
func (a *Adapter) MarkAllergyEnteredInError(ui target.UI, substance string) error {
	return a.run(ui, "mark-allergy-entered-in-error", map[string]string{"substance": substance})
}

// RecordNoKnownAllergies implements target.Clinical.
func (a *Adapter) RecordNoKnownAllergies(ui target.UI) error {
	return a.run(ui, "record-no-known-allergies", nil)
}

// ExpectAllergyAlert implements target.Clinical.
func (a *Adapter) ExpectAllergyAlert(ui target.UI, text string) error {
	return a.run(ui, "expect-allergy-alert", map[string]string{"text": text})
}

// Prescribe implements target.Clinical.
func (a *Adapter) Prescribe(ui target.UI, p target.Prescription) error {
	return a.run(ui, "prescribe", map[string]string{"drug": p.Drug, "dose": p.Dose, "route": p.Route, "frequency": p.Frequency})
}

// ExpectAllergyConflict implements target.Clinical.
func (a *Adapter) ExpectAllergyConflict(ui target.UI, drug, allergy string) error {
	return a.run(ui, "expect-allergy-conflict", map[string]string{"drug": drug, "allergy": allergy})
}

// OverrideAllergyWarning implements target.Clinical.
func (a *Adapter) OverrideAllergyWarning(ui target.UI, reason string) error {
	return a.run(ui, "override-allergy-warning", map[string]string{"reason": reason})
}

// ExpectOverrideReasonRequired implements target.Clinical.
func (a *Adapter) ExpectOverrideReasonRequired(ui target.UI) error {
	return a.run(ui, "expect-override-reason-required", nil)
}

// ExpectMedication implements target.Clinical.
func (a *Adapter) ExpectMedication(ui target.UI, drug, status string) error {
	return a.run(ui, "expect-medication", map[string]string{"drug": drug, "status": status})
}

// ExpectNoMedication implements target.Clinical.
func (a *Adapter) ExpectNoMedication(ui target.UI, drug string) error {
	return a.run(ui, "expect-no-medication", map[string]string{"drug": drug})
}

// StopMedication implements target.Clinical.
func (a *Adapter) StopMedication(ui target.UI, drug, reason string) error {
	return a.run(ui, "stop-medication", map[string]string{"drug": drug, "reason": reason})
}

// RecordObservations implements target.Clinical.
func (a *Adapter) RecordObservations(ui target.UI, o target.Observations) error {
	return a.run(ui, "record-observations", map[string]string{
		"respiration_rate": o.RespirationRate, "spo2": o.SpO2, "spo2_scale": o.SpO2Scale,
		"oxygen": boolString(o.Oxygen), "systolic": o.Systolic, "pulse": o.Pulse,
		"consciousness": o.Consciousness, "temperature": o.Temperature,
	})
}

// ExpectNEWS2Score implements target.Clinical.
func (a *Adapter) ExpectNEWS2Score(ui target.UI, score int) error {
	return a.run(ui, "expect-news2-score", map[string]string{"score": fmt.Sprint(score)})
}

// ExpectClinicalResponse implements target.Clinical.
func (a *Adapter) ExpectClinicalResponse(ui target.UI, band string) error {
	return a.run(ui, "expect-clinical-response", map[string]string{"band": band})
}

// ExpectCan implements target.Clinical.
func (a *Adapter) ExpectCan(ui target.UI, action target.ClinicalAction, can bool) error {
	return a.run(ui, "expect-can", map[string]string{"action": string(action), "can": boolString(can)})
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/records"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// recordsPages are the page templates of registration, clinical notes, audit log and break-glass
// (templates/<name>.html).
var recordsPages = []string{"records_register", "records_break_glass", "records_notes", "records_note_amend", "records_audit", "records_users"}

// recordsRoutes adds the UI routes for registration, clinical notes, audit log and break-glass.
//
//	GET, POST /register                                register a patient (receptionist, doctor)
//	GET, POST /patients/{id}/break-glass               access a restricted record with a reason (clinicians)
//	GET, POST /patients/{id}/notes                     read notes; draft a note (doctors, nurses)
//	POST      /patients/{id}/notes/{note}/sign         sign a draft (its author)
//	GET, POST /patients/{id}/notes/{note}/amend        amend a signed note with a reason
//	GET       /audit                                   search the audit log (admin)
//	GET       /api/audit                               the audit log as JSON (admin; session or HTTP Basic)
//	GET       /admin/users                             the users (admin)
func (h *Handler) recordsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /register", h.signedIn(h.registerPage))
	mux.HandleFunc("POST /register", h.signedIn(h.register))
	mux.HandleFunc("GET /patients/{id}/break-glass", h.signedIn(h.breakGlassPage))
	mux.HandleFunc("POST /patients/{id}/break-glass", h.signedIn(h.breakGlass))
	mux.HandleFunc("GET /patients/{id}/notes", h.signedIn(h.notesPage))
	mux.HandleFunc("POST /patients/{id}/notes", h.signedIn(h.draftNote))
	mux.HandleFunc("POST /patients/{id}/notes/{note}/sign", h.signedIn(h.signNote))
	mux.HandleFunc("GET /patients/{id}/notes/{note}/amend", h.signedIn(h.amendNotePage))
	mux.HandleFunc("POST /patients/{id}/notes/{note}/amend", h.signedIn(h.amendNote))
	mux.HandleFunc("GET /audit", h.signedIn(h.auditPage))
	mux.HandleFunc("GET /api/audit", h.auditAPI)
	mux.HandleFunc("GET /admin/users", h.signedIn(h.usersPage))
}

// displayTime is how the records pages show an instant: "01-Jun-2026 09:30".
func displayTime(t time.Time) string { return t.UTC().Format("02-Jan-2006 15:04") }

// recordsView is what the record page shows of the restricted record,
// break-glass access and notes (template "record-records").
type recordsView struct {
	PatientID     string
	Restricted    bool // the patient is flagged sensitive
	AddressHidden bool // ... and this user may not see the address
	CanBreakGlass bool // ... but, as a clinician, may break the glass
	BrokeGlass    bool // this session broke the glass for the patient
	ShowNotes     bool
}

// sessionKey is the store's key of the request's sign-in session.
func sessionKey(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return store.SessionKey(c.Value)
}

// access works out what u may see of p's restricted record.
func (h *Handler) access(r *http.Request, u auth.User, p patient.Patient) (onTeam, brokeGlass bool, err error) {
	if !p.Sensitive {
		return false, false, nil
	}
	if onTeam, err = h.store.OnCareTeam(r.Context(), p.ID, u.Username); err != nil {
		return false, false, err
	}
	if key := sessionKey(r); key != "" {
		if brokeGlass, err = h.store.BrokeGlass(r.Context(), key, p.ID); err != nil {
			return false, false, err
		}
	}
	return onTeam, brokeGlass, nil
}

// recordAccess writes the audit entry of a record view and returns what the
// record page shows of the areas of this file.
func (h *Handler) recordAccess(r *http.Request, u auth.User, p patient.Patient) (recordsView, error) {
	onTeam, brokeGlass, err := h.access(r, u, p)
	if err != nil {
		return recordsView{}, fmt.Errorf("record access: %w", err)
	}
	v := recordsView{
		PatientID:     p.ID,
		Restricted:    p.Sensitive,
		AddressHidden: !records.AddressVisible(p, onTeam, brokeGlass),
		BrokeGlass:    p.Sensitive && brokeGlass && !onTeam,
		ShowNotes:     u.Role.CanReadNotes(),
	}
	v.CanBreakGlass = v.AddressHidden && u.Role.CanBreakGlass()
	details := ""
	if v.BrokeGlass {
		details = "restricted record, break-glass access"
	}
	if err := h.audit(r, u, audit.ViewRecord, p, details); err != nil {
		return recordsView{}, fmt.Errorf("record access: %w", err)
	}
	return v, nil
}

// audit appends an entry about p (the zero patient for none).
func (h *Handler) audit(r *http.Request, u auth.User, action audit.Action, p patient.Patient, details string) error {
	return h.store.AppendAudit(r.Context(), &audit.Entry{
		At: h.now(), Username: u.Username, Action: action,
		PatientID: p.ID, NHSNumber: p.NHSNumber.String(), Details: details,
	})
}

// denied shows the access-denied page (403).
func (h *Handler) denied(w http.ResponseWriter, r *http.Request, u auth.User, why string) {
	h.render(w, r, http.StatusForbidden, "message", view{
		Title: "Access denied", User: &u,
		Page: messagePage{Heading: "Access denied", Paragraphs: []string{why}, ShowSearchLink: true},
	})
}

// noPermission shows the page (403) for a role that cannot do this: "Your
// role (...) cannot " what.
func (h *Handler) noPermission(w http.ResponseWriter, r *http.Request, u auth.User, what string) {
	h.render(w, r, http.StatusForbidden, "message", view{
		Title: "You do not have permission", User: &u,
		Page: messagePage{
			Heading:        "You do not have permission to do this",
			Paragraphs:     []string{"Your role (" + u.RoleTitle + ") cannot " + what},
			ShowSearchLink: true,
		},
	})
}

// parsePostForm parses a POST's form (up to 64 KiB), answering 400 itself
// and returning false when it cannot; other methods pass untouched.
func parsePostForm(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad request", http.StatusBadRequest)
		return false
	}
	return true
}

// patientOr404 loads the patient of the {id} path value, answering the
// request itself (not found, or a failure) when it returns false.
func (h *Handler) patientOr404(w http.ResponseWriter, r *http.Request, u auth.User) (patient.Patient, bool) {
	p, err := h.store.Patient(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusNotFound, "message", view{
			Title: "Patient not found", User: &u,
			Page: messagePage{Heading: "Patient not found", Paragraphs: []string{"There is no patient record at this address."}, ShowSearchLink: true},
		})
		return patient.Patient{}, false
	}
	if err != nil {
		h.fail(w, r, err)
		return patient.Patient{}, false
	}
	return p, true
}

// parseForm reads a small form body, answering 400 itself on failure.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad request", http.StatusBadRequest)
		return false
	}
	return true
}

// --- form fields ---

// formField is one labelled input with its hint and error (template
// "records-field").
type formField struct {
	ID, Name, Label, Hint, Value, Error string
	Type, Autocomplete, InputMode       string
	Textarea                            bool
	// Unlabelled shows Label as plain text, not tied to the field: only
	// the defect a11y-unlabelled-field sets it.
	Unlabelled bool
}

// errorLink is a line of an error summary, linking to its field.
type errorLink struct {
	Href, Message string
	// Link, when set, is a further link after the message (e.g. to the
	// record of a patient who is already registered).
	Link, LinkText string
}

// --- registration ---

type registerPage struct {
	Fields     []formField // text fields, in form order, before Sex
	Address    []formField // after Sex
	Sex        string
	SexError   string
	SexID      string // prefix of the sex group's ids
	Sexes      []sexOption
	Restricted bool
	Errors     []errorLink
	NHSFieldID string
}

type sexOption struct{ ID, Value, Label string }

// build fills the page from the form's values and problems. With
// unlabelled (the defect a11y-unlabelled-field) "Address line 2" loses its
// label.
func (p *registerPage) build(f records.Registration, errs records.Errors, unlabelled bool) {
	ids := map[string]string{}
	field := func(name, label, hint, value, autocomplete string) formField {
		ids[name] = newID("reg-" + name)
		return formField{ID: ids[name], Name: name, Label: label, Hint: hint, Value: value, Error: errs.For(name), Type: "text", Autocomplete: autocomplete}
	}
	nhs := field(records.FieldNHSNumber, "NHS number", "10 digits, for example 999 000 0018", f.NHSNumber, "off")
	nhs.InputMode = "numeric"
	p.Fields = []formField{
		nhs,
		field(records.FieldGiven, "Given name", "", f.Given, "off"),
		field(records.FieldFamily, "Family name", "", f.Family, "off"),
		field(records.FieldBirthDate, "Date of birth", "For example, 15/03/1987", f.BirthDate, "off"),
	}
	address2 := field(records.FieldAddress2, "Address line 2 (optional)", "", f.AddressLine2, "off")
	address2.Unlabelled = unlabelled
	p.Address = []formField{
		field(records.FieldAddress1, "Address line 1", "", f.AddressLine1, "off"),
		address2,
		field(records.FieldTown, "Town or city (optional)", "", f.Town, "off"),
		field(records.FieldPostcode, "Postcode", "", f.Postcode, "off"),
		field(records.FieldGPPractice, "GP practice (optional)", "The practice the patient is registered with", f.GPPractice, "off"),
	}
	p.Sex, p.SexError, p.Restricted = f.Sex, errs.For(records.FieldSex), f.Restricted
	p.SexID = newID("reg-sex")
	for _, g := range []patient.Gender{patient.Female, patient.Male, patient.Other, patient.Unknown} {
		p.Sexes = append(p.Sexes, sexOption{ID: newID("reg-sex-" + string(g)), Value: string(g), Label: g.Label()})
	}
	ids[records.FieldSex] = p.Sexes[0].ID
	p.NHSFieldID = ids[records.FieldNHSNumber]
	for _, e := range errs {
		p.Errors = append(p.Errors, errorLink{Href: "#" + ids[e.Field], Message: e.Message})
	}
}

// unlabelledField reports whether the registration form about to be shown
// loses a label (defect a11y-unlabelled-field). Every showing of the form
// is a point where the defect applies.
func (h *Handler) unlabelledField(r *http.Request) bool {
	return h.defects.Fires(r.Context(), defects.A11yUnlabelledField, true)
}

func (h *Handler) registerPage(w http.ResponseWriter, r *http.Request, u auth.User) {
	if !u.Role.CanRegisterPatients() {
		h.denied(w, r, u, "You do not have permission to register patients.")
		return
	}
	var p registerPage
	p.build(records.Registration{}, nil, h.unlabelledField(r))
	h.render(w, r, http.StatusOK, "records_register", view{Title: "Register a patient", User: &u, Nav: "register", Page: p})
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request, u auth.User) {
	if !u.Role.CanRegisterPatients() {
		h.denied(w, r, u, "You do not have permission to register patients.")
		return
	}
	if !parseForm(w, r) {
		return
	}
	f := records.Registration{
		Given: r.PostForm.Get(records.FieldGiven), Family: r.PostForm.Get(records.FieldFamily),
		BirthDate: r.PostForm.Get(records.FieldBirthDate), Sex: r.PostForm.Get(records.FieldSex),
		AddressLine1: r.PostForm.Get(records.FieldAddress1), AddressLine2: r.PostForm.Get(records.FieldAddress2),
		Town: r.PostForm.Get(records.FieldTown), Postcode: r.PostForm.Get(records.FieldPostcode),
		GPPractice: r.PostForm.Get(records.FieldGPPractice), NHSNumber: r.PostForm.Get(records.FieldNHSNumber),
		Restricted: r.PostForm.Get(records.FieldRestricted) != "",
	}
	refuse := func(errs records.Errors, extra ...errorLink) {
		var page registerPage
		page.build(f, errs, h.unlabelledField(r))
		page.Errors = append(page.Errors, extra...)
		h.render(w, r, http.StatusUnprocessableEntity, "records_register",
			view{Title: "Register a patient", HasError: true, User: &u, Nav: "register", Page: page})
	}
	p, errs := records.Validate(f, patient.DateOf(h.now()), false)
	if len(errs) > 0 {
		// The defect applies when a wrong check digit is all that is wrong.
		lp, lerrs := records.Validate(f, patient.DateOf(h.now()), true)
		if h.defects.Fires(r.Context(), defects.NHSCheckDigit, len(lerrs) == 0) {
			p, errs = lp, nil
		}
	}
	if len(errs) > 0 {
		refuse(errs)
		return
	}
	var existing patient.Patient
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		existing, err = tx.PatientByNHSNumber(r.Context(), p.NHSNumber)
		if err == nil {
			return store.ErrDuplicate
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.CreatePatient(r.Context(), &p); err != nil {
			return err
		}
		// The registering user has a legitimate relationship.
		if err := tx.AddToCareTeam(r.Context(), p.ID, u.Username); err != nil {
			return err
		}
		details := ""
		if p.Sensitive {
			details = "restricted record"
		}
		return tx.AppendAudit(r.Context(), &audit.Entry{At: h.now(), Username: u.Username, Action: audit.RegisterPatient,
			PatientID: p.ID, NHSNumber: p.NHSNumber.String(), Details: details})
	})
	if errors.Is(err, store.ErrDuplicate) {
		msg := fmt.Sprintf("A patient with NHS number %s is already registered", p.NHSNumber.Formatted())
		var page registerPage
		page.build(f, records.Errors{{Field: records.FieldNHSNumber, Message: msg}}, h.unlabelledField(r))
		link := errorLink{Href: "#" + page.NHSFieldID, Message: msg}
		if existing.ID != "" {
			link.Link, link.LinkText = "/patients/"+existing.ID, "View the record of "+existing.DisplayName()
		}
		page.Errors = []errorLink{link}
		h.render(w, r, http.StatusConflict, "records_register",
			view{Title: "Register a patient", HasError: true, User: &u, Nav: "register", Page: page})
		return
	}
	if err != nil {
		h.fail(w, r, fmt.Errorf("register patient: %w", err))
		return
	}
	h.log.InfoContext(r.Context(), "patient registered", "username", u.Username, "patient", p.ID)
	h.flash(w, "Patient registered")
	http.Redirect(w, r, "/patients/"+p.ID, http.StatusSeeOther)
}

// --- break-glass ---

type breakGlassPage struct {
	Patient patient.Patient
	Banner  patientBanner // the full banner: see banner.go on restricted records
	Reason  formField
	Errors  []errorLink
}

func (h *Handler) breakGlassAllowed(w http.ResponseWriter, r *http.Request, u auth.User) (patient.Patient, bool) {
	p, ok := h.patientOr404(w, r, u)
	if !ok {
		return p, false
	}
	if !u.Role.CanBreakGlass() {
		h.denied(w, r, u, "Only clinicians can access a restricted record.")
		return p, false
	}
	if !p.Sensitive {
		http.Redirect(w, r, "/patients/"+p.ID, http.StatusSeeOther)
		return p, false
	}
	return p, true
}

func (h *Handler) renderBreakGlass(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, reason, errMsg string) {
	b, err := h.banner(r.Context(), u, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := breakGlassPage{Patient: p, Banner: b,
		Reason: formField{ID: newID("break-glass-reason"), Name: "reason", Label: "Reason for access",
			Hint: "For example, emergency treatment: the patient is unconscious", Value: reason, Error: errMsg, Textarea: true}}
	status := http.StatusOK
	if errMsg != "" {
		page.Errors = []errorLink{{Href: "#" + page.Reason.ID, Message: errMsg}}
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "records_break_glass", view{Title: "Access restricted record", HasError: errMsg != "", User: &u, Page: page})
}

func (h *Handler) breakGlassPage(w http.ResponseWriter, r *http.Request, u auth.User) {
	p, ok := h.breakGlassAllowed(w, r, u)
	if !ok {
		return
	}
	h.renderBreakGlass(w, r, u, p, "", "")
}

func (h *Handler) breakGlass(w http.ResponseWriter, r *http.Request, u auth.User) {
	p, ok := h.breakGlassAllowed(w, r, u)
	if !ok || !parseForm(w, r) {
		return
	}
	reason, err := records.CheckReason(r.PostForm.Get("reason"))
	if err != nil {
		h.renderBreakGlass(w, r, u, p, r.PostForm.Get("reason"), "Enter the reason for accessing this restricted record")
		return
	}
	key := sessionKey(r)
	if key == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err := h.store.GrantBreakGlass(r.Context(), key, p.ID, u.Username, reason); err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.defects.Fires(r.Context(), defects.BreakGlassUnaudited, true) {
		if err := h.audit(r, u, audit.BreakGlass, p, reason); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.log.InfoContext(r.Context(), "break-glass access", "username", u.Username, "patient", p.ID)
	http.Redirect(w, r, "/patients/"+p.ID, http.StatusSeeOther)
}

// --- clinical notes ---

type noteView struct {
	ID          string
	Number      int // 1 is the oldest note
	Status      string
	Draft       bool
	Amended     bool
	Body        string
	By          string
	When        string
	CanSign     bool
	CanAmend    bool
	History     []noteVersionView
	HistoryNote string // "1 version", "2 versions"
}

type noteVersionView struct {
	Version int
	Body    string
	By      string
	When    string
	Reason  string
}

type notesPage struct {
	Patient  patient.Patient
	Banner   patientBanner
	CanWrite bool
	Draft    formField
	Errors   []errorLink
	Notes    []noteView
}

func toNoteView(n records.Note, number int, u auth.User) noteView {
	cur := n.Current()
	v := noteView{
		ID: n.ID, Number: number, Draft: n.Status == records.Draft, Amended: n.Amended(),
		Body: cur.Body, By: cur.AuthorName, When: displayTime(cur.RecordedAt),
		CanSign:  records.CanSign(n, u.Username) == nil && u.Role.CanWriteNotes(),
		CanAmend: n.Status == records.Signed && u.Role.CanWriteNotes(),
	}
	switch {
	case v.Draft:
		v.Status = "Draft"
	case v.Amended:
		v.Status = "Signed, amended"
	default:
		v.Status = "Signed"
	}
	for _, ver := range n.History() {
		v.History = append(v.History, noteVersionView{Version: ver.Version, Body: ver.Body, By: ver.AuthorName, When: displayTime(ver.RecordedAt), Reason: ver.Reason})
	}
	v.HistoryNote = "1 version"
	if len(n.Versions) != 1 {
		v.HistoryNote = fmt.Sprintf("%d versions", len(n.Versions))
	}
	return v
}

// notesAllowed loads the patient and checks u may read notes; a refusal is
// answered (and audited) here.
func (h *Handler) notesAllowed(w http.ResponseWriter, r *http.Request, u auth.User, write bool) (patient.Patient, bool) {
	p, ok := h.patientOr404(w, r, u)
	if !ok {
		return p, false
	}
	allowed := u.Role.CanReadNotes() || h.defects.Fires(r.Context(), defects.ReceptionistNotes, u.Role == auth.Receptionist && !write)
	if write {
		allowed = u.Role.CanWriteNotes()
	}
	if !allowed {
		if err := h.audit(r, u, audit.AccessDenied, p, "clinical notes"); err != nil {
			h.fail(w, r, err)
			return p, false
		}
		h.denied(w, r, u, "You do not have permission to see clinical notes.")
		return p, false
	}
	return p, true
}

func (h *Handler) renderNotes(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, draft, errMsg string) {
	notes, err := h.store.Notes(r.Context(), p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := h.banner(r.Context(), u, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := notesPage{Patient: p, Banner: b, CanWrite: u.Role.CanWriteNotes(),
		Draft: formField{ID: newID("new-note"), Name: "note", Label: "Note", Value: draft, Error: errMsg, Textarea: true}}
	for i, n := range notes {
		page.Notes = append(page.Notes, toNoteView(n, len(notes)-i, u))
	}
	status := http.StatusOK
	if errMsg != "" {
		page.Errors = []errorLink{{Href: "#" + page.Draft.ID, Message: errMsg}}
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "records_notes", view{Title: "Clinical notes – " + p.DisplayName(), HasError: errMsg != "", User: &u, Page: page})
}

func (h *Handler) notesPage(w http.ResponseWriter, r *http.Request, u auth.User) {
	p, ok := h.notesAllowed(w, r, u, false)
	if !ok {
		return
	}
	if err := h.audit(r, u, audit.ViewNotes, p, ""); err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderNotes(w, r, u, p, "", "")
}

func (h *Handler) draftNote(w http.ResponseWriter, r *http.Request, u auth.User) {
	p, ok := h.notesAllowed(w, r, u, true)
	if !ok || !parseForm(w, r) {
		return
	}
	body, err := records.CheckBody(r.PostForm.Get("note"))
	if err != nil {
		h.renderNotes(w, r, u, p, r.PostForm.Get("note"), "Enter the note")
		return
	}
	n := records.Note{PatientID: p.ID, CreatedBy: u.Username,
		Versions: []records.NoteVersion{{Body: body, Author: u.Username, AuthorName: u.DisplayName}}}
	err = h.store.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.CreateNote(r.Context(), &n); err != nil {
			return err
		}
		return tx.AppendAudit(r.Context(), &audit.Entry{At: h.now(), Username: u.Username, Action: audit.DraftNote,
			PatientID: p.ID, NHSNumber: p.NHSNumber.String(), Details: "note " + n.ID})
	})
	if err != nil {
		h.fail(w, r, fmt.Errorf("draft note: %w", err))
		return
	}
	h.flash(w, "Draft note saved")
	http.Redirect(w, r, "/patients/"+p.ID+"/notes", http.StatusSeeOther)
}

// loadNote reads the {note} of the patient inside tx.
func loadNote(r *http.Request, tx *store.Tx, p patient.Patient) (records.Note, error) {
	n, err := tx.Note(r.Context(), r.PathValue("note"))
	if err != nil {
		return n, err
	}
	if n.PatientID != p.ID {
		return records.Note{}, fmt.Errorf("note %s: %w", n.ID, store.ErrNotFound)
	}
	return n, nil
}

func (h *Handler) signNote(w http.ResponseWriter, r *http.Request, u auth.User) {
	p, ok := h.notesAllowed(w, r, u, true)
	if !ok {
		return
	}
	var rule error
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		n, err := loadNote(r, tx, p)
		if err != nil {
			return err
		}
		if rule = records.CanSign(n, u.Username); rule != nil {
			return nil
		}
		if err := tx.SignNote(r.Context(), n.ID); err != nil {
			return err
		}
		return tx.AppendAudit(r.Context(), &audit.Entry{At: h.now(), Username: u.Username, Action: audit.SignNote,
			PatientID: p.ID, NHSNumber: p.NHSNumber.String(), Details: "note " + n.ID})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.notFound(w, r)
	case err != nil:
		h.fail(w, r, fmt.Errorf("sign note: %w", err))
	case rule != nil:
		h.renderNotes(w, r, u, p, "", "The note cannot be signed: "+rule.Error())
	default:
		h.flash(w, "Note signed")
		http.Redirect(w, r, "/patients/"+p.ID+"/notes", http.StatusSeeOther)
	}
}

type amendPage struct {
	Patient patient.Patient
	Banner  patientBanner
	NoteID  string
	Current string
	Body    formField
	Reason  formField
	Errors  []errorLink
}

func (h *Handler) renderAmend(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, n records.Note, body, reason string, errs records.Errors) {
	b, err := h.banner(r.Context(), u, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := amendPage{Patient: p, Banner: b, NoteID: n.ID, Current: n.Current().Body,
		Body:   formField{ID: newID("amend-body"), Name: "note", Label: "Amended note", Value: body, Error: errs.For("note"), Textarea: true},
		Reason: formField{ID: newID("amend-reason"), Name: "reason", Label: "Reason for amendment", Hint: "For example, wrong dose recorded", Value: reason, Error: errs.For("reason"), Type: "text", Autocomplete: "off"}}
	for _, e := range errs {
		id := map[string]string{"note": "#" + page.Body.ID, "reason": "#" + page.Reason.ID}[e.Field]
		page.Errors = append(page.Errors, errorLink{Href: id, Message: e.Message})
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "records_note_amend", view{Title: "Amend note – " + p.DisplayName(), HasError: len(errs) > 0, User: &u, Page: page})
}

// signedNote loads the {note} for amendment, answering the request itself
// when it returns false.
func (h *Handler) signedNote(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) (records.Note, bool) {
	var n records.Note
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		n, err = loadNote(r, tx, p)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.notFound(w, r)
		return n, false
	case err != nil:
		h.fail(w, r, err)
		return n, false
	case n.Status != records.Signed:
		h.renderNotes(w, r, u, p, "", "The note cannot be amended: "+records.ErrNotSigned.Error())
		return n, false
	}
	return n, true
}

func (h *Handler) amendNotePage(w http.ResponseWriter, r *http.Request, u auth.User) {
	p, ok := h.notesAllowed(w, r, u, true)
	if !ok {
		return
	}
	n, ok := h.signedNote(w, r, u, p)
	if !ok {
		return
	}
	h.renderAmend(w, r, u, p, n, n.Current().Body, "", nil)
}

func (h *Handler) amendNote(w http.ResponseWriter, r *http.Request, u auth.User) {
	p, ok := h.notesAllowed(w, r, u, true)
	if !ok || !parseForm(w, r) {
		return
	}
	n, ok := h.signedNote(w, r, u, p)
	if !ok {
		return
	}
	rawBody, rawReason := r.PostForm.Get("note"), r.PostForm.Get("reason")
	body, reason, err := records.CheckAmendment(n, rawBody, rawReason)
	if err != nil {
		var errs records.Errors
		switch {
		case errors.Is(err, records.ErrNoteEmpty):
			errs = append(errs, records.FieldError{Field: "note", Message: "Enter the amended note"})
		case errors.Is(err, records.ErrNoteUnchanged):
			errs = append(errs, records.FieldError{Field: "note", Message: "Change the note to amend it"})
		default:
			errs = append(errs, records.FieldError{Field: "reason", Message: "Enter the reason for the amendment"})
		}
		h.renderAmend(w, r, u, p, n, rawBody, rawReason, errs)
		return
	}
	v := records.NoteVersion{Body: body, Author: u.Username, AuthorName: u.DisplayName, Reason: reason}
	err = h.store.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.AmendNote(r.Context(), n, &v); err != nil {
			return err
		}
		return tx.AppendAudit(r.Context(), &audit.Entry{At: h.now(), Username: u.Username, Action: audit.AmendNote,
			PatientID: p.ID, NHSNumber: p.NHSNumber.String(), Details: "note " + n.ID + ": " + reason})
	})
	if err != nil {
		h.fail(w, r, fmt.Errorf("amend note: %w", err))
		return
	}
	h.flash(w, "Note amended")
	http.Redirect(w, r, "/patients/"+p.ID+"/notes", http.StatusSeeOther)
}

// --- users ---

type usersPage struct{ Users []store.User }

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, u auth.User) {
	if !u.Role.CanManageUsers() {
		h.denied(w, r, u, "Only administrators can manage users.")
		return
	}
	users, err := h.store.Users(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "records_users", view{Title: "Users", User: &u, Nav: "users", Page: usersPage{Users: users}})
}

// trimmed returns the trimmed query value.
func trimmed(r *http.Request, key string) string { return strings.TrimSpace(r.URL.Query().Get(key)) }

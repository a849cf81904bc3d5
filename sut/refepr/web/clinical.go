package web

// The clinical area of the UI: allergies and intolerances (with the banner's
// allergy alert), medications (prescribing with the allergy hard stop, and
// stopping with a confirmation) and vital signs with NEWS2.
//
// Permissions: doctors do everything here; nurses record allergies and
// observations but cannot prescribe or stop medications; receptionists,
// administrators and GP-practice users see none of it (403).
//
// Every write is a POST that redirects back to the record (303) with a
// notice, so a reload never repeats it.
//
// Records loaded through the FHIR API may hold what the forms do not ask
// for: an allergy without a reaction or severity (shown as "Not recorded",
// and "Penicillin (reaction not recorded)" in the banner's alert) and a
// prescription whose dosage is free text or absent (shown across the dose,
// route and frequency columns, or "No dosage recorded"). Updating such an
// allergy in the form asks for the reaction and severity.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/clinical/medication"
	"github.com/eprharness/eprharness/sut/refepr/clinical/news2"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// clinicalPages are the page templates of allergies, medications, observations and NEWS2
// (templates/<name>.html).
var clinicalPages = []string{"clinical_allergy", "clinical_prescribe", "clinical_stop", "clinical_observations"}

// clinicalRoutes adds the UI routes for allergies, medications, observations and NEWS2.
func (h *Handler) clinicalRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /patients/{id}/allergies/new", h.signedIn(h.clinical(canRecordAllergies, h.newAllergy)))
	mux.HandleFunc("POST /patients/{id}/allergies", h.signedIn(h.clinical(canRecordAllergies, h.createAllergy)))
	mux.HandleFunc("POST /patients/{id}/allergies/none", h.signedIn(h.clinical(canRecordAllergies, h.noKnownAllergies)))
	mux.HandleFunc("GET /patients/{id}/allergies/{aid}/edit", h.signedIn(h.clinical(canRecordAllergies, h.editAllergy)))
	mux.HandleFunc("POST /patients/{id}/allergies/{aid}", h.signedIn(h.clinical(canRecordAllergies, h.updateAllergy)))
	mux.HandleFunc("POST /patients/{id}/allergies/{aid}/resolve", h.signedIn(h.clinical(canRecordAllergies, h.allergyStatus(allergy.Resolved))))
	mux.HandleFunc("POST /patients/{id}/allergies/{aid}/entered-in-error", h.signedIn(h.clinical(canRecordAllergies, h.allergyStatus(allergy.EnteredInError))))
	mux.HandleFunc("GET /patients/{id}/medications/new", h.signedIn(h.clinical(canPrescribe, h.newPrescription)))
	mux.HandleFunc("POST /patients/{id}/medications", h.signedIn(h.clinical(canPrescribe, h.prescribe)))
	mux.HandleFunc("GET /patients/{id}/medications/{mid}/stop", h.signedIn(h.clinical(canPrescribe, h.confirmStop)))
	mux.HandleFunc("POST /patients/{id}/medications/{mid}/stop", h.signedIn(h.clinical(canPrescribe, askFirstClinical(h.confirmStop, h.stopPrescription))))
	mux.HandleFunc("GET /patients/{id}/observations/new", h.signedIn(h.clinical(canRecordObservations, h.newObservations)))
	mux.HandleFunc("POST /patients/{id}/observations", h.signedIn(h.clinical(canRecordObservations, h.recordObservations)))
}

// The clinical permissions.
func canRecordAllergies(r auth.Role) bool    { return r == auth.Doctor || r == auth.Nurse }
func canPrescribe(r auth.Role) bool          { return r == auth.Doctor }
func canRecordObservations(r auth.Role) bool { return r == auth.Doctor || r == auth.Nurse }

// clinicalRecord is the record page's clinical data (partial
// record-clinical) and the banner's allergy alert.
type clinicalRecord struct {
	Show      bool
	PatientID string
	// AllergyAlert is the banner's alert; "" leaves it out (roles without
	// clinical access).
	AllergyAlert          string
	Allergies             []allergy.Allergy // substance entries, every status
	NoKnownAllergies      *allergy.Allergy  // the active assertion, if any
	Prescriptions         []medication.Prescription
	Observations          []observationRow // newest first
	Latest                *news2Panel
	Results               resultsView // single observations (clinical_results.go)
	Notice                string
	CanRecordAllergies    bool
	CanRecordNKA          bool
	CanPrescribe          bool
	CanRecordObservations bool
}

type observationRow struct {
	store.ObservationSet
	Temperature string
	Scale       string
	Air         string
	ACVPU       string
}

// news2Panel is an assessment as the record shows it.
type news2Panel struct {
	Total      int
	Risk       string // "High"
	Band       string // "high"
	Trigger    string
	Monitoring string
	Response   []string
}

// notices are the confirmations shown after a write (?done=key).
var notices = map[string]string{
	"allergy":          "Allergy recorded",
	"allergy-updated":  "Allergy updated",
	"allergy-resolved": "Allergy resolved",
	"allergy-error":    "Allergy marked as entered in error",
	"nka":              "No known allergies recorded",
	"prescribed":       "Medication prescribed",
	"stopped":          "Medication stopped",
	"observations":     "Observations recorded",
}

// allergyAlert is the banner's alert for the entries, or "" when the
// allergy-alert-stale defect hides it after an update.
func (h *Handler) allergyAlert(ctx context.Context, entries []allergy.Allergy) string {
	updated := false
	for _, a := range entries {
		updated = updated || a.Updated
	}
	alert := allergy.Alert(entries)
	if h.defects.Fires(ctx, defects.AllergyAlertStale, updated && alert != "") {
		return ""
	}
	return alert
}

// loadClinicalRecord reads what the record page shows of the clinical area
// to the user.
func (h *Handler) loadClinicalRecord(r *http.Request, p patient.Patient, u auth.User) (clinicalRecord, error) {
	c := clinicalRecord{PatientID: p.ID}
	if !u.Role.CanSeeClinicalRecord() {
		return c, nil
	}
	ctx := r.Context()
	entries, err := h.store.Allergies(ctx, p.ID)
	if err != nil {
		return c, fmt.Errorf("load clinical record: %w", err)
	}
	if c.Prescriptions, err = h.store.Prescriptions(ctx, p.ID); err != nil {
		return c, fmt.Errorf("load clinical record: %w", err)
	}
	sets, err := h.store.ObservationSets(ctx, p.ID)
	if err != nil {
		return c, fmt.Errorf("load clinical record: %w", err)
	}
	c.Show = true
	c.AllergyAlert = h.allergyAlert(r.Context(), entries)
	for i, a := range entries {
		switch {
		case a.Kind == allergy.Substance:
			c.Allergies = append(c.Allergies, a)
		case a.Status == allergy.Active:
			c.NoKnownAllergies = &entries[i]
		}
	}
	c.CanRecordAllergies = canRecordAllergies(u.Role)
	c.CanRecordNKA = c.CanRecordAllergies && c.NoKnownAllergies == nil && len(allergy.ActiveAllergies(entries)) == 0
	c.CanPrescribe = canPrescribe(u.Role)
	c.CanRecordObservations = canRecordObservations(u.Role)
	for _, s := range sets {
		c.Observations = append(c.Observations, observationView(s))
	}
	if len(sets) > 0 {
		c.Latest = panelFor(sets[0].Total, h.assess(r.Context(), sets[0].Vitals))
	}
	if c.Results, err = h.loadResults(ctx, p.ID); err != nil {
		return c, fmt.Errorf("load clinical record: %w", err)
	}
	c.Notice = notices[r.URL.Query().Get("done")]
	return c, nil
}

func observationView(s store.ObservationSet) observationRow {
	row := observationRow{ObservationSet: s, Temperature: news2.FormatTemperature(s.Vitals.TempTenths),
		Scale: "Scale 1", Air: "Air", ACVPU: s.Vitals.Consciousness.Label()}
	if s.Vitals.SpO2Scale == 2 {
		row.Scale = "Scale 2"
	}
	if s.Vitals.OnOxygen {
		row.Air = "Oxygen"
	}
	return row
}

func panelFor(total int, a news2.Assessment) *news2Panel {
	return &news2Panel{Total: total, Risk: a.Band.Label(), Band: string(a.Band), Trigger: a.Trigger, Monitoring: a.Monitoring, Response: a.Response}
}

// assess scores a set of observations. With the news2-boundary defect on,
// the respiration-rate band 21–24 (score 2) is stretched by one, so the
// first rate of the 3 band, 25, scores 2 instead of 3. (The RCP chart
// scores 24 as 2 already: the stretched band is the only reading of the
// defect under which a boundary moves.)
func (h *Handler) assess(ctx context.Context, v news2.Vitals) news2.Assessment {
	scores := news2.Score(v)
	if h.defects.Fires(ctx, defects.NEWS2Boundary, v.RespirationRate == 25) {
		scores[news2.RespirationRate] = 2
	}
	return news2.Assess(scores)
}

// fieldError is a form error; ID is the id of the control it belongs to.
type fieldError struct {
	ID, Message string
}

// clinicalHandler handles a clinical request for a patient the user may
// act on.
type clinicalHandler func(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, banner patientBanner)

// clinical checks the permission, loads the patient and their banner, and
// answers 403 or 404 as needed.
func (h *Handler) clinical(allowed func(auth.Role) bool, next clinicalHandler) func(http.ResponseWriter, *http.Request, auth.User) {
	return func(w http.ResponseWriter, r *http.Request, u auth.User) {
		if !allowed(u.Role) {
			h.log.InfoContext(r.Context(), "clinical action refused", "username", u.Username, "role", u.Role, "path", r.URL.Path)
			h.noPermission(w, r, u, "view or change this part of the clinical record.")
			return
		}
		p, err := h.store.Patient(r.Context(), r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) {
			h.clinicalNotFound(w, r, u, "Patient not found", "There is no patient record at this address.")
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		entries, err := h.store.Allergies(r.Context(), p.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !parsePostForm(w, r) {
			return
		}
		next(w, r, u, p, h.bannerWith(p, h.allergyAlert(r.Context(), entries)))
	}
}

func (h *Handler) clinicalNotFound(w http.ResponseWriter, r *http.Request, u auth.User, heading, para string) {
	h.render(w, r, http.StatusNotFound, "message", view{
		Title: heading, User: &u,
		Page: messagePage{Heading: heading, Paragraphs: []string{para}, ShowSearchLink: true},
	})
}

func backToRecord(w http.ResponseWriter, r *http.Request, patientID, done string) {
	http.Redirect(w, r, "/patients/"+url.PathEscape(patientID)+"?done="+done, http.StatusSeeOther)
}

// --- allergies ---

type allergyPage struct {
	Banner                        patientBanner
	Heading, Action, Button       string
	Substance, Reaction, Severity string
	Severities                    []allergy.Severity
	Errors                        []fieldError
	ErrorFor                      map[string]string
}

func (h *Handler) renderAllergy(w http.ResponseWriter, r *http.Request, u auth.User, status int, pg allergyPage) {
	pg.Severities = []allergy.Severity{allergy.Mild, allergy.Moderate, allergy.Severe}
	h.render(w, r, status, "clinical_allergy", view{Title: pg.Heading + " – " + pg.Banner.Patient.DisplayName(), HasError: len(pg.Errors) > 0, User: &u, Page: pg})
}

func allergyErrors(errs []allergy.FieldError) ([]fieldError, map[string]string) {
	var out []fieldError
	by := map[string]string{}
	for _, e := range errs {
		id := "allergy-" + e.Field
		if e.Field == "severity" {
			id = "allergy-severity-mild" // the first radio
		}
		out = append(out, fieldError{ID: id, Message: e.Message})
		by[e.Field] = e.Message
	}
	return out, by
}

func (h *Handler) newAllergy(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
	h.renderAllergy(w, r, u, http.StatusOK, allergyPage{Banner: b, Heading: "Record an allergy", Action: "/patients/" + p.ID + "/allergies", Button: "Save allergy"})
}

func (h *Handler) createAllergy(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
	in := allergy.Input{Substance: r.PostForm.Get("substance"), Reaction: r.PostForm.Get("reaction"), Severity: r.PostForm.Get("severity")}
	a, errs := in.Validate()
	if len(errs) > 0 {
		pg := allergyPage{Banner: b, Heading: "Record an allergy", Action: "/patients/" + p.ID + "/allergies", Button: "Save allergy",
			Substance: in.Substance, Reaction: in.Reaction, Severity: in.Severity}
		pg.Errors, pg.ErrorFor = allergyErrors(errs)
		h.renderAllergy(w, r, u, http.StatusUnprocessableEntity, pg)
		return
	}
	a.PatientID, a.RecordedBy = p.ID, u.DisplayName
	if err := h.store.CreateAllergy(r.Context(), &a); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.audit(r, u, audit.RecordAllergy, p, a.Substance); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "allergy recorded", "username", u.Username, "patient", p.ID, "allergy", a.ID)
	backToRecord(w, r, p.ID, "allergy")
}

func (h *Handler) noKnownAllergies(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
	a := allergy.Allergy{PatientID: p.ID, Kind: allergy.NoKnownAllergies, RecordedBy: u.DisplayName}
	err := h.store.CreateAllergy(r.Context(), &a)
	if errors.Is(err, store.ErrActiveAllergies) {
		h.render(w, r, http.StatusConflict, "message", view{
			Title: "Cannot record no known allergies", User: &u,
			Page: messagePage{Heading: "Cannot record no known allergies", Paragraphs: []string{
				"The patient has active allergies. Resolve them, or mark them as entered in error, first."}, ShowSearchLink: true},
		})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.audit(r, u, audit.NoKnownAllergies, p, ""); err != nil {
		h.fail(w, r, err)
		return
	}
	backToRecord(w, r, p.ID, "nka")
}

// patientAllergy loads the allergy named in the path, checking it belongs
// to the patient.
func (h *Handler) patientAllergy(ctx context.Context, p patient.Patient, id string) (allergy.Allergy, error) {
	a, err := h.store.Allergy(ctx, id)
	if err == nil && (a.PatientID != p.ID || a.Kind != allergy.Substance) {
		err = store.ErrNotFound
	}
	return a, err
}

func (h *Handler) editAllergy(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
	a, err := h.patientAllergy(r.Context(), p, r.PathValue("aid"))
	if errors.Is(err, store.ErrNotFound) {
		h.clinicalNotFound(w, r, u, "Allergy not found", "There is no such allergy in this patient's record.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderAllergy(w, r, u, http.StatusOK, allergyPage{Banner: b, Heading: "Update allergy", Action: "/patients/" + p.ID + "/allergies/" + a.ID,
		Button: "Save changes", Substance: a.Substance, Reaction: a.Reaction, Severity: string(a.Severity)})
}

func (h *Handler) updateAllergy(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
	old, err := h.patientAllergy(r.Context(), p, r.PathValue("aid"))
	if errors.Is(err, store.ErrNotFound) {
		h.clinicalNotFound(w, r, u, "Allergy not found", "There is no such allergy in this patient's record.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := allergy.Input{Substance: r.PostForm.Get("substance"), Reaction: r.PostForm.Get("reaction"), Severity: r.PostForm.Get("severity")}
	a, errs := in.Validate()
	if len(errs) > 0 {
		pg := allergyPage{Banner: b, Heading: "Update allergy", Action: "/patients/" + p.ID + "/allergies/" + old.ID, Button: "Save changes",
			Substance: in.Substance, Reaction: in.Reaction, Severity: in.Severity}
		pg.Errors, pg.ErrorFor = allergyErrors(errs)
		h.renderAllergy(w, r, u, http.StatusUnprocessableEntity, pg)
		return
	}
	a.ID = old.ID
	if err := h.store.UpdateAllergy(r.Context(), a); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.audit(r, u, audit.UpdateAllergy, p, a.Substance); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "allergy updated", "username", u.Username, "patient", p.ID, "allergy", a.ID)
	backToRecord(w, r, p.ID, "allergy-updated")
}

func (h *Handler) allergyStatus(status allergy.Status) clinicalHandler {
	done := map[allergy.Status]string{allergy.Resolved: "allergy-resolved", allergy.EnteredInError: "allergy-error"}[status]
	return func(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, _ patientBanner) {
		a, err := h.patientAllergy(r.Context(), p, r.PathValue("aid"))
		if errors.Is(err, store.ErrNotFound) {
			h.clinicalNotFound(w, r, u, "Allergy not found", "There is no such allergy in this patient's record.")
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if err := h.store.SetAllergyStatus(r.Context(), a.ID, status); err != nil {
			h.fail(w, r, err)
			return
		}
		action := audit.ResolveAllergy
		if status == allergy.EnteredInError {
			action = audit.AllergyInError
		}
		if err := h.audit(r, u, action, p, a.Substance); err != nil {
			h.fail(w, r, err)
			return
		}
		h.log.InfoContext(r.Context(), "allergy status changed", "username", u.Username, "patient", p.ID, "allergy", a.ID, "status", status)
		backToRecord(w, r, p.ID, done)
	}
}

// --- medications ---

type prescribePage struct {
	Banner                       patientBanner
	Drug, Dose, Route, Frequency string
	Routes                       []medication.Route
	Frequencies                  []string
	Conflicts                    []string // warning messages
	Override                     string
	Errors                       []fieldError
	ErrorFor                     map[string]string
}

func (h *Handler) renderPrescribe(w http.ResponseWriter, r *http.Request, u auth.User, status int, pg prescribePage) {
	pg.Routes, pg.Frequencies = medication.Routes, medication.Frequencies
	if pg.ErrorFor == nil {
		pg.ErrorFor = map[string]string{}
	}
	h.render(w, r, status, "clinical_prescribe", view{Title: "Prescribe a medication – " + pg.Banner.Patient.DisplayName(),
		HasError: len(pg.Errors) > 0, User: &u, Page: pg})
}

func (h *Handler) newPrescription(w http.ResponseWriter, r *http.Request, u auth.User, _ patient.Patient, b patientBanner) {
	h.renderPrescribe(w, r, u, http.StatusOK, prescribePage{Banner: b})
}

func (h *Handler) prescribe(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
	f := r.PostForm
	in := medication.Input{Drug: f.Get("drug"), Dose: f.Get("dose"), Route: f.Get("route"), Frequency: f.Get("frequency")}
	pg := prescribePage{Banner: b, Drug: in.Drug, Dose: in.Dose, Route: in.Route, Frequency: in.Frequency,
		Override: strings.TrimSpace(f.Get("override")), ErrorFor: map[string]string{}}
	rx, errs := in.Validate()
	for _, e := range errs {
		pg.Errors = append(pg.Errors, fieldError{ID: "rx-" + e.Field, Message: e.Message})
		pg.ErrorFor[e.Field] = e.Message
	}
	if len(errs) > 0 {
		h.renderPrescribe(w, r, u, http.StatusUnprocessableEntity, pg)
		return
	}
	entries, err := h.store.Allergies(r.Context(), p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	conflicts := medication.Conflicts(rx.Drug, entries)
	for _, c := range conflicts {
		pg.Conflicts = append(pg.Conflicts, c.Message())
	}
	if len(conflicts) > 0 {
		switch {
		case f.Get("confirm-override") == "":
			// First sight of the warning: a hard stop, no error yet.
			h.log.InfoContext(r.Context(), "allergy warning shown", "username", u.Username, "patient", p.ID, "drug", rx.Drug)
			h.renderPrescribe(w, r, u, http.StatusConflict, pg)
			return
		case pg.Override == "":
			msg := "Enter a reason for overriding the allergy warning"
			pg.Errors = append(pg.Errors, fieldError{ID: "rx-override", Message: msg})
			pg.ErrorFor["override"] = msg
			h.renderPrescribe(w, r, u, http.StatusUnprocessableEntity, pg)
			return
		case len(pg.Override) > 500:
			msg := "Reason for overriding must be 500 characters or fewer"
			pg.Errors = append(pg.Errors, fieldError{ID: "rx-override", Message: msg})
			pg.ErrorFor["override"] = msg
			h.renderPrescribe(w, r, u, http.StatusUnprocessableEntity, pg)
			return
		}
		rx.OverrideReason = pg.Override
		rx.ConflictWarning = strings.Join(pg.Conflicts, "; ")
	}
	rx.PatientID, rx.PrescribedBy = p.ID, u.DisplayName
	if err := h.store.CreatePrescription(r.Context(), &rx); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.audit(r, u, audit.Prescribe, p, prescribedDetails(rx)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "medication prescribed", "username", u.Username, "patient", p.ID, "drug", rx.Drug, "override", rx.OverrideReason != "")
	backToRecord(w, r, p.ID, "prescribed")
}

// stopPage is the confirmation before stopping a medication without
// JavaScript (confirm.go).
type stopPage struct {
	Banner       patientBanner
	Prescription medication.Prescription
	Reason       string // a reason already given
}

func (h *Handler) patientPrescription(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) (medication.Prescription, bool) {
	rx, err := h.store.Prescription(r.Context(), r.PathValue("mid"))
	if err == nil && (rx.PatientID != p.ID || rx.Status != medication.Active) {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		h.clinicalNotFound(w, r, u, "Medication not found", "There is no active medication at this address in this patient's record.")
		return rx, false
	}
	if err != nil {
		h.fail(w, r, err)
		return rx, false
	}
	return rx, true
}

func (h *Handler) confirmStop(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
	rx, ok := h.patientPrescription(w, r, u, p)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "clinical_stop", view{Title: "Stop " + rx.Drug + " – " + p.DisplayName(), User: &u,
		Page: stopPage{Banner: b, Prescription: rx, Reason: r.PostForm.Get("reason")}})
}

func (h *Handler) stopPrescription(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, _ patientBanner) {
	rx, ok := h.patientPrescription(w, r, u, p)
	if !ok {
		return
	}
	reason := strings.Join(strings.Fields(r.PostForm.Get("reason")), " ")
	if len(reason) > 500 {
		reason = reason[:500]
	}
	if err := h.store.StopPrescription(r.Context(), rx.ID, u.DisplayName, reason); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.audit(r, u, audit.StopMedication, p, strings.TrimSpace(rx.Drug+": "+reason)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "medication stopped", "username", u.Username, "patient", p.ID, "prescription", rx.ID)
	backToRecord(w, r, p.ID, "stopped")
}

// --- observations ---

type observationsPage struct {
	Banner                                      patientBanner
	RespirationRate, SpO2, Scale, Air, Systolic string
	Pulse, Consciousness, Temperature           string
	Levels                                      []news2.Consciousness
	Errors                                      []fieldError
	ErrorFor                                    map[string]string
}

func (h *Handler) renderObservations(w http.ResponseWriter, r *http.Request, u auth.User, status int, pg observationsPage) {
	pg.Levels = []news2.Consciousness{news2.Alert, news2.Confusion, news2.Voice, news2.Pain, news2.Unresponsive}
	if pg.ErrorFor == nil {
		pg.ErrorFor = map[string]string{}
	}
	h.render(w, r, status, "clinical_observations", view{Title: "Record observations – " + pg.Banner.Patient.DisplayName(),
		HasError: len(pg.Errors) > 0, User: &u, Page: pg})
}

func (h *Handler) newObservations(w http.ResponseWriter, r *http.Request, u auth.User, _ patient.Patient, b patientBanner) {
	h.renderObservations(w, r, u, http.StatusOK, observationsPage{Banner: b, Scale: "1", Air: "air", Consciousness: "A"})
}

func (h *Handler) recordObservations(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
	f := r.PostForm
	pg := observationsPage{Banner: b, RespirationRate: f.Get("rr"), SpO2: f.Get("spo2"), Scale: f.Get("scale"), Air: f.Get("air"),
		Systolic: f.Get("systolic"), Pulse: f.Get("pulse"), Consciousness: f.Get("acvpu"), Temperature: f.Get("temp"), ErrorFor: map[string]string{}}
	fail := func(field, msg string) {
		pg.Errors = append(pg.Errors, fieldError{ID: "obs-" + field, Message: msg})
		pg.ErrorFor[field] = msg
	}
	var v news2.Vitals
	whole := func(field, label, value string, lo, hi int, unit string) int {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		switch {
		case strings.TrimSpace(value) == "":
			fail(field, "Enter the "+strings.ToLower(label[:1])+label[1:])
		case err != nil:
			fail(field, label+" must be a whole number")
		case n < lo || n > hi:
			fail(field, fmt.Sprintf("%s must be between %d and %d %s", label, lo, hi, unit))
		}
		return n
	}
	v.RespirationRate = whole("rr", "Respiration rate", pg.RespirationRate, 0, 80, "breaths per minute")
	v.SpO2 = whole("spo2", "SpO2", pg.SpO2, 50, 100, "per cent")
	switch pg.Scale {
	case "1", "2":
		v.SpO2Scale, _ = strconv.Atoi(pg.Scale)
	default:
		fail("scale-1", "Select the SpO2 scale")
	}
	switch pg.Air {
	case "air", "oxygen":
		v.OnOxygen = pg.Air == "oxygen"
	default:
		fail("air", "Select air or oxygen")
	}
	v.Systolic = whole("systolic", "Systolic blood pressure", pg.Systolic, 40, 300, "mmHg")
	v.Pulse = whole("pulse", "Pulse", pg.Pulse, 20, 250, "beats per minute")
	if c, err := news2.ParseConsciousness(pg.Consciousness); err != nil {
		fail("acvpu", "Select the level of consciousness")
	} else {
		v.Consciousness = c
	}
	if strings.TrimSpace(pg.Temperature) == "" {
		fail("temp", "Enter the temperature")
	} else if t, err := news2.ParseTemperature(pg.Temperature); err != nil {
		fail("temp", "Temperature must be a number with at most one decimal place, like 37.5")
	} else if t < 250 || t > 450 {
		fail("temp", "Temperature must be between 25.0 and 45.0 °C")
	} else {
		v.TempTenths = t
	}
	if len(pg.Errors) > 0 {
		h.renderObservations(w, r, u, http.StatusUnprocessableEntity, pg)
		return
	}
	a := h.assess(r.Context(), v)
	set := store.ObservationSet{PatientID: p.ID, Vitals: v, Total: a.Total, Band: a.Band, RecordedBy: u.DisplayName}
	if err := h.store.CreateObservationSet(r.Context(), &set); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.audit(r, u, audit.RecordObservations, p, fmt.Sprintf("NEWS2 %d (%s)", a.Total, a.Band)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "observations recorded", "username", u.Username, "patient", p.ID, "news2", a.Total, "band", a.Band)
	backToRecord(w, r, p.ID, "observations")
}

// numberField is one numeric input of the observations form.
type numberField struct {
	Name, Label, Hint, Value, Error string
}

// Field describes the numeric input named name for the template.
func (p observationsPage) Field(name string) numberField {
	f := numberField{Name: name, Error: p.ErrorFor[name]}
	switch name {
	case "rr":
		f.Label, f.Hint, f.Value = "Respiration rate", "Breaths per minute", p.RespirationRate
	case "spo2":
		f.Label, f.Hint, f.Value = "SpO2", "Oxygen saturation, per cent", p.SpO2
	case "systolic":
		f.Label, f.Hint, f.Value = "Systolic blood pressure", "mmHg", p.Systolic
	case "pulse":
		f.Label, f.Hint, f.Value = "Pulse", "Beats per minute", p.Pulse
	case "temp":
		f.Label, f.Hint, f.Value = "Temperature", "Degrees Celsius, for example 37.5", p.Temperature
	}
	return f
}

// prescribedDetails is a prescription as the audit log records it, with
// the reason when an allergy warning was overridden.
func prescribedDetails(rx medication.Prescription) string {
	d := rx.Drug
	if rx.OverrideReason != "" {
		d += " (allergy warning overridden: " + rx.OverrideReason + ")"
	}
	return d
}

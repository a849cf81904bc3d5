package fhir

// The clinical resources: AllergyIntolerance (create, read, search by
// patient, and in transactions), MedicationRequest (the same) and
// Observation (the same; see observations.go: each stored set of vital
// signs is shown as a vital-signs panel, the vital-sign Observations with
// LOINC codes, the ACVPU level and the NEWS2 total).
//
// References to the patient may be "Patient/{id}" or, inside a transaction,
// the fullUrl of an earlier entry (such as urn:uuid:...). MedicationRequests
// loaded through the API are not checked against allergies: the API loads
// records whose prescribing was checked where they were written.
//
// The API takes what FHIR R4 allows, where the UI's forms ask for more: an
// AllergyIntolerance without a reaction and without a severity (read back
// without reaction; criticality, when given, is kept), and a
// MedicationRequest whose dosage is only dosageInstruction.text (kept and
// read back as given; a partly structured dosage with text stands as its
// text) or that has no dosageInstruction (none read back). A structured
// dosage must be complete, as before. Without a recorder's or requester's
// display the entry is recorded by "FHIR API".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/clinical/medication"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// Code systems.
const (
	systemLOINC           = "http://loinc.org"
	systemSNOMED          = "http://snomed.info/sct"
	systemAllergyClinical = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	systemAllergyVerify   = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
	systemObservationCat  = "http://terminology.hl7.org/CodeSystem/observation-category"
	systemUCUM            = "http://unitsofmeasure.org"
	snomedNoKnownAllergy  = "716186003"
	snomedNEWS2Total      = "1104051000000101"
	vitalSignsProfile     = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
)

// clinicalRoutes adds the FHIR routes for AllergyIntolerance, MedicationRequest and Observation.
func (h *Handler) clinicalRoutes() {
	h.route("POST /fhir/AllergyIntolerance", h.createAllergy)
	h.route("GET /fhir/AllergyIntolerance", h.searchAllergies)
	h.route("GET /fhir/AllergyIntolerance/{id}", h.readAllergy)
	h.route("POST /fhir/MedicationRequest", h.createMedicationRequest)
	h.route("GET /fhir/MedicationRequest", h.searchMedicationRequests)
	h.route("GET /fhir/MedicationRequest/{id}", h.readMedicationRequest)
	h.route("POST /fhir/Observation", h.createObservation)
	h.route("GET /fhir/Observation", h.searchObservations)
	h.route("GET /fhir/Observation/{id}", h.readObservation)
}

func init() {
	planners["AllergyIntolerance"] = planAllergy
	planners["MedicationRequest"] = planMedicationRequest
	planners["Observation"] = planObservation
}

// Coding is a code in a system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is codes and text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// label is the concept's text, else its first display.
func (c *CodeableConcept) label() string {
	if c == nil {
		return ""
	}
	if t := strings.TrimSpace(c.Text); t != "" {
		return t
	}
	for _, cd := range c.Coding {
		if d := strings.TrimSpace(cd.Display); d != "" {
			return d
		}
	}
	return ""
}

func (c *CodeableConcept) has(system, code string) bool {
	if c == nil {
		return false
	}
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code == code {
			return true
		}
	}
	return false
}

func (c *CodeableConcept) code(system string) string {
	if c == nil {
		return ""
	}
	for _, cd := range c.Coding {
		if cd.System == system {
			return cd.Code
		}
	}
	return ""
}

// Reference points at another resource.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Quantity is a measured amount.
type Quantity struct {
	Value  *float64 `json:"value,omitempty"`
	Unit   string   `json:"unit,omitempty"`
	System string   `json:"system,omitempty"`
	Code   string   `json:"code,omitempty"`
}

// Annotation is a note.
type Annotation struct {
	Text string `json:"text"`
}

// AllergyReaction is one reaction of an AllergyIntolerance.
type AllergyReaction struct {
	Manifestation []CodeableConcept `json:"manifestation,omitempty"`
	Severity      string            `json:"severity,omitempty"`
}

// AllergyIntolerance is the subset of the FHIR R4 resource the EPR keeps.
type AllergyIntolerance struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Type               string            `json:"type,omitempty"`
	Criticality        string            `json:"criticality,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Patient            *Reference        `json:"patient,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Recorder           *Reference        `json:"recorder,omitempty"`
	Reaction           []AllergyReaction `json:"reaction,omitempty"`
}

// loadedBy is who recorded an allergy or prescribed a medication loaded
// through the API without a recorder's or requester's display (a reference
// alone, as Synthea writes them, names no one the EPR knows).
const loadedBy = "FHIR API"

// resourceResponse is the entry response of a created clinical resource.
func resourceResponse(location string, updated time.Time) entryResponse {
	return entryResponse{status: http.StatusCreated, location: location, patient: patient.Patient{LastUpdated: updated}}
}

// patientRef resolves a patient reference ("Patient/{id}", or a fullUrl
// of an earlier transaction entry) and checks the patient exists.
func patientRef(ctx context.Context, ps store.PatientStore, ref *Reference, element string, refs map[string]string) (string, error) {
	if ref == nil || strings.TrimSpace(ref.Reference) == "" {
		return "", newOpError(http.StatusUnprocessableEntity, codeRequired, "%s: a reference to the patient is required", element)
	}
	target := strings.TrimSpace(ref.Reference)
	if loc, ok := refs[target]; ok {
		target = loc
	}
	id, ok := strings.CutPrefix(target, "Patient/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", newOpError(http.StatusUnprocessableEntity, codeValue, "%s: %q is not a reference to a Patient (want Patient/{id})", element, ref.Reference)
	}
	if _, err := ps.Patient(ctx, id); errors.Is(err, store.ErrNotFound) {
		return "", newOpError(http.StatusUnprocessableEntity, codeNotFound, "%s: Patient/%s is not known", element, id)
	} else if err != nil {
		return "", err
	}
	return id, nil
}

// searchPatientID reads the patient (or subject) search parameter.
func searchPatientID(r *http.Request) (string, *opError) {
	q := r.URL.Query()
	v := q.Get("patient")
	if v == "" {
		v = q.Get("subject")
	}
	if v == "" {
		return "", newOpError(http.StatusBadRequest, codeRequired, "search needs the patient parameter (patient=Patient/{id})")
	}
	return strings.TrimPrefix(v, "Patient/"), nil
}

func (h *Handler) searchset(w http.ResponseWriter, r *http.Request, resources []any, ids []string, resourceType string) {
	total := len(resources)
	b := Bundle{ResourceType: "Bundle", ID: store.NewID(), Meta: &Meta{LastUpdated: formatInstant(h.now())},
		Type: "searchset", Total: &total, Link: []BundleLink{{Relation: "self", URL: selfURL(r)}}}
	base := baseURL(r)
	for i, res := range resources {
		raw, err := json.Marshal(res)
		if err != nil {
			h.fail(w, r, fmt.Errorf("encode %s: %w", resourceType, err))
			return
		}
		b.Entry = append(b.Entry, BundleEntry{FullURL: base + "/" + resourceType + "/" + ids[i], Resource: raw, Search: &BundleEntrySearch{Mode: "match"}})
	}
	h.write(w, r, http.StatusOK, b)
}

// --- AllergyIntolerance ---

func allergyResource(a allergy.Allergy) AllergyIntolerance {
	res := AllergyIntolerance{
		ResourceType: "AllergyIntolerance",
		ID:           a.ID,
		Meta:         &Meta{VersionID: "1", LastUpdated: formatInstant(a.UpdatedAt)},
		Patient:      &Reference{Reference: "Patient/" + a.PatientID},
		RecordedDate: formatInstant(a.RecordedAt),
		Recorder:     &Reference{Display: a.RecordedBy},
	}
	verification := "confirmed"
	if a.Status == allergy.EnteredInError {
		verification = "entered-in-error" // and no clinicalStatus (FHIR invariant ait-2)
	} else {
		res.ClinicalStatus = &CodeableConcept{Coding: []Coding{{System: systemAllergyClinical, Code: string(a.Status)}}}
	}
	res.VerificationStatus = &CodeableConcept{Coding: []Coding{{System: systemAllergyVerify, Code: verification}}}
	if a.Kind == allergy.NoKnownAllergies {
		res.Code = &CodeableConcept{Coding: []Coding{{System: systemSNOMED, Code: snomedNoKnownAllergy, Display: "No known allergy"}}, Text: allergy.AlertNone}
		return res
	}
	res.Type = "allergy"
	res.Criticality = a.Severity.Criticality()
	res.Code = &CodeableConcept{Text: a.Substance}
	if a.Reaction != "" { // FHIR allows none; a reaction needs a manifestation
		res.Reaction = []AllergyReaction{{Manifestation: []CodeableConcept{{Text: a.Reaction}}, Severity: string(a.Severity)}}
	}
	return res
}

// allergyFromResource validates an AllergyIntolerance; the patient
// reference is resolved later (it may point into a transaction).
func allergyFromResource(res AllergyIntolerance) (allergy.Allergy, *opError) {
	if res.ResourceType != "AllergyIntolerance" {
		return allergy.Allergy{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected AllergyIntolerance, got %q", res.ResourceType)
	}
	a := allergy.Allergy{Status: allergy.Active}
	if res.VerificationStatus.code(systemAllergyVerify) == "entered-in-error" {
		a.Status = allergy.EnteredInError
	} else if cs := res.ClinicalStatus.code(systemAllergyClinical); cs != "" {
		switch cs {
		case "active":
		case "resolved", "inactive":
			a.Status = allergy.Resolved
		default:
			return a, newOpError(http.StatusUnprocessableEntity, codeValue, "AllergyIntolerance.clinicalStatus: %q is not one of active, inactive, resolved", cs)
		}
	}
	if res.Code.has(systemSNOMED, snomedNoKnownAllergy) {
		a.Kind = allergy.NoKnownAllergies
		return a, nil
	}
	// FHIR R4 allows an allergy without a reaction and without a severity.
	in := allergy.Input{Substance: res.Code.label(), ReactionOptional: true}
	if len(res.Reaction) > 0 {
		rx := res.Reaction[0]
		if len(rx.Manifestation) > 0 {
			in.Reaction = rx.Manifestation[0].label()
		}
		in.Severity = rx.Severity
	}
	if in.Severity == "" {
		in.Severity = map[string]string{"high": "severe", "low": "mild"}[res.Criticality]
	}
	v, errs := in.Validate()
	if len(errs) > 0 {
		oe := &opError{status: http.StatusUnprocessableEntity}
		element := map[string]string{"substance": "AllergyIntolerance.code", "reaction": "AllergyIntolerance.reaction.manifestation",
			"severity": "AllergyIntolerance.reaction.severity"}
		for _, e := range errs {
			oe.issues = append(oe.issues, Issue{Severity: "error", Code: codeRequired, Diagnostics: element[e.Field] + ": " + e.Message +
				map[string]string{"severity": " (mild, moderate or severe; or criticality low or high)"}[e.Field]})
		}
		return a, oe
	}
	v.Status = a.Status
	return v, nil
}

func planAllergy(_ context.Context, _ *Handler, raw json.RawMessage, _ BundleEntryRequest) (runner, *opError) {
	return planned(raw, "AllergyIntolerance", allergyFromResource, createAllergy)
}

func createAllergy(ctx context.Context, tx *store.Tx, a allergy.Allergy, res AllergyIntolerance, refs map[string]string) (entryResponse, error) {
	id, err := patientRef(ctx, tx, res.Patient, "AllergyIntolerance.patient", refs)
	if err != nil {
		return entryResponse{}, err
	}
	a.PatientID, a.RecordedBy = id, loadedBy
	if res.Recorder != nil && strings.TrimSpace(res.Recorder.Display) != "" {
		a.RecordedBy = strings.TrimSpace(res.Recorder.Display)
	}
	if err := tx.CreateAllergy(ctx, &a); errors.Is(err, store.ErrActiveAllergies) {
		return entryResponse{}, newOpError(http.StatusConflict, "business-rule",
			"AllergyIntolerance.code: no known allergy cannot be recorded while Patient/%s has active allergies", id)
	} else if err != nil {
		return entryResponse{}, err
	}
	resp := resourceResponse("AllergyIntolerance/"+a.ID, a.UpdatedAt)
	resp.action, resp.patientID = audit.RecordAllergy, id
	resp.details = a.Substance
	if a.Kind == allergy.NoKnownAllergies {
		resp.details = allergy.AlertNone
	}
	return resp, nil
}

func (h *Handler) createAllergy(w http.ResponseWriter, r *http.Request) {
	createByPost(h, w, r, "AllergyIntolerance", allergyFromResource, createAllergy, h.store.Allergy, allergyResource)
}

func (h *Handler) readAllergy(w http.ResponseWriter, r *http.Request) {
	readByID(h, w, r, "AllergyIntolerance", h.store.Allergy, allergyResource)
}

func (h *Handler) searchAllergies(w http.ResponseWriter, r *http.Request) {
	want := r.URL.Query().Get("clinical-status")
	searchByPatient(h, w, r, "AllergyIntolerance", h.store.Allergies,
		func(a allergy.Allergy) bool {
			return want == "" || (a.Status != allergy.EnteredInError && string(a.Status) == want)
		},
		allergyResource, func(a allergy.Allergy) string { return a.ID })
}

// searchByPatient answers a search for one patient's resources of a type:
// the patient parameter says whose, load reads them, keep applies the other
// search parameters, and resource renders each one, named by id.
func searchByPatient[T, R any](h *Handler, w http.ResponseWriter, r *http.Request, typ string,
	load func(context.Context, string) ([]T, error), keep func(T) bool, resource func(T) R, id func(T) string) {
	patientID, oe := searchPatientID(r)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	all, err := load(r.Context(), patientID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	searchsetOf(h, w, r, typ, all, keep, resource, id)
}

// searchsetOf answers a search with the rows of list that keep keeps (all
// of them when keep is nil), each rendered by resource and named by id.
func searchsetOf[T, R any](h *Handler, w http.ResponseWriter, r *http.Request, typ string,
	list []T, keep func(T) bool, resource func(T) R, id func(T) string) {
	var (
		resources []any
		ids       []string
	)
	for _, x := range list {
		if keep == nil || keep(x) {
			resources = append(resources, resource(x))
			ids = append(ids, id(x))
		}
	}
	h.searchset(w, r, resources, ids, typ)
}

// --- MedicationRequest ---

// Dosage is a dosage instruction.
type Dosage struct {
	Text        string           `json:"text,omitempty"`
	Timing      *Timing          `json:"timing,omitempty"`
	Route       *CodeableConcept `json:"route,omitempty"`
	DoseAndRate []DoseAndRate    `json:"doseAndRate,omitempty"`
}

// Timing is when a dose is given; the EPR keeps only its code's text.
type Timing struct {
	Code *CodeableConcept `json:"code,omitempty"`
}

// DoseAndRate is the amount of one dose.
type DoseAndRate struct {
	DoseQuantity *Quantity `json:"doseQuantity,omitempty"`
}

// MedicationRequest is the subset of the FHIR R4 resource the EPR keeps.
type MedicationRequest struct {
	ResourceType              string           `json:"resourceType"`
	ID                        string           `json:"id,omitempty"`
	Meta                      *Meta            `json:"meta,omitempty"`
	Status                    string           `json:"status,omitempty"`
	Intent                    string           `json:"intent,omitempty"`
	MedicationCodeableConcept *CodeableConcept `json:"medicationCodeableConcept,omitempty"`
	Subject                   *Reference       `json:"subject,omitempty"`
	AuthoredOn                string           `json:"authoredOn,omitempty"`
	Requester                 *Reference       `json:"requester,omitempty"`
	DosageInstruction         []Dosage         `json:"dosageInstruction,omitempty"`
	Note                      []Annotation     `json:"note,omitempty"`
}

func medicationResource(p medication.Prescription) MedicationRequest {
	res := MedicationRequest{
		ResourceType:              "MedicationRequest",
		ID:                        p.ID,
		Meta:                      &Meta{VersionID: "1", LastUpdated: formatInstant(p.PrescribedAt)},
		Status:                    string(p.Status),
		Intent:                    "order",
		MedicationCodeableConcept: &CodeableConcept{Text: p.Drug},
		Subject:                   &Reference{Reference: "Patient/" + p.PatientID},
		AuthoredOn:                formatInstant(p.PrescribedAt),
		Requester:                 &Reference{Display: p.PrescribedBy},
	}
	switch {
	case p.Structured():
		d := Dosage{Text: p.Instruction(), Route: &CodeableConcept{Text: string(p.Route)}, Timing: &Timing{Code: &CodeableConcept{Text: p.Frequency}}}
		if v, unit, ok := splitDose(p.Dose); ok {
			d.DoseAndRate = []DoseAndRate{{DoseQuantity: &Quantity{Value: &v, Unit: unit}}}
		}
		res.DosageInstruction = []Dosage{d}
	case p.DosageText != "":
		res.DosageInstruction = []Dosage{{Text: p.DosageText}}
	} // no dosage recorded: no dosageInstruction
	if p.OverrideReason != "" {
		res.Note = append(res.Note, Annotation{Text: "Allergy warning overridden (" + p.ConflictWarning + "): " + p.OverrideReason})
	}
	if p.Status == medication.Stopped && p.StopReason != "" {
		res.Note = append(res.Note, Annotation{Text: "Stopped: " + p.StopReason})
	}
	return res
}

// splitDose reads "500 mg" as 500 and "mg".
func splitDose(dose string) (float64, string, bool) {
	num, unit, ok := strings.Cut(strings.TrimSpace(dose), " ")
	if !ok {
		return 0, "", false
	}
	v, err := strconv.ParseFloat(num, 64)
	return v, strings.TrimSpace(unit), err == nil
}

func medicationFromResource(res MedicationRequest) (medication.Prescription, *opError) {
	if res.ResourceType != "MedicationRequest" {
		return medication.Prescription{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected MedicationRequest, got %q", res.ResourceType)
	}
	// FHIR R4 allows a dosage that is only text, and no dosage at all:
	// either is kept as it is. A structured dosage must be complete, unless
	// it comes with text, which then stands for the whole instruction.
	in := medication.Input{Drug: res.MedicationCodeableConcept.label(), Unstructured: true}
	if len(res.DosageInstruction) > 0 {
		d := res.DosageInstruction[0]
		in.DosageText = d.Text
		in.Route = d.Route.label()
		if d.Timing != nil {
			in.Frequency = d.Timing.Code.label()
		}
		if len(d.DoseAndRate) > 0 && d.DoseAndRate[0].DoseQuantity != nil && d.DoseAndRate[0].DoseQuantity.Value != nil {
			q := d.DoseAndRate[0].DoseQuantity
			in.Dose = strconv.FormatFloat(*q.Value, 'f', -1, 64) + " " + q.Unit
		}
	}
	p, errs := in.Validate()
	if len(errs) > 0 && strings.TrimSpace(in.DosageText) != "" {
		textOnly := medication.Input{Drug: in.Drug, DosageText: in.DosageText, Unstructured: true}
		if tp, terrs := textOnly.Validate(); len(terrs) == 0 {
			p, errs = tp, nil
		}
	}
	if len(errs) > 0 {
		element := map[string]string{"drug": "MedicationRequest.medicationCodeableConcept", "dose": "MedicationRequest.dosageInstruction.doseAndRate.doseQuantity",
			"route": "MedicationRequest.dosageInstruction.route", "frequency": "MedicationRequest.dosageInstruction.timing.code",
			"dosage": "MedicationRequest.dosageInstruction.text"}
		oe := &opError{status: http.StatusUnprocessableEntity}
		for _, e := range errs {
			msg := e.Message
			switch e.Field {
			case "route":
				msg = fmt.Sprintf("route text %q is not one of %v", in.Route, medication.Routes)
			case "frequency":
				msg = fmt.Sprintf("timing code text %q is not one of %q", in.Frequency, medication.Frequencies)
			}
			oe.issues = append(oe.issues, Issue{Severity: "error", Code: codeValue, Diagnostics: element[e.Field] + ": " + msg})
		}
		return p, oe
	}
	switch res.Status {
	case "", "active":
	case "stopped", "completed":
		p.Status = medication.Stopped
	default:
		return p, newOpError(http.StatusUnprocessableEntity, codeValue, "MedicationRequest.status: %q is not supported (active, stopped, completed)", res.Status)
	}
	return p, nil
}

func planMedicationRequest(_ context.Context, _ *Handler, raw json.RawMessage, _ BundleEntryRequest) (runner, *opError) {
	return planned(raw, "MedicationRequest", medicationFromResource, createMedicationRequest)
}

func createMedicationRequest(ctx context.Context, tx *store.Tx, p medication.Prescription, res MedicationRequest, refs map[string]string) (entryResponse, error) {
	id, err := patientRef(ctx, tx, res.Subject, "MedicationRequest.subject", refs)
	if err != nil {
		return entryResponse{}, err
	}
	p.PatientID, p.PrescribedBy = id, loadedBy
	if res.Requester != nil && strings.TrimSpace(res.Requester.Display) != "" {
		p.PrescribedBy = strings.TrimSpace(res.Requester.Display)
	}
	if err := tx.CreatePrescription(ctx, &p); err != nil {
		return entryResponse{}, err
	}
	resp := resourceResponse("MedicationRequest/"+p.ID, p.PrescribedAt)
	resp.action, resp.patientID, resp.details = audit.Prescribe, id, p.Drug+" "+p.Instruction()
	return resp, nil
}

func (h *Handler) createMedicationRequest(w http.ResponseWriter, r *http.Request) {
	createByPost(h, w, r, "MedicationRequest", medicationFromResource, createMedicationRequest, h.store.Prescription, medicationResource)
}

func (h *Handler) readMedicationRequest(w http.ResponseWriter, r *http.Request) {
	readByID(h, w, r, "MedicationRequest", h.store.Prescription, medicationResource)
}

func (h *Handler) searchMedicationRequests(w http.ResponseWriter, r *http.Request) {
	want := r.URL.Query().Get("status")
	searchByPatient(h, w, r, "MedicationRequest", h.store.Prescriptions,
		func(p medication.Prescription) bool { return want == "" || string(p.Status) == want },
		medicationResource, func(p medication.Prescription) string { return p.ID })
}

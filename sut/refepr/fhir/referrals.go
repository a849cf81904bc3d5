package fhir

// Referrals: ServiceRequest create, read, search and update, alone and in
// transaction and batch Bundles (and in $process-message, messages.go).
//
// A ServiceRequest is a GP practice's referral to one of the EPR's
// outpatient clinics:
//
//	{"resourceType": "ServiceRequest", "status": "active", "intent": "order",
//	 "priority": "routine",
//	 "code": {"text": "Cardiology"},
//	 "reasonCode": [{"text": "Chest pain on exertion"}],
//	 "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}},
//	 "requester": {"display": "The Village Surgery (Y99999)"},
//	 "authoredOn": "2026-06-01"}
//
// Required: status (active on create; an update may set revoked,
// entered-in-error or completed), intent (order, proposal or plan),
// subject (Patient/{id}, a transaction entry's fullUrl, or a logical
// reference by NHS number: identifier {system
// https://fhir.nhs.uk/Id/nhs-number, value}), and the clinic: code text (or
// a coding's display), else performerType, naming a clinic the EPR has (by
// name or specialty, any case), else 422 "unknown clinic". Optional:
// priority routine (the default) or urgent, reasonCode text, requester
// display, authoredOn (a FHIR date or dateTime). An unknown patient is 422
// naming the reference or NHS number.
//
// A created referral publishes events.ReferralReceived; an update to
// revoked or entered-in-error events.ReferralCancelled. The patient of a
// referral cannot be changed. Search: patient (Patient/{id} or {id}),
// subject, patient.identifier / subject:identifier
// ([system|]NHS number), status, code (clinic name, any case), _id.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// referralRoutes adds the routes of referrals, $process-message and
// Subscription, and starts listening for the changes Subscriptions are
// told about.
func (h *Handler) referralRoutes() {
	h.route("POST /fhir/ServiceRequest", h.createServiceRequest)
	h.route("GET /fhir/ServiceRequest", h.searchServiceRequests)
	h.route("GET /fhir/ServiceRequest/{id}", h.readServiceRequest)
	h.route("PUT /fhir/ServiceRequest/{id}", h.updateServiceRequest)
	h.route("POST /fhir/$process-message", h.processMessage) // messages.go
	h.subscriptionRoutes()
}

func init() {
	planners["ServiceRequest"] = planServiceRequest
	updatePlanners["ServiceRequest"] = planServiceRequestUpdate
}

// LogicalReference is a Reference that may name its target by identifier.
type LogicalReference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// ServiceRequest is the subset of the FHIR R4 resource the EPR keeps for
// a referral.
type ServiceRequest struct {
	ResourceType  string            `json:"resourceType"`
	ID            string            `json:"id,omitempty"`
	Meta          *Meta             `json:"meta,omitempty"`
	Identifier    []Identifier      `json:"identifier,omitempty"`
	Status        string            `json:"status"`
	Intent        string            `json:"intent"`
	Priority      string            `json:"priority,omitempty"`
	Code          *CodeableConcept  `json:"code,omitempty"`
	Subject       *LogicalReference `json:"subject,omitempty"`
	AuthoredOn    string            `json:"authoredOn,omitempty"`
	Requester     *Reference        `json:"requester,omitempty"`
	PerformerType *CodeableConcept  `json:"performerType,omitempty"`
	ReasonCode    []CodeableConcept `json:"reasonCode,omitempty"`
}

// Referral statuses a ServiceRequest may have.
var referralStatuses = []string{store.ReferralActive, store.ReferralRevoked, store.ReferralEnteredInError, store.ReferralCompleted}

func serviceRequestResource(r store.Referral) ServiceRequest {
	res := ServiceRequest{
		ResourceType: "ServiceRequest", ID: r.ID,
		Meta:   &Meta{VersionID: "1", LastUpdated: formatInstant(r.LastUpdated)},
		Status: r.Status, Intent: r.Intent, Priority: r.Priority,
		Code: &CodeableConcept{Text: r.Clinic.Name},
		Subject: &LogicalReference{Reference: "Patient/" + r.PatientID, Display: r.Patient.DisplayName(),
			Identifier: &Identifier{System: patient.NHSNumberSystem, Value: r.Patient.NHSNumber.String()}},
		AuthoredOn: r.AuthoredOn,
	}
	if r.Reason != "" {
		res.ReasonCode = []CodeableConcept{{Text: r.Reason}}
	}
	if r.Requester != "" {
		res.Requester = &Reference{Display: r.Requester}
	}
	return res
}

// referralRequest is a validated ServiceRequest.
type referralRequest struct {
	status, intent, priority, clinic, reason, requester, authoredOn string
	subject                                                         *LogicalReference
}

func serviceRequestFromResource(res ServiceRequest) (referralRequest, *opError) {
	if res.ResourceType != "ServiceRequest" {
		return referralRequest{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected ServiceRequest, got %q", res.ResourceType)
	}
	var issues []Issue
	add := func(code, format string, args ...any) {
		issues = append(issues, Issue{Severity: "error", Code: code, Diagnostics: fmt.Sprintf(format, args...)})
	}
	req := referralRequest{status: res.Status, intent: res.Intent, priority: res.Priority, subject: res.Subject,
		authoredOn: strings.TrimSpace(res.AuthoredOn)}
	switch {
	case req.status == "":
		add(codeRequired, "ServiceRequest.status: required (active)")
	case !slices.Contains(referralStatuses, req.status):
		add(codeValue, "ServiceRequest.status: %q is not supported; use active, revoked, entered-in-error or completed", req.status)
	}
	switch req.intent {
	case "":
		add(codeRequired, "ServiceRequest.intent: required (order, proposal or plan)")
	case "order", "proposal", "plan":
	default:
		add(codeValue, "ServiceRequest.intent: %q is not order, proposal or plan", req.intent)
	}
	switch req.priority {
	case "":
		req.priority = "routine"
	case "routine", "urgent":
	default:
		add(codeValue, "ServiceRequest.priority: %q is not routine or urgent", req.priority)
	}
	if req.clinic = res.Code.label(); req.clinic == "" {
		req.clinic = res.PerformerType.label()
	}
	if req.clinic == "" {
		add(codeRequired, "ServiceRequest.code: the text (or performerType) must name the clinic referred to")
	}
	if res.Subject == nil || (strings.TrimSpace(res.Subject.Reference) == "" && res.Subject.Identifier == nil) {
		add(codeRequired, "ServiceRequest.subject: a reference to the patient (Patient/{id} or an NHS number identifier) is required")
	}
	if req.authoredOn != "" && !validDateTime(req.authoredOn) {
		add(codeValue, "ServiceRequest.authoredOn: %q is not a FHIR date or dateTime", req.authoredOn)
	}
	for _, rc := range res.ReasonCode {
		if t := rc.label(); t != "" {
			req.reason = t
			break
		}
	}
	if res.Requester != nil {
		req.requester = strings.TrimSpace(res.Requester.Display)
	}
	if len(issues) > 0 {
		return referralRequest{}, &opError{status: http.StatusUnprocessableEntity, issues: issues}
	}
	return req, nil
}

func validDateTime(s string) bool {
	for _, layout := range []string{"2006", "2006-01", time.DateOnly, time.RFC3339Nano} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// subjectPatient resolves a ServiceRequest's subject to a patient id.
func subjectPatient(ctx context.Context, ps store.PatientStore, ref *LogicalReference, refs map[string]string) (string, error) {
	const element = "ServiceRequest.subject"
	if strings.TrimSpace(ref.Reference) != "" {
		target := strings.TrimSpace(ref.Reference)
		if q, ok := strings.CutPrefix(target, "Patient?identifier="); ok {
			system, value, found := strings.Cut(q, "|")
			if !found {
				system, value = patient.NHSNumberSystem, q
			}
			return patientByIdentifier(ctx, ps, &Identifier{System: system, Value: value})
		}
		return patientRef(ctx, ps, &Reference{Reference: target}, element, refs)
	}
	return patientByIdentifier(ctx, ps, ref.Identifier)
}

func patientByIdentifier(ctx context.Context, ps store.PatientStore, id *Identifier) (string, error) {
	const element = "ServiceRequest.subject.identifier"
	if id.System != patient.NHSNumberSystem {
		return "", newOpError(http.StatusUnprocessableEntity, codeNotSupported, "%s: system %q is not supported; use %s", element, id.System, patient.NHSNumberSystem)
	}
	n, err := nhsnumber.Parse(id.Value)
	if err != nil {
		return "", newOpError(http.StatusUnprocessableEntity, codeValue, "%s: %q is not a valid NHS number", element, id.Value)
	}
	p, err := ps.PatientByNHSNumber(ctx, n)
	if errors.Is(err, store.ErrNotFound) {
		return "", newOpError(http.StatusUnprocessableEntity, codeNotFound, "%s: no patient with NHS number %s is known", element, n)
	}
	if err != nil {
		return "", err
	}
	return p.ID, nil
}

func clinicNamed(ctx context.Context, tx *store.Tx, name string) (store.Clinic, error) {
	c, err := tx.ClinicByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return store.Clinic{}, newOpError(http.StatusUnprocessableEntity, codeValue, "ServiceRequest.code: unknown clinic %q", name)
	}
	return c, err
}

// referralResponse is the entry response of a referral change.
func referralResponse(r store.Referral, status int, action audit.Action, kind events.Kind) entryResponse {
	resp := resourceResponse("ServiceRequest/"+r.ID, r.LastUpdated)
	resp.status, resp.action, resp.patientID = status, action, r.PatientID
	resp.details = r.Clinic.Name
	if r.Reason != "" {
		resp.details += ", " + r.Reason
	}
	if kind != "" {
		resp.events = append(resp.events, events.Event{Kind: kind, At: r.LastUpdated, PatientID: r.PatientID, ReferralID: r.ID})
	}
	return resp
}

// createReferral stores a new referral inside tx (its signature is the
// planned/createByPost step's; the resource is not needed).
func createReferral(ctx context.Context, tx *store.Tx, req referralRequest, _ ServiceRequest, refs map[string]string) (entryResponse, error) {
	if req.status != store.ReferralActive {
		return entryResponse{}, newOpError(http.StatusUnprocessableEntity, codeBusinessRule, "ServiceRequest.status: a new referral must be active, not %q", req.status)
	}
	patientID, err := subjectPatient(ctx, tx, req.subject, refs)
	if err != nil {
		return entryResponse{}, err
	}
	clinic, err := clinicNamed(ctx, tx, req.clinic)
	if err != nil {
		return entryResponse{}, err
	}
	r := store.Referral{PatientID: patientID, Clinic: clinic, Status: req.status, Intent: req.intent, Priority: req.priority,
		Reason: req.reason, Requester: req.requester, AuthoredOn: req.authoredOn}
	if err := tx.CreateReferral(ctx, &r); err != nil {
		return entryResponse{}, err
	}
	return referralResponse(r, http.StatusCreated, audit.ReceiveReferral, events.ReferralReceived), nil
}

func planServiceRequest(_ context.Context, _ *Handler, raw json.RawMessage, _ BundleEntryRequest) (runner, *opError) {
	return planned(raw, "ServiceRequest", serviceRequestFromResource, createReferral)
}

// updateReferral applies a PUT inside tx.
func updateReferral(ctx context.Context, tx *store.Tx, id string, req referralRequest, refs map[string]string) (store.Referral, entryResponse, error) {
	old, err := tx.Referral(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Referral{}, entryResponse{}, newOpError(http.StatusNotFound, codeNotFound,
			"ServiceRequest/%s is not known (an update cannot create a referral: POST it)", id)
	}
	if err != nil {
		return store.Referral{}, entryResponse{}, err
	}
	patientID, err := subjectPatient(ctx, tx, req.subject, refs)
	if err != nil {
		return store.Referral{}, entryResponse{}, err
	}
	if patientID != old.PatientID {
		return store.Referral{}, entryResponse{}, newOpError(http.StatusUnprocessableEntity, codeBusinessRule,
			"ServiceRequest.subject: ServiceRequest/%s is for Patient/%s; the patient of a referral cannot be changed", id, old.PatientID)
	}
	if old.Status != store.ReferralActive && req.status != old.Status {
		return store.Referral{}, entryResponse{}, newOpError(http.StatusUnprocessableEntity, codeBusinessRule,
			"ServiceRequest.status: ServiceRequest/%s is %s and cannot become %s", id, old.Status, req.status)
	}
	clinic, err := clinicNamed(ctx, tx, req.clinic)
	if err != nil {
		return store.Referral{}, entryResponse{}, err
	}
	next := old
	next.Status, next.Intent, next.Priority, next.Clinic = req.status, req.intent, req.priority, clinic
	next.Reason, next.Requester, next.AuthoredOn = req.reason, req.requester, req.authoredOn
	if next.Status == old.Status && next.Intent == old.Intent && next.Priority == old.Priority && next.Clinic.ID == old.Clinic.ID &&
		next.Reason == old.Reason && next.Requester == old.Requester && next.AuthoredOn == old.AuthoredOn {
		return old, referralResponse(old, http.StatusOK, "", ""), nil // nothing changed: not audited
	}
	updated, err := tx.UpdateReferral(ctx, next)
	if err != nil {
		return store.Referral{}, entryResponse{}, err
	}
	action, kind := audit.UpdateReferral, events.Kind("")
	if old.Status == store.ReferralActive && (updated.Status == store.ReferralRevoked || updated.Status == store.ReferralEnteredInError) {
		action, kind = audit.WithdrawReferral, events.ReferralCancelled
	}
	resp := referralResponse(updated, http.StatusOK, action, kind)
	if action == audit.WithdrawReferral {
		resp.details += ", " + updated.Status
	}
	return updated, resp, nil
}

func planServiceRequestUpdate(_ context.Context, _ *Handler, raw json.RawMessage, id string) (runner, *opError) {
	parse := func(res ServiceRequest) (referralRequest, *opError) { return serviceRequestUpdateFromResource(res, id) }
	return planned(raw, "ServiceRequest", parse,
		func(ctx context.Context, tx *store.Tx, req referralRequest, _ ServiceRequest, refs map[string]string) (entryResponse, error) {
			_, resp, err := updateReferral(ctx, tx, id, req, refs)
			return resp, err
		})
}

func serviceRequestUpdateFromResource(res ServiceRequest, id string) (referralRequest, *opError) {
	if res.ID != "" && res.ID != id {
		return referralRequest{}, newOpError(http.StatusBadRequest, codeInvalid, "ServiceRequest.id: %q does not match the id in the URL (%s)", res.ID, id)
	}
	return serviceRequestFromResource(res)
}

func (h *Handler) createServiceRequest(w http.ResponseWriter, r *http.Request) {
	createByPost(h, w, r, "ServiceRequest", serviceRequestFromResource, createReferral, h.store.Referral, serviceRequestResource)
}

func (h *Handler) readServiceRequest(w http.ResponseWriter, r *http.Request) {
	readByID(h, w, r, "ServiceRequest", h.store.Referral, serviceRequestResource)
}

func (h *Handler) updateServiceRequest(w http.ResponseWriter, r *http.Request) {
	updateByPut(h, w, r, serviceRequestUpdateFromResource,
		func(ctx context.Context, tx *store.Tx, req referralRequest) (store.Referral, entryResponse, error) {
			return updateReferral(ctx, tx, r.PathValue("id"), req, nil)
		}, serviceRequestResource)
}

func (h *Handler) searchServiceRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var sq store.ReferralQuery
	for _, name := range []string{"patient", "subject"} {
		if v := q.Get(name); v != "" {
			sq.PatientID = strings.TrimPrefix(v, "Patient/")
		}
	}
	for _, name := range []string{"patient.identifier", "subject.identifier", "subject:identifier", "patient:identifier"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		system, value, ok := nhsNumberToken(v)
		if !ok {
			h.fail(w, r, newOpError(http.StatusBadRequest, codeNotSupported, "%s: system %q is not supported; use %s", name, system, patient.NHSNumberSystem))
			return
		}
		n, err := nhsnumber.Parse(value)
		if err != nil {
			h.fail(w, r, newOpError(http.StatusBadRequest, codeValue, "%s: %q is not a valid NHS number", name, value))
			return
		}
		p, err := h.store.PatientByNHSNumber(r.Context(), n)
		if errors.Is(err, store.ErrNotFound) {
			h.searchset(w, r, nil, nil, "ServiceRequest") // no such patient: no referrals
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		sq.PatientID = p.ID
	}
	if s := q.Get("status"); s != "" {
		for _, st := range strings.Split(s, ",") {
			if !slices.Contains(referralStatuses, st) {
				h.fail(w, r, newOpError(http.StatusBadRequest, codeValue, "status: %q is not one of %s", st, strings.Join(referralStatuses, ", ")))
				return
			}
			sq.Statuses = append(sq.Statuses, st)
		}
	}
	if c := q.Get("code"); c != "" {
		clinic, err := h.store.ClinicByName(r.Context(), c)
		if errors.Is(err, store.ErrNotFound) {
			h.searchset(w, r, nil, nil, "ServiceRequest")
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		sq.ClinicID = clinic.ID
	}
	list, err := h.store.Referrals(r.Context(), sq)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id := q.Get("_id")
	searchsetOf(h, w, r, "ServiceRequest", list, func(ref store.Referral) bool { return id == "" || id == ref.ID },
		serviceRequestResource, func(ref store.Referral) string { return ref.ID })
}

// nhsNumberToken splits a token search value, [system|]value; ok is false
// when it names a system other than the NHS number's.
func nhsNumberToken(v string) (system, value string, ok bool) {
	system, value, found := strings.Cut(v, "|")
	if !found {
		return "", v, true
	}
	return system, value, system == "" || system == patient.NHSNumberSystem
}

// publish hands the events of a committed change to the EPR's notice
// board (package events), marked as made through the FHIR API by who.
func (h *Handler) publish(who string, resp entryResponse) {
	for _, e := range resp.events {
		e.Source, e.By = events.FromFHIR, who
		if e.At.IsZero() {
			e.At = h.now()
		}
		h.events.Publish(e)
	}
}

// linkReferral records that appointment a was booked from the referral
// ref (an Appointment's basedOn: ServiceRequest/{id} or a transaction
// entry's fullUrl). The referral must be the patient's and active.
func linkReferral(ctx context.Context, tx *store.Tx, ref string, a store.Appointment, refs map[string]string) error {
	const element = "Appointment.basedOn"
	if loc, ok := refs[ref]; ok {
		ref = loc
	}
	id, ok := strings.CutPrefix(ref, "ServiceRequest/")
	if !ok || id == "" {
		return newOpError(http.StatusUnprocessableEntity, codeValue, "%s: %q is not a reference to a ServiceRequest", element, ref)
	}
	r, err := tx.Referral(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return newOpError(http.StatusUnprocessableEntity, codeNotFound, "%s: ServiceRequest/%s is not known", element, id)
	}
	if err != nil {
		return err
	}
	if r.PatientID != a.PatientID {
		return newOpError(http.StatusUnprocessableEntity, codeBusinessRule, "%s: ServiceRequest/%s is for another patient", element, id)
	}
	if _, err := tx.LinkReferralAppointment(ctx, id, a.ID); errors.Is(err, store.ErrReferralClosed) {
		return newOpError(http.StatusUnprocessableEntity, codeBusinessRule, "%s: ServiceRequest/%s is %s and cannot be booked", element, id, r.Status)
	} else if err != nil {
		return err
	}
	return nil
}

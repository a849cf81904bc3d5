package fhir

// The scheduling resources: Schedule (one per outpatient clinic, search
// and read), Slot (search by schedule and status, read) and Appointment
// (create, read, search by patient, update, and in transactions and
// batches as POST or PUT entries).
//
// An Appointment is created "booked" against one free Slot
// ("slot": [{"reference": "Slot/{id}"}]) for one Patient participant
// ("Patient/{id}" or, inside a transaction, the fullUrl of an earlier
// entry such as urn:uuid:...). A slot that is taken is refused with 409 and
// "This slot is no longer available"; the store takes the slot inside the
// request's transaction, so racing requests cannot both win.
//
// PUT /fhir/Appointment/{id} updates a booked appointment exactly as the
// UI's reschedule and cancel do: status "cancelled" cancels it (freeing
// its slot); status "booked" (or none) with another Slot moves it there,
// refused with 409 and the same message when that slot is taken (unless
// the double-booking defect is on); the same slot again changes nothing.
// The patient cannot be changed, a cancelled appointment cannot be booked
// again, and an update cannot create an appointment (404).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/scheduling"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// schedulingRoutes adds the FHIR routes for Appointment.
func (h *Handler) schedulingRoutes() {
	h.route("POST /fhir/Appointment", h.createAppointment)
	h.route("GET /fhir/Appointment", h.searchAppointments)
	h.route("GET /fhir/Appointment/{id}", h.readAppointment)
	h.route("PUT /fhir/Appointment/{id}", h.updateAppointment)
	h.route("GET /fhir/Slot", h.searchSlots)
	h.route("GET /fhir/Slot/{id}", h.readSlot)
	h.route("GET /fhir/Schedule", h.searchSchedules)
	h.route("GET /fhir/Schedule/{id}", h.readSchedule)
}

func init() {
	planners["Appointment"] = planAppointment
	updatePlanners["Appointment"] = planAppointmentUpdate
}

// AppointmentParticipant is one participant of an Appointment.
type AppointmentParticipant struct {
	Actor  *Reference `json:"actor,omitempty"`
	Status string     `json:"status,omitempty"`
}

// Appointment is the subset of the FHIR R4 resource the EPR keeps.
type Appointment struct {
	ResourceType string                   `json:"resourceType"`
	ID           string                   `json:"id,omitempty"`
	Meta         *Meta                    `json:"meta,omitempty"`
	Status       string                   `json:"status,omitempty"`
	ServiceType  []CodeableConcept        `json:"serviceType,omitempty"`
	Start        string                   `json:"start,omitempty"`
	End          string                   `json:"end,omitempty"`
	Slot         []Reference              `json:"slot,omitempty"`
	Participant  []AppointmentParticipant `json:"participant,omitempty"`
	// BasedOn names the referral (ServiceRequest/{id}) the appointment
	// was booked from: on create it links the appointment to the referral.
	BasedOn []Reference `json:"basedOn,omitempty"`
}

// Slot is a bookable period of a Schedule.
type Slot struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id,omitempty"`
	ServiceType  []CodeableConcept `json:"serviceType,omitempty"`
	Schedule     *Reference        `json:"schedule,omitempty"`
	Status       string            `json:"status"`
	Start        string            `json:"start"`
	End          string            `json:"end"`
}

// Schedule is an outpatient clinic's diary.
type Schedule struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id,omitempty"`
	Active       bool              `json:"active"`
	ServiceType  []CodeableConcept `json:"serviceType,omitempty"`
	Actor        []Reference       `json:"actor"`
	Comment      string            `json:"comment,omitempty"`
}

func appointmentResource(a store.Appointment) Appointment {
	return Appointment{
		ResourceType: "Appointment", ID: a.ID,
		Meta:        &Meta{VersionID: "1", LastUpdated: formatInstant(a.LastUpdated)},
		Status:      a.Status,
		ServiceType: []CodeableConcept{{Text: a.Slot.Clinic.Name}},
		Start:       formatInstant(a.Slot.Start), End: formatInstant(a.Slot.End),
		Slot: []Reference{{Reference: "Slot/" + a.Slot.ID}},
		Participant: []AppointmentParticipant{
			{Actor: &Reference{Reference: "Patient/" + a.PatientID}, Status: "accepted"},
			{Actor: &Reference{Display: a.Slot.Clinic.Location}, Status: "accepted"},
		},
	}
}

func slotResource(s store.Slot) Slot {
	return Slot{ResourceType: "Slot", ID: s.ID, ServiceType: []CodeableConcept{{Text: s.Clinic.Name}},
		Schedule: &Reference{Reference: "Schedule/" + s.Clinic.ID, Display: s.Clinic.Name},
		Status:   s.Status, Start: formatInstant(s.Start), End: formatInstant(s.End)}
}

func scheduleResource(c store.Clinic) Schedule {
	return Schedule{ResourceType: "Schedule", ID: c.ID, Active: true, ServiceType: []CodeableConcept{{Text: c.Specialty}},
		Actor: []Reference{{Display: c.Name + ", " + c.Location}}, Comment: c.Name}
}

// appointmentRequest is a validated Appointment to create.
type appointmentRequest struct {
	slotID  string
	patient *Reference
	// referral is the ServiceRequest reference of basedOn, if any.
	referral string
}

func appointmentFromResource(res Appointment) (appointmentRequest, *opError) {
	if res.ResourceType != "Appointment" {
		return appointmentRequest{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Appointment, got %q", res.ResourceType)
	}
	if res.Status != "" && res.Status != store.AppointmentBooked {
		return appointmentRequest{}, newOpError(http.StatusUnprocessableEntity, codeNotSupported,
			"Appointment.status: only booked appointments can be created, not %q", res.Status)
	}
	slotID, oe := appointmentSlot(res)
	if oe != nil {
		return appointmentRequest{}, oe
	}
	patientRef, oe := appointmentPatient(res)
	if oe != nil {
		return appointmentRequest{}, oe
	}
	if patientRef == nil {
		return appointmentRequest{}, newOpError(http.StatusUnprocessableEntity, codeRequired, "Appointment.participant: exactly one Patient participant is required")
	}
	req := appointmentRequest{slotID: slotID, patient: patientRef}
	for _, b := range res.BasedOn {
		if ref := strings.TrimSpace(b.Reference); strings.HasPrefix(ref, "ServiceRequest/") || strings.HasPrefix(ref, "urn:") {
			req.referral = ref
		}
	}
	return req, nil
}

// appointmentSlot reads the one Slot reference of an Appointment.
func appointmentSlot(res Appointment) (string, *opError) {
	if len(res.Slot) != 1 {
		return "", newOpError(http.StatusUnprocessableEntity, codeRequired, "Appointment.slot: exactly one Slot reference is required")
	}
	slotID, ok := strings.CutPrefix(strings.TrimSpace(res.Slot[0].Reference), "Slot/")
	if !ok || slotID == "" || strings.Contains(slotID, "/") {
		return "", newOpError(http.StatusUnprocessableEntity, codeValue, "Appointment.slot[0]: %q is not a reference to a Slot (want Slot/{id})", res.Slot[0].Reference)
	}
	return slotID, nil
}

// appointmentPatient reads the Patient participant of an Appointment: nil
// when there is none, an error when there are several.
func appointmentPatient(res Appointment) (*Reference, *opError) {
	var patientRefs []*Reference
	for _, p := range res.Participant {
		if p.Actor != nil && (strings.HasPrefix(p.Actor.Reference, "Patient/") || strings.HasPrefix(p.Actor.Reference, "urn:")) {
			patientRefs = append(patientRefs, p.Actor)
		}
	}
	if len(patientRefs) > 1 {
		return nil, newOpError(http.StatusUnprocessableEntity, codeRequired, "Appointment.participant: exactly one Patient participant is required")
	}
	if len(patientRefs) == 0 {
		return nil, nil
	}
	return patientRefs[0], nil
}

// booked is the entry response of a booking, with its audit details.
func booked(a store.Appointment, status int, action audit.Action, details string) entryResponse {
	resp := resourceResponse("Appointment/"+a.ID, a.LastUpdated)
	resp.status, resp.action, resp.patientID = status, action, a.PatientID
	resp.details = fmt.Sprintf("%s, %s", a.Slot.Clinic.Name, scheduling.FormatWhen(a.Slot.Start))
	if details != "" {
		resp.details += ", " + details
	}
	if kind := appointmentEvents[action]; kind != "" {
		resp.events = append(resp.events, events.Event{Kind: kind, At: a.LastUpdated, PatientID: a.PatientID, AppointmentID: a.ID})
	}
	return resp
}

// appointmentEvents are the events (package events) of appointment changes.
var appointmentEvents = map[audit.Action]events.Kind{
	audit.BookAppointment:       events.AppointmentBooked,
	audit.RescheduleAppointment: events.AppointmentRescheduled,
	audit.CancelAppointment:     events.AppointmentCancelled,
}

func planAppointment(_ context.Context, h *Handler, raw json.RawMessage, _ BundleEntryRequest) (runner, *opError) {
	return planned(raw, "Appointment", appointmentFromResource,
		func(ctx context.Context, tx *store.Tx, req appointmentRequest, _ Appointment, refs map[string]string) (entryResponse, error) {
			a, err := createAppointment(ctx, tx, req, refs, h.defects.Fires(ctx, defects.DoubleBooking, true))
			if err != nil {
				return entryResponse{}, err
			}
			return booked(a, http.StatusCreated, audit.BookAppointment, ""), nil
		})
}

// createAppointment books the slot; overbook is the double-booking defect.
func createAppointment(ctx context.Context, tx *store.Tx, req appointmentRequest, refs map[string]string, overbook bool) (store.Appointment, error) {
	patientID, err := patientRef(ctx, tx, req.patient, "Appointment.participant.actor", refs)
	if err != nil {
		return store.Appointment{}, err
	}
	a, err := tx.BookAppointment(ctx, store.Booking{PatientID: patientID, SlotID: req.slotID, BookedBy: "fhir", Overbook: overbook})
	if err != nil {
		return a, slotProblem(err, req.slotID)
	}
	if req.referral != "" {
		if err := linkReferral(ctx, tx, req.referral, a, refs); err != nil {
			return store.Appointment{}, err
		}
	}
	return a, nil
}

// slotProblem turns the store's booking errors into OperationOutcomes.
func slotProblem(err error, slotID string) error {
	switch {
	case errors.Is(err, store.ErrSlotTaken):
		return newOpError(http.StatusConflict, codeConflict, "Appointment.slot: This slot is no longer available (Slot/%s)", slotID)
	case errors.Is(err, store.ErrNotFound):
		return newOpError(http.StatusUnprocessableEntity, codeNotFound, "Appointment.slot: Slot/%s is not known", slotID)
	}
	return err
}

// appointmentUpdate is a validated Appointment PUT.
type appointmentUpdate struct {
	id      string
	cancel  bool
	slotID  string     // when not cancelling
	patient *Reference // nil: unchanged
}

func appointmentUpdateFromResource(res Appointment, id string) (appointmentUpdate, *opError) {
	if res.ResourceType != "Appointment" {
		return appointmentUpdate{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Appointment, got %q", res.ResourceType)
	}
	if res.ID != "" && res.ID != id {
		return appointmentUpdate{}, newOpError(http.StatusBadRequest, codeInvalid, "Appointment.id: %q does not match the id in the URL (%s)", res.ID, id)
	}
	u := appointmentUpdate{id: id}
	var oe *opError
	if u.patient, oe = appointmentPatient(res); oe != nil {
		return appointmentUpdate{}, oe
	}
	switch res.Status {
	case store.AppointmentCancelled:
		u.cancel = true
	case "", store.AppointmentBooked:
		if u.slotID, oe = appointmentSlot(res); oe != nil {
			return appointmentUpdate{}, oe
		}
	default:
		return appointmentUpdate{}, newOpError(http.StatusUnprocessableEntity, codeNotSupported,
			"Appointment.status: %q is not supported; use booked (to reschedule to another slot) or cancelled", res.Status)
	}
	return u, nil
}

// updateAppointment applies an update inside tx; overbook is the
// double-booking defect. An update that changes nothing is answered 200
// and not audited.
func updateAppointment(ctx context.Context, tx *store.Tx, u appointmentUpdate, refs map[string]string, overbook bool) (store.Appointment, entryResponse, error) {
	old, err := tx.Appointment(ctx, u.id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Appointment{}, entryResponse{}, newOpError(http.StatusNotFound, codeNotFound,
			"Appointment/%s is not known (an update cannot create an appointment: POST it to book a slot)", u.id)
	}
	if err != nil {
		return store.Appointment{}, entryResponse{}, err
	}
	if u.patient != nil {
		id, err := patientRef(ctx, tx, u.patient, "Appointment.participant.actor", refs)
		if err != nil {
			return store.Appointment{}, entryResponse{}, err
		}
		if id != old.PatientID {
			return store.Appointment{}, entryResponse{}, newOpError(http.StatusUnprocessableEntity, codeBusinessRule,
				"Appointment.participant: Appointment/%s is for Patient/%s; the patient of an appointment cannot be changed", u.id, old.PatientID)
		}
	}
	switch {
	case u.cancel && old.Status == store.AppointmentCancelled:
		return old, booked(old, http.StatusOK, "", ""), nil
	case u.cancel:
		a, err := tx.CancelAppointment(ctx, u.id)
		if err != nil {
			return store.Appointment{}, entryResponse{}, err
		}
		return a, booked(a, http.StatusOK, audit.CancelAppointment, ""), nil
	case old.Status == store.AppointmentCancelled:
		return store.Appointment{}, entryResponse{}, newOpError(http.StatusUnprocessableEntity, codeBusinessRule,
			"Appointment.status: Appointment/%s is cancelled and cannot be booked again; POST a new Appointment", u.id)
	case old.Slot.ID == u.slotID:
		return old, booked(old, http.StatusOK, "", ""), nil
	}
	a, err := tx.RescheduleAppointment(ctx, u.id, u.slotID, overbook)
	if err != nil {
		return store.Appointment{}, entryResponse{}, slotProblem(err, u.slotID)
	}
	return a, booked(a, http.StatusOK, audit.RescheduleAppointment, "moved from "+scheduling.FormatWhen(old.Slot.Start)), nil
}

func planAppointmentUpdate(_ context.Context, h *Handler, raw json.RawMessage, id string) (runner, *opError) {
	parse := func(res Appointment) (appointmentUpdate, *opError) { return appointmentUpdateFromResource(res, id) }
	return planned(raw, "Appointment", parse,
		func(ctx context.Context, tx *store.Tx, u appointmentUpdate, _ Appointment, refs map[string]string) (entryResponse, error) {
			_, resp, err := updateAppointment(ctx, tx, u, refs, h.defects.Fires(ctx, defects.DoubleBooking, true))
			return resp, err
		})
}

func (h *Handler) updateAppointment(w http.ResponseWriter, r *http.Request) {
	updateByPut(h, w, r, appointmentUpdateFromResource,
		func(ctx context.Context, tx *store.Tx, u appointmentUpdate) (store.Appointment, entryResponse, error) {
			return updateAppointment(ctx, tx, u, nil, h.defects.Fires(ctx, defects.DoubleBooking, true))
		}, appointmentResource)
}

func (h *Handler) createAppointment(w http.ResponseWriter, r *http.Request) {
	// As a Bundle entry's (planAppointment), conditional on If-None-Exist.
	createByPost(h, w, r, "Appointment", appointmentFromResource,
		func(ctx context.Context, tx *store.Tx, req appointmentRequest, _ Appointment, refs map[string]string) (entryResponse, error) {
			a, err := createAppointment(ctx, tx, req, refs, h.defects.Fires(ctx, defects.DoubleBooking, true))
			if err != nil {
				return entryResponse{}, err
			}
			return booked(a, http.StatusCreated, audit.BookAppointment, ""), nil
		}, h.store.Appointment, appointmentResource)
}

func (h *Handler) readAppointment(w http.ResponseWriter, r *http.Request) {
	readByID(h, w, r, "Appointment", h.store.Appointment, appointmentResource)
}

func (h *Handler) searchAppointments(w http.ResponseWriter, r *http.Request) {
	id, oe := searchPatientID(r)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	q := store.AppointmentQuery{PatientID: id, Status: r.URL.Query().Get("status")}
	if q.Status != "" && q.Status != store.AppointmentBooked && q.Status != store.AppointmentCancelled {
		h.fail(w, r, newOpError(http.StatusBadRequest, codeValue, "status: %q is not booked or cancelled", q.Status))
		return
	}
	list, err := h.store.Appointments(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	searchsetOf(h, w, r, "Appointment", list, nil, appointmentResource, func(a store.Appointment) string { return a.ID })
}

func (h *Handler) searchSlots(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clinic := strings.TrimPrefix(q.Get("schedule"), "Schedule/")
	if clinic == "" {
		h.fail(w, r, newOpError(http.StatusBadRequest, codeRequired, "search needs the schedule parameter (schedule=Schedule/{id})"))
		return
	}
	status := q.Get("status")
	if status != "" && status != store.SlotFree && status != store.SlotBusy {
		h.fail(w, r, newOpError(http.StatusBadRequest, codeValue, "status: %q is not free or busy", status))
		return
	}
	limit := 0
	if c := q.Get("_count"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			h.fail(w, r, newOpError(http.StatusBadRequest, codeValue, "_count: %q is not a positive whole number", c))
			return
		}
		limit = n
	}
	slots, err := h.store.Slots(r.Context(), clinic, status, limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	searchsetOf(h, w, r, "Slot", slots, nil, slotResource, func(s store.Slot) string { return s.ID })
}

func (h *Handler) readSlot(w http.ResponseWriter, r *http.Request) {
	readByID(h, w, r, "Slot", h.store.Slot, slotResource)
}

func (h *Handler) searchSchedules(w http.ResponseWriter, r *http.Request) {
	clinics, err := h.store.Clinics(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	searchsetOf(h, w, r, "Schedule", clinics, nil, scheduleResource, func(c store.Clinic) string { return c.ID })
}

func (h *Handler) readSchedule(w http.ResponseWriter, r *http.Request) {
	clinics, err := h.store.Clinics(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, c := range clinics {
		if c.ID == r.PathValue("id") {
			h.write(w, r, http.StatusOK, scheduleResource(c))
			return
		}
	}
	h.fail(w, r, newOpError(http.StatusNotFound, codeNotFound, "Schedule/%s is not known", r.PathValue("id")))
}

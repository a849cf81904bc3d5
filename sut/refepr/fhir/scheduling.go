package fhir

// The scheduling resources: Schedule (one per outpatient clinic, search
// and read), Slot (search by schedule and status, read) and Appointment
// (create, read, search by patient, and in transactions).
//
// An Appointment is created "booked" against one free Slot
// ("slot": [{"reference": "Slot/{id}"}]) for one Patient participant
// ("Patient/{id}" or, inside a transaction, the fullUrl of an earlier
// entry such as urn:uuid:...). A slot that is taken is refused with 409 and
// "This slot is no longer available"; the store takes the slot inside the
// request's transaction, so racing requests cannot both win.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// schedulingRoutes adds the FHIR routes for Appointment.
func (h *Handler) schedulingRoutes() {
	h.mux.HandleFunc("POST /fhir/Appointment", h.createAppointment)
	h.mux.HandleFunc("GET /fhir/Appointment", h.searchAppointments)
	h.mux.HandleFunc("GET /fhir/Appointment/{id}", h.readAppointment)
	h.mux.HandleFunc("GET /fhir/Slot", h.searchSlots)
	h.mux.HandleFunc("GET /fhir/Slot/{id}", h.readSlot)
	h.mux.HandleFunc("GET /fhir/Schedule", h.searchSchedules)
	h.mux.HandleFunc("GET /fhir/Schedule/{id}", h.readSchedule)
}

func init() {
	planners["Appointment"] = planAppointment
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
}

func appointmentFromResource(res Appointment) (appointmentRequest, *opError) {
	if res.ResourceType != "Appointment" {
		return appointmentRequest{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Appointment, got %q", res.ResourceType)
	}
	if res.Status != "" && res.Status != store.AppointmentBooked {
		return appointmentRequest{}, newOpError(http.StatusUnprocessableEntity, codeNotSupported,
			"Appointment.status: only booked appointments can be created, not %q", res.Status)
	}
	if len(res.Slot) != 1 {
		return appointmentRequest{}, newOpError(http.StatusUnprocessableEntity, codeRequired, "Appointment.slot: exactly one Slot reference is required")
	}
	slotID, ok := strings.CutPrefix(strings.TrimSpace(res.Slot[0].Reference), "Slot/")
	if !ok || slotID == "" || strings.Contains(slotID, "/") {
		return appointmentRequest{}, newOpError(http.StatusUnprocessableEntity, codeValue, "Appointment.slot[0]: %q is not a reference to a Slot (want Slot/{id})", res.Slot[0].Reference)
	}
	var patientRefs []*Reference
	for _, p := range res.Participant {
		if p.Actor != nil && (strings.HasPrefix(p.Actor.Reference, "Patient/") || strings.HasPrefix(p.Actor.Reference, "urn:")) {
			patientRefs = append(patientRefs, p.Actor)
		}
	}
	if len(patientRefs) != 1 {
		return appointmentRequest{}, newOpError(http.StatusUnprocessableEntity, codeRequired, "Appointment.participant: exactly one Patient participant is required")
	}
	return appointmentRequest{slotID: slotID, patient: patientRefs[0]}, nil
}

func planAppointment(raw json.RawMessage, _ BundleEntryRequest) (runner, *opError) {
	var res Appointment
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, newOpError(http.StatusBadRequest, codeStructure, "resource: invalid Appointment: %v", err)
	}
	req, oe := appointmentFromResource(res)
	if oe != nil {
		return nil, oe.withPrefix("resource")
	}
	return func(ctx context.Context, tx *store.Tx, refs map[string]string) (entryResponse, error) {
		a, err := createAppointment(ctx, tx, req, refs, false)
		if err != nil {
			return entryResponse{}, err
		}
		return resourceResponse("Appointment/"+a.ID, a.LastUpdated), nil
	}, nil
}

// createAppointment books the slot; overbook is the double-booking defect.
func createAppointment(ctx context.Context, tx *store.Tx, req appointmentRequest, refs map[string]string, overbook bool) (store.Appointment, error) {
	patientID, err := patientRef(ctx, tx, req.patient, "Appointment.participant.actor", refs)
	if err != nil {
		return store.Appointment{}, err
	}
	a, err := tx.BookAppointment(ctx, store.Booking{PatientID: patientID, SlotID: req.slotID, BookedBy: "fhir", Overbook: overbook})
	switch {
	case errors.Is(err, store.ErrSlotTaken):
		return store.Appointment{}, newOpError(http.StatusConflict, "conflict", "Appointment.slot: This slot is no longer available (Slot/%s)", req.slotID)
	case errors.Is(err, store.ErrNotFound):
		return store.Appointment{}, newOpError(http.StatusUnprocessableEntity, codeNotFound, "Appointment.slot: Slot/%s is not known", req.slotID)
	}
	return a, err
}

func (h *Handler) createAppointment(w http.ResponseWriter, r *http.Request) {
	var res Appointment
	if oe := decode(w, r, maxResourceBytes, &res); oe != nil {
		h.fail(w, r, oe)
		return
	}
	req, oe := appointmentFromResource(res)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	var a store.Appointment
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		a, err = createAppointment(r.Context(), tx, req, nil, h.defects.Fires(r.Context(), defects.DoubleBooking, true))
		return err
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/fhir/Appointment/"+a.ID)
	h.write(w, r, http.StatusCreated, appointmentResource(a))
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
	var (
		resources []any
		ids       []string
	)
	for _, a := range list {
		resources = append(resources, appointmentResource(a))
		ids = append(ids, a.ID)
	}
	h.searchset(w, r, resources, ids, "Appointment")
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
	var (
		resources []any
		ids       []string
	)
	for _, s := range slots {
		resources = append(resources, slotResource(s))
		ids = append(ids, s.ID)
	}
	h.searchset(w, r, resources, ids, "Slot")
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
	var (
		resources []any
		ids       []string
	)
	for _, c := range clinics {
		resources = append(resources, scheduleResource(c))
		ids = append(ids, c.ID)
	}
	h.searchset(w, r, resources, ids, "Schedule")
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

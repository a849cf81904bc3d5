package web

// The scheduling area of the UI: outpatient appointments booked from the
// patient record (GP-to-hospital booking: choose a clinic, pick a free slot,
// confirm), rescheduled and cancelled with a confirmation; and admissions
// (ADT): admit to a ward bed, transfer, discharge, and the ward bed board.
//
// Permissions: GP-practice users, receptionists and doctors book and manage
// appointments, nurses see them; receptionists (ward clerks), nurses and
// doctors admit, transfer and discharge and see the bed board. A GP sees a
// patient's current admission but not the board. Administrators see none of
// it.
//
// A slot is taken inside the booking's database transaction, so of two users
// racing for one slot only one gets it; the other is told "This slot is no
// longer available". Every write is a POST that redirects back to the record
// (303) with a toast, so a reload never repeats it. Every booking, move,
// cancellation, admission, transfer and discharge is written to the audit
// log in the same transaction as the change.

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/scheduling"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// schedulingPages are the page templates of appointments, referrals and admissions
// (templates/<name>.html).
var schedulingPages = []string{"scheduling_book", "scheduling_confirm", "scheduling_cancel", "scheduling_bed", "scheduling_discharge", "scheduling_bedboard"}

// schedulingRoutes adds the UI routes for appointments, referrals and admissions.
func (h *Handler) schedulingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /patients/{id}/appointments/new", h.signedIn(h.scheduling(canBook, h.bookPage)))
	mux.HandleFunc("POST /patients/{id}/appointments", h.signedIn(h.scheduling(canBook, h.book)))
	mux.HandleFunc("GET /patients/{id}/appointments/{aid}/reschedule", h.signedIn(h.scheduling(canBook, h.reschedulePage)))
	mux.HandleFunc("POST /patients/{id}/appointments/{aid}/reschedule", h.signedIn(h.scheduling(canBook, h.reschedule)))
	mux.HandleFunc("GET /patients/{id}/appointments/{aid}/cancel", h.signedIn(h.scheduling(canBook, h.cancelPage)))
	mux.HandleFunc("POST /patients/{id}/appointments/{aid}/cancel", h.signedIn(h.scheduling(canBook, askFirst(h.cancelPage, h.cancel))))
	mux.HandleFunc("GET /patients/{id}/admission/new", h.signedIn(h.scheduling(canAdmit, h.bedPage(false))))
	mux.HandleFunc("POST /patients/{id}/admission", h.signedIn(h.scheduling(canAdmit, h.admit)))
	mux.HandleFunc("GET /patients/{id}/admission/transfer", h.signedIn(h.scheduling(canAdmit, h.bedPage(true))))
	mux.HandleFunc("POST /patients/{id}/admission/transfer", h.signedIn(h.scheduling(canAdmit, h.transfer)))
	mux.HandleFunc("GET /patients/{id}/admission/discharge", h.signedIn(h.scheduling(canAdmit, h.dischargePage)))
	mux.HandleFunc("POST /patients/{id}/admission/discharge", h.signedIn(h.scheduling(canAdmit, h.discharge)))
	mux.HandleFunc("GET /wards", h.signedIn(h.bedBoard))
}

// The scheduling permissions.
func canBook(r auth.Role) bool {
	return r == auth.GPPractice || r == auth.Receptionist || r == auth.Doctor
}
func canSeeAppointments(r auth.Role) bool { return canBook(r) || r == auth.Nurse }
func canAdmit(r auth.Role) bool {
	return r == auth.Receptionist || r == auth.Nurse || r == auth.Doctor
}
func canSeeAdmission(r auth.Role) bool { return canAdmit(r) || r == auth.GPPractice }

// SlotTakenMessage is what a user is told when a slot went to someone else.
const SlotTakenMessage = "This slot is no longer available"

// schedulingRecord is the record page's scheduling data (partial
// record-scheduling).
type schedulingRecord struct {
	PatientID        string
	ShowAppointments bool
	CanBook          bool
	Appointments     []appointmentRow
	ShowAdmission    bool
	CanAdmit         bool
	Admission        *admissionView
}

type appointmentRow struct {
	ID, Clinic, When, Location, BookedBy string
}

type admissionView struct {
	Ward, Bed, Since string
}

func toRow(a store.Appointment) appointmentRow {
	return appointmentRow{ID: a.ID, Clinic: a.Slot.Clinic.Name, When: scheduling.FormatWhen(a.Slot.Start), Location: a.Slot.Clinic.Location, BookedBy: a.BookedBy}
}

// loadSchedulingRecord reads the patient's upcoming appointments and current
// admission for the record page, as far as the user's role may see them.
func (h *Handler) loadSchedulingRecord(r *http.Request, u auth.User, p patient.Patient) (schedulingRecord, error) {
	v := schedulingRecord{PatientID: p.ID, ShowAppointments: canSeeAppointments(u.Role), CanBook: canBook(u.Role),
		ShowAdmission: canSeeAdmission(u.Role), CanAdmit: canAdmit(u.Role)}
	if v.ShowAppointments {
		list, err := h.store.Appointments(r.Context(), store.AppointmentQuery{PatientID: p.ID, Status: store.AppointmentBooked, Upcoming: true})
		if err != nil {
			return v, fmt.Errorf("load appointments: %w", err)
		}
		for _, a := range list {
			v.Appointments = append(v.Appointments, toRow(a))
		}
	}
	if v.ShowAdmission {
		a, err := h.store.CurrentAdmission(r.Context(), p.ID)
		switch {
		case err == nil:
			v.Admission = &admissionView{Ward: a.WardName, Bed: a.BedLabel, Since: scheduling.FormatWhen(a.AdmittedAt)}
		case !errors.Is(err, store.ErrNotAdmitted):
			return v, fmt.Errorf("load admission: %w", err)
		}
	}
	return v, nil
}

type schedulingHandler func(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient)

// scheduling checks the role, parses a POST's form and loads the patient.
func (h *Handler) scheduling(allowed func(auth.Role) bool, next schedulingHandler) func(http.ResponseWriter, *http.Request, auth.User) {
	return func(w http.ResponseWriter, r *http.Request, u auth.User) {
		if !allowed(u.Role) {
			h.log.InfoContext(r.Context(), "scheduling action refused", "username", u.Username, "role", u.Role, "path", r.URL.Path)
			h.noPermission(w, r, u, "manage appointments or admissions.")
			return
		}
		if !parsePostForm(w, r) {
			return
		}
		p, err := h.store.Patient(r.Context(), r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) {
			h.schedulingNotFound(w, r, u, "Patient not found", "There is no patient record at this address.")
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next(w, r, u, p)
	}
}

func (h *Handler) schedulingNotFound(w http.ResponseWriter, r *http.Request, u auth.User, heading, why string) {
	h.render(w, r, http.StatusNotFound, "message", view{Title: heading, User: &u,
		Page: messagePage{Heading: heading, Paragraphs: []string{why}, ShowSearchLink: true}})
}

// auditTx appends an audit entry about p by u inside tx, so the change and
// its entry commit together.
func (h *Handler) auditTx(r *http.Request, tx *store.Tx, u auth.User, action audit.Action, p patient.Patient, details string) error {
	return tx.AppendAudit(r.Context(), &audit.Entry{At: h.now(), Username: u.Username, Action: action,
		PatientID: p.ID, NHSNumber: p.NHSNumber.String(), Details: details})
}

// appointmentDetails describes an appointment for the audit log:
// "Cardiology, Tue 2 Jun 2026 09:00 (appointment <id>)".
func appointmentDetails(a store.Appointment) string {
	return fmt.Sprintf("%s, %s (appointment %s)", a.Slot.Clinic.Name, scheduling.FormatWhen(a.Slot.Start), a.ID)
}

// toRecord redirects to the patient's record with a toast.
func (h *Handler) toRecord(w http.ResponseWriter, r *http.Request, patientID, toast string) {
	h.flash(w, toast)
	http.Redirect(w, r, "/patients/"+patientID, http.StatusSeeOther)
}

// --- booking ---

type clinicOption struct {
	ID, Name string
	Selected bool
}

type slotRow struct {
	ID, When, Clinic, Location string
}

// bookPage is the clinic choice and free slots (scheduling_book) of a
// booking or a reschedule.
type bookPage struct {
	Patient     patient.Patient
	Reschedule  *appointmentRow // the appointment being moved
	Clinics     []clinicOption
	Clinic      string // the chosen clinic's name
	ClinicError bool
	Slots       []slotRow
	SelectURL   string // where a chosen slot goes, with ?slot=
}

// confirmPage checks a booking or a move before it is made
// (scheduling_confirm).
type confirmPage struct {
	Patient    patient.Patient
	Reschedule *appointmentRow
	Slot       slotRow
	SlotID     string
	Taken      bool   // the slot went to someone else
	Action     string // the form's action
	BackURL    string // choose another slot
}

// maxSlotsShown caps the free slots listed at once.
const maxSlotsShown = 30

func (h *Handler) bookPage(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	if slotID := r.URL.Query().Get("slot"); slotID != "" {
		h.confirm(w, r, u, p, nil, slotID, http.StatusOK, false)
		return
	}
	h.slotChoice(w, r, u, p, nil, r.URL.Query().Get("clinic"))
}

// slotChoice renders the clinic choice and, once a clinic is chosen, its
// free slots.
func (h *Handler) slotChoice(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, moving *store.Appointment, clinicID string) {
	clinics, err := h.store.Clinics(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := bookPage{Patient: p, SelectURL: "/patients/" + p.ID + "/appointments/new"}
	title := "Book an appointment"
	if moving != nil {
		row := toRow(*moving)
		page.Reschedule = &row
		page.SelectURL = "/patients/" + p.ID + "/appointments/" + moving.ID + "/reschedule"
		title = "Reschedule the appointment"
		clinicID = moving.Slot.Clinic.ID
	}
	for _, c := range clinics {
		selected := c.ID == clinicID
		page.Clinics = append(page.Clinics, clinicOption{ID: c.ID, Name: c.Name, Selected: selected})
		if selected {
			page.Clinic = c.Name
		}
	}
	v := view{Title: title + " – " + p.DisplayName(), User: &u}
	switch {
	case clinicID == "":
	case page.Clinic == "":
		page.ClinicError, v.HasError = true, true
	default:
		slots, err := h.store.FreeSlots(r.Context(), clinicID, maxSlotsShown)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, s := range slots {
			page.Slots = append(page.Slots, toSlotRow(s))
		}
	}
	v.Page = page
	h.render(w, r, http.StatusOK, "scheduling_book", v)
}

func toSlotRow(s store.Slot) slotRow {
	return slotRow{ID: s.ID, When: scheduling.FormatWhen(s.Start), Clinic: s.Clinic.Name, Location: s.Clinic.Location}
}

// confirm renders the check page for a slot, or the slot-taken message when
// the slot is no longer free (refused is true after a failed POST).
func (h *Handler) confirm(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, moving *store.Appointment, slotID string, status int, refused bool) {
	sl, err := h.store.Slot(r.Context(), slotID)
	if errors.Is(err, store.ErrNotFound) {
		h.schedulingNotFound(w, r, u, "Slot not found", "There is no appointment slot at this address.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := confirmPage{Patient: p, Slot: toSlotRow(sl), SlotID: sl.ID,
		Action:  "/patients/" + p.ID + "/appointments",
		BackURL: "/patients/" + p.ID + "/appointments/new?clinic=" + sl.Clinic.ID}
	title := "Check the appointment"
	if moving != nil {
		row := toRow(*moving)
		page.Reschedule = &row
		page.Action = "/patients/" + p.ID + "/appointments/" + moving.ID + "/reschedule"
		page.BackURL = page.Action
		title = "Check the new time"
	}
	// A slot already taken is refused before the user presses the button
	// (the double-booking defect loses this check along with the store's).
	page.Taken = h.slotTaken(r, sl, refused)
	v := view{Title: title + " – " + p.DisplayName(), User: &u, HasError: page.Taken, Page: page}
	h.render(w, r, status, "scheduling_confirm", v)
}

// slotTaken says whether the check page refuses sl: refused (a POST found
// it taken), taken already (unless the double-booking defect loses this
// check along with the store's) or in the past.
func (h *Handler) slotTaken(r *http.Request, sl store.Slot, refused bool) bool {
	return refused || (sl.Status != store.SlotFree && !h.defects.Fires(r.Context(), defects.DoubleBooking, true)) || !sl.Start.After(h.now())
}

// bookSlot books slotID for p in one transaction, audited as a booking
// (appointmentDetails plus note); also, when not nil, runs in the same
// transaction. The double-booking defect loses the availability check.
func (h *Handler) bookSlot(r *http.Request, u auth.User, p patient.Patient, slotID, note string, also func(*store.Tx, store.Appointment) error) (store.Appointment, error) {
	var a store.Appointment
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		a, err = tx.BookAppointment(r.Context(), store.Booking{
			PatientID: p.ID, SlotID: slotID, BookedBy: u.Username,
			Overbook: h.defects.Fires(r.Context(), defects.DoubleBooking, true), // defect: the availability check is lost
		})
		if err != nil {
			return err
		}
		if also != nil {
			if err := also(tx, a); err != nil {
				return err
			}
		}
		return h.auditTx(r, tx, u, audit.BookAppointment, p, appointmentDetails(a)+note)
	})
	return a, err
}

func (h *Handler) book(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	slotID := r.PostForm.Get("slot")
	if slotID == "" {
		http.Redirect(w, r, "/patients/"+p.ID+"/appointments/new", http.StatusSeeOther)
		return
	}
	a, err := h.bookSlot(r, u, p, slotID, "", nil)
	switch {
	case errors.Is(err, store.ErrSlotTaken):
		h.log.InfoContext(r.Context(), "booking refused: slot taken", "username", u.Username, "patient", p.ID, "slot", slotID)
		h.confirm(w, r, u, p, nil, slotID, http.StatusConflict, true)
		return
	case errors.Is(err, store.ErrNotFound):
		h.schedulingNotFound(w, r, u, "Slot not found", "There is no appointment slot at this address.")
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "appointment booked", "username", u.Username, "patient", p.ID, "appointment", a.ID)
	h.publishAppointment(events.AppointmentBooked, u, a) // referrals.go
	h.toRecord(w, r, p.ID, fmt.Sprintf("Appointment booked: %s, %s", a.Slot.Clinic.Name, scheduling.FormatWhen(a.Slot.Start)))
}

// patientAppointment loads the booked appointment named in the path, which
// must be the patient's; otherwise it answers 404 and returns false.
func (h *Handler) patientAppointment(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) (store.Appointment, bool) {
	a, err := h.store.Appointment(r.Context(), r.PathValue("aid"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, err)
		return store.Appointment{}, false
	}
	if err != nil || a.PatientID != p.ID || a.Status != store.AppointmentBooked {
		h.schedulingNotFound(w, r, u, "Appointment not found", "This patient has no booked appointment at this address.")
		return store.Appointment{}, false
	}
	return a, true
}

func (h *Handler) reschedulePage(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	a, ok := h.patientAppointment(w, r, u, p)
	if !ok {
		return
	}
	if slotID := r.URL.Query().Get("slot"); slotID != "" {
		h.confirm(w, r, u, p, &a, slotID, http.StatusOK, false)
		return
	}
	h.slotChoice(w, r, u, p, &a, "")
}

func (h *Handler) reschedule(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	a, ok := h.patientAppointment(w, r, u, p)
	if !ok {
		return
	}
	slotID := r.PostForm.Get("slot")
	var moved store.Appointment
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		moved, err = tx.RescheduleAppointment(r.Context(), a.ID, slotID, h.defects.Fires(r.Context(), defects.DoubleBooking, true))
		if err != nil || moved.Slot.ID == a.Slot.ID {
			return err // the same slot again changes nothing
		}
		return h.auditTx(r, tx, u, audit.RescheduleAppointment, p,
			fmt.Sprintf("%s, moved from %s", appointmentDetails(moved), scheduling.FormatWhen(a.Slot.Start)))
	})
	switch {
	case errors.Is(err, store.ErrSlotTaken):
		h.confirm(w, r, u, p, &a, slotID, http.StatusConflict, true)
		return
	case errors.Is(err, store.ErrNotFound):
		h.schedulingNotFound(w, r, u, "Slot not found", "There is no appointment slot at this address.")
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "appointment rescheduled", "username", u.Username, "patient", p.ID, "appointment", a.ID)
	if moved.Slot.ID != a.Slot.ID {
		h.publishAppointment(events.AppointmentRescheduled, u, moved)
	}
	h.toRecord(w, r, p.ID, fmt.Sprintf("Appointment moved to %s", scheduling.FormatWhen(moved.Slot.Start)))
}

type cancelPage struct {
	Patient     patient.Patient
	Appointment appointmentRow
}

func (h *Handler) cancelPage(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	a, ok := h.patientAppointment(w, r, u, p)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "scheduling_cancel", view{Title: "Cancel this appointment? – " + p.DisplayName(), User: &u,
		Page: cancelPage{Patient: p, Appointment: toRow(a)}})
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	a, ok := h.patientAppointment(w, r, u, p)
	if !ok {
		return
	}
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		cancelled, err := tx.CancelAppointment(r.Context(), a.ID)
		if err != nil {
			return err
		}
		return h.auditTx(r, tx, u, audit.CancelAppointment, p, appointmentDetails(cancelled))
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "appointment cancelled", "username", u.Username, "patient", p.ID, "appointment", a.ID)
	h.publishAppointment(events.AppointmentCancelled, u, a)
	h.toRecord(w, r, p.ID, fmt.Sprintf("Appointment cancelled: %s, %s", a.Slot.Clinic.Name, scheduling.FormatWhen(a.Slot.Start)))
}

// --- admissions ---

type bedOption struct {
	ID, Label string
}

type wardOptions struct {
	Name string
	Beds []bedOption
}

// bedChoicePage admits or transfers (scheduling_bed).
type bedChoicePage struct {
	Patient  patient.Patient
	Transfer bool
	Current  *admissionView
	Wards    []wardOptions // free beds only
	Problem  string
	Action   string
}

func (h *Handler) bedPage(transfer bool) schedulingHandler {
	return func(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
		h.renderBedChoice(w, r, u, p, transfer, "", http.StatusOK)
	}
}

func (h *Handler) renderBedChoice(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, transfer bool, problem string, status int) {
	page := bedChoicePage{Patient: p, Transfer: transfer, Problem: problem, Action: "/patients/" + p.ID + "/admission"}
	title := "Admit " + p.DisplayName()
	cur, err := h.store.CurrentAdmission(r.Context(), p.ID)
	switch {
	case err == nil:
		page.Current = &admissionView{Ward: cur.WardName, Bed: cur.BedLabel, Since: scheduling.FormatWhen(cur.AdmittedAt)}
	case !errors.Is(err, store.ErrNotAdmitted):
		h.fail(w, r, err)
		return
	}
	if transfer {
		title = "Transfer " + p.DisplayName()
		page.Action += "/transfer"
		if page.Current == nil {
			h.toRecord(w, r, p.ID, p.DisplayName()+" is not admitted")
			return
		}
	} else if page.Current != nil && problem == "" {
		page.Problem = p.DisplayName() + " is already admitted to " + page.Current.Ward + ", bed " + page.Current.Bed
	}
	board, err := h.store.BedBoard(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, ward := range board {
		wo := wardOptions{Name: ward.Name}
		for _, b := range ward.Beds {
			if b.Occupant == nil {
				wo.Beds = append(wo.Beds, bedOption{ID: b.ID, Label: ward.Name + ", bed " + b.Label})
			}
		}
		if len(wo.Beds) > 0 {
			page.Wards = append(page.Wards, wo)
		}
	}
	h.render(w, r, status, "scheduling_bed", view{Title: title, User: &u, HasError: page.Problem != "", Page: page})
}

// admissionProblem is what the user is told when an admission or transfer
// is refused, or "" for other errors.
func admissionProblem(p patient.Patient, err error) string {
	switch {
	case errors.Is(err, store.ErrBedOccupied):
		return "This bed is already occupied. Choose another bed"
	case errors.Is(err, store.ErrAlreadyAdmitted):
		return p.DisplayName() + " is already admitted"
	case errors.Is(err, store.ErrNotAdmitted):
		return p.DisplayName() + " is not admitted"
	case errors.Is(err, store.ErrNotFound):
		return "Choose a bed"
	}
	return ""
}

func (h *Handler) admit(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	var a store.Admission
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if a, err = tx.Admit(r.Context(), p.ID, r.PostForm.Get("bed"), u.Username); err != nil {
			return err
		}
		return h.auditTx(r, tx, u, audit.AdmitPatient, p, fmt.Sprintf("%s, bed %s", a.WardName, a.BedLabel))
	})
	if msg := admissionProblem(p, err); msg != "" {
		h.renderBedChoice(w, r, u, p, false, msg, http.StatusConflict)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "patient admitted", "username", u.Username, "patient", p.ID, "bed", a.BedID)
	h.events.Publish(events.Event{Kind: events.Admitted, Source: events.FromUI, At: h.now(), PatientID: p.ID,
		By: u.Username, Ward: a.WardName, Bed: a.BedLabel})
	h.toRecord(w, r, p.ID, fmt.Sprintf("%s admitted to %s, bed %s", p.DisplayName(), a.WardName, a.BedLabel))
}

func (h *Handler) transfer(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	var a, from store.Admission
	moved := false
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if from, err = tx.CurrentAdmission(r.Context(), p.ID); err != nil {
			return err
		}
		if a, err = tx.Transfer(r.Context(), p.ID, r.PostForm.Get("bed")); err != nil || a.BedID == from.BedID {
			return err // the same bed again changes nothing
		}
		moved = true
		return h.auditTx(r, tx, u, audit.TransferPatient, p,
			fmt.Sprintf("%s, bed %s, from %s, bed %s", a.WardName, a.BedLabel, from.WardName, from.BedLabel))
	})
	if msg := admissionProblem(p, err); msg != "" {
		h.renderBedChoice(w, r, u, p, true, msg, http.StatusConflict)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "patient transferred", "username", u.Username, "patient", p.ID, "bed", a.BedID)
	if moved {
		h.events.Publish(events.Event{Kind: events.Transferred, Source: events.FromUI, At: h.now(), PatientID: p.ID,
			By: u.Username, Ward: a.WardName, Bed: a.BedLabel, FromWard: from.WardName, FromBed: from.BedLabel})
	}
	h.toRecord(w, r, p.ID, fmt.Sprintf("%s transferred to %s, bed %s", p.DisplayName(), a.WardName, a.BedLabel))
}

type dischargePage struct {
	Patient   patient.Patient
	Admission admissionView
}

func (h *Handler) dischargePage(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	a, err := h.store.CurrentAdmission(r.Context(), p.ID)
	if errors.Is(err, store.ErrNotAdmitted) {
		h.toRecord(w, r, p.ID, p.DisplayName()+" is not admitted")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "scheduling_discharge", view{Title: "Discharge " + p.DisplayName() + "?", User: &u,
		Page: dischargePage{Patient: p, Admission: admissionView{Ward: a.WardName, Bed: a.BedLabel, Since: scheduling.FormatWhen(a.AdmittedAt)}}})
}

func (h *Handler) discharge(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
	var a store.Admission
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if a, err = tx.Discharge(r.Context(), p.ID); err != nil {
			return err
		}
		return h.auditTx(r, tx, u, audit.DischargePatient, p, fmt.Sprintf("%s, bed %s", a.WardName, a.BedLabel))
	})
	if errors.Is(err, store.ErrNotAdmitted) {
		h.toRecord(w, r, p.ID, p.DisplayName()+" is not admitted")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "patient discharged", "username", u.Username, "patient", p.ID)
	h.events.Publish(events.Event{Kind: events.Discharged, Source: events.FromUI, At: h.now(), PatientID: p.ID,
		By: u.Username, Ward: a.WardName, Bed: a.BedLabel})
	h.toRecord(w, r, p.ID, fmt.Sprintf("%s discharged from %s, bed %s", p.DisplayName(), a.WardName, a.BedLabel))
}

// bedBoardPage is the ward bed board (scheduling_bedboard).
type bedBoardPage struct {
	Wards []boardWard
	Free  int
	Total int
}

type boardWard struct {
	Name, Specialty string
	Beds            []boardBed
}

type boardBed struct {
	Label      string
	Occupied   bool
	PatientID  string
	Patient    string // "POND, Amy"
	NHSNumber  string // "999 000 0018"
	AdmittedAt string
}

func (h *Handler) bedBoard(w http.ResponseWriter, r *http.Request, u auth.User) {
	if !canAdmit(u.Role) {
		h.noPermission(w, r, u, "see the bed board.")
		return
	}
	wards, err := h.store.BedBoard(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var page bedBoardPage
	for _, ward := range wards {
		bw := boardWard{Name: ward.Name, Specialty: ward.Specialty}
		for _, b := range ward.Beds {
			page.Total++
			bb := boardBed{Label: b.Label}
			if o := b.Occupant; o != nil {
				bb.Occupied, bb.PatientID, bb.Patient = true, o.Patient.ID, o.Patient.DisplayName()
				bb.NHSNumber, bb.AdmittedAt = o.Patient.NHSNumber.Formatted(), scheduling.FormatWhen(o.AdmittedAt)
			} else {
				page.Free++
			}
			bw.Beds = append(bw.Beds, bb)
		}
		page.Wards = append(page.Wards, bw)
	}
	h.render(w, r, http.StatusOK, "scheduling_bedboard", view{Title: "Bed board", User: &u, Nav: "wards", Page: page})
}

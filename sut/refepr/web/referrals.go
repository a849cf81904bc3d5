package web

// The referral worklist: referrals from GP practices (received through the
// FHIR API as ServiceRequests) waiting for an outpatient appointment, and
// booking one from a referral.
//
//	GET  /referrals                  the worklist (roles that book appointments)
//	GET  /referrals/{rid}/book       free slots of the referral's clinic; ?slot= the check page
//	POST /referrals/{rid}/book       book the slot (form field slot) for the referral
//
// The worklist is a table "Referrals": Patient (a link to the record,
// "POND, Amy"), NHS number, Clinic, Priority, Reason, Received (date),
// Status (Awaiting booking, Booked, Withdrawn) and, for a referral awaiting
// booking, the link "Book appointment for POND, Amy". It lists active
// referrals and those withdrawn in the last 30 days (by the clinical
// clock), newest first; referrals entered in error are left out. Booking
// uses the same check page as any booking ("Check the appointment", button
// "Book appointment"); the appointment is linked to the referral in the
// booking's transaction, audited as a booking "from referral", published
// as events.AppointmentBooked, and the user returns to the record with
// the toast "Appointment booked: <clinic>, <when>".

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/scheduling"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// referralsPages are the referral worklist's page templates.
var referralsPages = []string{"referrals", "referrals_book"}

// Worklist statuses.
const (
	ReferralAwaitingBooking = "Awaiting booking"
	ReferralBooked          = "Booked"
	ReferralWithdrawn       = "Withdrawn"
)

// withdrawnShownFor is how long a withdrawn referral stays on the worklist.
const withdrawnShownFor = 30 * 24 * time.Hour

func (h *Handler) referralsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /referrals", h.signedIn(h.referralsOnly(h.worklist)))
	mux.HandleFunc("GET /referrals/{rid}/book", h.signedIn(h.referralsOnly(h.referralBookPage)))
	mux.HandleFunc("POST /referrals/{rid}/book", h.signedIn(h.referralsOnly(h.bookReferral)))
}

// publishAppointment tells the EPR's notice board about an appointment
// change made in the UI.
func (h *Handler) publishAppointment(kind events.Kind, u auth.User, a store.Appointment) {
	h.events.Publish(events.Event{Kind: kind, Source: events.FromUI, At: h.now(), PatientID: a.PatientID,
		By: u.Username, AppointmentID: a.ID})
}

func (h *Handler) referralsOnly(next func(http.ResponseWriter, *http.Request, auth.User)) func(http.ResponseWriter, *http.Request, auth.User) {
	return func(w http.ResponseWriter, r *http.Request, u auth.User) {
		if !canBook(u.Role) {
			h.noPermission(w, r, u, "book appointments from referrals.")
			return
		}
		if parsePostForm(w, r) {
			next(w, r, u)
		}
	}
}

type referralRow struct {
	ID, PatientID, Patient, NHSNumber, Clinic, Priority, Reason, Received, Status string
	CanBook                                                                       bool
}

type worklistPage struct {
	Rows []referralRow
}

// referralStatus is a referral's status on the worklist.
func referralStatus(r store.Referral) string {
	switch {
	case r.Status != store.ReferralActive:
		return ReferralWithdrawn
	case r.AppointmentID != "":
		return ReferralBooked
	}
	return ReferralAwaitingBooking
}

func (h *Handler) worklist(w http.ResponseWriter, r *http.Request, u auth.User) {
	list, err := h.store.Referrals(r.Context(), store.ReferralQuery{Statuses: []string{store.ReferralActive, store.ReferralRevoked}, Limit: 200})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var page worklistPage
	for _, ref := range list {
		if ref.Status == store.ReferralRevoked && h.now().Sub(ref.LastUpdated) > withdrawnShownFor {
			continue
		}
		priority := "Routine"
		if ref.Priority == "urgent" {
			priority = "Urgent"
		}
		status := referralStatus(ref)
		page.Rows = append(page.Rows, referralRow{ID: ref.ID, PatientID: ref.PatientID, Patient: ref.Patient.DisplayName(),
			NHSNumber: ref.Patient.NHSNumber.Formatted(), Clinic: ref.Clinic.Name, Priority: priority, Reason: ref.Reason,
			Received: ref.ReceivedAt.In(scheduling.London).Format("2 Jan 2006"), Status: status,
			CanBook: status == ReferralAwaitingBooking})
	}
	h.render(w, r, http.StatusOK, "referrals", view{Title: "Referrals", User: &u, Nav: "referrals", Page: page})
}

// openReferral loads the referral of the path, which must be awaiting
// booking; otherwise it answers and returns false.
func (h *Handler) openReferral(w http.ResponseWriter, r *http.Request, u auth.User) (store.Referral, bool) {
	ref, err := h.store.Referral(r.Context(), r.PathValue("rid"))
	if errors.Is(err, store.ErrNotFound) {
		h.schedulingNotFound(w, r, u, "Referral not found", "There is no referral at this address.")
		return store.Referral{}, false
	}
	if err != nil {
		h.fail(w, r, err)
		return store.Referral{}, false
	}
	if st := referralStatus(ref); st != ReferralAwaitingBooking {
		h.flash(w, fmt.Sprintf("The referral of %s to %s is %s", ref.Patient.DisplayName(), ref.Clinic.Name, st))
		http.Redirect(w, r, "/referrals", http.StatusSeeOther)
		return store.Referral{}, false
	}
	return ref, true
}

type referralBookPage struct {
	bookPage
	Reason, Requester string
}

func (h *Handler) referralBookPage(w http.ResponseWriter, r *http.Request, u auth.User) {
	ref, ok := h.openReferral(w, r, u)
	if !ok {
		return
	}
	action := "/referrals/" + ref.ID + "/book"
	if slotID := r.URL.Query().Get("slot"); slotID != "" {
		h.referralConfirm(w, r, u, ref, slotID, http.StatusOK, false)
		return
	}
	page := referralBookPage{bookPage: bookPage{Patient: ref.Patient, Clinic: ref.Clinic.Name, SelectURL: action},
		Reason: ref.Reason, Requester: ref.Requester}
	slots, err := h.store.FreeSlots(r.Context(), ref.Clinic.ID, maxSlotsShown)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, s := range slots {
		page.Slots = append(page.Slots, toSlotRow(s))
	}
	h.render(w, r, http.StatusOK, "referrals_book", view{Title: "Book an appointment – " + ref.Patient.DisplayName(), User: &u, Nav: "referrals", Page: page})
}

// referralConfirm is the booking check page for a slot of the referral's
// clinic (refused: a POST found the slot taken).
func (h *Handler) referralConfirm(w http.ResponseWriter, r *http.Request, u auth.User, ref store.Referral, slotID string, status int, refused bool) {
	sl, err := h.store.Slot(r.Context(), slotID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sl.Clinic.ID != ref.Clinic.ID) {
		h.schedulingNotFound(w, r, u, "Slot not found", "There is no appointment slot of this clinic at this address.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	action := "/referrals/" + ref.ID + "/book"
	page := confirmPage{Patient: ref.Patient, Slot: toSlotRow(sl), SlotID: sl.ID, Action: action, BackURL: action}
	page.Taken = h.slotTaken(r, sl, refused)
	h.render(w, r, status, "scheduling_confirm", view{Title: "Check the appointment – " + ref.Patient.DisplayName(), User: &u,
		Nav: "referrals", HasError: page.Taken, Page: page})
}

func (h *Handler) bookReferral(w http.ResponseWriter, r *http.Request, u auth.User) {
	ref, ok := h.openReferral(w, r, u)
	if !ok {
		return
	}
	slotID := r.PostForm.Get("slot")
	if slotID == "" {
		http.Redirect(w, r, "/referrals/"+ref.ID+"/book", http.StatusSeeOther)
		return
	}
	if sl, err := h.store.Slot(r.Context(), slotID); err == nil && sl.Clinic.ID != ref.Clinic.ID {
		h.schedulingNotFound(w, r, u, "Slot not found", "There is no appointment slot of this clinic at this address.")
		return
	}
	a, err := h.bookSlot(r, u, ref.Patient, slotID, ", from referral "+ref.ID, func(tx *store.Tx, a store.Appointment) error {
		_, err := tx.LinkReferralAppointment(r.Context(), ref.ID, a.ID)
		return err
	})
	switch {
	case errors.Is(err, store.ErrSlotTaken):
		h.referralConfirm(w, r, u, ref, slotID, http.StatusConflict, true)
		return
	case errors.Is(err, store.ErrReferralClosed):
		h.flash(w, fmt.Sprintf("The referral of %s to %s was withdrawn", ref.Patient.DisplayName(), ref.Clinic.Name))
		http.Redirect(w, r, "/referrals", http.StatusSeeOther)
		return
	case errors.Is(err, store.ErrNotFound):
		h.schedulingNotFound(w, r, u, "Slot not found", "There is no appointment slot at this address.")
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "appointment booked from referral", "username", u.Username, "patient", ref.PatientID, "appointment", a.ID, "referral", ref.ID)
	h.publishAppointment(events.AppointmentBooked, u, a)
	h.toRecord(w, r, ref.PatientID, fmt.Sprintf("Appointment booked: %s, %s", a.Slot.Clinic.Name, scheduling.FormatWhen(a.Slot.Start)))
}

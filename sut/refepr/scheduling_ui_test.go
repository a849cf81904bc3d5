package refepr_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// firstFreeSlot opens the booking page for the clinic and follows the first
// free slot's Select link to the check page, returning the slot id.
func firstFreeSlot(t *testing.T, b *browser, patientID, clinic string) string {
	t.Helper()
	p := b.get("/patients/" + patientID + "/appointments/new?clinic=" + clinic)
	require.Equal(t, http.StatusOK, p.status, p.body)
	table := One(t, p.doc, Tag("table"), "free slots table")
	assert.Equal(t, "Free slots", Text(One(t, table, Tag("caption"), "caption")))
	links := All(table, Tag("a"))
	require.NotEmpty(t, links)
	u, err := url.Parse(Attr(links[0], "href"))
	require.NoError(t, err)
	return u.Query().Get("slot")
}

func TestSchedulingBookRescheduleCancel(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signIn("gp.brown", "gp-pass")

	// The record offers booking and shows no appointments yet.
	p := b.get("/patients/" + id)
	require.Equal(t, http.StatusOK, p.status)
	One(t, p.doc, And(Tag("h2"), TextIs("Appointments")), "appointments heading")
	One(t, p.doc, And(Tag("p"), TextIs("No upcoming appointments")), "none yet")
	One(t, p.doc, And(Tag("a"), TextIs("Book an appointment")), "book link")

	// Choosing a clinic: the select is labelled.
	p = b.get("/patients/" + id + "/appointments/new")
	require.Len(t, ByLabel(p.doc, "Clinic"), 1)
	One(t, p.doc, And(Tag("button"), TextIs("Show free slots")), "show slots button")

	slot := firstFreeSlot(t, b, id, "cardiology")
	assert.Equal(t, "cardiology-20260602-0900", slot, "the first working day after the clinical clock")
	p = b.get("/patients/" + id + "/appointments/new?slot=" + slot)
	One(t, p.doc, And(Tag("h1"), TextIs("Check the appointment")), "check heading")
	One(t, p.doc, And(Tag("dd"), TextIs("Tue 2 Jun 2026 09:00")), "date and time")
	One(t, p.doc, And(Tag("button"), TextIs("Book appointment")), "book button")

	p = b.post("/patients/"+id+"/appointments", url.Values{"slot": {slot}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	assert.Equal(t, "/patients/"+id, p.location)
	p = b.get(p.location)
	assert.Equal(t, "Appointment booked: Cardiology, Tue 2 Jun 2026 09:00", Text(One(t, p.doc, Role("status"), "toast")))
	table := One(t, p.doc, Tag("table"), "upcoming appointments")
	assert.Equal(t, "Upcoming appointments", Text(One(t, table, Tag("caption"), "caption")))
	One(t, table, And(Tag("th"), TextIs("Tue 2 Jun 2026 09:00")), "row")
	var reschedule string
	for _, a := range All(table, Tag("a")) {
		if strings.HasPrefix(Text(a), "Reschedule") {
			reschedule = Attr(a, "href")
		}
	}
	require.NotEmpty(t, reschedule)
	// Cancel is a POST form that asks first in the shared modal.
	cancelForm := One(t, table, And(Tag("form"), HasAttr("data-confirm", "Cancel this appointment?")), "cancel form")
	cancel := Attr(cancelForm, "action")
	assert.Equal(t, "post", Attr(cancelForm, "method"))
	assert.Equal(t, "Cardiology, Tue 2 Jun 2026 09:00, Outpatients B, Level 2. The slot will be offered to other patients.", Attr(cancelForm, "data-confirm-detail"))
	assert.Equal(t, "Yes, cancel appointment", Attr(cancelForm, "data-confirm-button"))
	assert.Equal(t, "No, keep appointment", Attr(cancelForm, "data-confirm-cancel"))
	assert.Equal(t, "Cancel Cardiology appointment on Tue 2 Jun 2026 09:00", Text(One(t, cancelForm, Tag("button"), "cancel button")))

	// The booked slot is no longer offered.
	assert.Equal(t, "cardiology-20260602-0930", firstFreeSlot(t, b, id, "cardiology"))

	// Reschedule to the next free slot.
	p = b.get(reschedule)
	require.Equal(t, http.StatusOK, p.status)
	One(t, p.doc, And(Tag("h1"), TextIs("Reschedule the appointment")), "reschedule heading")
	links := All(One(t, p.doc, Tag("table"), "free slots"), Tag("a"))
	require.NotEmpty(t, links)
	p = b.get(Attr(links[0], "href"))
	One(t, p.doc, And(Tag("button"), TextIs("Move appointment")), "move button")
	p = b.post(reschedule, url.Values{"slot": {"cardiology-20260602-0930"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = b.get(p.location)
	assert.Equal(t, "Appointment moved to Tue 2 Jun 2026 09:30", Text(One(t, p.doc, Role("status"), "toast")))
	assert.Equal(t, "cardiology-20260602-0900", firstFreeSlot(t, b, id, "cardiology"), "the old slot is free again")

	// Without JavaScript the form posts unconfirmed: the answer is the
	// confirmation page, and the appointment stays.
	for _, unconfirmed := range []page{b.get(cancel), b.post(cancel, nil), b.post(cancel, url.Values{"confirmed": {"no"}})} {
		require.Equal(t, http.StatusOK, unconfirmed.status, unconfirmed.body)
		checkLayout(t, unconfirmed, "Cancel this appointment? – POND, Amy")
		One(t, unconfirmed.doc, And(Tag("h1"), TextIs("Cancel this appointment?")), "confirmation")
		assert.Equal(t, "Tue 2 Jun 2026 09:30", Text(ByLabel(unconfirmed.doc, "Date and time")[0]))
		form := One(t, unconfirmed.doc, And(Tag("form"), HasAttr("action", cancel)), "confirmation form")
		assert.Empty(t, Attr(form, "data-confirm"), "the page is the confirmation: no second prompt")
		One(t, form, And(Tag("input"), HasAttr("name", "confirmed"), HasAttr("value", "yes")), "confirmed field")
		One(t, form, And(Tag("button"), TextIs("Yes, cancel appointment")), "confirm button")
		One(t, form, And(Tag("a"), TextIs("No, keep appointment")), "keep link")
	}
	One(t, b.get("/patients/"+id).doc, And(Tag("th"), TextIs("Tue 2 Jun 2026 09:30")), "still booked")
	// Confirmed (by the modal, or on the confirmation page).
	p = b.post(cancel, url.Values{"confirmed": {"yes"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = b.get(p.location)
	assert.Equal(t, "Appointment cancelled: Cardiology, Tue 2 Jun 2026 09:30", Text(One(t, p.doc, Role("status"), "toast")))
	One(t, p.doc, And(Tag("p"), TextIs("No upcoming appointments")), "none left")
}

// bookTwice books one slot for Amy, then tries the same slot for Rory as a
// receptionist who had the check page open already.
func bookTwice(t *testing.T, cfg refepr.Config) (stale, second page) {
	_, ts := newServer(t, cfg)
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	rory := seedPatient(t, ts, "9990000026", "Williams", "Rory", "male", "1986-07-01")
	gp, rec := newBrowser(t, ts), newBrowser(t, ts)
	gp.signIn("gp.brown", "gp-pass")
	rec.signInReceptionist()
	slot := firstFreeSlot(t, gp, amy, "cardiology")
	p := rec.get("/patients/" + rory + "/appointments/new?slot=" + slot)
	One(t, p.doc, And(Tag("button"), TextIs("Book appointment")), "the receptionist sees the slot free")
	p = gp.post("/patients/"+amy+"/appointments", url.Values{"slot": {slot}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	// The receptionist presses Book on the stale page, then someone opens
	// the slot afresh.
	stale = rec.post("/patients/"+rory+"/appointments", url.Values{"slot": {slot}})
	second = rec.get("/patients/" + rory + "/appointments/new?slot=" + slot)
	return stale, second
}

func TestSchedulingDoubleBookingRefused(t *testing.T) {
	stale, second := bookTwice(t, refepr.Config{})
	require.Equal(t, http.StatusConflict, stale.status)
	alert := One(t, stale.doc, Role("alert"), "refusal")
	assert.Contains(t, Text(alert), "This slot is no longer available")
	assert.Empty(t, All(stale.doc, And(Tag("button"), TextIs("Book appointment"))))
	assert.Contains(t, Text(One(t, second.doc, Role("alert"), "refusal")), "This slot is no longer available")
}

func TestSchedulingDoubleBookingDefect(t *testing.T) {
	set, err := defects.Parse(string(defects.DoubleBooking))
	require.NoError(t, err)
	stale, second := bookTwice(t, refepr.Config{Defects: set})
	assert.Equal(t, http.StatusSeeOther, stale.status, "defect: the taken slot is booked again")
	assert.Empty(t, All(second.doc, Role("alert")))
}

func TestSchedulingAdmitTransferDischarge(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	rory := seedPatient(t, ts, "9990000026", "Williams", "Rory", "male", "1986-07-01")
	b := newBrowser(t, ts)
	b.signInReceptionist()

	p := b.get("/patients/" + amy)
	One(t, p.doc, And(Tag("p"), TextIs("Not currently admitted")), "not admitted")
	One(t, p.doc, And(Tag("a"), TextIs("Admit patient")), "admit link")

	p = b.get("/patients/" + amy + "/admission/new")
	require.Equal(t, http.StatusOK, p.status)
	One(t, p.doc, And(Tag("h1"), TextIs("Admit POND, Amy")), "heading")
	sel := ByLabel(p.doc, "Bed")
	require.Len(t, sel, 1)
	One(t, sel[0], And(Tag("option"), TextIs("Ward 7, bed 3")), "bed option")

	p = b.post("/patients/"+amy+"/admission", url.Values{"bed": {"ward-7-bed-3"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = b.get(p.location)
	assert.Equal(t, "POND, Amy admitted to Ward 7, bed 3", Text(One(t, p.doc, Role("status"), "toast")))
	assert.Empty(t, All(p.doc, And(Tag("a"), TextIs("Admit patient"))), "a patient cannot be admitted twice")

	// The bed is taken: not offered to Rory, and refused if posted.
	p = b.get("/patients/" + rory + "/admission/new")
	assert.Empty(t, All(p.doc, And(Tag("option"), TextIs("Ward 7, bed 3"))))
	p = b.post("/patients/"+rory+"/admission", url.Values{"bed": {"ward-7-bed-3"}})
	require.Equal(t, http.StatusConflict, p.status)
	assert.Equal(t, "This bed is already occupied. Choose another bed", Text(One(t, p.doc, Role("alert"), "refusal")))
	// Amy cannot be admitted again.
	p = b.post("/patients/"+amy+"/admission", url.Values{"bed": {"ward-7-bed-4"}})
	require.Equal(t, http.StatusConflict, p.status)
	assert.Equal(t, "POND, Amy is already admitted", Text(One(t, p.doc, Role("alert"), "refusal")))

	p = b.get("/wards")
	require.Equal(t, http.StatusOK, p.status)
	One(t, p.doc, And(Tag("h1"), TextIs("Bed board")), "bed board")
	var ward7 = tableByCaption(t, p, "Ward 7 beds")
	row := rowWithHeader(t, ward7, "3")
	assert.Equal(t, []string{"3", "Occupied", "POND, Amy", "999 000 0018", "Mon 1 Jun 2026 01:00"}, row)
	assert.Equal(t, []string{"4", "Free", "", "", ""}, rowWithHeader(t, ward7, "4"))

	p = b.post("/patients/"+amy+"/admission/transfer", url.Values{"bed": {"ward-12-bed-1"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = b.get(p.location)
	assert.Equal(t, "POND, Amy transferred to Ward 12, bed 1", Text(One(t, p.doc, Role("status"), "toast")))

	p = b.get("/patients/" + amy + "/admission/discharge")
	One(t, p.doc, And(Tag("button"), TextIs("Yes, discharge patient")), "confirm")
	p = b.post("/patients/"+amy+"/admission/discharge", nil)
	require.Equal(t, http.StatusSeeOther, p.status)
	p = b.get(p.location)
	assert.Equal(t, "POND, Amy discharged from Ward 12, bed 1", Text(One(t, p.doc, Role("status"), "toast")))
	One(t, p.doc, And(Tag("p"), TextIs("Not currently admitted")), "discharged")
}

func TestSchedulingPermissions(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	for _, tc := range []struct {
		user, password       string
		book, admit, board   int
		appointments, admits bool
	}{
		{"gp.brown", "gp-pass", 200, 403, 403, true, true},
		{"rec.jones", "reception-pass", 200, 200, 200, true, true},
		{"dr.patel", "clinician-pass", 200, 200, 200, true, true},
		{"nurse.okafor", "nurse-pass", 403, 200, 200, true, true},
		{"admin.smith", "admin-pass", 403, 403, 403, false, false},
	} {
		t.Run(tc.user, func(t *testing.T) {
			b := newBrowser(t, ts)
			b.signIn(tc.user, tc.password)
			assert.Equal(t, tc.book, b.get("/patients/"+id+"/appointments/new").status, "book")
			assert.Equal(t, tc.admit, b.get("/patients/"+id+"/admission/new").status, "admit")
			assert.Equal(t, tc.board, b.get("/wards").status, "bed board")
			p := b.get("/patients/" + id)
			assert.Equal(t, tc.appointments, len(All(p.doc, And(Tag("h2"), TextIs("Appointments")))) == 1, "appointments section")
			assert.Equal(t, tc.admits, len(All(p.doc, And(Tag("h2"), TextIs("Admission")))) == 1, "admission section")
		})
	}
}

func tableByCaption(t *testing.T, p page, caption string) *html.Node {
	t.Helper()
	for _, table := range All(p.doc, Tag("table")) {
		if c := All(table, Tag("caption")); len(c) == 1 && Text(c[0]) == caption {
			return table
		}
	}
	t.Fatalf("no table captioned %q", caption)
	return nil
}

func rowWithHeader(t *testing.T, table *html.Node, header string) []string {
	t.Helper()
	for _, tr := range All(table, Tag("tr")) {
		ths := All(tr, And(Tag("th"), HasAttr("scope", "row")))
		if len(ths) == 1 && Text(ths[0]) == header {
			var cells []string
			for c := tr.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (c.Data == "th" || c.Data == "td") {
					cells = append(cells, Text(c))
				}
			}
			return cells
		}
	}
	t.Fatalf("no row %q", header)
	return nil
}

package refepr_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// refer sends a GP practice's referral of the patient (by NHS number) to
// the clinic through the FHIR API and returns the ServiceRequest's id.
func refer(t *testing.T, base, nhs, clinic, reason, priority string) string {
	t.Helper()
	status, out := fhirDo(t, http.MethodPost, base+"/fhir/ServiceRequest", serviceRequest(nhs, clinic, reason, priority, "active"))
	require.Equal(t, http.StatusCreated, status, out)
	return out["id"].(string)
}

// withdraw revokes the referral through the FHIR API, as its sender does.
func withdraw(t *testing.T, base, id, nhs, clinic, reason, priority string) {
	t.Helper()
	status, out := fhirDo(t, http.MethodPut, base+"/fhir/ServiceRequest/"+id, serviceRequest(nhs, clinic, reason, priority, "revoked"))
	require.Equal(t, http.StatusOK, status, out)
}

func serviceRequest(nhs, clinic, reason, priority, status string) map[string]any {
	return map[string]any{
		"resourceType": "ServiceRequest", "status": status, "intent": "order", "priority": priority,
		"code":       map[string]any{"text": clinic},
		"reasonCode": []any{map[string]any{"text": reason}},
		"subject":    map[string]any{"identifier": map[string]string{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}},
		"requester":  map[string]any{"display": "The Village Surgery (Y99999)"},
		"authoredOn": "2026-05-29",
	}
}

// settableClock is a clinical clock a test moves on.
type settableClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *settableClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.at }
func (c *settableClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// bookLink returns the worklist row's "Book appointment for ..." link, or
// "" when the row has none.
func bookLink(t *testing.T, p page, patient string) string {
	t.Helper()
	table := tableByCaption(t, p, "Referrals")
	for _, a := range All(table, Tag("a")) {
		if Text(a) == "Book appointment for "+patient {
			return Attr(a, "href")
		}
	}
	return ""
}

func TestReferralWorklistBookFromReferral(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	seedPatient(t, ts, "9990000026", "Williams", "Rory", "male", "1986-07-01")
	b := newBrowser(t, ts)
	b.signInReceptionist()

	// Nothing referred yet.
	p := b.get("/referrals")
	require.Equal(t, http.StatusOK, p.status, p.body)
	checkLayout(t, p, "Referrals")
	One(t, p.doc, And(Tag("h1"), TextIs("Referrals")), "heading")
	assert.Equal(t, "No referrals", Text(One(t, p.doc, Role("status"), "empty worklist")))
	nav := One(t, p.doc, And(Tag("nav"), HasAttr("aria-label", "Main")), "main navigation")
	current := One(t, nav, And(Tag("a"), HasAttr("aria-current", "page")), "current page")
	assert.Equal(t, "Referrals", Text(current))
	assert.Equal(t, "/referrals", Attr(current, "href"))

	amyRef := refer(t, ts.URL, "9990000018", "Cardiology", "Chest pain on exertion", "urgent")
	roryRef := refer(t, ts.URL, "9990000026", "dermatology", "Eczema", "routine")
	withdraw(t, ts.URL, roryRef, "9990000026", "Dermatology", "Eczema", "routine")

	p = b.get("/referrals")
	require.Equal(t, http.StatusOK, p.status)
	table := tableByCaption(t, p, "Referrals")
	var headers []string
	for _, th := range All(table, And(Tag("th"), HasAttr("scope", "col"))) {
		headers = append(headers, Text(th))
	}
	assert.Equal(t, []string{"Patient", "NHS number", "Clinic", "Priority", "Reason", "Received", "Status", "Action"}, headers)
	assert.Equal(t, []string{"POND, Amy", "999 000 0018", "Cardiology", "Urgent", "Chest pain on exertion", "1 Jun 2026", "Awaiting booking", "Book appointment for POND, Amy"},
		rowWithHeader(t, table, "POND, Amy"))
	assert.Equal(t, []string{"WILLIAMS, Rory", "999 000 0026", "Dermatology", "Routine", "Eczema", "1 Jun 2026", "Withdrawn", ""},
		rowWithHeader(t, table, "WILLIAMS, Rory"), "a withdrawn referral stays on the list, without a Book link")
	assert.Empty(t, bookLink(t, p, "WILLIAMS, Rory"))
	patientLink := One(t, table, And(Tag("a"), TextIs("POND, Amy")), "link to the record")
	assert.Equal(t, "/patients/"+amy, Attr(patientLink, "href"))

	// Book from the referral: free slots of the referral's clinic, then
	// the usual check page.
	book := bookLink(t, p, "POND, Amy")
	require.Equal(t, "/referrals/"+amyRef+"/book", book)
	p = b.get(book)
	require.Equal(t, http.StatusOK, p.status, p.body)
	checkLayout(t, p, "Book an appointment – POND, Amy")
	One(t, p.doc, And(Tag("h1"), TextIs("Book an appointment")), "booking heading")
	assert.Equal(t, "Cardiology", Text(ByLabel(p.doc, "Referred to")[0]))
	assert.Equal(t, "Chest pain on exertion", Text(ByLabel(p.doc, "Reason")[0]))
	assert.Equal(t, "The Village Surgery (Y99999)", Text(ByLabel(p.doc, "Referred by")[0]))
	slots := tableByCaption(t, p, "Free slots")
	assert.Equal(t, []string{"Tue 2 Jun 2026 09:00", "Cardiology", "Outpatients B, Level 2", "Select Tue 2 Jun 2026 09:00"},
		rowWithHeader(t, slots, "Tue 2 Jun 2026 09:00"), "only the referral's clinic, from the first working day")
	for _, a := range All(slots, Tag("a")) {
		assert.True(t, strings.HasPrefix(Attr(a, "href"), book+"?slot=cardiology-"), Attr(a, "href"))
	}
	check := Attr(One(t, slots, And(Tag("a"), TextIs("Select Tue 2 Jun 2026 09:00")), "select link"), "href")

	p = b.get(check)
	require.Equal(t, http.StatusOK, p.status, p.body)
	checkLayout(t, p, "Check the appointment – POND, Amy")
	One(t, p.doc, And(Tag("h1"), TextIs("Check the appointment")), "check heading")
	One(t, p.doc, And(Tag("dd"), TextIs("Tue 2 Jun 2026 09:00")), "date and time")
	form := One(t, p.doc, And(Tag("form"), HasAttr("action", book)), "booking form")
	One(t, form, And(Tag("input"), HasAttr("name", "slot"), HasAttr("value", "cardiology-20260602-0900")), "slot field")
	One(t, form, And(Tag("button"), TextIs("Book appointment")), "book button")

	// A slot of another clinic is not this referral's to book.
	derm := firstFreeSlot(t, b, amy, "dermatology")
	assert.Equal(t, http.StatusNotFound, b.get(book+"?slot="+derm).status)
	assert.Equal(t, http.StatusNotFound, b.post(book, url.Values{"slot": {derm}}).status)
	assert.Equal(t, http.StatusNotFound, b.get(book+"?slot=no-such-slot").status)
	// Without a slot the form goes back to the free slots.
	p = b.post(book, url.Values{})
	require.Equal(t, http.StatusSeeOther, p.status)
	assert.Equal(t, book, p.location)

	p = b.post(book, url.Values{"slot": {"cardiology-20260602-0900"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	assert.Equal(t, "/patients/"+amy, p.location)
	p = b.get(p.location)
	assert.Equal(t, "Appointment booked: Cardiology, Tue 2 Jun 2026 09:00", Text(One(t, p.doc, Role("status"), "toast")))
	upcoming := tableByCaption(t, p, "Upcoming appointments")
	One(t, upcoming, And(Tag("th"), TextIs("Tue 2 Jun 2026 09:00")), "the appointment on the record")

	// The worklist shows the referral booked, with no second booking.
	p = b.get("/referrals")
	table = tableByCaption(t, p, "Referrals")
	assert.Equal(t, "Booked", rowWithHeader(t, table, "POND, Amy")[6])
	assert.Empty(t, bookLink(t, p, "POND, Amy"))
	p = b.get(book)
	require.Equal(t, http.StatusSeeOther, p.status, "a booked referral cannot be booked again")
	assert.Equal(t, "/referrals", p.location)
	p = b.get(p.location)
	assert.Equal(t, "The referral of POND, Amy to Cardiology is Booked", Text(One(t, p.doc, Role("status"), "toast")))

	// FHIR shows the appointment booked from the referral.
	status, appts := fhirDo(t, http.MethodGet, ts.URL+"/fhir/Appointment?patient="+amy, nil)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, appts["entry"], 1)

	// A withdrawn referral is refused, and its clinic's slot stays free.
	roryBook := "/referrals/" + roryRef + "/book"
	p = b.post(roryBook, url.Values{"slot": {derm}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	assert.Equal(t, "/referrals", p.location)
	p = b.get(p.location)
	assert.Equal(t, "The referral of WILLIAMS, Rory to Dermatology is Withdrawn", Text(One(t, p.doc, Role("status"), "toast")))
	assert.Equal(t, http.StatusSeeOther, b.get(roryBook).status)
	assert.Equal(t, derm, firstFreeSlot(t, b, amy, "dermatology"), "the Dermatology slot is still free")

	assert.Equal(t, http.StatusNotFound, b.get("/referrals/no-such-referral/book").status)
	assert.Equal(t, http.StatusNotFound, b.post("/referrals/no-such-referral/book", url.Values{"slot": {"cardiology-20260602-0930"}}).status)

	// The audit log: the referrals received and withdrawn through the FHIR
	// API, the booking from the referral by the receptionist.
	status, got := readAudit(t, ts.URL, "action=book-appointment", "admin.smith", "admin-pass")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, got.Entries, 1)
	assert.Equal(t, "rec.jones", got.Entries[0].User)
	assert.True(t, strings.HasSuffix(got.Entries[0].Details, ", from referral "+amyRef), got.Entries[0].Details)
	for action, nhs := range map[string]string{"receive-referral": "", "withdraw-referral": "9990000026"} {
		status, got := readAudit(t, ts.URL, "action="+action, "admin.smith", "admin-pass")
		require.Equal(t, http.StatusOK, status, "the audit search knows %s", action)
		require.NotEmpty(t, got.Entries, action)
		for _, e := range got.Entries {
			assert.Equal(t, "fhir-api", e.User, action)
			if nhs != "" {
				assert.Equal(t, nhs, e.NHSNumber, action)
			}
		}
	}
	admin := newBrowser(t, ts)
	admin.signIn("admin.smith", "admin-pass")
	p = admin.get("/audit?action=withdraw-referral")
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Contains(t, Text(One(t, p.doc, Tag("main"), "audit page")), "Withdrew referral", "the action's label")
}

func TestReferralWorklistLeavesOutOldWithdrawals(t *testing.T) {
	clock := &settableClock{at: today}
	_, ts := newServer(t, refepr.Config{Now: clock.Now})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	id := refer(t, ts.URL, "9990000018", "Cardiology", "Chest pain on exertion", "routine")
	withdraw(t, ts.URL, id, "9990000018", "Cardiology", "Chest pain on exertion", "routine")
	b := newBrowser(t, ts)
	b.signInReceptionist()

	clock.Add(30 * 24 * time.Hour)
	p := b.get("/referrals")
	assert.Equal(t, "Withdrawn", rowWithHeader(t, tableByCaption(t, p, "Referrals"), "POND, Amy")[6], "withdrawn 30 days ago: still listed")
	clock.Add(time.Hour)
	p = b.get("/referrals")
	assert.Equal(t, "No referrals", Text(One(t, p.doc, Role("status"), "empty worklist")), "withdrawn over 30 days ago: left out")
}

func TestReferralWorklistPermissions(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	id := refer(t, ts.URL, "9990000018", "Cardiology", "Chest pain on exertion", "routine")
	book := "/referrals/" + id + "/book"
	for _, tc := range []struct {
		user, password string
		allowed        bool
	}{
		{"rec.jones", "reception-pass", true},
		{"dr.patel", "clinician-pass", true},
		{"gp.brown", "gp-pass", true},
		{"nurse.okafor", "nurse-pass", false},
		{"admin.smith", "admin-pass", false},
	} {
		t.Run(tc.user, func(t *testing.T) {
			b := newBrowser(t, ts)
			b.signIn(tc.user, tc.password)
			nav := One(t, b.get("/patients").doc, And(Tag("nav"), HasAttr("aria-label", "Main")), "main navigation")
			assert.Equal(t, tc.allowed, len(All(nav, And(Tag("a"), TextIs("Referrals")))) == 1, "Referrals in the navigation")
			want := http.StatusOK
			if !tc.allowed {
				want = http.StatusForbidden
			}
			p := b.get("/referrals")
			assert.Equal(t, want, p.status, "worklist")
			if !tc.allowed {
				One(t, p.doc, And(Tag("h1"), TextIs("You do not have permission to do this")), "refusal")
				assert.Empty(t, All(p.doc, And(Tag("td"), TextIs("Chest pain on exertion"))), "nothing of the referral shown")
			}
			assert.Equal(t, want, b.get(book).status, "booking page")
			assert.Equal(t, want, b.get(book+"?slot=cardiology-20260602-0900").status, "check page")
			if !tc.allowed {
				assert.Equal(t, http.StatusForbidden, b.post(book, url.Values{"slot": {"cardiology-20260602-0900"}}).status, "booking")
			}
		})
	}
	// Nothing was booked by the refused roles.
	status, appts := fhirDo(t, http.MethodGet, ts.URL+"/fhir/Appointment?patient="+amy, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, appts["entry"])

	// Signed out: to the sign-in page.
	anon := newBrowser(t, ts)
	p := anon.get("/referrals")
	assert.Equal(t, http.StatusSeeOther, p.status)
	assert.True(t, strings.HasPrefix(p.location, "/login"), p.location)
}

package fhir_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/fhir"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// referralAPI serves the API on the clinical clock Monday 1 June 2026 with
// an events bus and fast notification retries; Amy Pond is registered.
func referralAPI(t *testing.T) (*api, *events.Bus, string) {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	st, err := store.Open(context.Background(), "sqlite::memory:", store.Options{Now: now})
	require.NoError(t, err)
	bus := &events.Bus{}
	h := fhir.New(fhir.Options{Store: st, Now: now, Events: bus})
	h.SetNotificationRetry(3, 10*time.Millisecond)
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, st.Close())
	})
	a := &api{t: t, ts: ts, store: st}
	return a, bus, createdID(t, a.post("/fhir/Patient", amy))
}

func referralJSON(subject, clinic, status string) string {
	return fmt.Sprintf(`{"resourceType": "ServiceRequest", "status": %q, "intent": "order", "priority": "urgent",
		"code": {"text": %q}, "reasonCode": [{"text": "Chest pain on exertion"}], "subject": %s,
		"requester": {"display": "The Village Surgery (Y99999)"}, "authoredOn": "2026-06-01"}`, status, clinic, subject)
}

const amyByNHS = `{"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}}`

func (a *api) put(path, body string) response {
	a.t.Helper()
	return a.do(http.MethodPut, path, "application/fhir+json", body)
}

func entries(t *testing.T, r response) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, r.raw)
	var out []map[string]any
	list, _ := r.body["entry"].([]any)
	for _, e := range list {
		out = append(out, e.(map[string]any)["resource"].(map[string]any))
	}
	return out
}

func TestServiceRequestCreateSearchRevoke(t *testing.T) {
	a, bus, pid := referralAPI(t)
	var got []events.Event
	var mu sync.Mutex
	bus.Subscribe(func(e events.Event) { mu.Lock(); got = append(got, e); mu.Unlock() })

	r := a.post("/fhir/ServiceRequest", referralJSON(amyByNHS, "cardiology", "active"))
	id := createdID(t, r)
	assert.Equal(t, "/fhir/ServiceRequest/"+id, r.header.Get("Location"))
	assert.Equal(t, "Cardiology", r.body["code"].(map[string]any)["text"], "the clinic, by its name")
	assert.Equal(t, "Patient/"+pid, r.body["subject"].(map[string]any)["reference"])
	assert.Equal(t, "urgent", r.body["priority"])

	read := a.get("/fhir/ServiceRequest/" + id)
	require.Equal(t, http.StatusOK, read.status)
	assert.Equal(t, "Chest pain on exertion", read.body["reasonCode"].([]any)[0].(map[string]any)["text"])

	for q, want := range map[string]int{
		"patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018&status=active&code=Cardiology": 1,
		"patient=Patient/" + pid:               1,
		"patient.identifier=9990000026":        0,
		"patient=" + pid + "&status=revoked":   0,
		"patient=" + pid + "&code=Dermatology": 0,
	} {
		assert.Len(t, entries(t, a.get("/fhir/ServiceRequest?"+q)), want, q)
	}

	// Withdrawn by its sender.
	up := a.put("/fhir/ServiceRequest/"+id, referralJSON(`{"reference": "Patient/`+pid+`"}`, "Cardiology", "revoked"))
	require.Equal(t, http.StatusOK, up.status, up.raw)
	assert.Equal(t, "revoked", up.body["status"])
	assert.Len(t, entries(t, a.get("/fhir/ServiceRequest?patient="+pid+"&status=active")), 0)
	again := a.put("/fhir/ServiceRequest/"+id, referralJSON(amyByNHS, "Cardiology", "active"))
	assert.Equal(t, http.StatusUnprocessableEntity, again.status, "a withdrawn referral cannot be reopened")

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2)
	assert.Equal(t, events.ReferralReceived, got[0].Kind)
	assert.Equal(t, events.ReferralCancelled, got[1].Kind)
	assert.Equal(t, events.FromFHIR, got[1].Source)
	assert.Equal(t, id, got[1].ReferralID)
	assert.Equal(t, pid, got[1].PatientID)
}

func TestServiceRequestRefused(t *testing.T) {
	a, _, _ := referralAPI(t)
	for name, c := range map[string]struct {
		body, want string
	}{
		"unknown clinic":            {referralJSON(amyByNHS, "Astrology", "active"), `unknown clinic "Astrology"`},
		"unknown patient":           {referralJSON(`{"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000026"}}`, "Cardiology", "active"), "no patient with NHS number 9990000026"},
		"unknown patient reference": {referralJSON(`{"reference": "Patient/nobody"}`, "Cardiology", "active"), "Patient/nobody is not known"},
		"no subject":                {`{"resourceType": "ServiceRequest", "status": "active", "intent": "order", "code": {"text": "Cardiology"}}`, "ServiceRequest.subject"},
		"bad intent":                {strings.Replace(referralJSON(amyByNHS, "Cardiology", "active"), `"order"`, `"instance-order"`, 1), "ServiceRequest.intent"},
		"not active":                {referralJSON(amyByNHS, "Cardiology", "revoked"), "must be active"},
	} {
		t.Run(name, func(t *testing.T) {
			r := a.post("/fhir/ServiceRequest", c.body)
			assert.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			assert.Contains(t, strings.Join(diagnostics(t, r), "; "), c.want)
		})
	}
	assert.Len(t, entries(t, a.get("/fhir/ServiceRequest")), 0, "nothing stored")
}

func TestServiceRequestInTransaction(t *testing.T) {
	a, _, _ := referralAPI(t)
	rory := patientJSON("9990000026", "Williams", "1985-03-21")
	r := a.post("/fhir", bundleJSON("transaction",
		entry("urn:uuid:rory", rory, ""),
		`{"fullUrl": "urn:uuid:ref", "resource": `+referralJSON(`{"reference": "urn:uuid:rory"}`, "Dermatology", "active")+`, "request": {"method": "POST", "url": "ServiceRequest"}}`))
	require.Equal(t, http.StatusOK, r.status, r.raw)
	list := entries(t, a.get("/fhir/ServiceRequest?patient.identifier=9990000026"))
	require.Len(t, list, 1)
	assert.Equal(t, "Dermatology", list[0]["code"].(map[string]any)["text"])

	// All or nothing: an unknown clinic leaves no patient behind.
	before := a.count()
	bad := a.post("/fhir", bundleJSON("transaction",
		entry("urn:uuid:clara", patientJSON("9990000034", "Oswald", "1990-11-23"), ""),
		`{"resource": `+referralJSON(`{"reference": "urn:uuid:clara"}`, "Astrology", "active")+`, "request": {"method": "POST", "url": "ServiceRequest"}}`))
	assert.Equal(t, http.StatusUnprocessableEntity, bad.status, bad.raw)
	assert.Equal(t, before, a.count())
}

func messageJSON(event, srID string, sr string) string {
	res := sr
	if srID != "" {
		res = strings.Replace(sr, `"resourceType": "ServiceRequest",`, `"resourceType": "ServiceRequest", "id": "`+srID+`",`, 1)
	}
	return `{"resourceType": "Bundle", "type": "message", "entry": [
		{"fullUrl": "urn:uuid:hdr-1", "resource": {"resourceType": "MessageHeader", "id": "hdr-1",
			"eventCoding": {"system": "https://fhir.nhs.uk/CodeSystem/message-event", "code": "` + event + `"},
			"source": {"endpoint": "urn:gp:Y99999"}, "focus": [{"reference": "urn:uuid:sr-1"}]}},
		{"fullUrl": "urn:uuid:sr-1", "resource": ` + res + `}]}`
}

func responseHeader(t *testing.T, r response) map[string]any {
	t.Helper()
	require.Equal(t, "message", r.body["type"], r.raw)
	h := r.body["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	require.Equal(t, "MessageHeader", h["resourceType"])
	return h
}

func TestProcessMessage(t *testing.T) {
	a, _, pid := referralAPI(t)
	ok := a.post("/fhir/$process-message", messageJSON("servicerequest-request", "", referralJSON(amyByNHS, "Cardiology", "active")))
	require.Equal(t, http.StatusOK, ok.status, ok.raw)
	h := responseHeader(t, ok)
	assert.Equal(t, map[string]any{"identifier": "hdr-1", "code": "ok"}, h["response"])
	require.Len(t, h["focus"], 1)
	list := entries(t, a.get("/fhir/ServiceRequest?patient="+pid+"&status=active"))
	require.Len(t, list, 1)

	// Withdrawn by a cancel message naming no id: the open referral to the clinic.
	cancel := a.post("/fhir/$process-message", messageJSON("servicerequest-cancel", "", referralJSON(amyByNHS, "Cardiology", "active")))
	require.Equal(t, http.StatusOK, cancel.status, cancel.raw)
	assert.Len(t, entries(t, a.get("/fhir/ServiceRequest?patient="+pid+"&status=revoked")), 1)

	bad := a.post("/fhir/$process-message", messageJSON("servicerequest-request", "", referralJSON(amyByNHS, "Astrology", "active")))
	assert.Equal(t, http.StatusUnprocessableEntity, bad.status)
	h = responseHeader(t, bad)
	assert.Equal(t, "fatal-error", h["response"].(map[string]any)["code"])
	assert.Equal(t, "hdr-1", h["response"].(map[string]any)["identifier"])
	outcome := bad.body["entry"].([]any)[1].(map[string]any)["resource"].(map[string]any)
	assert.Equal(t, "OperationOutcome", outcome["resourceType"])
	assert.Contains(t, bad.raw, `unknown clinic \"Astrology\"`)

	unknownEvent := a.post("/fhir/$process-message", messageJSON("lab-result", "", referralJSON(amyByNHS, "Cardiology", "active")))
	assert.Equal(t, http.StatusUnprocessableEntity, unknownEvent.status)
	notMessage := a.post("/fhir/$process-message", bundleJSON("transaction"))
	assert.Equal(t, http.StatusUnprocessableEntity, notMessage.status)
	assert.Equal(t, "OperationOutcome", notMessage.body["resourceType"])
}

// hook receives rest-hook notifications; fail answers 500 to the first n.
type hook struct {
	mu   sync.Mutex
	fail int
	got  chan notification
	ts   *httptest.Server
}

type notification struct {
	method, path, body, auth string
}

func newHook(t *testing.T, fail int) *hook {
	h := &hook{fail: fail, got: make(chan notification, 20)}
	h.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		failing := h.fail != 0
		if h.fail > 0 {
			h.fail--
		}
		h.mu.Unlock()
		if failing {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		h.got <- notification{r.Method, r.URL.Path, string(body), r.Header.Get("Authorization")}
	}))
	t.Cleanup(h.ts.Close)
	return h
}

func (h *hook) next(t *testing.T) notification {
	t.Helper()
	select {
	case n := <-h.got:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no notification within 5s")
		return notification{}
	}
}

func subscriptionJSON(criteria, endpoint, payload string) string {
	return fmt.Sprintf(`{"resourceType": "Subscription", "status": "requested", "reason": "GP wants to know", "criteria": %q,
		"channel": {"type": "rest-hook", "endpoint": %q, "payload": %q, "header": ["Authorization: Bearer test"]}}`, criteria, endpoint, payload)
}

func TestSubscriptionNotifiesWithPayload(t *testing.T) {
	a, _, pid := referralAPI(t)
	hk := newHook(t, 1) // the first attempt fails: retried
	sub := a.post("/fhir/Subscription", subscriptionJSON("Appointment?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018", hk.ts.URL+"/notify/s1", "application/fhir+json"))
	subID := createdID(t, sub)
	assert.Equal(t, "active", sub.body["status"])
	// Another patient's appointment is not notified.
	rory := createdID(t, a.post("/fhir/Patient", patientJSON("9990000026", "Williams", "1985-03-21")))
	createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+rory, "Slot/cardiology-20260602-0930")))

	apptID := createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+pid, "Slot/cardiology-20260602-0900")))
	n := hk.next(t)
	assert.Equal(t, http.MethodPut, n.method)
	assert.Equal(t, "/notify/s1/Appointment/"+apptID, n.path)
	assert.Contains(t, n.body, `"status":"booked"`)
	assert.Equal(t, "Bearer test", n.auth)

	cancel := a.put("/fhir/Appointment/"+apptID, `{"resourceType": "Appointment", "status": "cancelled"}`)
	require.Equal(t, http.StatusOK, cancel.status, cancel.raw)
	n = hk.next(t)
	assert.Equal(t, "/notify/s1/Appointment/"+apptID, n.path)
	assert.Contains(t, n.body, `"status":"cancelled"`)
	select {
	case extra := <-hk.got:
		t.Fatalf("unexpected notification %+v", extra)
	default:
	}
	assert.Equal(t, "active", a.get("/fhir/Subscription/" + subID).body["status"])
}

func TestSubscriptionNotifiesWithoutPayloadFromTheUI(t *testing.T) {
	a, bus, pid := referralAPI(t)
	hk := newHook(t, 0)
	createdID(t, a.post("/fhir/Subscription", subscriptionJSON("Appointment?patient=Patient/"+pid, hk.ts.URL+"/notify/s2", "")))
	// A booking made in the UI reaches the API's subscribers through the bus.
	appt, err := a.store.BookAppointment(context.Background(), store.Booking{PatientID: pid, SlotID: "cardiology-20260602-0930", BookedBy: "reception"})
	require.NoError(t, err)
	bus.Publish(events.Event{Kind: events.AppointmentBooked, Source: events.FromUI, PatientID: pid, AppointmentID: appt.ID})
	n := hk.next(t)
	assert.Equal(t, http.MethodPost, n.method)
	assert.Equal(t, "/notify/s2", n.path)
	assert.Empty(t, n.body)
}

func TestSubscriptionErrorsAfterRetries(t *testing.T) {
	a, _, pid := referralAPI(t)
	hk := newHook(t, -1) // always fails
	subID := createdID(t, a.post("/fhir/Subscription", subscriptionJSON("ServiceRequest", hk.ts.URL, "application/fhir+json")))
	createdID(t, a.post("/fhir/ServiceRequest", referralJSON(`{"reference": "Patient/`+pid+`"}`, "Cardiology", "active")))
	require.Eventually(t, func() bool {
		return a.get("/fhir/Subscription/" + subID).body["status"] == "error"
	}, 5*time.Second, 20*time.Millisecond)
	sub := a.get("/fhir/Subscription/" + subID)
	assert.Contains(t, sub.body["error"], "3 attempts failed")

	assert.Equal(t, http.StatusUnprocessableEntity, a.post("/fhir/Subscription", subscriptionJSON("Observation", hk.ts.URL, "")).status)
	assert.Equal(t, http.StatusUnprocessableEntity, a.post("/fhir/Subscription", subscriptionJSON("Appointment", "ftp://x", "")).status)
	del := a.do(http.MethodDelete, "/fhir/Subscription/"+subID, "", "")
	assert.Equal(t, http.StatusOK, del.status)
	assert.Equal(t, http.StatusNotFound, a.get("/fhir/Subscription/"+subID).status)
}

func TestAppointmentBasedOnReferral(t *testing.T) {
	a, _, pid := referralAPI(t)
	srID := createdID(t, a.post("/fhir/ServiceRequest", referralJSON(amyByNHS, "Cardiology", "active")))
	body := strings.Replace(appointmentJSON("Patient/"+pid, "Slot/cardiology-20260602-0900"), `"status": "booked",`,
		`"status": "booked", "basedOn": [{"reference": "ServiceRequest/`+srID+`"}],`, 1)
	apptID := createdID(t, a.post("/fhir/Appointment", body))
	ref, err := a.store.Referral(context.Background(), srID)
	require.NoError(t, err)
	assert.Equal(t, apptID, ref.AppointmentID)
	assert.Equal(t, "active", ref.Status, "the referral stays active, now booked")
}

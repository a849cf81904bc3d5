package fhir_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/fhir"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// schedulingAPI serves the FHIR API on the harness's clinical clock
// (Monday 1 June 2026, midnight UTC) with the defects given.
func schedulingAPI(t *testing.T, on ...defects.Name) *api {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	st, err := store.Open(context.Background(), "sqlite::memory:", store.Options{Now: now})
	require.NoError(t, err)
	var names []string
	for _, n := range on {
		names = append(names, string(n))
	}
	set, err := defects.Parse(strings.Join(names, ","))
	require.NoError(t, err)
	ts := httptest.NewServer(fhir.New(fhir.Options{Store: st, Now: now, Defects: set}))
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, st.Close())
	})
	return &api{t: t, ts: ts, store: st}
}

func appointmentJSON(patientRef, slot string) string {
	return fmt.Sprintf(`{"resourceType": "Appointment", "status": "booked",
		"slot": [{"reference": %q}],
		"participant": [{"actor": {"reference": %q}, "status": "accepted"}]}`, slot, patientRef)
}

func createdID(t *testing.T, r response) string {
	t.Helper()
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	return r.body["id"].(string)
}

func TestSchedulingSchedulesAndSlots(t *testing.T) {
	a := schedulingAPI(t)
	r := a.get("/fhir/Schedule")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.EqualValues(t, 3, r.body["total"])
	r = a.get("/fhir/Schedule/cardiology")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "Cardiology", r.body["comment"])

	r = a.get("/fhir/Slot?schedule=Schedule/cardiology&status=free&_count=2")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	entries := r.body["entry"].([]any)
	require.Len(t, entries, 2)
	slot := entries[0].(map[string]any)["resource"].(map[string]any)
	assert.Equal(t, "cardiology-20260602-0900", slot["id"])
	assert.Equal(t, "2026-06-02T08:00:00Z", slot["start"], "09:00 BST")
	assert.Equal(t, "free", slot["status"])

	r = a.get("/fhir/Slot")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, diagnostics(t, r)[0], "schedule")
	r = a.get("/fhir/Slot/no-such-slot")
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestSchedulingAppointmentCreateReadSearch(t *testing.T) {
	a := schedulingAPI(t)
	pid := createdID(t, a.post("/fhir/Patient", amy))

	// A slot can be booked before anyone listed its clinic's slots.
	r := a.post("/fhir/Appointment", appointmentJSON("Patient/"+pid, "Slot/cardiology-20260602-0900"))
	id := createdID(t, r)
	assert.Equal(t, "/fhir/Appointment/"+id, r.header.Get("Location"))
	assert.Equal(t, "booked", r.body["status"])
	assert.Equal(t, "2026-06-02T08:00:00Z", r.body["start"])

	r = a.get("/fhir/Appointment/" + id)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	participant := r.body["participant"].([]any)[0].(map[string]any)["actor"].(map[string]any)
	assert.Equal(t, "Patient/"+pid, participant["reference"])
	assert.Equal(t, "Cardiology", r.body["serviceType"].([]any)[0].(map[string]any)["text"])

	r = a.get("/fhir/Appointment?patient=Patient/" + pid)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.EqualValues(t, 1, r.body["total"])
	r = a.get("/fhir/Appointment?patient=" + pid + "&status=cancelled")
	assert.EqualValues(t, 0, r.body["total"])

	r = a.get("/fhir/Slot/cardiology-20260602-0900")
	assert.Equal(t, "busy", r.body["status"])
	r = a.get("/fhir/Appointment/nope")
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestSchedulingAppointmentValidation(t *testing.T) {
	a := schedulingAPI(t)
	pid := createdID(t, a.post("/fhir/Patient", amy))
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"no slot", `{"resourceType": "Appointment", "participant": [{"actor": {"reference": "Patient/` + pid + `"}}]}`, 422, "Appointment.slot"},
		{"no patient", `{"resourceType": "Appointment", "slot": [{"reference": "Slot/cardiology-20260602-0900"}]}`, 422, "Appointment.participant"},
		{"proposed", `{"resourceType": "Appointment", "status": "proposed", "slot": [{"reference": "Slot/cardiology-20260602-0900"}], "participant": [{"actor": {"reference": "Patient/` + pid + `"}}]}`, 422, "Appointment.status"},
		{"unknown slot", appointmentJSON("Patient/"+pid, "Slot/cardiology-20990101-0900"), 422, "Slot/cardiology-20990101-0900 is not known"},
		{"unknown patient", appointmentJSON("Patient/nobody", "Slot/cardiology-20260602-0900"), 422, "Patient/nobody is not known"},
		{"wrong type", `{"resourceType": "Patient"}`, 400, "resourceType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.post("/fhir/Appointment", tc.body)
			assert.Equal(t, tc.status, r.status, r.raw)
			assert.Contains(t, diagnostics(t, r)[0], tc.want)
		})
	}
}

func TestSchedulingDoubleBookingRefusedByAPI(t *testing.T) {
	a := schedulingAPI(t)
	amyID := createdID(t, a.post("/fhir/Patient", amy))
	roryID := createdID(t, a.post("/fhir/Patient", patientJSON("9990000026", "Williams", "1986-07-01")))
	createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+amyID, "Slot/dermatology-20260603-1400")))
	r := a.post("/fhir/Appointment", appointmentJSON("Patient/"+roryID, "Slot/dermatology-20260603-1400"))
	assert.Equal(t, http.StatusConflict, r.status, r.raw)
	assert.Equal(t, []string{"Appointment.slot: This slot is no longer available (Slot/dermatology-20260603-1400)"}, diagnostics(t, r))
}

func TestSchedulingRacingAPIBookings(t *testing.T) {
	a := schedulingAPI(t)
	pid := createdID(t, a.post("/fhir/Patient", amy))
	const n = 6
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = a.post("/fhir/Appointment", appointmentJSON("Patient/"+pid, "Slot/orthopaedics-20260602-1000")).status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		if s == http.StatusCreated {
			created++
		} else {
			assert.Equal(t, http.StatusConflict, s)
		}
	}
	assert.Equal(t, 1, created, "exactly one of the racing requests books the slot")
}

func TestSchedulingDoubleBookingDefectInAPI(t *testing.T) {
	a := schedulingAPI(t, defects.DoubleBooking)
	pid := createdID(t, a.post("/fhir/Patient", amy))
	createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+pid, "Slot/cardiology-20260602-0900")))
	r := a.post("/fhir/Appointment", appointmentJSON("Patient/"+pid, "Slot/cardiology-20260602-0900"))
	assert.Equal(t, http.StatusCreated, r.status, "defect: the booked slot is booked again")
}

func TestSchedulingAppointmentInTransaction(t *testing.T) {
	a := schedulingAPI(t)
	bundle := `{"resourceType": "Bundle", "type": "transaction", "entry": [
	  {"fullUrl": "urn:uuid:6a1f9c2e-3b1d-4d0a-9f3e-000000000018", "resource": ` + amy + `,
	   "request": {"method": "POST", "url": "Patient"}},
	  {"fullUrl": "urn:uuid:6a1f9c2e-3b1d-4d0a-9f3e-0000000000a1",
	   "resource": ` + appointmentJSON("urn:uuid:6a1f9c2e-3b1d-4d0a-9f3e-000000000018", "Slot/cardiology-20260602-0900") + `,
	   "request": {"method": "POST", "url": "Appointment"}}
	]}`
	r := a.post("/fhir", bundle)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	entries := r.body["entry"].([]any)
	require.Len(t, entries, 2)
	loc := entries[1].(map[string]any)["response"].(map[string]any)["location"].(string)
	require.Contains(t, loc, "Appointment/")
	got := a.get("/fhir/" + loc)
	require.Equal(t, http.StatusOK, got.status, got.raw)
	patientLoc := entries[0].(map[string]any)["response"].(map[string]any)["location"].(string)
	actor := got.body["participant"].([]any)[0].(map[string]any)["actor"].(map[string]any)
	assert.Equal(t, patientLoc, actor["reference"], "the urn:uuid reference is resolved")

	// A second bundle for the same slot fails as a whole.
	again := `{"resourceType": "Bundle", "type": "transaction", "entry": [
	  {"fullUrl": "urn:uuid:7a1f9c2e-3b1d-4d0a-9f3e-000000000026", "resource": ` + patientJSON("9990000026", "Williams", "1986-07-01") + `,
	   "request": {"method": "POST", "url": "Patient"}},
	  {"resource": ` + appointmentJSON("urn:uuid:7a1f9c2e-3b1d-4d0a-9f3e-000000000026", "Slot/cardiology-20260602-0900") + `,
	   "request": {"method": "POST", "url": "Appointment"}}
	]}`
	r = a.post("/fhir", again)
	assert.Equal(t, http.StatusConflict, r.status, r.raw)
	assert.Contains(t, diagnostics(t, r)[0], "This slot is no longer available")
	r = a.get("/fhir/Patient?identifier=9990000026")
	assert.EqualValues(t, 0, r.body["total"], "the transaction was rolled back")
}

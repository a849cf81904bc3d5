package fhir_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/fhir"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// The write behaviour of the API (Observation create, Appointment update,
// defects in Bundles, the audit of every write), run on every store: SQLite
// here, PostgreSQL in writes_integration_test.go.

func TestWritesSQLite(t *testing.T) {
	runWrites(t, func(*testing.T) string { return "sqlite::memory:" })
}

// writesAPI serves the API on the clinical clock Monday 1 June 2026 over a
// fresh store at dsn with the seeded users and the defects given.
func writesAPI(t *testing.T, dsn string, on ...defects.Name) *api {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dsn, store.Options{Now: now})
	require.NoError(t, err)
	seeds, err := auth.SeedUsers()
	require.NoError(t, err)
	require.NoError(t, st.UpsertUsers(ctx, seeds))
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

func runWrites(t *testing.T, newDSN func(*testing.T) string) {
	fresh := func(t *testing.T, on ...defects.Name) *api { return writesAPI(t, newDSN(t), on...) }
	t.Run("ObservationCreate", func(t *testing.T) { testObservationCreate(t, fresh(t)) })
	t.Run("ObservationValidation", func(t *testing.T) { testObservationValidation(t, fresh(t)) })
	t.Run("ObservationNEWS2BoundaryDefect", func(t *testing.T) { testObservationDefect(t, fresh(t, defects.NEWS2Boundary)) })
	t.Run("ObservationInTransaction", func(t *testing.T) { testObservationInTransaction(t, fresh(t)) })
	t.Run("AppointmentUpdate", func(t *testing.T) { testAppointmentUpdate(t, fresh(t)) })
	t.Run("AppointmentUpdateDoubleBookingDefect", func(t *testing.T) { testAppointmentUpdateDefect(t, fresh(t, defects.DoubleBooking)) })
	t.Run("AppointmentUpdateInBundle", func(t *testing.T) { testAppointmentUpdateInBundle(t, fresh(t)) })
	t.Run("DefectsInBundles", func(t *testing.T) {
		testDefectsInBundles(t, fresh(t), false)
		testDefectsInBundles(t, fresh(t, defects.NHSCheckDigit, defects.DoubleBooking), true)
	})
	t.Run("AuditOfWrites", func(t *testing.T) { testAuditOfWrites(t, fresh(t)) })
	t.Run("Caller", func(t *testing.T) { testCaller(t, fresh(t)) })
}

// vitals are a NEWS2 set as a vital-signs panel's components; the scale is
// left out unless set.
type vitals struct {
	subject                   string
	rr, spo2, systolic, pulse float64
	temp                      float64
	acvpu                     string
	oxygen                    bool
	scale                     int
	leaveOut                  string // a LOINC or NEWS2 code to leave out
	tempUnit                  string
}

func (v vitals) json() string {
	quantity := func(code, display string, value float64, unit string) map[string]any {
		return map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": code, "display": display}}},
			"valueQuantity": map[string]any{"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}
	}
	if v.tempUnit == "" {
		v.tempUnit = "Cel"
	}
	components := []map[string]any{
		quantity("9279-1", "Respiratory rate", v.rr, "/min"),
		quantity("59408-5", "Oxygen saturation", v.spo2, "%"),
		quantity("8480-6", "Systolic blood pressure", v.systolic, "mm[Hg]"),
		quantity("8867-4", "Heart rate", v.pulse, "/min"),
		quantity("8310-5", "Body temperature", v.temp, v.tempUnit),
		{"code": map[string]any{"coding": []map[string]string{{"system": "http://snomed.info/sct", "code": "1104441000000107"}}},
			"valueCodeableConcept": map[string]any{"text": v.acvpu}},
		{"code": map[string]any{"coding": []map[string]string{{"system": fhir.NEWS2System, "code": "supplemental-oxygen"}}}, "valueBoolean": v.oxygen},
	}
	if v.scale != 0 {
		components = append(components, map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": fhir.NEWS2System, "code": "spo2-scale"}}}, "valueInteger": v.scale})
	}
	var kept []map[string]any
	for _, c := range components {
		if !strings.Contains(fmt.Sprint(c["code"]), v.leaveOut+" ") || v.leaveOut == "" {
			kept = append(kept, c)
		}
	}
	b, _ := json.Marshal(map[string]any{
		"resourceType": "Observation", "status": "final",
		"category":  []any{map[string]any{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}}}},
		"code":      map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "85353-1"}}},
		"subject":   map[string]string{"reference": v.subject},
		"performer": []map[string]string{{"display": "Grace Okafor"}},
		"component": kept,
	})
	return string(b)
}

// normal is a set scoring 0 but for the respiration rate given.
func normal(subject string, rr float64) vitals {
	return vitals{subject: subject, rr: rr, spo2: 97, systolic: 120, pulse: 80, temp: 37.0, acvpu: "A"}
}

// news2Total reads the NEWS2 total Observation of the set the panel location names.
func news2Total(t *testing.T, a *api, panelLocation string) (int, string) {
	t.Helper()
	id := strings.TrimSuffix(strings.TrimPrefix(panelLocation, "/fhir/"), "-panel")
	id = strings.TrimPrefix(id, "Observation/")
	r := a.get("/fhir/Observation/" + id + "-news2")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	interp := r.body["interpretation"].([]any)[0].(map[string]any)["text"].(string)
	return int(r.body["valueInteger"].(float64)), interp
}

func testObservationCreate(t *testing.T, a *api) {
	pid := createdID(t, a.post("/fhir/Patient", amy))
	// RCP chart: RR 25 scores 3, SpO2 95 on scale 1 scores 1, the rest 0:
	// 4 in all, low-medium for the single 3.
	v := normal("Patient/"+pid, 25)
	v.spo2 = 95
	r := a.post("/fhir/Observation", v.json())
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	loc := r.header.Get("Location")
	assert.Regexp(t, `^/fhir/Observation/[0-9a-f-]{36}-panel$`, loc)
	assert.Equal(t, "/fhir/Observation/"+r.body["id"].(string), loc)
	assert.Len(t, r.body["component"], 8, "every NEWS2 parameter, the scale defaulted to 1")
	assert.Len(t, r.body["hasMember"], 7)
	total, band := news2Total(t, a, loc)
	assert.Equal(t, 4, total)
	assert.Equal(t, "Low-medium clinical risk", band)

	got := a.get(loc)
	require.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, r.raw, got.raw, "the answer is the stored panel")

	// A second set on oxygen, scale 2 at 93%: oxygen 2, SpO2 1, temperature
	// 38.6 scores 1, pulse 95 scores 1: 5 in all, medium.
	v2 := normal("Patient/"+pid, 16)
	v2.spo2, v2.scale, v2.oxygen, v2.temp, v2.pulse = 93, 2, true, 38.6, 95
	r = a.post("/fhir/Observation", v2.json())
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	total, band = news2Total(t, a, r.header.Get("Location"))
	assert.Equal(t, 5, total)
	assert.Equal(t, "Medium clinical risk", band)

	s := a.get("/fhir/Observation?patient=Patient/" + pid + "&code=http://loinc.org|85353-1")
	require.Equal(t, http.StatusOK, s.status, s.raw)
	assert.EqualValues(t, 2, s.body["total"])
	s = a.get("/fhir/Observation?patient=" + pid + "&code=8310-5")
	assert.EqualValues(t, 2, s.body["total"])
	temps := []float64{}
	for _, e := range s.body["entry"].([]any) {
		temps = append(temps, e.(map[string]any)["resource"].(map[string]any)["valueQuantity"].(map[string]any)["value"].(float64))
	}
	assert.ElementsMatch(t, []float64{37.0, 38.6}, temps)
	s = a.get("/fhir/Observation?patient=" + pid)
	assert.EqualValues(t, 16, s.body["total"], "two sets of a panel and seven members")
}

func testObservationValidation(t *testing.T, a *api) {
	pid := createdID(t, a.post("/fhir/Patient", amy))
	ref := "Patient/" + pid
	v := normal(ref, 16)
	missing := v
	missing.leaveOut = "9279-1"
	fraction := v
	fraction.rr, fraction.temp = 16.5, 37.25
	fahrenheit := v
	fahrenheit.tempUnit, fahrenheit.temp = "[degF]", 98.6
	outOfRange := v
	outOfRange.pulse = 400
	noOxygen := v
	noOxygen.leaveOut = "supplemental-oxygen"
	badLevel := v
	badLevel.acvpu = "drowsy"
	badScale := v
	badScale.scale = 3
	nobody := normal("Patient/nobody", 16)
	for _, c := range []struct {
		name, body string
		status     int
		want       []string
	}{
		{"single vital sign in a wrong unit", `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"9279-1"}]},"subject":{"reference":"` + ref + `"},"valueQuantity":{"value":16,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}`,
			422, []string{`Observation.valueQuantity: the respiratory rate must be in /min (UCUM), got "kg"`}},
		{"missing component", missing.json(), 422, []string{"Observation.component: the respiratory rate (LOINC 9279-1) is required"}},
		{"fractions", fraction.json(), 422, []string{
			"Observation.component[9279-1].valueQuantity: the respiratory rate must be a whole number, got 16.5",
			"Observation.component[8310-5].valueQuantity: the body temperature must have at most one decimal place, got 37.25"}},
		{"fahrenheit", fahrenheit.json(), 422, []string{`Observation.component[8310-5].valueQuantity: the body temperature must be in Cel (degrees Celsius), got "[degF]"`}},
		{"out of range", outOfRange.json(), 422, []string{"Observation.component[8867-4]: Pulse must be between 20 and 250 beats per minute"}},
		{"no oxygen", noOxygen.json(), 422, []string{"Observation.component: whether the patient is on supplemental oxygen (urn:refepr:news2|supplemental-oxygen, valueBoolean) is required"}},
		{"bad ACVPU", badLevel.json(), 422, []string{"Observation.component[1104441000000107].valueCodeableConcept: the level of consciousness must be one of A, C, V, P, U (Alert, New confusion, Voice, Pain, Unresponsive)"}},
		{"bad scale", badScale.json(), 422, []string{"Observation.component[spo2-scale].valueInteger: the SpO2 scale must be 1 or 2"}},
		{"unknown patient", nobody.json(), 422, []string{"Observation.subject: Patient/nobody is not known"}},
		{"wrong type", amy, 400, []string{`resourceType: expected Observation, got "Patient"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := a.post("/fhir/Observation", c.body)
			assert.Equal(t, c.status, r.status, r.raw)
			assert.Equal(t, c.want, diagnostics(t, r))
		})
	}
	s := a.get("/fhir/Observation?patient=" + pid)
	assert.EqualValues(t, 0, s.body["total"], "nothing invalid was stored")
}

func testObservationDefect(t *testing.T, a *api) {
	pid := createdID(t, a.post("/fhir/Patient", amy))
	// news2-boundary: RR 25 scores 2, as in the UI; 26 still scores 3.
	for _, c := range []struct {
		rr    float64
		total int
	}{{24, 2}, {25, 2}, {26, 3}} {
		r := a.post("/fhir/Observation", normal("Patient/"+pid, c.rr).json())
		require.Equal(t, http.StatusCreated, r.status, r.raw)
		total, _ := news2Total(t, a, r.header.Get("Location"))
		assert.Equal(t, c.total, total, "RR %v under the defect", c.rr)
	}
}

func testObservationInTransaction(t *testing.T, a *api) {
	const ref = "urn:uuid:6a1f9c2e-3b1d-4d0a-9f3e-000000000018"
	r := a.post("/fhir", bundleJSON("transaction",
		entry(ref, amy, ""),
		`{"resource":`+normal(ref, 25).json()+`,"request":{"method":"POST","url":"Observation"}}`))
	got := entryResponses(t, r, "transaction-response")
	require.Len(t, got, 2)
	assert.Equal(t, "201 Created", got[1][0])
	assert.Regexp(t, `^Observation/[0-9a-f-]{36}-panel$`, got[1][1])
	panel := a.get("/fhir/" + got[1][1])
	require.Equal(t, http.StatusOK, panel.status, panel.raw)
	assert.Equal(t, got[0][1], panel.body["subject"].(map[string]any)["reference"], "the urn:uuid reference is resolved")
	total, _ := news2Total(t, a, got[1][1])
	assert.Equal(t, 3, total)

	// An invalid panel fails the whole transaction.
	bad := normal("urn:uuid:2", 25)
	bad.leaveOut = "8867-4"
	r = a.post("/fhir", bundleJSON("transaction",
		entry("urn:uuid:2", patientJSON("9990000026", "Williams", "1986-07-01"), ""),
		`{"resource":`+bad.json()+`,"request":{"method":"POST","url":"Observation"}}`))
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, []string{"Bundle.entry[1]: resource: Observation.component: the heart rate (LOINC 8867-4) is required"}, diagnostics(t, r))
	assert.Equal(t, 1, a.count())
}

// putAppointment PUTs an Appointment with the slot and status.
func putAppointment(a *api, id, patientRef, slot, status string) response {
	a.t.Helper()
	body := fmt.Sprintf(`{"resourceType": "Appointment", "id": %q, "status": %q, "slot": [{"reference": %q}],
		"participant": [{"actor": {"reference": %q}, "status": "accepted"}]}`, id, status, slot, patientRef)
	return a.do(http.MethodPut, "/fhir/Appointment/"+id, "application/fhir+json", body)
}

func slotStatus(t *testing.T, a *api, id string) string {
	t.Helper()
	r := a.get("/fhir/Slot/" + id)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	return r.body["status"].(string)
}

func testAppointmentUpdate(t *testing.T, a *api) {
	amyID := createdID(t, a.post("/fhir/Patient", amy))
	roryID := createdID(t, a.post("/fhir/Patient", patientJSON("9990000026", "Williams", "1986-07-01")))
	amyRef, roryRef := "Patient/"+amyID, "Patient/"+roryID
	id := createdID(t, a.post("/fhir/Appointment", appointmentJSON(amyRef, "Slot/cardiology-20260602-0900")))
	createdID(t, a.post("/fhir/Appointment", appointmentJSON(roryRef, "Slot/cardiology-20260602-1000")))

	// Reschedule to a free slot.
	r := putAppointment(a, id, amyRef, "Slot/cardiology-20260602-0930", "booked")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "2026-06-02T08:30:00Z", r.body["start"])
	assert.Equal(t, "free", slotStatus(t, a, "cardiology-20260602-0900"), "the old slot is freed")
	assert.Equal(t, "busy", slotStatus(t, a, "cardiology-20260602-0930"))

	// Reschedule to a taken slot: refused, nothing changes.
	r = putAppointment(a, id, amyRef, "Slot/cardiology-20260602-1000", "booked")
	assert.Equal(t, http.StatusConflict, r.status, r.raw)
	assert.Equal(t, []string{"Appointment.slot: This slot is no longer available (Slot/cardiology-20260602-1000)"}, diagnostics(t, r))
	assert.Equal(t, "conflict", r.body["issue"].([]any)[0].(map[string]any)["code"])
	assert.Equal(t, "2026-06-02T08:30:00Z", a.get("/fhir/Appointment/" + id).body["start"])

	// The same slot again changes nothing.
	r = putAppointment(a, id, amyRef, "Slot/cardiology-20260602-0930", "booked")
	require.Equal(t, http.StatusOK, r.status, r.raw)

	for _, c := range []struct {
		name, id, patient, slot, status string
		code                            int
		want                            string
	}{
		{"unknown appointment", "nope", amyRef, "Slot/cardiology-20260602-1100", "booked", 404, "Appointment/nope is not known (an update cannot create an appointment: POST it to book a slot)"},
		{"other patient", id, roryRef, "Slot/cardiology-20260602-1100", "booked", 422, "Appointment.participant: Appointment/" + id + " is for Patient/" + amyID + "; the patient of an appointment cannot be changed"},
		{"unknown slot", id, amyRef, "Slot/cardiology-20990101-0900", "booked", 422, "Appointment.slot: Slot/cardiology-20990101-0900 is not known"},
		{"unsupported status", id, amyRef, "Slot/cardiology-20260602-1100", "noshow", 422, `Appointment.status: "noshow" is not supported; use booked (to reschedule to another slot) or cancelled`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := putAppointment(a, c.id, c.patient, c.slot, c.status)
			assert.Equal(t, c.code, r.status, r.raw)
			assert.Equal(t, []string{c.want}, diagnostics(t, r))
		})
	}
	r = a.do(http.MethodPut, "/fhir/Appointment/"+id, "application/fhir+json", `{"resourceType":"Appointment","id":"other","status":"cancelled"}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, []string{`Appointment.id: "other" does not match the id in the URL (` + id + `)`}, diagnostics(t, r))

	// Cancel: the slot is freed; cancelling again changes nothing; a
	// cancelled appointment cannot be booked again.
	r = putAppointment(a, id, amyRef, "Slot/cardiology-20260602-0930", "cancelled")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "cancelled", r.body["status"])
	assert.Equal(t, "free", slotStatus(t, a, "cardiology-20260602-0930"))
	r = a.do(http.MethodPut, "/fhir/Appointment/"+id, "application/fhir+json", `{"resourceType":"Appointment","status":"cancelled"}`)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	r = putAppointment(a, id, amyRef, "Slot/cardiology-20260602-1100", "booked")
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, []string{"Appointment.status: Appointment/" + id + " is cancelled and cannot be booked again; POST a new Appointment"}, diagnostics(t, r))
	s := a.get("/fhir/Appointment?patient=" + amyID + "&status=cancelled")
	assert.EqualValues(t, 1, s.body["total"])
}

func testAppointmentUpdateDefect(t *testing.T, a *api) {
	amyID := createdID(t, a.post("/fhir/Patient", amy))
	roryID := createdID(t, a.post("/fhir/Patient", patientJSON("9990000026", "Williams", "1986-07-01")))
	id := createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+amyID, "Slot/cardiology-20260602-0900")))
	createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+roryID, "Slot/cardiology-20260602-1000")))
	r := putAppointment(a, id, "Patient/"+amyID, "Slot/cardiology-20260602-1000", "booked")
	assert.Equal(t, http.StatusOK, r.status, "defect: moved onto a taken slot: %s", r.raw)
}

func testAppointmentUpdateInBundle(t *testing.T, a *api) {
	amyID := createdID(t, a.post("/fhir/Patient", amy))
	id := createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+amyID, "Slot/dermatology-20260603-1400")))
	put := func(slot, status string) string {
		return fmt.Sprintf(`{"resource": {"resourceType": "Appointment", "status": %q, "slot": [{"reference": %q}]},
			"request": {"method": "PUT", "url": "Appointment/%s"}}`, status, slot, id)
	}
	r := a.post("/fhir", bundleJSON("transaction", put("Slot/dermatology-20260603-1420", "booked")))
	got := entryResponses(t, r, "transaction-response")
	assert.Equal(t, [][2]string{{"200 OK", "Appointment/" + id}}, got)
	assert.Equal(t, "busy", slotStatus(t, a, "dermatology-20260603-1420"))
	r = a.post("/fhir", bundleJSON("batch", put("Slot/dermatology-20260603-1420", "cancelled")))
	assert.Equal(t, "200 OK", entryResponses(t, r, "batch-response")[0][0])
	assert.Equal(t, "free", slotStatus(t, a, "dermatology-20260603-1420"))

	r = a.post("/fhir", bundleJSON("transaction", `{"resource": {"resourceType": "Appointment", "status": "cancelled"},
		"request": {"method": "PUT", "url": "Appointment"}}`))
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Equal(t, []string{`Bundle.entry[0].request.url: "Appointment" is not Appointment/{id} (a PUT updates one Appointment)`}, diagnostics(t, r))
	r = a.post("/fhir", bundleJSON("transaction", `{"resource": `+amy+`, "request": {"method": "PUT", "url": "Patient/x"}}`))
	assert.Equal(t, []string{"Bundle.entry[0].request.method: PUT is not supported (only POST)"}, diagnostics(t, r))
}

// testDefectsInBundles checks that nhs-check-digit and double-booking act
// on Bundle entries exactly as on single creates.
func testDefectsInBundles(t *testing.T, a *api, on bool) {
	wrong := patientJSON("9990000019", "Wrong", "1990-01-01") // check digit should be 8
	single := a.post("/fhir/Patient", wrong)
	inBundle := a.post("/fhir", bundleJSON("transaction", entry("urn:uuid:9", patientJSON("9990000027", "Wrong", "1990-01-01"), "")))
	if on {
		assert.Equal(t, http.StatusCreated, single.status, single.raw)
		assert.Equal(t, "201 Created", entryResponses(t, inBundle, "transaction-response")[0][0], "defect: a wrong check digit is accepted in a Bundle too")
	} else {
		assert.Equal(t, http.StatusUnprocessableEntity, single.status)
		assert.Equal(t, http.StatusUnprocessableEntity, inBundle.status)
		assert.Equal(t, []string{"Bundle.entry[0]: resource: Patient.identifier: NHS number 9990000027 has an invalid check digit"}, diagnostics(t, inBundle))
	}

	amyID := createdID(t, a.post("/fhir/Patient", amy))
	createdID(t, a.post("/fhir/Appointment", appointmentJSON("Patient/"+amyID, "Slot/orthopaedics-20260602-1000")))
	again := `{"resource": ` + appointmentJSON("Patient/"+amyID, "Slot/orthopaedics-20260602-1000") + `, "request": {"method": "POST", "url": "Appointment"}}`
	single = a.post("/fhir/Appointment", appointmentJSON("Patient/"+amyID, "Slot/orthopaedics-20260602-1000"))
	inBundle = a.post("/fhir", bundleJSON("transaction", again))
	if on {
		assert.Equal(t, http.StatusCreated, single.status, single.raw)
		assert.Equal(t, "201 Created", entryResponses(t, inBundle, "transaction-response")[0][0], "defect: a taken slot is booked again in a Bundle too")
	} else {
		assert.Equal(t, http.StatusConflict, single.status)
		assert.Equal(t, http.StatusConflict, inBundle.status)
		assert.Equal(t, []string{"Bundle.entry[0]: Appointment.slot: This slot is no longer available (Slot/orthopaedics-20260602-1000)"}, diagnostics(t, inBundle))
	}
}

// auditLines are the audit entries as "user action nhs details", oldest first.
func auditLines(t *testing.T, a *api, q audit.Query) []string {
	t.Helper()
	entries, total, err := a.store.SearchAudit(context.Background(), q)
	require.NoError(t, err)
	require.Equal(t, len(entries), total)
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		assert.Equal(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), e.At.UTC(), "when: the clinical clock")
		out = append(out, strings.Join([]string{e.Username, string(e.Action), e.NHSNumber, e.Details}, " | "))
	}
	return out
}

func testAuditOfWrites(t *testing.T, a *api) {
	const ref = "urn:uuid:6a1f9c2e-3b1d-4d0a-9f3e-000000000018"
	allergy := `{"resourceType": "AllergyIntolerance", "patient": {"reference": "` + ref + `"}, "code": {"text": "Penicillin"},
		"reaction": [{"manifestation": [{"text": "Anaphylaxis"}], "severity": "severe"}]}`
	medication := `{"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": {"reference": "` + ref + `"},
		"medicationCodeableConcept": {"text": "Paracetamol"}, "dosageInstruction": [{"route": {"text": "Oral"},
		"timing": {"code": {"text": "Four times a day"}}, "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "g"}}]}]}`
	r := a.post("/fhir", bundleJSON("transaction",
		entry(ref, amy, "identifier=9990000018"),
		`{"resource": `+allergy+`, "request": {"method": "POST", "url": "AllergyIntolerance"}}`,
		`{"resource": `+medication+`, "request": {"method": "POST", "url": "MedicationRequest"}}`,
		`{"resource": `+normal(ref, 16).json()+`, "request": {"method": "POST", "url": "Observation"}}`,
		`{"resource": `+appointmentJSON(ref, "Slot/cardiology-20260602-0900")+`, "request": {"method": "POST", "url": "Appointment"}}`,
	))
	got := entryResponses(t, r, "transaction-response")
	require.Len(t, got, 5)
	apptID := strings.TrimPrefix(got[4][1], "Appointment/")
	require.Equal(t, http.StatusOK, putAppointment(a, apptID, got[0][1], "Slot/cardiology-20260602-0930", "booked").status)
	require.Equal(t, http.StatusOK, putAppointment(a, apptID, got[0][1], "Slot/cardiology-20260602-0930", "cancelled").status)
	require.Equal(t, http.StatusCreated, a.post("/fhir/Patient", patientJSON("9990000026", "Williams", "1986-07-01")).status)
	// Nothing changes, so nothing is audited: a conditional create that
	// matches, a refused write and a repeated cancel.
	require.Equal(t, http.StatusOK, a.post("/fhir/Patient", amy, "If-None-Exist", "identifier=9990000018").status)
	require.Equal(t, http.StatusUnprocessableEntity, a.post("/fhir/Observation", normal("Patient/nobody", 16).json()).status)
	require.Equal(t, http.StatusOK, putAppointment(a, apptID, got[0][1], "Slot/cardiology-20260602-0930", "cancelled").status)

	assert.Equal(t, []string{
		"fhir-api | register-patient | 9990000018 | FHIR transaction entry 0: create " + got[0][1],
		"fhir-api | record-allergy | 9990000018 | FHIR transaction entry 1: create " + got[1][1] + ": Penicillin",
		"fhir-api | prescribe | 9990000018 | FHIR transaction entry 2: create " + got[2][1] + ": Paracetamol 1 g oral four times a day",
		"fhir-api | record-observations | 9990000018 | FHIR transaction entry 3: create " + got[3][1] + ": NEWS2 0 (Low clinical risk)",
		"fhir-api | book-appointment | 9990000018 | FHIR transaction entry 4: create " + got[4][1] + ": Cardiology, Tue 2 Jun 2026 09:00",
		"fhir-api | reschedule-appointment | 9990000018 | FHIR update " + got[4][1] + ": Cardiology, Tue 2 Jun 2026 09:30, moved from Tue 2 Jun 2026 09:00",
		"fhir-api | cancel-appointment | 9990000018 | FHIR update " + got[4][1] + ": Cardiology, Tue 2 Jun 2026 09:30",
		"fhir-api | register-patient | 9990000026 | FHIR create Patient/" + patientIDByNHS(t, a, "9990000026"),
	}, auditLines(t, a, audit.Query{}))
	entries, _, err := a.store.SearchAudit(context.Background(), audit.Query{Action: audit.RecordObservations})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, strings.TrimPrefix(got[0][1], "Patient/"), entries[0].PatientID, "which patient")

	// A batch entry is audited in its own transaction; a failed one is not.
	r = a.post("/fhir", bundleJSON("batch",
		entry("urn:uuid:1", patientJSON("9990000034", "Song", "1950-01-01"), ""),
		entry("urn:uuid:2", patientJSON("9990000034", "Song", "1950-01-01"), "")))
	batch := entryResponses(t, r, "batch-response")
	assert.Equal(t, []string{"fhir-api | register-patient | 9990000034 | FHIR batch entry 0: create " + batch[0][1]},
		auditLines(t, a, audit.Query{NHSNumber: "9990000034"}))
}

func patientIDByNHS(t *testing.T, a *api, nhs string) string {
	t.Helper()
	r := a.get("/fhir/Patient?identifier=" + nhs)
	require.EqualValues(t, 1, r.body["total"])
	return r.body["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
}

func testCaller(t *testing.T, a *api) {
	req, err := http.NewRequest(http.MethodPost, a.ts.URL+"/fhir/Patient", strings.NewReader(amy))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/fhir+json")
	req.SetBasicAuth("rec.jones", "reception-pass")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Len(t, auditLines(t, a, audit.Query{Username: "rec.jones", Action: audit.RegisterPatient}), 1, "valid credentials name the caller")

	req, err = http.NewRequest(http.MethodPost, a.ts.URL+"/fhir/Patient", strings.NewReader(patientJSON("9990000026", "Williams", "1986-07-01")))
	require.NoError(t, err)
	req.SetBasicAuth("rec.jones", "not-the-password")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var oo fhir.OperationOutcome
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&oo))
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Len(t, oo.Issue, 1)
	assert.Equal(t, "login", oo.Issue[0].Code)
	assert.Contains(t, oo.Issue[0].Diagnostics, "the HTTP Basic credentials are not those of an EPR user")
	assert.Equal(t, 1, a.count(), "nothing was created")
}

package refepr_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
)

func TestSchedulingAuditSQLite(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	checkSchedulingAudit(t, ts)
}

// checkSchedulingAudit books, reschedules and cancels an appointment and
// admits, transfers and discharges a patient through the UI, and checks the
// audit API reports each change (who, what, which patient) and nothing for
// a refused booking. It runs on every store.
func checkSchedulingAudit(t *testing.T, ts *httptest.Server) {
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	rory := seedPatient(t, ts, "9990000026", "Williams", "Rory", "male", "1986-07-01")
	gp := newBrowser(t, ts)
	gp.signIn("gp.brown", "gp-pass")
	booked := func(p page) {
		t.Helper()
		require.Equal(t, http.StatusSeeOther, p.status, p.body)
	}
	booked(gp.post("/patients/"+amy+"/appointments", url.Values{"slot": {"cardiology-20260602-0900"}}))
	booked(gp.post("/patients/"+rory+"/appointments", url.Values{"slot": {"cardiology-20260602-1000"}}))
	status, appts := fhirDo(t, http.MethodGet, ts.URL+"/fhir/Appointment?patient="+amy, nil)
	require.Equal(t, http.StatusOK, status)
	aid := appts["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
	assert.Equal(t, http.StatusConflict, gp.post("/patients/"+amy+"/appointments/"+aid+"/reschedule", url.Values{"slot": {"cardiology-20260602-1000"}}).status, "a taken slot")
	booked(gp.post("/patients/"+amy+"/appointments/"+aid+"/reschedule", url.Values{"slot": {"cardiology-20260602-0930"}}))
	booked(gp.post("/patients/"+amy+"/appointments/"+aid+"/cancel", url.Values{"confirmed": {"yes"}}))

	clerk := newBrowser(t, ts)
	clerk.signInReceptionist()
	booked(clerk.post("/patients/"+amy+"/admission", url.Values{"bed": {"ward-7-bed-3"}}))
	assert.Equal(t, http.StatusConflict, clerk.post("/patients/"+rory+"/admission", url.Values{"bed": {"ward-7-bed-3"}}).status, "an occupied bed")
	booked(clerk.post("/patients/"+amy+"/admission/transfer", url.Values{"bed": {"ward-12-bed-1"}}))
	booked(clerk.post("/patients/"+amy+"/admission/discharge", nil))

	lines := func(query string) []string { t.Helper(); return auditChanges(t, ts.URL, query) }
	assert.Equal(t, []string{
		"gp.brown | book-appointment | 9990000018 | Cardiology, Tue 2 Jun 2026 09:00 (appointment " + aid + ")",
		"gp.brown | reschedule-appointment | 9990000018 | Cardiology, Tue 2 Jun 2026 09:30 (appointment " + aid + "), moved from Tue 2 Jun 2026 09:00",
		"gp.brown | cancel-appointment | 9990000018 | Cardiology, Tue 2 Jun 2026 09:30 (appointment " + aid + ")",
		"rec.jones | admit-patient | 9990000018 | Ward 7, bed 3",
		"rec.jones | transfer-patient | 9990000018 | Ward 12, bed 1, from Ward 7, bed 3",
		"rec.jones | discharge-patient | 9990000018 | Ward 12, bed 1",
	}, lines("patient=9990000018"))
	assert.Equal(t, []string{"gp.brown | book-appointment | 9990000026 | Cardiology, Tue 2 Jun 2026 10:00 (appointment " +
		rorysAppointment(t, ts, rory) + ")"}, lines("patient=9990000026"), "the refused booking and admission left no entry")

	// The FHIR API's own writes are there too, under its system user.
	status, got := readAudit(t, ts.URL, "user=fhir-api&action=register-patient", "admin.smith", "admin-pass")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 2, got.Total)
}

func rorysAppointment(t *testing.T, ts *httptest.Server, rory string) string {
	t.Helper()
	status, appts := fhirDo(t, http.MethodGet, ts.URL+"/fhir/Appointment?patient="+rory, nil)
	require.Equal(t, http.StatusOK, status)
	return appts["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
}

// TestNEWS2SameInUIAndFHIR records the same vital signs through the UI and
// the FHIR API, with and without the news2-boundary defect, and checks both
// give the same NEWS2 total.
func TestNEWS2SameInUIAndFHIR(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := refepr.Config{}
		if on {
			set, err := defects.Parse(string(defects.NEWS2Boundary))
			require.NoError(t, err)
			cfg.Defects = set
		}
		_, ts := newServer(t, cfg)
		id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
		b := newBrowser(t, ts)
		b.signInClinician()
		for _, rr := range []string{"8", "12", "24", "25"} {
			redirectsToRecord(t, b.post("/patients/"+id+"/observations", observations(rr)), id, "observations")
			uiScore, _, _ := news2Of(t, b.get("/patients/"+id))

			form := observations(rr)
			num := func(k string) float64 {
				f, err := strconv.ParseFloat(form.Get(k), 64)
				require.NoError(t, err)
				return f
			}
			quantity := func(code string, v float64) map[string]any {
				return map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": code}}},
					"valueQuantity": map[string]any{"value": v}}
			}
			panel := map[string]any{"resourceType": "Observation", "status": "final",
				"code":    map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "85353-1"}}},
				"subject": map[string]string{"reference": "Patient/" + id},
				"component": []any{quantity("9279-1", num("rr")), quantity("59408-5", num("spo2")), quantity("8480-6", num("systolic")),
					quantity("8867-4", num("pulse")), quantity("8310-5", num("temp")),
					map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": "http://snomed.info/sct", "code": "1104441000000107"}}},
						"valueCodeableConcept": map[string]any{"text": form.Get("acvpu")}},
					map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": "urn:refepr:news2", "code": "supplemental-oxygen"}}},
						"valueBoolean": form.Get("air") == "oxygen"}}}
			status, created := fhirDo(t, http.MethodPost, ts.URL+"/fhir/Observation", panel)
			require.Equal(t, http.StatusCreated, status, created)
			set := strings.TrimSuffix(created["id"].(string), "-panel")
			status, total := fhirDo(t, http.MethodGet, ts.URL+"/fhir/Observation/"+set+"-news2", nil)
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, uiScore, strconv.Itoa(int(total["valueInteger"].(float64))), "RR %s, defect on: %v", rr, on)
		}
	}
}

// auditChanges reads the audit log through its API (as the admin) and
// returns, oldest first, the entries other than record views and the FHIR
// API's own writes, as "user | action | NHS number | details".
func auditChanges(t *testing.T, base, query string) []string {
	t.Helper()
	status, got := readAudit(t, base, query, "admin.smith", "admin-pass")
	require.Equal(t, http.StatusOK, status)
	var out []string
	for i := len(got.Entries) - 1; i >= 0; i-- { // oldest first
		e := got.Entries[i]
		if e.Action != "view-record" && e.User != "fhir-api" {
			out = append(out, strings.Join([]string{e.User, e.Action, e.NHSNumber, e.Details}, " | "))
		}
	}
	return out
}

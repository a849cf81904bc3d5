package refepr_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr"
)

// Every clinical change made through the UI (allergies, prescriptions,
// observations) is in the audit log: who, what, which patient.
func TestClinicalWritesAreAudited(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	firstID := func(path string) string {
		t.Helper()
		status, got := fhirDo(t, http.MethodGet, ts.URL+"/fhir/"+path, nil)
		require.Equal(t, http.StatusOK, status)
		entries, _ := got["entry"].([]any)
		require.NotEmpty(t, entries, path)
		return entries[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
	}

	redirectsToRecord(t, b.post("/patients/"+id+"/allergies", allergyForm("Penicillin", "Rash", "mild")), id, "allergy")
	aid := firstID("AllergyIntolerance?patient=" + id)
	redirectsToRecord(t, b.post("/patients/"+id+"/allergies/"+aid, allergyForm("Penicillin", "Anaphylaxis", "severe")), id, "allergy-updated")
	redirectsToRecord(t, b.post("/patients/"+id+"/allergies/"+aid+"/entered-in-error", nil), id, "allergy-error")
	redirectsToRecord(t, b.post("/patients/"+id+"/allergies/none", nil), id, "nka")
	rx := url.Values{"drug": {"Paracetamol"}, "dose": {"1 g"}, "route": {"Oral"}, "frequency": {"Four times a day"}}
	redirectsToRecord(t, b.post("/patients/"+id+"/medications", rx), id, "prescribed")
	mid := firstID("MedicationRequest?patient=" + id)
	redirectsToRecord(t, b.post("/patients/"+id+"/medications/"+mid+"/stop", url.Values{"reason": {"Pain settled"}, "confirmed": {"yes"}}), id, "stopped")
	redirectsToRecord(t, b.post("/patients/"+id+"/observations", observations("25")), id, "observations")

	lines := auditChanges(t, ts.URL, "patient=9990000018")
	require.Len(t, lines, 7, strings.Join(lines, "\n"))
	assert.Equal(t, []string{
		"dr.patel | record-allergy | 9990000018 | Penicillin",
		"dr.patel | update-allergy | 9990000018 | Penicillin",
		"dr.patel | allergy-entered-in-error | 9990000018 | Penicillin",
		"dr.patel | no-known-allergies | 9990000018 | ",
		"dr.patel | prescribe | 9990000018 | Paracetamol",
		"dr.patel | stop-medication | 9990000018 | Paracetamol: Pain settled",
	}, lines[:6])
	assert.Regexp(t, `^dr\.patel \| record-observations \| 9990000018 \| NEWS2 \d+ \(.+\)$`, lines[6])
}

//go:build integration

package refepr_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/fixtures/fhirimport"
	"github.com/eprharness/eprharness/harness/fixtures/generate"
	"github.com/eprharness/eprharness/sut/refepr"
)

// fhirSearch GETs a FHIR search and returns the searchset's resources.
func fhirSearch(t *testing.T, client *http.Client, url string) []map[string]any {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&b))
	var out []map[string]any
	for _, e := range b.Entry {
		out = append(out, e.Resource)
	}
	return out
}

func patientByNHS(t *testing.T, client *http.Client, base, nhs string) map[string]any {
	t.Helper()
	ps := fhirSearch(t, client, base+"/fhir/Patient?identifier="+fhirimport.NHSNumberSystem+"|"+nhs)
	require.Len(t, ps, 1, "patient %s", nhs)
	return ps[0]
}

// The importer, the generator and the fixture personas against the real
// reference EPR, through its FHIR API only.
func TestFixturesLoadIntoTheReferenceEPR(t *testing.T) {
	ctx := context.Background()
	_, ts := newServer(t, refepr.Config{})
	client := ts.Client()

	t.Run("synthea", func(t *testing.T) {
		im := fhirimport.New(client, ts.URL+"/fhir")
		rep, err := im.ImportPath(ctx, filepath.Join("..", "..", "harness", "fixtures", "fhirimport", "testdata", "synthea"))
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"Patient": 1, "AllergyIntolerance": 1, "MedicationRequest": 2, "Observation": 1}, rep.Created)
		// The EPR needs an allergy's reaction and a prescription's dosage,
		// keeps drug names of up to 100 characters, and takes Observations
		// only as vital-signs panels (not height, weight or BMI).
		assert.Equal(t, map[string]int{"AllergyIntolerance": 1, "MedicationRequest": 2, "Observation": 4}, rep.Rejected)
		assert.Contains(t, strings.Join(rep.Reasons, "\n"), "entry[20] MedicationRequest: resource: MedicationRequest.medicationCodeableConcept: Drug must be 100 characters or fewer")
		assert.Equal(t, 1, rep.Skipped["Claim"])
		assert.Equal(t, 3, rep.Skipped[fhirimport.SkippedIncompleteVitals], "a set without SpO2 and temperature cannot be scored")

		// Find the patient by the NHS number the importer gave.
		found := fhirSearch(t, client, ts.URL+"/fhir/Patient?family=Kihn564")
		require.Len(t, found, 1)
		id := found[0]["id"].(string)
		rxs := fhirSearch(t, client, ts.URL+"/fhir/MedicationRequest?patient=Patient/"+id)
		var drugs []string
		for _, rx := range rxs {
			drugs = append(drugs, rx["medicationCodeableConcept"].(map[string]any)["text"].(string))
		}
		assert.Contains(t, drugs, "Hydrochlorothiazide 25 MG Oral Tablet")
		assert.Len(t, drugs, 2)
		allergies := fhirSearch(t, client, ts.URL+"/fhir/AllergyIntolerance?patient=Patient/"+id)
		require.Len(t, allergies, 1)
		assert.Equal(t, "Allergy to amoxicillin", allergies[0]["code"].(map[string]any)["text"])
		panels := fhirSearch(t, client, ts.URL+"/fhir/Observation?patient=Patient/"+id+"&code=http://loinc.org|85353-1")
		assert.Len(t, panels, 1, "Synthea's complete set of vital signs is one panel")
	})

	t.Run("generated", func(t *testing.T) {
		dir := t.TempDir()
		_, err := generate.Write(dir, 60, 2026, generate.WithPerBundle(20))
		require.NoError(t, err)
		rep, err := fhirimport.New(client, ts.URL+"/fhir", fhirimport.WithStrict()).ImportPath(ctx, dir)
		require.NoError(t, err, "every generated entry the EPR supports must be accepted")
		assert.Equal(t, 60, rep.Patients)
		assert.Empty(t, rep.Skipped, "the EPR takes every entry the generator writes")
		assert.Equal(t, 60, rep.Created["Observation"], "a vital-signs panel per patient")
		files, _ := generate.Generate(60, 2026, generate.WithPerBundle(20))
		first := files[0].Patients[0]
		p := patientByNHS(t, client, ts.URL, first.NHSNumber.String())
		assert.Equal(t, first.BirthDate, p["birthDate"])
	})

	t.Run("personas", func(t *testing.T) {
		lib, err := fixtures.Open(filepath.Join("..", "..", "fixtures"))
		require.NoError(t, err)
		for _, p := range lib.Patients() {
			require.NoError(t, fixtures.Load(ctx, client, ts.URL+"/fhir", p), p.Name())
		}
		harriet, _ := lib.Patient("Harriet Jones")
		hj := patientByNHS(t, client, ts.URL, harriet.NHSNumber)
		rxs := fhirSearch(t, client, ts.URL+"/fhir/MedicationRequest?patient=Patient/"+hj["id"].(string))
		var warfarin bool
		for _, rx := range rxs {
			warfarin = warfarin || rx["medicationCodeableConcept"].(map[string]any)["text"] == "Warfarin"
		}
		assert.True(t, warfarin, "Harriet Jones is on warfarin")
		panels := fhirSearch(t, client, ts.URL+"/fhir/Observation?patient=Patient/"+hj["id"].(string)+"&code=http://loinc.org|85353-1")
		assert.Len(t, panels, 1, "Harriet Jones has a set of vital signs")
		totals := fhirSearch(t, client, ts.URL+"/fhir/Observation?patient=Patient/"+hj["id"].(string)+"&code=http://snomed.info/sct|1104051000000101")
		require.Len(t, totals, 1)
		assert.EqualValues(t, 2, totals[0]["valueInteger"], "an SpO2 of 94 and a pulse of 92 score 1 each")

		angie, _ := lib.Patient("Angie Maitland")
		am := patientByNHS(t, client, ts.URL, angie.NHSNumber)
		al := fhirSearch(t, client, ts.URL+"/fhir/AllergyIntolerance?patient=Patient/"+am["id"].(string))
		require.Len(t, al, 1)
		raw, _ := json.Marshal(al[0])
		assert.Contains(t, string(raw), `"text":"Penicillin"`)
		assert.Contains(t, string(raw), `"text":"Anaphylaxis"`)

		river, _ := lib.Patient("River Song")
		rs := patientByNHS(t, client, ts.URL, river.NHSNumber)
		raw, _ = json.Marshal(rs["meta"])
		assert.True(t, strings.Contains(string(raw), `"code":"R"`), "River Song's record is restricted: %s", raw)
	})
}

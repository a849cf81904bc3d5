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

// leftOut lists the entries of a type an import left out, with why.
func leftOut(rep fhirimport.Report, typ string) []string {
	var out []string
	for _, l := range rep.LeftOut {
		if l.ResourceType == typ {
			out = append(out, l.String())
		}
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
		// The EPR takes what FHIR allows: an allergy without a reaction, a
		// prescription without a dosage, single vital signs and body
		// measurements (its Observation lists the vital-signs profile). It
		// keeps drug names of up to 100 characters.
		assert.Equal(t, map[string]int{"Patient": 1, "AllergyIntolerance": 2, "MedicationRequest": 3, "Observation": 12}, rep.Created)
		assert.Equal(t, map[string]int{"MedicationRequest": 1}, rep.Rejected)
		assert.Contains(t, strings.Join(rep.Reasons, "\n"), "entry[20] MedicationRequest: resource: MedicationRequest.medicationCodeableConcept: Drug must be 100 characters or fewer")
		assert.Equal(t, 1, rep.Skipped["Claim"])
		assert.Zero(t, rep.Skipped[fhirimport.SkippedIncompleteVitals], "single vital signs are not combined")
		assert.Zero(t, rep.Panels)

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
		assert.Len(t, drugs, 3)
		allergies := fhirSearch(t, client, ts.URL+"/fhir/AllergyIntolerance?patient=Patient/"+id)
		require.Len(t, allergies, 2, "with a reaction and without")
		heartRates := fhirSearch(t, client, ts.URL+"/fhir/Observation?patient=Patient/"+id+"&code=http://loinc.org|8867-4")
		assert.Len(t, heartRates, 2, "Synthea's single heart rates are kept as they are")

		// The same input again duplicates nothing.
		again, err := fhirimport.New(client, ts.URL+"/fhir").ImportPath(ctx, filepath.Join("..", "..", "harness", "fixtures", "fhirimport", "testdata", "synthea"))
		require.NoError(t, err)
		assert.Empty(t, again.Created)
		assert.Equal(t, rep.Created, again.Existing)
		assert.Len(t, fhirSearch(t, client, ts.URL+"/fhir/AllergyIntolerance?patient=Patient/"+id), 2)
		assert.Len(t, fhirSearch(t, client, ts.URL+"/fhir/Observation?patient=Patient/"+id), 12)
	})

	t.Run("synthea-shaped", func(t *testing.T) {
		// A fresh EPR: Synthea-shaped patients, every supported type loaded,
		// and a second import that duplicates nothing.
		_, ts := newServer(t, refepr.Config{})
		client := ts.Client()
		const n = 10
		dir := t.TempDir()
		_, err := generate.Write(dir, n, 2013, generate.WithShape(generate.ShapeSynthea))
		require.NoError(t, err)
		files, err := generate.Generate(n, 2013, generate.WithShape(generate.ShapeSynthea))
		require.NoError(t, err)
		want := map[string]int{}
		for _, f := range files {
			counts, err := generate.CountEntries(f.Data)
			require.NoError(t, err)
			for typ, c := range counts {
				want[typ] += c
			}
		}

		rep, err := fhirimport.New(client, ts.URL+"/fhir").ImportPath(ctx, dir)
		require.NoError(t, err)
		assert.Equal(t, n, rep.Patients)
		assert.Equal(t, n, rep.Renumbered, "the US identifiers are replaced by test NHS numbers")
		for typ, c := range want {
			require.Contains(t, rep.Types, typ)
			got := rep.Types[typ]
			assert.Equal(t, c, got.Read, typ)
			if got.Supported {
				assert.Equal(t, c, got.Created, "%s: every entry of a supported type is loaded; left out: %v", typ, leftOut(rep, typ))
			} else {
				assert.Equal(t, c, got.LeftOut, typ)
			}
		}
		for _, typ := range []string{"Patient", "AllergyIntolerance", "MedicationRequest", "Observation"} {
			assert.True(t, rep.Types[typ].Supported, "the reference EPR creates %s", typ)
		}
		assert.GreaterOrEqual(t, rep.CoverageRatio(), 0.95, rep.CoverageLine())
		t.Log(rep.CoverageLine())

		stored := func() map[string]int {
			out := map[string]int{}
			for _, rn := range rep.Renumberings {
				p := patientByNHS(t, client, ts.URL, rn.NHSNumber)
				out["Patient"]++
				for _, typ := range []string{"AllergyIntolerance", "MedicationRequest", "Observation"} {
					out[typ] += len(fhirSearch(t, client, ts.URL+"/fhir/"+typ+"?patient=Patient/"+p["id"].(string)))
				}
			}
			return out
		}
		first := stored()
		for _, typ := range []string{"Patient", "AllergyIntolerance", "MedicationRequest", "Observation"} {
			assert.Equal(t, want[typ], first[typ], "%s: what the EPR holds is what was generated", typ)
		}

		again, err := fhirimport.New(client, ts.URL+"/fhir").ImportPath(ctx, dir)
		require.NoError(t, err)
		assert.Empty(t, again.Created, "nothing is created twice")
		assert.Equal(t, rep.Created, again.Existing)
		assert.Equal(t, first, stored(), "the FHIR searches count the same after a second import")
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

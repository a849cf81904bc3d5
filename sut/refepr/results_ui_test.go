package refepr_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/sut/refepr"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// postObservation creates a single Observation through the FHIR API.
func postObservation(t *testing.T, ts *httptest.Server, patientID, category, code, display, effective string, value map[string]any) {
	t.Helper()
	res := map[string]any{
		"resourceType": "Observation", "status": "final",
		"category":  []any{map[string]any{"coding": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": category}}}},
		"code":      map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": code, "display": display}}},
		"subject":   map[string]string{"reference": "Patient/" + patientID},
		"performer": []map[string]string{{"display": "Pathology lab"}},
	}
	if effective != "" {
		res["effectiveDateTime"] = effective
	}
	for k, v := range value {
		res[k] = v
	}
	body, err := json.Marshal(res)
	require.NoError(t, err)
	resp, err := http.Post(ts.URL+"/fhir/Observation", "application/fhir+json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "create %s", display)
}

func ucum(v float64, unit string) map[string]any {
	return map[string]any{"valueQuantity": map[string]any{"value": v, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}
}

// resultRows returns the cell texts of each body row of the table captioned
// caption.
func resultRows(t *testing.T, root *html.Node, caption string) [][]string {
	t.Helper()
	c := One(t, root, And(Tag("caption"), TextIs(caption)), "caption "+caption)
	table := c.Parent
	require.Equal(t, "table", table.Data)
	var rows [][]string
	for _, tr := range All(table, Tag("tr")) {
		if tr.Parent.Data != "tbody" {
			continue
		}
		var cells []string
		for _, cell := range All(tr, func(n *html.Node) bool { return n.Type == html.ElementNode && (n.Data == "th" || n.Data == "td") }) {
			cells = append(cells, Text(cell))
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestRecordShowsResultsAndMeasurements(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()

	p := mustSee(t, b.get("/patients/"+id), http.StatusOK)
	section := One(t, p.doc, And(Tag("section"), HasAttr("aria-labelledby", "results-heading")), "results section")
	One(t, section, And(Tag("h2"), TextIs("Results and measurements")), "results heading")
	One(t, section, And(Tag("p"), TextIs("No vital signs or body measurements recorded")), "no vitals")
	One(t, section, And(Tag("p"), TextIs("No laboratory results recorded")), "no labs")

	postObservation(t, ts, id, "vital-signs", "8867-4", "Heart rate", "2026-05-01T10:30:00+01:00", ucum(88, "/min"))
	postObservation(t, ts, id, "vital-signs", "8867-4", "Heart rate", "2026-05-03T08:00:00Z", ucum(72, "/min"))
	postObservation(t, ts, id, "vital-signs", "8867-4", "Heart rate", "2026-04-30", ucum(95, "/min"))
	postObservation(t, ts, id, "vital-signs", "85354-9", "Blood pressure panel", "2026-05-03T08:00:00Z", map[string]any{"component": []any{
		map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "8480-6"}}}, "valueQuantity": map[string]any{"value": 121, "code": "mm[Hg]"}},
		map[string]any{"code": map[string]any{"coding": []map[string]string{{"system": "http://loinc.org", "code": "8462-4"}}}, "valueQuantity": map[string]any{"value": 79, "code": "mm[Hg]"}},
	}})
	postObservation(t, ts, id, "vital-signs", "29463-7", "Body weight", "2026-05-02", ucum(70.4, "kg"))
	postObservation(t, ts, id, "vital-signs", "8302-2", "Body height", "2026-05-02", ucum(172, "cm"))
	postObservation(t, ts, id, "vital-signs", "39156-5", "Body mass index", "2026-05-02", ucum(23.8, "kg/m2"))
	potassium := ucum(5.9, "mmol/L")
	potassium["referenceRange"] = []any{map[string]any{"low": map[string]any{"value": 3.5, "code": "mmol/L"}, "high": map[string]any{"value": 5.3, "code": "mmol/L"}}}
	potassium["interpretation"] = []any{map[string]any{"coding": []map[string]string{{"code": "H"}}}}
	postObservation(t, ts, id, "laboratory", "2823-3", "Potassium", "2026-05-02T09:15:00Z", potassium)
	postObservation(t, ts, id, "laboratory", "94500-6", "SARS-CoV-2 RNA", "2026-05-04", map[string]any{"valueString": "Not detected"})
	postObservation(t, ts, id, "laboratory", "718-7", "Haemoglobin", "", ucum(13.5, "g/dL")) // no date: the clinical clock

	p = mustSee(t, b.get("/patients/"+id), http.StatusOK)
	checkAccessible(t, p, "record with results", true)
	section = One(t, p.doc, And(Tag("section"), HasAttr("aria-labelledby", "results-heading")), "results section")
	assert.Equal(t, [][]string{
		{"Heart rate", "72 /min", "03-May-2026 08:00", "Pathology lab"},
		{"Blood pressure panel", "121/79 mmHg", "03-May-2026 08:00", "Pathology lab"},
		{"Body weight", "70.4 kg", "02-May-2026", "Pathology lab"},
		{"Body height", "172 cm", "02-May-2026", "Pathology lab"},
		{"Body mass index", "23.8 kg/m²", "02-May-2026", "Pathology lab"},
	}, resultRows(t, section, "Latest vital signs and body measurements"), "the latest of each, the source's dates")
	assert.Equal(t, [][]string{
		{"Haemoglobin", "13.5", "g/dL", "", "", "01-Jun-2026 00:00"},
		{"SARS-CoV-2 RNA", "Not detected", "", "", "", "04-May-2026"},
		{"Potassium", "5.9", "mmol/L", "3.5–5.3 mmol/L", "High", "02-May-2026 09:15"},
	}, resultRows(t, section, "Laboratory results"), "newest first")
	for _, th := range All(section, Tag("th")) {
		if th.Parent.Parent.Data == "thead" {
			assert.Equal(t, "col", Attr(th, "scope"), Text(th))
		} else {
			assert.Equal(t, "row", Attr(th, "scope"), Text(th))
		}
	}

	// Roles without the clinical record do not see results.
	rec := newBrowser(t, ts)
	rec.signInReceptionist()
	p = mustSee(t, rec.get("/patients/"+id), http.StatusOK)
	assert.Empty(t, All(p.doc, And(Tag("h2"), TextIs("Results and measurements"))))
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/sut/refepr"
)

func TestFixturesBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"fixtures"}, "usage:"},
		{[]string{"fixtures", "make"}, `unknown command "make"`},
		{[]string{"fixtures", "generate"}, "--count: want a number of patients from 1 to"},
		{[]string{"fixtures", "generate", "--count", "2", "--as-of", "June"}, `--as-of: want a date such as 2026-06-01, got "June"`},
		{[]string{"fixtures", "generate", "--count", "2", "--per-bundle", "0", "--out", dir}, "patients per bundle must be at least 1"},
		{[]string{"fixtures", "import", "--from", dir}, "--from and --to are required"},
		{[]string{"fixtures", "import", "--from", dir, "--to", "http://127.0.0.1:1", "--nhs-test-ranges", "1-2"}, "--nhs-test-ranges: want FIRST-LAST"},
		{[]string{"fixtures", "import", "--from", filepath.Join(dir, "nope"), "--to", "http://127.0.0.1:1"}, "no such file or directory"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(c.args, &stdout, &stderr)
		assert.Equal(t, exitcode.Usage, code, "%v: %s", c.args, stderr.String())
		assert.Contains(t, stderr.String(), c.want, c.args)
	}
}

func TestFixturesGenerateAndImport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gen")
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitcode.Pass, Main([]string{"fixtures", "generate", "--count", "12", "--seed", "9", "--per-bundle", "4", "--out", dir}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "wrote 12 patient(s) in 3 bundle(s)")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	assert.Len(t, files, 3)

	srv, err := refepr.New(context.Background(), refepr.Config{})
	require.NoError(t, err)
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	stdout.Reset()
	require.Equal(t, exitcode.Pass, Main([]string{"fixtures", "import", "--from", dir, "--to", ts.URL, "--strict"}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "imported 3 file(s), 12 patient(s)")
	assert.Regexp(t, `created: [^;]*Observation 12`, stdout.String(), "one vital-signs panel per patient is created")
	assert.NotContains(t, stdout.String(), "skipped", "the reference EPR takes every entry the generator writes")

	// A bundle with a real NHS number is refused, naming file and field.
	bad := filepath.Join(t.TempDir(), "real.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient",
		"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"name":[{"family":"X"}]},"request":{"method":"POST","url":"Patient"}}]}`), 0o644))
	stderr.Reset()
	assert.Equal(t, exitcode.Usage, Main([]string{"fixtures", "import", "--from", bad, "--to", ts.URL}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "real.json: entry[0].resource.identifier[0].value: NHS number *** *** *919 is not in a reserved test range")
	assert.NotContains(t, stderr.String(), "5919", "a number outside the test ranges is never printed in full")
}

// fhirTarget is a small FHIR server for the import command: it creates
// patients, allergies with a reaction and prescriptions, takes single
// vital signs (its Observation lists the vital-signs profile), and
// supports conditional create.
type fhirTarget struct {
	mu       sync.Mutex
	existing map[string]bool
}

func (f *fhirTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/fhir+json")
	if r.Method == http.MethodGet && r.URL.Path == "/fhir/metadata" {
		fmt.Fprint(w, `{"resourceType":"CapabilityStatement","rest":[{"mode":"server","resource":[
{"type":"Patient","interaction":[{"code":"create"}]},{"type":"AllergyIntolerance","interaction":[{"code":"create"}]},
{"type":"MedicationRequest","interaction":[{"code":"create"}]},
{"type":"Observation","interaction":[{"code":"create"}],"supportedProfile":["http://hl7.org/fhir/StructureDefinition/vitalsigns"]}]}]}`)
		return
	}
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
			Request  struct {
				IfNoneExist string `json:"ifNoneExist"`
			} `json:"request"`
		} `json:"entry"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&b) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var issues, answers []string
	for i, e := range b.Entry {
		if e.Resource["resourceType"] == "AllergyIntolerance" && e.Resource["reaction"] == nil {
			issues = append(issues, fmt.Sprintf(`{"severity":"error","code":"required","diagnostics":"Bundle.entry[%d]: AllergyIntolerance.reaction: Enter the reaction"}`, i))
		}
		status := "201 Created"
		if key := fmt.Sprint(e.Resource["resourceType"], "?", e.Request.IfNoneExist); e.Request.IfNoneExist != "" && f.existing[key] {
			status = "200 OK"
		}
		answers = append(answers, `{"response":{"status":"`+status+`"}}`)
	}
	if len(issues) > 0 {
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[`+strings.Join(issues, ",")+`]}`)
		return
	}
	for _, e := range b.Entry {
		if e.Request.IfNoneExist != "" {
			f.existing[fmt.Sprint(e.Resource["resourceType"], "?", e.Request.IfNoneExist)] = true
		}
	}
	fmt.Fprint(w, `{"resourceType":"Bundle","type":"transaction-response","entry":[`+strings.Join(answers, ",")+`]}`)
}

func TestFixturesImportSummary(t *testing.T) {
	ts := httptest.NewServer(&fhirTarget{existing: map[string]bool{}})
	defer ts.Close()
	from := filepath.Join("..", "..", "harness", "fixtures", "fhirimport", "testdata", "synthea")
	file := filepath.Join(from, "Marisa_Kihn564_b3e6a8f2-4c71-4d0e-9a55-2f1c7d9e8a01.json")
	report := filepath.Join(t.TempDir(), "import.json")

	var stdout, stderr bytes.Buffer
	require.Equal(t, exitcode.Pass, Main([]string{"fixtures", "import", "--from", from, "--to", ts.URL, "--report", report}, &stdout, &stderr), stderr.String())
	want := `eprharness: imported 2 file(s), 1 patient(s); created: AllergyIntolerance 1, MedicationRequest 4, Observation 12, Patient 1; ` +
		`skipped (not supported by the target): Claim 1, Condition 2, Encounter 2, ExplanationOfBenefit 1, Immunization 1, Practitioner 1, Procedure 1, Provenance 1; ` +
		`rejected by the target: AllergyIntolerance 1; 1 patient(s) given a test NHS number; 22 unresolvable reference(s) removed
eprharness:   AllergyIntolerance: read 2, created 1, already there 0, left out 1
eprharness:   Claim: read 1, created 0, already there 0, left out 1 (not supported by the target)
eprharness:   Condition: read 2, created 0, already there 0, left out 2 (not supported by the target)
eprharness:   Encounter: read 2, created 0, already there 0, left out 2 (not supported by the target)
eprharness:   ExplanationOfBenefit: read 1, created 0, already there 0, left out 1 (not supported by the target)
eprharness:   Immunization: read 1, created 0, already there 0, left out 1 (not supported by the target)
eprharness:   MedicationRequest: read 4, created 4, already there 0, left out 0
eprharness:   Observation: read 12, created 12, already there 0, left out 0
eprharness:   Patient: read 1, created 1, already there 0, left out 0
eprharness:   Practitioner: read 1, created 0, already there 0, left out 1 (not supported by the target)
eprharness:   Procedure: read 1, created 0, already there 0, left out 1 (not supported by the target)
eprharness:   Provenance: read 1, created 0, already there 0, left out 1 (not supported by the target)
eprharness: coverage of the types the target supports: 18 of 19 entries (94.7%)
eprharness: left out: ` + file + `: entry[10] AllergyIntolerance f1000001-2b3c-4d5e-8f60-000000000002: rejected by the target: AllergyIntolerance.reaction: Enter the reaction
eprharness: 10 entries of types the target does not support left out (--report names each)
eprharness: wrote the import report to ` + report + `
`
	assert.Equal(t, want, stdout.String())

	raw, err := os.ReadFile(report)
	require.NoError(t, err)
	var rep struct {
		LeftOut []struct {
			File, ResourceType, ID, Reason string
			Entry                          int
		} `json:"leftOut"`
		Coverage struct{ Loaded, Supported int } `json:"coverage"`
	}
	require.NoError(t, json.Unmarshal(raw, &rep))
	assert.Len(t, rep.LeftOut, 11, "the report names every entry left out")
	assert.Equal(t, 18, rep.Coverage.Loaded)
	assert.Equal(t, 19, rep.Coverage.Supported)

	// The second import finds everything there.
	stdout.Reset()
	require.Equal(t, exitcode.Pass, Main([]string{"fixtures", "import", "--from", from, "--to", ts.URL}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "already there: AllergyIntolerance 1, MedicationRequest 4, Observation 12, Patient 1;")
	assert.Contains(t, stdout.String(), "eprharness:   Observation: read 12, created 0, already there 12, left out 0\n")
	assert.NotContains(t, stdout.String(), "created:")
}

func TestFixturesImportRefusesBadReportAndXML(t *testing.T) {
	dir := t.TempDir()
	xml := filepath.Join(dir, "patient.xml")
	require.NoError(t, os.WriteFile(xml, []byte(`<Patient xmlns="http://hl7.org/fhir"/>`), 0o644))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", dir, "--to", "http://127.0.0.1:1", "--report", filepath.Join(dir, "no", "such", "r.json")}, "--report: the folder of"},
		{[]string{"--from", dir, "--to", "http://127.0.0.1:1", "--report", dir}, "is a folder; want a file name"},
		{[]string{"--from", xml, "--to", "http://127.0.0.1:1"}, "patient.xml: FHIR XML cannot be imported"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, exitcode.Usage, Main(append([]string{"fixtures", "import"}, c.args...), &stdout, &stderr), "%v: %s", c.args, stderr.String())
		assert.Contains(t, stderr.String(), c.want)
	}
}

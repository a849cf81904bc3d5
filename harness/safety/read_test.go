package safety

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

// problems parses data as file and returns its problems as strings; the
// log must come back too (the entries that could be read).
func problems(t *testing.T, file, data string) []string {
	t.Helper()
	log, err := Parse(file, []byte(data))
	var le *LogError
	require.True(t, errors.As(err, &le), "want a *LogError, got %v", err)
	var out []string
	for _, p := range le.Problems {
		out = append(out, p.String())
	}
	assert.Equal(t, strings.Join(out, "\n"), strings.TrimPrefix(err.Error(), "hazard log: "))
	_ = log
	return out
}

func TestReadSimple(t *testing.T) {
	log, err := Read(filepath.Join("testdata", "simple.yaml"))
	require.NoError(t, err)
	assert.Equal(t, FormSimple, log.Form)
	assert.Equal(t, filepath.Join("testdata", "simple.yaml"), log.File)
	assert.Len(t, log.SHA256, 64)
	require.Len(t, log.Hazards, 2)
	assert.Equal(t, results.Hazard{ID: "H-001", Title: "Wrong patient identified on a record page", Line: 3,
		Controls: []results.Control{{ID: "H-001", Description: "Every record page shows the patient banner", VerifyByTest: true, Line: 5}}}, log.Hazards[0])
}

func TestReadDCB0129(t *testing.T) {
	log, err := Read(filepath.Join("testdata", "dcb0129.yaml"))
	require.NoError(t, err)
	assert.Equal(t, FormDCB0129, log.Form)
	require.Len(t, log.Hazards, 2)
	h := log.Hazards[0]
	assert.Equal(t, "H-003", h.ID)
	assert.Equal(t, 3, h.Line)
	assert.Equal(t, []string{"The allergy check does not match the drug to its class", "The warning can be dismissed without a reason"}, h.Causes)
	assert.Equal(t, "Anaphylaxis; in the worst case death.", h.Effect)
	assert.Equal(t, results.Risk{Severity: "Catastrophic", Likelihood: "Medium", Rating: "4"}, h.Initial)
	assert.Equal(t, results.Risk{Severity: "Catastrophic", Likelihood: "Very low", Rating: "3"}, h.Residual, "words are put in the matrix's case")
	assert.Equal(t, "open", h.Status)
	assert.Equal(t, []results.Control{
		{ID: "C-006", Description: "Prescribing a conflicting drug is a hard stop", VerifyByTest: true, Line: 14},
		{ID: "C-007", Description: "An override needs a documented reason", VerifyByTest: true, Line: 17},
		{ID: "C-020", Description: "Pharmacists review every override (DCB0160)", VerifyByTest: false, Line: 19},
	}, h.Controls, "verify defaults to test")
	assert.Equal(t, []string{"A slot is booked twice"}, log.Hazards[1].Causes, "one cause may be written as text")
	assert.Equal(t, results.Risk{}, log.Hazards[1].Initial)
}

// A spreadsheet's CSV export: byte order mark, CRLF, headers in words,
// quoted fields with commas, quotes and line breaks, a hazard's columns
// left blank or repeated on its following rows, an empty trailing row.
func TestReadCSV(t *testing.T) {
	log, err := Read(filepath.Join("testdata", "spreadsheet.csv"))
	require.NoError(t, err)
	yamlLog, err := Read(filepath.Join("testdata", "dcb0129.yaml"))
	require.NoError(t, err)
	assert.Equal(t, FormDCB0129, log.Form)
	require.Len(t, log.Hazards, 2)
	h := log.Hazards[0]
	assert.Equal(t, 2, h.Line)
	assert.Equal(t, yamlLog.Hazards[0].Causes, h.Causes, "a cause per line of the cell")
	assert.Equal(t, "A prescription is completed for a drug that conflicts with a recorded allergy, or its class.", h.Description)
	assert.Equal(t, yamlLog.Hazards[0].Initial, h.Initial)
	assert.Equal(t, yamlLog.Hazards[0].Residual, h.Residual)
	assert.Equal(t, "open", h.Status)
	assert.Equal(t, []results.Control{
		{ID: "C-006", Description: `Prescribing a conflicting drug is a "hard stop"`, VerifyByTest: true, Line: 2},
		{ID: "C-007", Description: "An override needs a documented reason, kept with the prescription", VerifyByTest: true, Line: 4},
		{ID: "C-020", Description: "Pharmacists review every override (DCB0160)", VerifyByTest: false, Line: 5},
	}, h.Controls, "line numbers are the records' first lines")
	assert.Equal(t, "H-010", log.Hazards[1].ID)
	assert.Equal(t, 6, log.Hazards[1].Line)
	assert.Equal(t, "closed", log.Hazards[1].Status)
}

func TestReadCSVSemicolons(t *testing.T) {
	log, err := Parse("h.csv", []byte("hazard_id;title;control_id;control\nH-001;Wrong patient;C-001;Banner, with NHS number\n"))
	require.NoError(t, err)
	assert.Equal(t, "Banner, with NHS number", log.Hazards[0].Controls[0].Description)
}

func TestReadErrors(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "hazards.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "read hazard log: ")
	var le *LogError
	assert.False(t, errors.As(err, &le), "a missing file is no problem of the log")

	assert.Equal(t, []string{`hazards.json: want a .yaml, .yml or .csv file, got ".json"`}, problems(t, "hazards.json", "{}"))
}

func TestSimpleYAMLProblems(t *testing.T) {
	got := problems(t, "h.yaml", `hazards:
  - id: H-001
    title: Wrong patient
    control: Banner
  - id: H-1
    title: Short id
    control: x
  - id: H-001
    title: Twice
    control: x
  - id: H-002
    title: No control
  - id: H-003
    control: No title
    description: Not of this form
  - just text
`)
	assert.Equal(t, []string{
		`h.yaml:5: hazards[1].id: want H- and three or more digits (H-004), got "H-1"`,
		"h.yaml:8: hazards[2].id: H-001 is also listed at line 2",
		"h.yaml:11: hazards[3].control: is required (H-002)",
		"h.yaml:13: hazards[4].title: is required (H-003)",
		"h.yaml:15: hazards[4].description: unknown field: the simple form has id, title and control; the DCB0129 form has id, title, description, causes, effect, initial, residual, status, controls",
		`h.yaml:16: hazards[5]: want a hazard (id, title, …), got "just text"`,
	}, got)
}

func TestYAMLDocumentProblems(t *testing.T) {
	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "h.yaml: is empty: want a hazards list"},
		{"syntax", "hazards:\n  - id: [\n", "h.yaml:2: did not find expected node content"},
		{"unknown key", "hazard:\n  - id: H-001\n", "h.yaml:1: hazard: field hazard not found: a hazard log has only a hazards list"},
		{"no list", "hazards:\n", "h.yaml: hazards: no hazards listed"},
		{"empty list", "hazards: []\n", "h.yaml:1: hazards: no hazards listed"},
		{"not a list", "hazards: many\n", "h.yaml:1: hazards: want a list of hazards"},
		{"not a mapping", "- H-001\n", "h.yaml:1: want a mapping with a hazards list"},
		{"not UTF-8", "hazards:\n  - id: H-001\n    title: caf\xe9\n", `h.yaml:3: is not UTF-8 text (save the hazard log as UTF-8; from a spreadsheet, as "CSV UTF-8")`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := problems(t, "h.yaml", c.data)
			require.NotEmpty(t, got)
			assert.Contains(t, got[0], c.want)
		})
	}
}

func TestDCB0129Problems(t *testing.T) {
	got := problems(t, "h.yaml", `hazards:
  - id: H-001
    title: Wrong patient
    initial: {severity: Major, likelihood: Medium, risk: 4}
    residual: {severity: Serious, likelihood: Rare, risk: 6}
    status: pending
    owner: CSO
    causes: {a: b}
    controls:
      - id: C-001
        description: Banner
        verify: maybe
      - id: C-1
        description: Short id
      - id: C-001
        description: Twice
      - id: C-002
      - C-003
  - id: H-002
    title: Second hazard
    initial: {severity: Major}
    residual: 3
    controls:
      - id: C-001
        description: Also a control of H-001
      - id: C-004
        description: Fine
        verify: other
        owner: Ward manager
  - id: H-003
    title: Simple entry in a DCB0129 log
    control: Banner
`)
	assert.Equal(t, []string{
		"h.yaml:4: hazards[0].initial.risk: 4 does not match the DCB0129 risk matrix: Major severity with medium likelihood is 3",
		`h.yaml:5: hazards[0].residual.severity: want one of Minor, Significant, Considerable, Major, Catastrophic, got "Serious"`,
		`h.yaml:5: hazards[0].residual.likelihood: want one of Very low, Low, Medium, High, Very high, got "Rare"`,
		`h.yaml:5: hazards[0].residual.risk: want a risk rating from 1 to 5, got "6"`,
		`h.yaml:6: hazards[0].status: want one of open, transferred, closed, got "pending"`,
		"h.yaml:7: hazards[0].owner: unknown field: a hazard has id, title, description, causes, effect, initial, residual, status, controls",
		"h.yaml:8: hazards[0].causes: want a list of texts, got a mapping",
		`h.yaml:12: hazards[0].controls[0].verify: want test or other (yes/no also do), got "maybe"`,
		`h.yaml:13: hazards[0].controls[1].id: want C- and three or more digits (C-004), got "C-1"`,
		"h.yaml:15: hazards[0].controls[2].id: C-001 is also listed at line 10",
		"h.yaml:17: hazards[0].controls[3].description: is required (C-002 of H-001)",
		`h.yaml:18: hazards[0].controls[4]: want a control (id, description, verify), got "C-003"`,
		"h.yaml:21: hazards[1].initial.likelihood: is required with a severity or a risk (Very low, Low, Medium, High, Very high)",
		"h.yaml:21: hazards[1].initial.risk: is required with a severity or a likelihood (1 to 5)",
		"h.yaml:22: hazards[1].residual: want severity, likelihood and risk, got \"3\"",
		"h.yaml:24: hazards[1].controls[0].id: C-001 is also a control of H-001 (line 10): control ids are unique across the log",
		"h.yaml:29: hazards[1].controls[1].owner: unknown field: a control has id, description and verify",
		"h.yaml:30: hazards[2]: is in the simple form but the log is in the DCB0129 form (entry at line 2): a simple entry has one control, a DCB0129 entry a controls list",
	}, got)
	log, _ := Parse("h.yaml", []byte("hazards:\n  - id: H-001\n    title: t\n    controls:\n      - {id: C-001, description: d}\n  - id: H-002\n    title: u\n    controls:\n      - {id: C-001, description: again}\n"))
	require.Len(t, log.Hazards, 2, "the log comes back with its problems")
	assert.Len(t, log.Hazards[1].Controls, 0, "a duplicate control is dropped")
}

func TestCSVProblems(t *testing.T) {
	for _, c := range []struct {
		name, data string
		want       []string
	}{
		{"empty", "", []string{"h.csv: is empty: want a header row (hazard_id, title, control_id, control, …) and a row per control"}},
		{"header only", "hazard_id,title,control_id,control\n", []string{"h.csv: hazard_id: no hazards listed: want a row per control under the header"}},
		{"columns", "hazard_id,Title,Owner,Title\n", []string{
			"h.csv:1: Owner: unknown column: the columns are " + strings.Join(Columns, ", "),
			"h.csv:1: Title: column title is given twice",
			"h.csv:1: control_id: required column is missing (the columns are " + strings.Join(Columns, ", ") + ")",
			"h.csv:1: control: required column is missing (the columns are " + strings.Join(Columns, ", ") + ")",
		}},
		{"bad quotes", "hazard_id,title,control_id,control\nH-001,\"Wrong \"patient\",C-001,x\n", []string{`h.csv:2: is not valid CSV: extraneous or missing " in quoted-field`}},
		{"rows", "hazard_id,title,initial_severity,initial_likelihood,initial_risk,status,control_id,control,verify\n" +
			",Orphan,,,,,C-009,x,test\n" +
			"H-1,Short,,,,,C-001,x,test\n" +
			",,,,,,C-002,row of the bad hazard,test\n" +
			"H-001,,Major,Low,3,open,C-003,,sometimes\n" +
			"H-001,Other title,,,,,C-004,\"multi\nline\",test\n" +
			",,,,,,,,\n" +
			",,,,,,,orphan control,\n" +
			"H-002,Second,Minor,Very high,3,,C-003,dup,no\n" +
			"H-001,Again,,,,,C-005,x,yes\n", []string{
			"h.csv:2: hazard_id: is required on a hazard's first row",
			`h.csv:3: hazard_id: want H- and three or more digits (H-004), got "H-1"`,
			"h.csv:5: title: is required (H-001)",
			"h.csv:5: control: is required (C-003 of H-001)",
			`h.csv:5: verify: want test or other (yes/no also do), got "sometimes"`,
			`h.csv:6: title: "Other title" differs from H-001's "" on line 5: leave it blank or repeat it on a hazard's following rows`,
			"h.csv:9: control_id: is required for the control of H-001 on this row",
			"h.csv:10: control_id: C-003 is also listed at line 5: control ids are unique across the log",
			"h.csv:11: hazard_id: H-001 is also listed at line 5 (keep a hazard's rows together)",
		}},
		{"risk", "hazard_id,title,residual_severity,residual_likelihood,residual_risk,control_id,control\nH-001,t,Major,Very low,3,C-001,c\n", []string{
			"h.csv:2: residual_risk: 3 does not match the DCB0129 risk matrix: Major severity with very low likelihood is 2",
		}},
		{"not UTF-8", "hazard_id,title,control_id,control\r\nH-001,caf\xe9,C-001,c\r\n", []string{`h.csv:2: is not UTF-8 text (save the hazard log as UTF-8; from a spreadsheet, as "CSV UTF-8")`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, problems(t, "h.csv", c.data))
		})
	}
}

// The matrix is DCB0129's: its corners, its diagonal and that it grows
// with severity and with likelihood.
func TestRiskRating(t *testing.T) {
	assert.Equal(t, 1, RiskRating("Minor", "Very low"))
	assert.Equal(t, 5, RiskRating("Catastrophic", "Very high"))
	assert.Equal(t, 3, RiskRating("Minor", "Very high"))
	assert.Equal(t, 3, RiskRating("catastrophic", "very  low"))
	assert.Equal(t, 3, RiskRating("Considerable", "Medium"))
	assert.Equal(t, 0, RiskRating("Severe", "Low"))
	for s := range Severities {
		for l := range Likelihoods {
			r := RiskRating(Severities[s], Likelihoods[l])
			if s > 0 {
				assert.GreaterOrEqual(t, r, RiskRating(Severities[s-1], Likelihoods[l]))
			}
			if l > 0 {
				assert.GreaterOrEqual(t, r, RiskRating(Severities[s], Likelihoods[l-1]))
			}
		}
	}
}

// The example suite's hazard log reads cleanly in the DCB0129 form.
func TestExampleHazardLog(t *testing.T) {
	log, err := Read(filepath.Join("..", "..", "features", "hazards.yaml"))
	require.NoError(t, err)
	assert.Equal(t, FormDCB0129, log.Form)
	assert.Len(t, log.Hazards, 12)
	other := 0
	for _, h := range log.Hazards {
		assert.NotEmpty(t, h.Description, h.ID)
		assert.NotEmpty(t, h.Causes, h.ID)
		assert.NotEmpty(t, h.Effect, h.ID)
		assert.NotEmpty(t, h.Initial.Rating, h.ID)
		assert.NotEmpty(t, h.Residual.Rating, h.ID)
		assert.NotEmpty(t, h.Status, h.ID)
		assert.NotEmpty(t, h.Controls, h.ID)
		for _, c := range h.Controls {
			if !c.VerifyByTest {
				other++
			}
		}
	}
	assert.Positive(t, other, "some controls are verified another way")
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "features", "clinical")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	feature := filepath.Join(sub, "a.feature")
	assert.Equal(t, "", Find(feature))
	require.NoError(t, os.WriteFile(filepath.Join(root, "hazards.csv"), []byte("x"), 0o644))
	assert.Equal(t, filepath.Join(sub, "..", "..", "hazards.csv"), Find(feature))
	require.NoError(t, os.WriteFile(filepath.Join(root, "features", "hazards.yml"), []byte("x"), 0o644))
	assert.Equal(t, filepath.Join(sub, "..", "hazards.yml"), Find(feature), "the nearest folder wins")
	require.NoError(t, os.WriteFile(filepath.Join(root, "features", "hazards.yaml"), []byte("x"), 0o644))
	assert.Equal(t, filepath.Join(sub, "..", "hazards.yaml"), Find(feature), "hazards.yaml before hazards.yml")
	require.NoError(t, os.MkdirAll(filepath.Join(sub, "hazards.yaml"), 0o755))
	assert.Equal(t, filepath.Join(sub, "..", "hazards.yaml"), Find(feature), "a folder is no log")
}

package evidence

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	nethtml "golang.org/x/net/html"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/safety"
)

var start = time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)

// Scenario ids of the test run.
const (
	banner     = "features/patient_banner.feature:8"
	allergyAdd = "features/allergies.feature:12"
	neverRan   = "features/appointments.feature:40"
)

// dcbLog is a DCB0129 hazard log with a control verified by test
// (C-001), one verified by other means (C-002), one no scenario verifies
// (C-003), one whose scenario failed (C-004), one whose scenario is flaky
// (C-005) and one verified through its hazard's tag (C-010). Its texts
// need escaping.
func dcbLog() *results.HazardLog {
	return &results.HazardLog{
		File:   "features/hazards.yaml",
		SHA256: "5f2b8c3a0d9e4f1b7c6a5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
		Form:   "dcb0129",
		Hazards: []results.Hazard{
			{
				ID: "H-001", Title: "Wrong patient identified on a record page",
				Description: "A clinician acts on the record of another patient with a similar name.",
				Causes:      []string{"The banner omits the NHS number", "Two patients share a name & a date of birth"},
				Effect:      "Treatment given to the wrong patient.",
				Initial:     results.Risk{Severity: "Major", Likelihood: "Medium", Rating: "4"},
				Residual:    results.Risk{Severity: "Major", Likelihood: "Very low", Rating: "2"},
				Status:      "open",
				Controls: []results.Control{
					{ID: "C-001", Description: "Every record page shows the patient banner with name, NHS number (3-3-4) and date of birth", VerifyByTest: true},
					{ID: "C-002", Description: "Ward clerks are trained to confirm identity with two identifiers", VerifyByTest: false},
				},
			},
			{
				ID: "H-002", Title: "A known allergy is not seen by the clinician",
				Description: `The allergy alert shows <script>alert("x")</script> instead of the allergy.`,
				Causes:      []string{"An allergy recorded in free text"},
				Effect:      "A drug the patient is allergic to is given.",
				Initial:     results.Risk{Severity: "Catastrophic", Likelihood: "Low", Rating: "4"},
				Residual:    results.Risk{Severity: "Catastrophic", Likelihood: "Very low", Rating: "3"},
				Status:      "open",
				Controls: []results.Control{
					{ID: "C-003", Description: "Allergies entered in error are struck through, not removed", VerifyByTest: true},
					{ID: "C-004", Description: "The banner's allergy alert lists every active allergy", VerifyByTest: true},
				},
			},
			{
				ID: "H-004", Title: "A deteriorating patient is not escalated",
				Effect:   "Delayed treatment of sepsis.",
				Initial:  results.Risk{Severity: "Major", Likelihood: "High", Rating: "4"},
				Residual: results.Risk{Severity: "Major", Likelihood: "Low", Rating: "3"},
				Status:   "open",
				Controls: []results.Control{
					{ID: "C-005", Description: "Vital signs are scored with NEWS2 and the response band is shown", VerifyByTest: true},
				},
			},
			{
				ID: "H-010", Title: "Two patients booked into one appointment slot",
				Status: "closed",
				Controls: []results.Control{
					{ID: "C-010", Description: "A second booking of a taken slot is refused", VerifyByTest: true},
				},
			},
		},
	}
}

func attach(name, media, p string) results.Attachment {
	a := results.Attachment{Name: name, MediaType: media, Path: p}
	a.SHA256 = strings.Repeat("ab", 32)
	a.Size = 2048
	return a
}

func sc(line int, name string, status results.Status, tags ...string) *results.Scenario {
	return &results.Scenario{Keyword: "Scenario", Name: name, Line: line, Tags: tags, Status: status,
		StartedAt: start.Add(time.Duration(line) * time.Second), Duration: 3 * time.Second}
}

// testRun is a finished run against dcbLog on a docker backend.
func testRun() *results.Run {
	bannerSc := sc(8, "The banner shows the NHS number in 3-3-4 groups", results.Passed, "@control:C-001")
	bannerSc.Attachments = []results.Attachment{attach("trace", "application/zip", "patient-banner/the-banner/trace.zip")}
	quarantined := sc(21, "The banner shows the date of birth as registered", results.Passed, "@control:C-001", "@quarantine")
	quarantined.Quarantined = true

	allergy := sc(12, `Recording "penicillin" & seeing it in the banner`, results.Failed, "@control:C-004")
	allergy.FailureKind = results.KindAssertion
	allergy.Error = "expected the allergy alert to list \"Penicillin\"\nbut it listed nothing\n    at steps/allergies.go:51"
	allergy.Attachments = []results.Attachment{
		attach("screenshot", "image/png", "allergies/recording/screenshot.png"),
		attach("page", "text/html", "allergies/recording/page.html"),
		attach("trace", "application/zip", "allergies/recording/trace.zip"),
	}

	flaky := sc(30, "A NEWS2 score of 7 shows the emergency response band", results.Flaky, "@hazard:H-004")
	flaky.Attempts = []*results.Attempt{{
		Status: results.Failed, FailureKind: results.KindTimeout, Error: "timeout 10000ms exceeded",
		Attachments: []results.Attachment{attach("screenshot", "image/png", "observations/news2/attempt-1/screenshot.png")},
	}}

	book := sc(17, "A taken slot cannot be booked again", results.Passed, "@hazard:H-010")

	for _, s := range []*results.Scenario{bannerSc, quarantined, allergy, flaky, book} {
		s.Steps = []*results.Step{{Keyword: "Given ", Text: "a clinician is signed in", Line: s.Line + 1, Status: results.Passed}}
	}
	f := func(uri, name string, ss ...*results.Scenario) *results.Feature {
		for _, s := range ss {
			s.ID = uri + ":" + strconv.Itoa(s.Line)
		}
		return &results.Feature{URI: uri, Name: name, Line: 1, Scenarios: ss}
	}
	return &results.Run{
		ID:         "run-20260601T090000Z",
		StartedAt:  start,
		FinishedAt: start.Add(4 * time.Minute),
		Target: results.Target{
			Backend: "docker", BaseURL: "http://localhost:32768", Adapter: "refepr", Version: "refepr 1.8.2",
			Images:  map[string]string{"epr": "eprharness/refepr:dev", "postgres": "eprharness/postgres:15"},
			Digests: map[string]string{"epr": "sha256:1111111111111111111111111111111111111111111111111111111111111111", "postgres": "sha256:2222222222222222222222222222222222222222222222222222222222222222"},
		},
		Browser: "chromium 156.0.8078.73",
		Commit:  "7f3a4e4c0ffee",
		Machine: results.Machine{Hostname: "ci-runner-3", OS: "linux", Arch: "amd64", CPUs: 2, Harness: "v0.14.0", Go: "go1.26.0"},
		RanBy:   "jenkins (job rc-check #212)",
		Retries: 1,
		Planned: nil,
		Features: []*results.Feature{
			f("features/allergies.feature", "Allergies", allergy),
			f("features/appointments.feature", "Appointments", book),
			f("features/observations.feature", "Observations", flaky),
			f("features/patient_banner.feature", "Patient banner", bannerSc, quarantined),
		},
		HazardLog: dcbLog(),
	}
}

func day(d int) time.Time { return time.Date(2026, time.May, d, 9, 0, 0, 0, time.UTC) }

// testConfig gives the banner scenario seven earlier runs (the strip shows
// the last five) and the allergy scenario two.
func testConfig() Config {
	var hist []results.HistoryPoint
	for i, st := range []results.Status{results.Failed, results.Passed, results.Passed, results.Skipped, results.Passed, results.Flaky, results.Passed} {
		hist = append(hist, results.HistoryPoint{RunID: "run-202605" + strconv.Itoa(20+i), StartedAt: day(20 + i), Status: st})
	}
	return Config{
		History: map[string][]results.HistoryPoint{
			banner: hist,
			allergyAdd: {
				{RunID: "run-20260530", StartedAt: day(30), Status: results.Passed},
				{RunID: "run-20260531", StartedAt: day(31), Status: results.Passed},
			},
		},
		N:              5,
		AttachmentBase: "../store/artifacts",
		Generated:      time.Date(2026, time.June, 2, 14, 30, 0, 0, time.UTC),
	}
}

func write(t *testing.T, run *results.Run, cfg Config) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, run, cfg))
	return buf.Bytes()
}

func TestGoldenDCB0129(t *testing.T) {
	resultstest.Golden(t, "dcb0129.golden.html", write(t, testRun(), testConfig()))
}

// The simple form of features/hazards.yaml, read by harness/safety: each
// hazard's one control has the hazard's id. A planned scenario that never
// ran leaves its control unverified; two signers; no history.
func TestGoldenSimple(t *testing.T) {
	log, err := safety.Parse("features/hazards.yaml", []byte(`hazards:
  - id: H-001
    title: Wrong patient identified on a record page
    control: Every record page shows the patient banner
  - id: H-010
    title: Two patients booked into one appointment slot
    control: A slot holds one patient; a second booking of a taken slot is refused
`))
	require.NoError(t, err)
	run := testRun()
	run.HazardLog = nil
	run.Target = results.Target{Backend: "embedded:refepr", BaseURL: "http://127.0.0.1:41234", Adapter: "refepr"}
	run.Commit, run.RanBy = "", ""
	run.Features[3].Scenarios[0].Tags = []string{"@hazard:H-001"} // the banner, passed
	run.Planned = []results.PlannedScenario{{ID: neverRan, Name: "Booking a slot twice at once", Feature: "features/appointments.feature"}}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			run.Planned = append(run.Planned, results.PlannedScenario{ID: s.ID, Name: s.Name, Feature: f.URI})
		}
	}
	cfg := Config{
		Log:         log,
		PlannedTags: map[string][]string{neverRan: {"@hazard:H-010"}},
		Signers:     []Signer{{Role: "Clinical Safety Officer", Name: "Dr Rory Williams"}, {Role: "Head of Digital Services"}},
	}
	out := write(t, run, cfg)
	resultstest.Golden(t, "simple.golden.html", out)
	s := string(out)
	assert.Contains(t, s, "features/appointments.feature:40 did not run", "the planned scenario that never ran unverifies its control")
	assert.Contains(t, s, "none: the log above was given afterwards")
	assert.Contains(t, s, "1 of 6 planned scenarios never ran")
	assert.NotContains(t, s, "no earlier run tells which controls")

	cfg.PlannedTags = nil
	s = string(write(t, run, cfg))
	assert.Contains(t, s, "1 planned scenario never ran and no earlier run tells which controls it verifies: features/appointments.feature:40.")
}

func TestDeterministic(t *testing.T) {
	assert.Equal(t, write(t, testRun(), testConfig()), write(t, testRun(), testConfig()))
}

func TestNoHazardLogIsAClearError(t *testing.T) {
	run := testRun()
	run.HazardLog = nil
	var buf bytes.Buffer
	err := Write(&buf, run, Config{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNoHazardLog))
	assert.Contains(t, err.Error(), "the run has no hazard log: run run-20260601T090000Z recorded none")
	assert.Zero(t, buf.Len(), "nothing written")
}

func TestBadInputWritesNothing(t *testing.T) {
	for name, mutate := range map[string]func(*results.Run, *Config){
		"unknown status":         func(r *results.Run, _ *Config) { r.Features[0].Scenarios[0].Status = "exploded" },
		"unknown history status": func(_ *results.Run, c *Config) { c.History[banner][0].Status = "meh" },
		"negative history":       func(_ *results.Run, c *Config) { c.N = -1 },
		"nil scenario":           func(r *results.Run, _ *Config) { r.Features[0].Scenarios[0] = nil },
	} {
		t.Run(name, func(t *testing.T) {
			run, cfg := testRun(), testConfig()
			mutate(run, &cfg)
			var buf bytes.Buffer
			assert.Error(t, Write(&buf, run, cfg))
			assert.Zero(t, buf.Len())
		})
	}
	assert.Error(t, Write(&bytes.Buffer{}, nil, Config{}))
}

// DOM helpers over golang.org/x/net/html.

func parse(t *testing.T, b []byte) *nethtml.Node {
	t.Helper()
	doc, err := nethtml.Parse(bytes.NewReader(b))
	require.NoError(t, err)
	return doc
}

func findAll(n *nethtml.Node, pred func(*nethtml.Node) bool) []*nethtml.Node {
	var out []*nethtml.Node
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.ElementNode && pred(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *nethtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *nethtml.Node) string {
	var b strings.Builder
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == nethtml.ElementNode {
			switch n.Data {
			case "th", "td", "li", "tr", "p", "dt", "dd", "br", "h2", "h3":
				b.WriteString(" ")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func byID(doc *nethtml.Node, id string) *nethtml.Node {
	ns := findAll(doc, func(n *nethtml.Node) bool { return attr(n, "id") == id })
	if len(ns) != 1 {
		return nil
	}
	return ns[0]
}

// The unverified controls come before the hazards and are exactly those
// that must be verified by test and were not, each with its reason.
func TestUnverifiedControlsComeFirst(t *testing.T) {
	out := write(t, testRun(), testConfig())
	doc := parse(t, out)
	sections := findAll(doc, func(n *nethtml.Node) bool {
		return n.Data == "section" && attr(n, "id") != "" && n.Parent.Data == "body"
	})
	var order []string
	for _, s := range sections {
		order = append(order, attr(s, "id"))
	}
	assert.Equal(t, []string{"provenance", "summary", "unverified", "hazards"}, order)

	unv := byID(doc, "unverified")
	require.NotNil(t, unv)
	rows := findAll(unv, func(n *nethtml.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" })
	var got []string
	for _, r := range rows {
		got = append(got, text(r))
	}
	require.Len(t, got, 3, "%q", got)
	assert.Contains(t, got[0], "C-003")
	assert.Contains(t, got[0], "no scenario verifies it")
	assert.Contains(t, got[1], "C-004")
	assert.Contains(t, got[1], "features/allergies.feature:12 failed")
	assert.Contains(t, got[2], "C-005")
	assert.Contains(t, got[2], "features/observations.feature:30 is flaky")
	for _, verifiedOrNotByTest := range []string{"C-001", "C-002", "C-010"} {
		assert.NotContains(t, text(unv), verifiedOrNotByTest)
	}

	sum := text(byID(doc, "summary"))
	assert.Contains(t, sum, "3 of 5 controls that must be verified by test are unverified in this run.")
	assert.Contains(t, sum, "Control C-003 of hazard H-002 (A known allergy is not seen by the clinician) is unverified: no scenario verifies it.")
	assert.Contains(t, sum, "Clinical Safety Officer", "the default signer")
}

// Each control's row in its hazard table names its verifying scenarios
// with this run's status, the history strip and the evidence links.
func TestHazardTables(t *testing.T) {
	doc := parse(t, write(t, testRun(), testConfig()))
	c1 := byID(doc, "control-H-001-C-001")
	require.NotNil(t, c1)
	rows := findAll(c1, func(n *nethtml.Node) bool { return n.Data == "tr" })
	require.Len(t, rows, 2, "two scenarios verify C-001")
	assert.Contains(t, text(rows[0]), "✓ verified")
	assert.Contains(t, text(rows[1]), "quarantined")
	hist := findAll(rows[0], func(n *nethtml.Node) bool { return attr(n, "class") == "hist" })
	require.Len(t, hist, 1)
	assert.Equal(t, "✓–✓!✓✓", text(hist[0]), "the last 5 of 7 earlier runs, then this run")
	assert.Equal(t, "Passed in 4 of the last 6 runs, this one included.", attr(hist[0], "aria-label"))
	links := findAll(rows[0], func(n *nethtml.Node) bool { return n.Data == "a" })
	require.Len(t, links, 1)
	assert.Equal(t, "../store/artifacts/patient-banner/the-banner/trace.zip", attr(links[0], "href"))

	c2 := text(byID(doc, "control-H-001-C-002"))
	assert.Contains(t, c2, "not verified by test")
	assert.Contains(t, c2, "verified by other means")

	c4 := byID(doc, "control-H-002-C-004")
	assert.Contains(t, text(c4), "assertion: the EPR did not do what the scenario expected")
	assert.Contains(t, text(c4), `expected the allergy alert to list "Penicillin"`)
	assert.NotContains(t, text(c4), "steps/allergies.go:51", "only the error's first line")
	var names []string
	for _, a := range findAll(c4, func(n *nethtml.Node) bool { return n.Data == "a" }) {
		names = append(names, text(a))
	}
	assert.Equal(t, []string{"Screenshot", "Page HTML", "Playwright trace"}, names)

	c5 := text(byID(doc, "control-H-004-C-005"))
	assert.Contains(t, c5, "! flaky")
	assert.Contains(t, c5, "attempt 1 (failed): Screenshot", "the failed attempt's evidence")

	c10 := text(byID(doc, "control-H-010-C-010"))
	assert.Contains(t, c10, "features/appointments.feature:17", "verified through the hazard tag")
	assert.Contains(t, c10, "✓ verified")

	h2 := text(byID(doc, "hazard-H-002"))
	for _, want := range []string{"An allergy recorded in free text", "severity Catastrophic, likelihood Low, risk rating 4", "severity Catastrophic, likelihood Very low, risk rating 3", "0 of 2 controls that must be verified by test were verified."} {
		assert.Contains(t, h2, want)
	}
}

// The document stands on its own and runs nothing: no script, nothing
// fetched, and every text escaped.
func TestSelfContainedAndEscaped(t *testing.T) {
	out := write(t, testRun(), testConfig())
	s := string(out)
	assert.NotContains(t, strings.ToLower(s), "<script")
	assert.NotContains(t, s, "@import")
	assert.NotContains(t, s, "url(")
	assert.Contains(t, s, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	doc := parse(t, out)
	for _, n := range findAll(doc, func(n *nethtml.Node) bool {
		return attr(n, "src") != "" || n.Data == "link" || n.Data == "img" || n.Data == "iframe"
	}) {
		t.Errorf("external resource: <%s>", n.Data)
	}
	for _, n := range findAll(doc, func(n *nethtml.Node) bool { return strings.HasPrefix(attr(n, "href"), "http") }) {
		t.Errorf("link out of the document and its evidence: %s", attr(n, "href"))
	}
	for _, n := range findAll(doc, func(n *nethtml.Node) bool { return strings.HasPrefix(attr(n, "href"), "#") }) {
		assert.NotNil(t, byID(doc, strings.TrimPrefix(attr(n, "href"), "#")), "internal link %s has a target", attr(n, "href"))
	}
	css := text(findAll(doc, func(n *nethtml.Node) bool { return n.Data == "style" })[0])
	for _, rule := range []string{"size: A4", "display: table-header-group", "break-inside: avoid", "#hazards { break-before: page", `content: " <" attr(href) ">"`} {
		assert.Contains(t, css, rule)
	}
}

// Given a log that is not the run's own, the appendix says so.
func TestOverriddenLogIsAnOpenItem(t *testing.T) {
	cfg := testConfig()
	cfg.Log = dcbLog()
	cfg.Log.File, cfg.Log.SHA256 = "safety/hazard-log-v3.csv", strings.Repeat("9", 64)
	doc := parse(t, write(t, testRun(), cfg))
	assert.Contains(t, text(byID(doc, "summary")),
		"This appendix judges the run against safety/hazard-log-v3.csv (SHA-256 "+strings.Repeat("9", 64)+"), not the hazard log the run recorded, features/hazards.yaml")
	assert.Contains(t, text(byID(doc, "provenance")), "Hazard log the run recorded")

	same := testConfig()
	same.Log = dcbLog() // a copy of the run's own
	assert.NotContains(t, text(byID(parse(t, write(t, testRun(), same)), "summary")), "not the hazard log the run recorded")
}

// With AttachmentDir, evidence whose file is gone is marked missing, not
// linked.
func TestMissingEvidenceIsMarked(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "allergies", "recording", "screenshot.png")
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, resultstest.PNG(), 0o644))
	cfg := testConfig()
	cfg.AttachmentDir = dir
	c4 := byID(parse(t, write(t, testRun(), cfg)), "control-H-002-C-004")
	var linked []string
	for _, a := range findAll(c4, func(n *nethtml.Node) bool { return n.Data == "a" }) {
		linked = append(linked, text(a))
	}
	assert.Equal(t, []string{"Screenshot"}, linked)
	assert.Contains(t, text(c4), "Page HTML (missing: ../store/artifacts/allergies/recording/page.html)")
}

// Every control passing reads as all good, with no open items.
func TestAllVerified(t *testing.T) {
	run := testRun()
	log := dcbLog()
	log.Hazards = log.Hazards[:1] // H-001: C-001 verified, C-002 not by test
	run.HazardLog = log
	doc := parse(t, write(t, run, Config{}))
	sum := text(byID(doc, "summary"))
	assert.Contains(t, sum, "The one control that must be verified by test was verified in this run.")
	assert.Contains(t, sum, "No open items.")
	assert.Contains(t, text(byID(doc, "provenance")), "Appendix generated not recorded")
	assert.Contains(t, text(byID(doc, "unverified")), "None.")
}

// A verifying scenario's messages are listed with its evidence, one line
// each, after its files.
func TestMessagesAreEvidence(t *testing.T) {
	run := testRun()
	allergy := run.Features[0].Scenarios[0]
	allergy.Messages = []results.Message{
		{Step: 0, Protocol: results.ProtocolHL7v2, Direction: results.Sent, Type: "ADT^A08", ControlID: "MSG00001", Outcome: "AE"},
		{Step: -1, Protocol: results.ProtocolFHIR, Direction: results.Received, Type: "Appointment notification", Outcome: "200"},
	}
	out := string(write(t, run, testConfig()))
	assert.Contains(t, out, `trace</a><span class="info">`)
	assert.Contains(t, out, "<li>message: HL7v2 sent ADT^A08 (AE), control id MSG00001</li><li>message: FHIR received Appointment notification (200)</li></ul>")
	assert.Equal(t, string(write(t, testRun(), testConfig())), strings.ReplaceAll(strings.ReplaceAll(out,
		"<li>message: HL7v2 sent ADT^A08 (AE), control id MSG00001</li>", ""), "<li>message: FHIR received Appointment notification (200)</li>", ""),
		"nothing else changes")
}

package dashboard

import (
	"io"
	"log"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	nethtml "golang.org/x/net/html"

	"github.com/eprharness/eprharness/harness/results"
)

// tcell is one cell of a parsed table row: its class and its text, text
// nodes joined by " ".
type tcell struct{ Class, Text string }

// tableRows parses body and returns every table row's cells, in order.
func tableRows(t *testing.T, body string) [][]tcell {
	t.Helper()
	doc, err := nethtml.Parse(strings.NewReader(body))
	require.NoError(t, err)
	var rows [][]tcell
	var text func(n *nethtml.Node, out *[]string)
	text = func(n *nethtml.Node, out *[]string) {
		if n.Type == nethtml.TextNode {
			if s := strings.TrimSpace(n.Data); s != "" {
				*out = append(*out, s)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			text(c, out)
		}
	}
	var walk func(n *nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.ElementNode && n.Data == "tr" {
			var row []tcell
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type != nethtml.ElementNode || (c.Data != "td" && c.Data != "th") {
					continue
				}
				var parts []string
				text(c, &parts)
				cl := ""
				for _, a := range c.Attr {
					if a.Key == "class" {
						cl = a.Val
					}
				}
				row = append(row, tcell{cl, strings.Join(parts, " ")})
			}
			rows = append(rows, row)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return rows
}

// rowStarting returns the first row whose first cell's text starts with
// prefix.
func rowStarting(t *testing.T, rows [][]tcell, prefix string) []tcell {
	t.Helper()
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0].Text, prefix) {
			return r
		}
	}
	t.Fatalf("no row starting %q", prefix)
	return nil
}

// texts returns the cells' texts from index from on.
func texts(row []tcell, from int) []string {
	var out []string
	for _, c := range row[from:] {
		out = append(out, c.Text)
	}
	return out
}

var trendDay0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// trendRun is a finished run started day days after trendDay0, of one
// feature holding scs.
func trendRun(id string, day int, scs ...*results.Scenario) *results.Run {
	start := trendDay0.Add(time.Duration(day) * 24 * time.Hour)
	for _, sc := range scs {
		sc.StartedAt = start
		if sc.Name == "" {
			sc.Name = "Scenario " + sc.ID
		}
	}
	return &results.Run{ID: id, StartedAt: start, FinishedAt: start.Add(time.Minute),
		Features: []*results.Feature{{URI: "features/f.feature", Name: "F", Scenarios: scs}}}
}

func check(page string, vs ...results.Violation) results.AccessibilityCheck {
	return results.AccessibilityCheck{Page: page, By: "scan", Tags: []string{"wcag2a", "wcag2aa"}, Violations: vs}
}

func violation(rule, impact string, criteria []string, targets ...string) results.Violation {
	v := results.Violation{Rule: rule, Impact: impact, Criteria: criteria, Help: rule + " help"}
	for _, tg := range targets {
		v.Nodes = append(v.Nodes, results.ViolationNode{Target: tg})
	}
	return v
}

func accepted(v results.Violation, line int, expires string, expired bool) results.Violation {
	v.Baselined = &results.BaselineRef{File: "a11y-baseline.yaml", Line: line, Reason: "supplier fix due", Owner: "ux-team", Expires: expires, Expired: expired}
	return v
}

func scanned(id string, checks ...results.AccessibilityCheck) *results.Scenario {
	return &results.Scenario{ID: id, Status: results.Passed, Accessibility: checks}
}

// a11yRuns are four runs, oldest first:
//
//	label on /patients            fails in r1 r2 r3 r4 (twice in r4, other elements)
//	image-alt on /patients/{id}   fails in r1, gone in r2 (checked), fails in r3 r4
//	color-contrast on /login      accepted in r2, /login unchecked in r3, accepted in r4; r1 checked /login clean
//	list on /wards                accepted in r3 (its baseline entry still valid); fails in r4, the entry expired
func a11yRuns() []*results.Run {
	label := func(tg string) results.Violation { return violation("label", "critical", []string{"4.1.2"}, tg) }
	imageAlt := violation("image-alt", "critical", []string{"1.1.1"}, "img.photo")
	contrast := accepted(violation("color-contrast", "serious", []string{"1.4.3"}, ".hint", ".muted"), 3, "2027-01-31", false)
	list := accepted(violation("list", "serious", []string{"1.3.1"}, "ul.beds"), 9, "2026-10-31", true)
	r1 := trendRun("r1", 0,
		scanned("features/f.feature:3", check("/patients", label("#nhs")), check("/patients/{id}", imageAlt)),
		scanned("features/f.feature:9", check("/login")))
	r2 := trendRun("r2", 1,
		scanned("features/f.feature:3", check("/patients", label("#nhs")), check("/patients/{id}")),
		scanned("features/f.feature:9", check("/login", contrast)))
	r3 := trendRun("r3", 2,
		scanned("features/f.feature:3", check("/patients", label("#nhs")), check("/patients/{id}", imageAlt)),
		scanned("features/f.feature:9", check("/wards", accepted(violation("list", "serious", []string{"1.3.1"}, "ul.beds"), 9, "2026-10-31", false))))
	r4 := trendRun("r4", 3,
		scanned("features/f.feature:3", check("/patients", label("#nhs")), check("/patients/{id}", imageAlt)),
		scanned("features/f.feature:9", check("/login", contrast), check("/wards", list)),
		scanned("features/f.feature:12", check("/patients", violation("label", "critical", []string{"4.1.2"}, "#dob", "#nhs"))))
	r4.Accessibility = &results.AccessibilitySummary{Scan: "pages", Engine: "axe-core 4.14.1", Baseline: "a11y-baseline.yaml",
		Checked: []string{"/about", "/login", "/patients", "/patients/{id}", "/wards"}, Pages: 5,
		Expired: []results.BaselineEntry{{File: "a11y-baseline.yaml", Line: 9, Rule: "list", Page: "/wards", Reason: "supplier fix due", Owner: "ux-team", Expires: "2026-10-31"}},
		Fixed:   []results.BaselineEntry{{File: "a11y-baseline.yaml", Line: 15, Rule: "region", Page: "/about", Reason: "old layout", Owner: "ux-team", Expires: "2027-03-01"}},
	}
	return []*results.Run{r1, r2, r3, r4}
}

func TestAccessibilityPage(t *testing.T) {
	st := &readCountingStore{fakeStore: newFakeStore(t, a11yRuns()...)}
	h := New(st, WithErrorLog(log.New(io.Discard, "", 0)))
	res, body := get(t, h, "/accessibility")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, 4, st.reads, "the four runs read in full")
	assert.NotContains(t, body, "<script")
	assert.Contains(t, body, `<a href="/accessibility">Accessibility</a>`, "in the navigation")
	rows := tableRows(t, body)

	// Per run: checks, distinct pages, failing and accepted rule-and-page
	// pairs (label on /patients counts once in r4 though two checks found it).
	assert.Equal(t, []string{"5", "5", "3", "1"}, texts(rowStarting(t, rows, "r4"), 3)[:4], "r4: checks, pages (with the scan's /about), failing, accepted")
	assert.Equal(t, []string{"3", "3", "2", "1"}, texts(rowStarting(t, rows, "r3"), 3)[:4])
	assert.Equal(t, []string{"3", "3", "1", "1"}, texts(rowStarting(t, rows, "r2"), 3)[:4])
	assert.Equal(t, []string{"3", "3", "2", "0"}, texts(rowStarting(t, rows, "r1"), 3)[:4])
	assert.Contains(t, body, `<a href="/runs/r1">r1</a>`, "each run linked")

	// The chart: oldest first, on one scale (the most pages, 5).
	assert.Contains(t, body, `<svg class="trend" role="img"`)
	assert.Contains(t, body, "<title>r1, violations failing their checks: 2</title>")
	assert.Contains(t, body, "<title>r4, violations failing their checks: 3</title>")
	assert.Contains(t, body, "<title>r4, violations accepted by the baseline: 1</title>")
	assert.Contains(t, body, "<title>r4, pages checked: 5</title>")
	assert.Contains(t, body, `<polyline class="t-failing" points="48,70 76,90 104,70 132,50"/>`, "2, 1, 2, 3 of 5 failing, oldest first")

	// The newest run's violations, failing ones first, worst impact first.
	assert.Contains(t, body, `Violations in the newest run, <a href="/runs/r4">r4</a>`)
	var table []string
	for _, r := range rows {
		if len(r) == 6 && r[0].Class == "" && (strings.Contains(r[5].Text, "fails") || strings.Contains(r[5].Text, "accepted")) {
			table = append(table, r[0].Text+" | "+r[3].Text)
		}
	}
	assert.Equal(t, []string{"image-alt image-alt help | /patients/{id}", "label label help | /patients", "list list help | /wards", "color-contrast color-contrast help | /login"}, table)

	imageAlt := rowStarting(t, rows, "image-alt")
	assert.Equal(t, []string{"critical", "1.1.1", "/patients/{id}", "1", "fails : new since r3"}, texts(imageAlt, 1), "gone in r2, back since r3")
	label := rowStarting(t, rows, "label")
	assert.Equal(t, []string{"critical", "4.1.2", "/patients", "2", "fails : in every run that checked the page since r1 , the first of these to check it"}, texts(label, 1),
		"two elements (#nhs, #dob) across two checks; failing all window long")
	list := rowStarting(t, rows, "list")
	assert.Equal(t, "fails : new since r4 baseline entry a11y-baseline.yaml:9 expired 2026-10-31", list[5].Text, "accepted in r3, failing since its entry expired: new in r4, not failing all along")
	contrast := rowStarting(t, rows, "color-contrast")
	assert.Equal(t, []string{"serious", "1.4.3", "/login", "2", "accepted by a11y-baseline.yaml:3 (ux-team, until 2027-01-31): supplier fix due"}, texts(contrast, 1))
	assert.Contains(t, body, "3 failing, 4 in all (axe-core 4.14.1); baseline <code>a11y-baseline.yaml</code>.")

	// Expired and fixed baseline entries of the newest run.
	assert.Contains(t, body, "<h3>Expired (1)</h3>")
	assert.Equal(t, []string{"a11y-baseline.yaml:9", "list", "/wards", "ux-team", "2026-10-31", "supplier fix due"}, texts(rowStarting(t, rows, "a11y-baseline.yaml:9"), 0))
	assert.Contains(t, body, "<h3>Fixed (1)</h3>")
	assert.Equal(t, []string{"a11y-baseline.yaml:15", "region", "/about", "ux-team", "old layout"}, texts(rowStarting(t, rows, "a11y-baseline.yaml:15"), 0))
}

// ?n= narrows the window: "since" never reaches outside it.
func TestAccessibilityWindow(t *testing.T) {
	h := New(newFakeStore(t, a11yRuns()...), WithErrorLog(log.New(io.Discard, "", 0)))
	res, body := get(t, h, "/accessibility?n=2")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	rows := tableRows(t, body)
	assert.Equal(t, "fails : in every run that checked the page since r3 , the first of these to check it", rowStarting(t, rows, "image-alt")[5].Text)
	assert.Equal(t, "fails : in every run that checked the page since r3 , the first of these to check it", rowStarting(t, rows, "label")[5].Text)
	assert.Contains(t, body, "The last 2 runs, newest first.")
	assert.NotContains(t, body, `href="/runs/r2"`)
	assert.Contains(t, body, `value="2"`, "the form shows the window")

	for _, bad := range []string{"0", "-1", "x", "101"} {
		res, body := get(t, h, "/accessibility?n="+bad)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, bad)
		assert.Contains(t, body, "give a number of runs from 1 to 100", bad)
	}
	res, _ = get(t, h, "/safety?n=1000")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

// Runs that checked nothing say so, and have no chart; neither page fails
// on an empty store.
func TestAccessibilityNoChecks(t *testing.T) {
	green, base, cand := fixtureRuns()
	h := New(newFakeStore(t, green, base, cand), WithErrorLog(log.New(io.Discard, "", 0)))
	res, body := get(t, h, "/accessibility")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "No checks in these runs")
	assert.NotContains(t, body, "<svg")

	h = New(newFakeStore(t), WithErrorLog(log.New(io.Discard, "", 0)))
	for _, p := range []string{"/accessibility", "/safety"} {
		res, body := get(t, h, p)
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		assert.Contains(t, body, "No runs recorded yet.", p)
	}
}

// A newest run with no checks still shows the window's trend.
func TestAccessibilityNewestWithoutChecks(t *testing.T) {
	runs := a11yRuns()
	r5 := trendRun("r5", 4, &results.Scenario{ID: "features/f.feature:3", Status: results.Passed})
	h := New(newFakeStore(t, append(runs, r5)...), WithErrorLog(log.New(io.Discard, "", 0)))
	res, body := get(t, h, "/accessibility")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, []string{"0", "0", "0", "0"}, texts(rowStarting(t, tableRows(t, body), "r5"), 3)[:4])
	assert.Contains(t, body, "<title>r5, pages checked: 0</title>")
	assert.Contains(t, body, "The newest run made no accessibility checks.")
	assert.Contains(t, body, "No expired or fixed baseline entries in the newest run.")
}

// safetyLog is a hazard log: H-003 (all verified) first, then H-001 and
// H-002. extra adds C-005 to H-001, a control no scenario verifies.
func safetyLog(extra bool) *results.HazardLog {
	h1 := results.Hazard{ID: "H-001", Title: "Wrong patient identified", Controls: []results.Control{
		{ID: "C-001", Description: "The banner shows the NHS number", VerifyByTest: true},
		{ID: "C-002", Description: "Search matches the NHS number exactly", VerifyByTest: true}}}
	if extra {
		h1.Controls = append(h1.Controls, results.Control{ID: "C-005", Description: "Two patients of one name are told apart", VerifyByTest: true})
	}
	return &results.HazardLog{File: "features/hazards.yaml", Form: "dcb0129", Hazards: []results.Hazard{
		{ID: "H-003", Title: "Stale results shown", Controls: []results.Control{{ID: "C-006", Description: "Results show their date", VerifyByTest: true}}},
		h1,
		{ID: "H-002", Title: "Missed allergy", Controls: []results.Control{
			{ID: "C-003", Description: "The allergy alert shows on every record page", VerifyByTest: true},
			{ID: "C-004", Description: "Training covers allergy recording", VerifyByTest: false}}},
	}}
}

func tagged(id, name string, status results.Status, tags ...string) *results.Scenario {
	return &results.Scenario{ID: id, Name: name, Status: status, Tags: tags}
}

// safetyRuns are three runs, oldest first: s1 with no hazard log, s2 and
// s3 with one (s3's has C-005, s2's not).
func safetyRuns() []*results.Run {
	const banner, search, allergy = "features/f.feature:3", "features/f.feature:9", "features/f.feature:15"
	s1 := trendRun("s1", 0,
		tagged(banner, "Banner", results.Passed, "@control:C-001", "@control:C-006"),
		tagged(search, "Search", results.Passed, "@control:C-002"))
	s2 := trendRun("s2", 1,
		tagged(banner, "Banner", results.Flaky, "@control:C-001", "@control:C-006"),
		tagged(search, "Search", results.Passed, "@control:C-002"),
		tagged(allergy, "Allergy alert", results.Passed, "@hazard:H-002"))
	s2.HazardLog = safetyLog(false)
	// A planned scenario of H-002 never ran.
	s2.Planned = []results.PlannedScenario{{ID: banner}, {ID: search}, {ID: allergy},
		{ID: "features/f.feature:21", Name: "Allergy on the summary", Feature: "features/f.feature", Tags: []string{"@hazard:H-002"}}}
	s3 := trendRun("s3", 2,
		tagged(banner, "Banner", results.Passed, "@control:C-001", "@control:C-006"),
		tagged(search, "Search", results.Failed, "@control:C-002"),
		tagged(allergy, "Allergy alert", results.Skipped, "@hazard:H-002"))
	s3.HazardLog = safetyLog(true)
	return []*results.Run{s1, s2, s3}
}

func TestSafetyPage(t *testing.T) {
	h := New(newFakeStore(t, safetyRuns()...), WithErrorLog(log.New(io.Discard, "", 0)))
	res, body := get(t, h, "/safety")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.NotContains(t, body, "<script")
	assert.Contains(t, body, `<a href="/safety">Safety</a>`, "in the navigation")
	rows := tableRows(t, body)

	// Columns newest first, each linked to its evidence (s1 has none: its
	// report), with its count.
	head := rows[0]
	assert.Equal(t, []string{"Control", "Verified by",
		"s3 2026-11-03 09:00 UTC 2 of 5 verified", "s2 2026-11-02 09:00 UTC 1 of 4 verified", "s1 2026-11-01 09:00 UTC no hazard log"}, texts(head, 0))
	assert.Contains(t, body, `<a href="/runs/s3/evidence">s3</a>`)
	assert.Contains(t, body, `<a href="/runs/s2/evidence">s2</a>`)
	assert.Contains(t, body, `<a href="/runs/s1">s1</a>`)

	// Rows by hazard, hazards with a control unverified in s3 first, and
	// in each hazard its unverified controls first.
	var order []string
	for _, r := range rows[1:] {
		order = append(order, strings.Fields(r[0].Text)[0])
	}
	assert.Equal(t, []string{"H-001:", "C-002", "C-005", "C-001", "H-002:", "C-003", "C-004", "H-003:", "C-006"}, order)

	cells := func(id string) []string {
		var out []string
		for _, c := range rowStarting(t, rows, id)[2:] {
			out = append(out, c.Class+" "+strings.SplitN(c.Text, " features/", 2)[0])
		}
		return out
	}
	assert.Equal(t, []string{"bad failed", "good verified", "na no hazard log"}, cells("C-002"))
	assert.Equal(t, []string{"bad no scenario no scenario verifies it", "na not in log the run's hazard log has no control C-005", "na no hazard log"}, cells("C-005"))
	assert.Equal(t, []string{"good verified", "bad flaky", "na no hazard log"}, cells("C-001"))
	assert.Equal(t, []string{"bad skipped", "bad not run", "na no hazard log"}, cells("C-003"), "s2: one scenario passed, one planned never ran")
	assert.Equal(t, []string{"warn skipped", "warn not run", "na no hazard log"}, cells("C-004"), "not required by test: a warning")
	assert.Equal(t, []string{"good verified", "bad flaky", "na no hazard log"}, cells("C-006"))
	assert.Contains(t, rowStarting(t, rows, "C-003")[3].Text, "features/f.feature:21 did not run", "the reason in full")
	assert.Contains(t, rowStarting(t, rows, "C-004")[0].Text, "not required to be verified by test")

	// Each control links to the scenarios that verify it.
	assert.Equal(t, "Allergy alert", rowStarting(t, rows, "C-003")[1].Text)
	assert.Contains(t, body, `<a href="/scenarios/features/f.feature:15">Allergy alert</a>`)
	assert.Equal(t, "none", rowStarting(t, rows, "C-005")[1].Text)

	// The newest run's unverified controls, with why.
	assert.Contains(t, body, "<h2>Unverified in s3 (3)</h2>")
	assert.Contains(t, body, "<li><strong>C-002</strong> (H-001): features/f.feature:9 failed</li>")
	assert.Contains(t, body, "<li><strong>C-005</strong> (H-001): no scenario verifies it</li>")
	assert.Contains(t, body, "<li><strong>C-003</strong> (H-002): features/f.feature:15 was skipped</li>")
}

// A newest run without a hazard log takes its rows from the newest log
// of the window; a window with none says so.
func TestSafetyWithoutHazardLog(t *testing.T) {
	runs := safetyRuns()
	s4 := trendRun("s4", 3, tagged("features/f.feature:3", "Banner", results.Passed, "@control:C-001"))
	h := New(newFakeStore(t, append(runs, s4)...), WithErrorLog(log.New(io.Discard, "", 0)))
	res, body := get(t, h, "/safety")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "The newest run recorded no hazard log; the controls are those of the log of <a href=\"/runs/s3/evidence\">s3</a>.")
	rows := tableRows(t, body)
	assert.Equal(t, "no hazard log", rowStarting(t, rows, "C-001")[2].Text)
	assert.Equal(t, "verified", rowStarting(t, rows, "C-001")[3].Text)

	res, body = get(t, h, "/safety?n=1")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "No hazard log in these runs")
	assert.NotContains(t, body, "<table")
}

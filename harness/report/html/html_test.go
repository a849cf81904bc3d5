package html

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	nethtml "golang.org/x/net/html"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func write(t *testing.T, run *results.Run, cfg Config) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, run, cfg))
	return buf.Bytes()
}

const (
	nhsSearch = "features/patient_search.feature:12"
	rebook    = "features/appointments.feature:17"
	nameFind  = "features/patient_search.feature:20"
)

func day(d int) time.Time { return time.Date(2026, time.May, d, 9, 0, 0, 0, time.UTC) }

// sampleConfig gives the sample run some history and a hazard log.
func sampleConfig() Config {
	return Config{
		AttachmentBase: "evidence",
		History: map[string][]results.HistoryPoint{
			nhsSearch: {
				{RunID: "run-20260527", StartedAt: day(27), Status: results.Passed, Duration: 6800 * time.Millisecond},
				{RunID: "run-20260528", StartedAt: day(28), Status: results.Passed, Duration: 7000 * time.Millisecond},
				{RunID: "run-20260529", StartedAt: day(29), Status: results.Failed, Duration: 7300 * time.Millisecond},
				{RunID: "run-20260530", StartedAt: day(30), Status: results.Passed, Duration: 6900 * time.Millisecond},
			},
			rebook: {
				{RunID: "run-20260529", StartedAt: day(29), Status: results.Passed, Duration: 2200 * time.Millisecond},
				{RunID: "run-20260530", StartedAt: day(30), Status: results.Flaky, Duration: 2400 * time.Millisecond},
			},
			nameFind: {
				{RunID: "run-20260530", StartedAt: day(30), Status: results.Skipped},
			},
		},
		Hazards: map[string]string{
			"H-001": "Wrong patient identified on a record page",
			"H-004": "A deteriorating patient is not escalated",
			"H-010": "Two patients booked into one appointment slot",
		},
	}
}

func TestGolden(t *testing.T) {
	resultstest.Golden(t, "sample.golden", write(t, resultstest.Sample(), sampleConfig()))
}

// With AttachmentDir the screenshots are inlined; the temporary folder's
// name is replaced so the golden file is stable.
func TestGoldenInlined(t *testing.T) {
	run := resultstest.Sample()
	dir := t.TempDir()
	resultstest.WriteAttachments(t, dir, run)
	cfg := sampleConfig()
	cfg.Title = "Nightly EPR regression"
	cfg.AttachmentBase = ""
	cfg.AttachmentDir = dir
	out := write(t, run, cfg)
	require.Contains(t, string(out), dir, "trace commands name the files on disk")
	resultstest.Golden(t, "sample_inlined.golden", bytes.ReplaceAll(out, []byte(dir), []byte("$ATTACHMENT_DIR")))
}

func TestDeterministic(t *testing.T) {
	assert.Equal(t, write(t, resultstest.Sample(), sampleConfig()), write(t, resultstest.Sample(), sampleConfig()))
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

func attr(n *nethtml.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *nethtml.Node, class string) bool {
	v, _ := attr(n, "class")
	return strings.Contains(" "+v+" ", " "+class+" ")
}

func tag(name string) func(*nethtml.Node) bool {
	return func(n *nethtml.Node) bool { return n.Data == name }
}

func classed(name, class string) func(*nethtml.Node) bool {
	return func(n *nethtml.Node) bool { return n.Data == name && hasClass(n, class) }
}

func text(n *nethtml.Node) string {
	var b strings.Builder
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// scenarioNode returns the <details> of the scenario with the given id.
func scenarioNode(t *testing.T, doc *nethtml.Node, id string) *nethtml.Node {
	t.Helper()
	for _, d := range findAll(doc, classed("details", "scenario")) {
		for _, c := range findAll(d, classed("p", "scenario-id")) {
			if strings.Contains(text(c), "Scenario "+id) {
				return d
			}
		}
	}
	t.Fatalf("no scenario %s in the report", id)
	return nil
}

func TestErrorTextIsEscapedAndShownWhole(t *testing.T) {
	out := write(t, resultstest.Sample(), Config{})
	doc := parse(t, out)
	s := scenarioNode(t, doc, nhsSearch)
	errs := findAll(s, classed("pre", "error"))
	require.Len(t, errs, 1)
	assert.Equal(t, resultstest.AssertionError, text(errs[0]), "the error text round-trips exactly")
	assert.NotContains(t, string(out), `<div data-testid="patient-banner">`, "markup in the error is not live")
	assert.Contains(t, string(out), `&lt;div data-testid=&#34;patient-banner&#34;&gt; to show NHS number &#34;999 000 0018&#34; &amp; name`)
	assert.Empty(t, findAll(s, func(n *nethtml.Node) bool { return n.Data == "div" && hasAttr(n, "data-testid") }))
}

func hasAttr(n *nethtml.Node, key string) bool {
	_, ok := attr(n, key)
	return ok
}

func TestHostileTextStaysText(t *testing.T) {
	run := resultstest.Sample()
	s := run.Features[0].Scenarios[0]
	s.Name = `</summary><script>alert("name")</script>`
	s.Steps[2].Error = "got <img src=x onerror=alert(1)> & 'single' \"double\"\x1b[31m red\x1b[0m\x00 nul \xff byte"
	s.Repro = `eprharness run "a b" --x '<y>' & z`
	out := write(t, run, Config{})
	doc := parse(t, out)
	assert.Len(t, findAll(doc, tag("script")), 1, "only the report's own script")
	assert.Empty(t, findAll(doc, func(n *nethtml.Node) bool { return n.Data == "img" && hasAttr(n, "onerror") }))
	node := scenarioNode(t, doc, nhsSearch)
	names := findAll(node, classed("span", "scenario-name"))
	require.Len(t, names, 1)
	assert.Equal(t, s.Name, text(names[0]))
	pre := findAll(node, classed("pre", "error"))
	require.Len(t, pre, 1)
	assert.Equal(t, "got <img src=x onerror=alert(1)> & 'single' \"double\" red\uFFFD nul \uFFFD byte", text(pre[0]),
		"ANSI codes removed, NUL and the bad byte replaced")
	code := findAll(node, func(n *nethtml.Node) bool { v, _ := attr(n, "id"); return strings.HasSuffix(v, "-repro") })
	require.Len(t, code, 1)
	assert.Equal(t, s.Repro, text(code[0]))
}

func TestFlakyScenarioSaysWhichAttemptFailed(t *testing.T) {
	doc := parse(t, write(t, resultstest.Sample(), Config{AttachmentBase: "out"}))
	s := scenarioNode(t, doc, rebook)
	notes := findAll(s, classed("p", "flaky-note"))
	require.Len(t, notes, 1)
	assert.Contains(t, text(notes[0]), "Flaky: failed on attempt 1, passed on attempt 2")
	_, open := attr(s, "open")
	assert.True(t, open, "a flaky scenario is open")

	attempts := findAll(s, classed("div", "attempt"))
	require.Len(t, attempts, 1)
	a := attempts[0]
	assert.Contains(t, text(a), "Attempt 1: failed")
	assert.Contains(t, text(a), `Failing step: Then the diary shows the appointment at "11:00" (line 20)`)
	errs := findAll(a, classed("pre", "error"))
	require.Len(t, errs, 1)
	assert.Equal(t, "timeout 5000ms exceeded waiting for getByRole('row', { name: /11:00/ }) to be visible", text(errs[0]))
	imgs := findAll(a, tag("img"))
	require.Len(t, imgs, 1)
	src, _ := attr(imgs[0], "src")
	assert.Equal(t, "out/booking-appointments/rescheduling-moves-the-appointment-L17/attempt-1/screenshot.png", src)
	assert.Contains(t, text(a), "eprharness show-trace out/booking-appointments/rescheduling-moves-the-appointment-L17/attempt-1/trace.zip")

	// Two failed attempts.
	run := resultstest.Sample()
	_, fl, ok := run.Scenario(rebook)
	require.True(t, ok)
	fl.Attempts = append(fl.Attempts, fl.Attempts[0])
	s = scenarioNode(t, parse(t, write(t, run, Config{})), rebook)
	assert.Contains(t, text(s), "Flaky: failed on attempts 1 and 2, passed on attempt 3")
	assert.Len(t, findAll(s, classed("div", "attempt")), 2)
}

func TestReproForEveryScenarioThatDidNotPass(t *testing.T) {
	run := resultstest.Sample()
	doc := parse(t, write(t, run, Config{}))
	withRepro := 0
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			node := scenarioNode(t, doc, sc.ID)
			boxes := findAll(node, classed("div", "repro"))
			if sc.Status == results.Passed || sc.Status == results.Skipped {
				assert.Empty(t, boxes, "%s %s has no repro box", sc.Status, sc.ID)
				continue
			}
			require.NotEmpty(t, sc.Repro, sc.ID)
			require.Len(t, boxes, 1, sc.ID)
			codes := findAll(boxes[0], tag("code"))
			require.Len(t, codes, 1)
			assert.Equal(t, sc.Repro, text(codes[0]), sc.ID)
			assert.Contains(t, sc.Repro, sc.ID, "the repro names its scenario")
			withRepro++
		}
	}
	assert.Equal(t, 6, withRepro, "4 failed, 1 undefined, 1 flaky")
}

func TestFailedScenariosOpenPassedOnesClosed(t *testing.T) {
	run := resultstest.Sample()
	doc := parse(t, write(t, run, Config{}))
	for _, f := range run.Features {
		for _, sc := range f.Scenarios {
			_, open := attr(scenarioNode(t, doc, sc.ID), "open")
			want := sc.Status != results.Passed && sc.Status != results.Skipped
			assert.Equal(t, want, open, "%s (%s)", sc.ID, sc.Status)
		}
	}
}

func TestHistoryStripOldestFirstThisRunLast(t *testing.T) {
	cfg := sampleConfig()
	doc := parse(t, write(t, resultstest.Sample(), cfg))
	s := scenarioNode(t, doc, nhsSearch)
	sqs := findAll(s, classed("li", "sq"))
	require.Len(t, sqs, 5)
	var titles []string
	for _, sq := range sqs {
		v, _ := attr(sq, "title")
		titles = append(titles, v)
	}
	assert.Equal(t, []string{
		"run-20260527 · 27 May 2026 09:00 UTC · passed · 6.8 s",
		"run-20260528 · 28 May 2026 09:00 UTC · passed · 7.0 s",
		"run-20260529 · 29 May 2026 09:00 UTC · failed · 7.3 s",
		"run-20260530 · 30 May 2026 09:00 UTC · passed · 6.9 s",
		"this run · 1 Jun 2026 09:00 UTC · failed · 7.2 s",
	}, titles)
	assert.True(t, hasClass(sqs[2], "sq-failed"))
	assert.True(t, hasClass(sqs[4], "current"))
	for _, sq := range sqs[:4] {
		assert.False(t, hasClass(sq, "current"))
	}
	assert.Contains(t, text(s), "Passed in 3 of the last 5 runs (this run included).")
	polys := findAll(s, tag("polyline"))
	require.Len(t, polys, 1)
	pts, _ := attr(polys[0], "points")
	assert.Len(t, strings.Fields(pts), 5, "one point per run with a duration")

	// Only the most recent MaxHistory earlier runs are shown.
	var long []results.HistoryPoint
	for i := range MaxHistory + 10 {
		long = append(long, results.HistoryPoint{RunID: fmt.Sprintf("r%02d", i), Status: results.Passed})
	}
	cfg.History = map[string][]results.HistoryPoint{nhsSearch: long}
	s = scenarioNode(t, parse(t, write(t, resultstest.Sample(), cfg)), nhsSearch)
	sqs = findAll(s, classed("li", "sq"))
	require.Len(t, sqs, MaxHistory+1)
	first, _ := attr(sqs[0], "title")
	assert.Equal(t, "r10 · passed", first)
	assert.Empty(t, findAll(s, tag("polyline")), "no durations, no sparkline")

	// No history for a scenario: no strip.
	assert.Empty(t, findAll(scenarioNode(t, doc, "features/medications.feature:5"), classed("div", "history")))
}

func TestScreenshotInlinedFromAttachmentDir(t *testing.T) {
	run := resultstest.Sample()
	dir := t.TempDir()
	resultstest.WriteAttachments(t, dir, run)
	doc := parse(t, write(t, run, Config{AttachmentDir: dir, AttachmentBase: "ignored-for-inline"}))
	s := scenarioNode(t, doc, nhsSearch)
	imgs := findAll(s, tag("img"))
	require.Len(t, imgs, 1)
	src, _ := attr(imgs[0], "src")
	assert.Equal(t, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(resultstest.PNG()), src)
	assert.Contains(t, text(s), "npx playwright show-trace "+filepath.Join(dir, "patient-search/searching-by-nhs-number-shows-the-patient/trace.zip"))

	// A screenshot missing from the folder is linked instead.
	require.NoError(t, os.Remove(filepath.Join(dir, "patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png")))
	doc = parse(t, write(t, run, Config{AttachmentDir: dir, AttachmentBase: "../run 1/"}))
	imgs = findAll(scenarioNode(t, doc, nhsSearch), tag("img"))
	require.Len(t, imgs, 1)
	src, _ = attr(imgs[0], "src")
	assert.Equal(t, "../run%201/patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png", src)
}

func TestScreenshotLinkedWithoutAttachmentDir(t *testing.T) {
	doc := parse(t, write(t, resultstest.Sample(), Config{AttachmentBase: "/artifacts/"}))
	s := scenarioNode(t, doc, nhsSearch)
	imgs := findAll(s, tag("img"))
	require.Len(t, imgs, 1)
	src, _ := attr(imgs[0], "src")
	assert.Equal(t, "/artifacts/patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png", src)
	var hrefs []string
	for _, a := range findAll(s, classed("ul", "links")) {
		for _, l := range findAll(a, tag("a")) {
			v, _ := attr(l, "href")
			hrefs = append(hrefs, v)
		}
	}
	assert.Equal(t, []string{"/artifacts/patient-search/searching-by-nhs-number-shows-the-patient/page.html"}, hrefs)
	body := text(s)
	assert.Contains(t, body, "npx playwright show-trace /artifacts/patient-search/searching-by-nhs-number-shows-the-patient/trace.zip")
	assert.Contains(t, body, "eprharness show-trace /artifacts/patient-search/searching-by-nhs-number-shows-the-patient/trace.zip")
}

func TestLink(t *testing.T) {
	for _, c := range []struct{ base, path, want string }{
		{"", "a/b.png", "a/b.png"},
		{".", "a/b.png", "./a/b.png"},
		{"../artifacts", "a/b.png", "../artifacts/a/b.png"},
		{"/artifacts/", "a/b.png", "/artifacts/a/b.png"},
		{"", "odd dir/a#1?.png", "odd%20dir/a%231%3F.png"},
		{"", "c:evil/x.png", "./c:evil/x.png"},
	} {
		assert.Equal(t, c.want, link(c.base, c.path), "%q + %q", c.base, c.path)
	}
}

func TestHazardTable(t *testing.T) {
	run := resultstest.Sample()
	// A hazard whose only scenario passed.
	run.Features[0].Scenarios[2].Tags = append(run.Features[0].Scenarios[2].Tags, "@hazard:H-020")
	cfg := sampleConfig()
	cfg.Hazards["H-020"] = "A patient identified by a wrong or duplicate record"
	doc := parse(t, write(t, run, cfg))
	rows := map[string]*nethtml.Node{}
	for _, tr := range findAll(doc, func(n *nethtml.Node) bool {
		return n.Data == "tr" && n.Parent != nil && n.Parent.Parent != nil && hasClass(n.Parent.Parent, "hazards")
	}) {
		ids := findAll(tr, classed("span", "hazard-id"))
		if len(ids) == 1 {
			rows[text(ids[0])] = tr
		}
	}
	require.Len(t, rows, 5, "H-001, H-002 (tag only), H-004, H-010 (log only), H-020")

	h1 := rows["H-001"]
	assert.True(t, hasClass(h1, "h-bad"), "one of its scenarios failed")
	assert.Contains(t, text(h1), "Wrong patient identified on a record page")
	assert.Contains(t, text(h1), "Not verified: 1 of 2 scenarios did not pass")
	assert.Contains(t, text(h1), "✗ failed Searching by NHS number shows the patient")
	assert.Contains(t, text(h1), "✓ passed Searching by name lists matching patients")

	assert.True(t, hasClass(rows["H-002"], "h-bad"), "a quarantined failure still leaves the hazard unverified")
	assert.Contains(t, text(rows["H-002"]), "(not in the hazard log)")
	assert.True(t, hasClass(rows["H-004"], "h-bad"), "flaky is not verified")
	assert.True(t, hasClass(rows["H-010"], "h-untested"))
	assert.Contains(t, text(rows["H-010"]), "Not tested in this run")
	assert.True(t, hasClass(rows["H-020"], "h-ok"))
	assert.Contains(t, text(rows["H-020"]), "Verified: 1 scenario passed")

	// Links lead to the scenarios.
	for _, a := range findAll(h1, tag("a")) {
		href, _ := attr(a, "href")
		targets := findAll(doc, func(n *nethtml.Node) bool { v, _ := attr(n, "id"); return "#"+v == href })
		require.Len(t, targets, 1, href)
		assert.Equal(t, "details", targets[0].Data)
	}
}

func TestVerdict(t *testing.T) {
	passing := func() *results.Run {
		run := resultstest.Sample()
		run.Features = run.Features[:1]
		f := run.Features[0]
		f.Scenarios = append(f.Scenarios[1:2], f.Scenarios[2:]...)
		return run
	}
	cases := []struct {
		name  string
		run   func() *results.Run
		word  string
		lines []string
	}{
		{"sample", resultstest.Sample, "Failed", []string{
			"2 scenarios failed — the release candidate has regressions.",
			"2 more could not be tested: the test environment or the harness failed, so the EPR was not tested there.",
			"1 scenario passed only after a retry (flaky): something in the EPR or the environment is unreliable.",
			"1 quarantined scenario did not pass; quarantined scenarios do not change the verdict.",
		}},
		{"all passed", passing, "Passed", []string{"All 3 scenarios passed."}},
		{"environment only", func() *results.Run {
			run := passing()
			run.Features[0].Scenarios[0].Status = results.Failed
			run.Features[0].Scenarios[0].FailureKind = results.KindBackend
			return run
		}, "Not tested", []string{"1 scenario could not be tested — the test environment or the harness failed, so the EPR was not fully tested."}},
		{"flaky fails the run", func() *results.Run {
			run := passing()
			run.FailOnFlaky = true
			run.Features[0].Scenarios[0].Status = results.Flaky
			return run
		}, "Failed", []string{"1 scenario passed only after a retry — flaky scenarios fail this run."}},
		{"flaky allowed", func() *results.Run {
			run := passing()
			run.Features[0].Scenarios[0].Status = results.Flaky
			return run
		}, "Passed, with flaky scenarios", []string{"No scenario failed: 2 passed at the first attempt and 1 only after a retry.", "1 scenario passed only after a retry (flaky): something in the EPR or the environment is unreliable."}},
		{"interrupted", func() *results.Run {
			run := passing()
			run.Interrupted = true
			return run
		}, "Incomplete", []string{"The run was interrupted: only the 3 scenarios that finished are reported.", "All 3 scenarios passed."}},
		{"empty", func() *results.Run { return &results.Run{ID: "empty"} }, "Nothing ran", []string{"No scenarios were run."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := parse(t, write(t, c.run(), Config{}))
			v := findAll(doc, classed("div", "verdict"))
			require.Len(t, v, 1)
			ps := findAll(v[0], tag("p"))
			require.NotEmpty(t, ps)
			assert.Equal(t, "Result: "+c.word, text(ps[0]))
			var lines []string
			for _, p := range ps[1:] {
				lines = append(lines, text(p))
			}
			assert.Equal(t, c.lines, lines)
		})
	}
}

func TestSummaryExplainsKindsAndTarget(t *testing.T) {
	doc := parse(t, write(t, resultstest.Sample(), Config{}))
	kinds := findAll(doc, classed("table", "kinds"))
	require.Len(t, kinds, 1)
	body := text(kinds[0])
	assert.Contains(t, body, "assertion2The EPR did not do what the scenario expected.")
	assert.Contains(t, body, "backend1The test environment failed (database, containers or test data); the EPR was not tested.")
	facts := text(findAll(doc, classed("dl", "facts"))[0])
	for _, want := range []string{"http://localhost:8080", "2.3.1", "Backendcompose", "news2-boundary", "4be1c0ffee5a17d2b2c3d4e5f6a7b8c9d0e1f2a3",
		"chromium 156.0.8078.73", "ci-runner-7, linux/amd64, 2 CPUs", "not @wip", "rerun up to 1 time", "1 min 22 s",
		"Target" + resultstest.Sample().Target.Describe(), "Adapterdeclarative, screen map screens.yaml",
		"Compose projecteprharness-run-20260601t090000z-1"} {
		assert.Contains(t, facts, want)
	}
	tables := findAll(doc, classed("table", "images"))
	require.Len(t, tables, 1)
	images := text(tables[0])
	assert.Contains(t, images, "Compose services (project eprharness-run-20260601t090000z-1)")
	assert.Contains(t, images, "ServiceImageDigest")
	assert.Contains(t, images, "eprghcr.io/eprharness/demo-epr:2.3.1sha256:0a1b2c3d")
	assert.Contains(t, images, "postgrespostgres:17.5sha256:5f1c6a3e")

	// The docker backend's images, by role; nothing recorded.
	run := resultstest.Sample()
	run.Target = results.Target{Backend: "docker", BaseURL: "http://localhost:8080", Adapter: "refepr",
		Images:  map[string]string{"epr": "ghcr.io/eprharness/refepr:1"},
		Digests: map[string]string{"epr": "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", "postgres": "sha256:5f1c"}}
	doc = parse(t, write(t, run, Config{}))
	facts = text(findAll(doc, classed("dl", "facts"))[0])
	assert.Contains(t, facts, "Targetrefepr on docker (epr: ghcr.io/eprharness/refepr:1 sha256:0a1b2c3d4e5f…, postgres: sha256:5f1c)")
	assert.Contains(t, facts, "Adapterrefepr\n")
	assert.NotContains(t, facts, "Compose project")
	tables = findAll(doc, classed("table", "images"))
	require.Len(t, tables, 1)
	images = text(tables[0])
	assert.Contains(t, images, "Container images")
	assert.Contains(t, images, "RoleImageDigest")
	assert.Contains(t, images, "eprghcr.io/eprharness/refepr:1sha256:0a1b2c3d")
	assert.Contains(t, images, "postgressha256:5f1c")

	// A compose target that names its images by service in Images.
	run.Target = results.Target{Backend: "compose", Compose: "p", Images: map[string]string{"db": "postgres:17"}}
	doc = parse(t, write(t, run, Config{}))
	tables = findAll(doc, classed("table", "images"))
	require.Len(t, tables, 1)
	assert.Contains(t, text(tables[0]), "Compose services (project p)")
	assert.Contains(t, text(tables[0]), "dbpostgres:17")

	run.Target = results.Target{}
	doc = parse(t, write(t, run, Config{}))
	facts = text(findAll(doc, classed("dl", "facts"))[0])
	assert.Contains(t, facts, "Targetunknown target")
	assert.Contains(t, facts, "Adapternot recorded")
	assert.Empty(t, findAll(doc, classed("table", "images")))
}

// Each scenario lists the hosts the browser was blocked from reaching and
// the unique patient identities it used.
func TestBlockedHostsAndIdentities(t *testing.T) {
	run := resultstest.Sample()
	run.Features[2].Scenarios[0].Blocked = append(run.Features[2].Scenarios[0].Blocked, "<evil>.example")
	doc := parse(t, write(t, run, Config{}))
	var withBlocked, withIDs []string
	for _, sc := range findAll(doc, classed("details", "scenario")) {
		name := text(findAll(sc, classed("span", "scenario-name"))[0])
		if b := findAll(sc, classed("div", "blocked")); len(b) > 0 {
			withBlocked = append(withBlocked, name)
			assert.Equal(t, "\nThe browser was stopped from reaching hosts outside the allowed ones:\n\nblocked request to fonts.googleapis.com\n"+
				"blocked request to www.google-analytics.com\nblocked request to <evil>.example\n\n", text(b[0]))
		}
		if ids := findAll(sc, classed("table", "identities")); len(ids) > 0 {
			withIDs = append(withIDs, name)
			body := text(ids[0])
			assert.Contains(t, body, "Fixture patientName in the EPRNHS number")
			switch name {
			case "Cancelling an appointment frees the slot":
				assert.Contains(t, body, "Mary JonesMary Jones-q4zt999 217 3041")
			default:
				assert.Contains(t, body, "Jane SmithJane Smith-k3p9999 402 1567")
				assert.Contains(t, body, "John SmithJohn Smith-k3p9999 655 1881")
			}
		}
	}
	assert.Equal(t, []string{"Cancelling an appointment frees the slot"}, withBlocked)
	assert.Equal(t, []string{"Searching by name lists matching patients", "Cancelling an appointment frees the slot"}, withIDs)
}

// The report needs nothing outside itself, and is built for assistive
// technology: one h1, landmarks, headers on every table.
func TestSelfContainedAndAccessible(t *testing.T) {
	dir := t.TempDir()
	run := resultstest.Sample()
	resultstest.WriteAttachments(t, dir, run)
	doc := parse(t, write(t, run, Config{AttachmentDir: dir}))
	for _, n := range findAll(doc, func(*nethtml.Node) bool { return true }) {
		for _, key := range []string{"src", "href"} {
			v, ok := attr(n, key)
			if !ok {
				continue
			}
			assert.False(t, strings.HasPrefix(v, "http:") || strings.HasPrefix(v, "https:") || strings.HasPrefix(v, "//"),
				"<%s %s=%q> reaches outside the report", n.Data, key, v)
		}
		if n.Data == "script" {
			assert.False(t, hasAttr(n, "src"), "scripts are inline")
		}
		if n.Data == "link" {
			t.Errorf("no <link> elements: %v", n.Attr)
		}
	}
	assert.Len(t, findAll(doc, tag("h1")), 1)
	for _, landmark := range []string{"header", "nav", "main", "footer"} {
		assert.NotEmpty(t, findAll(doc, tag(landmark)), landmark)
	}
	for _, table := range findAll(doc, tag("table")) {
		assert.NotEmpty(t, findAll(table, tag("th")), "table %v has headers", table.Attr)
	}
	for _, img := range findAll(doc, tag("img")) {
		alt, _ := attr(img, "alt")
		assert.NotEmpty(t, alt)
	}
	// Status is in words, not only in colour.
	for _, b := range findAll(doc, classed("span", "badge")) {
		assert.Regexp(t, `^. (passed|failed|flaky|skipped|other|undefined step|pending|ambiguous step)$`, text(b))
	}
}

func TestErrors(t *testing.T) {
	var buf bytes.Buffer
	assert.ErrorContains(t, Write(&buf, nil, Config{}), "nil run")

	for name, c := range map[string]struct {
		change func(*results.Run, *Config)
		want   string
	}{
		"status": {func(r *results.Run, _ *Config) { r.Features[0].Scenarios[0].Status = "exploded" }, `unknown status "exploded"`},
		"kind":   {func(r *results.Run, _ *Config) { r.Features[0].Scenarios[0].FailureKind = "cosmic-ray" }, `unknown failure kind "cosmic-ray"`},
		"step":   {func(r *results.Run, _ *Config) { r.Features[0].Scenarios[0].Steps[0].Status = results.Flaky }, `step 1: unknown status "flaky"`},
		"attempt": {func(r *results.Run, _ *Config) {
			_, s, _ := r.Scenario(rebook)
			s.Attempts[0].Status = "odd"
		}, `attempt 1: unknown status "odd"`},
		"history": {func(_ *results.Run, c *Config) {
			c.History = map[string][]results.HistoryPoint{nhsSearch: {{RunID: "x", Status: "odd"}}}
		}, `history of features/patient_search.feature:12: unknown status "odd"`},
		"nil feature": {func(r *results.Run, _ *Config) { r.Features[1] = nil }, "feature 1 is nil"},
	} {
		t.Run(name, func(t *testing.T) {
			run, cfg := resultstest.Sample(), Config{}
			c.change(run, &cfg)
			var buf bytes.Buffer
			assert.ErrorContains(t, Write(&buf, run, cfg), c.want)
			assert.Zero(t, buf.Len(), "nothing is written on error")
		})
	}

	sentinel := errors.New("disk full")
	assert.ErrorIs(t, Write(failingWriter{sentinel}, resultstest.Sample(), Config{}), sentinel)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                     "0 s",
		912 * time.Millisecond:                "912 ms",
		7249 * time.Millisecond:               "7.2 s",
		65*time.Second + 400*time.Millisecond: "1 min 5 s",
		62*time.Minute + 20*time.Second:       "1 h 2 min",
	} {
		assert.Equal(t, want, human(d), d)
	}
}

func TestGoldenKilledAndStopped(t *testing.T) {
	resultstest.Golden(t, "killed.golden", write(t, resultstest.Killed(), Config{}))
	resultstest.Golden(t, "stopped.golden", write(t, resultstest.Stopped(), Config{}))
}

func TestUnfinishedRunIsNeverGreen(t *testing.T) {
	doc := parse(t, write(t, resultstest.Killed(), Config{}))
	v := findAll(doc, classed("div", "verdict"))
	require.Len(t, v, 1)
	assert.False(t, hasClass(v[0], "v-passed"), "a killed run is never shown green")
	ps := findAll(v[0], tag("p"))
	var lines []string
	for _, p := range ps {
		lines = append(lines, text(p))
	}
	assert.Equal(t, []string{
		"Result: Unfinished",
		"The run is unfinished: it never recorded its end (it was killed, or is still running); only the 2 scenarios that finished are reported.",
		"2 of the 4 planned scenarios never ran: they were not tested.",
		"All 2 scenarios passed.",
	}, lines)
	notRun := findAll(doc, classed("section", "not-run"))
	require.Len(t, notRun, 1)
	items := findAll(notRun[0], tag("li"))
	require.Len(t, items, 2)
	assert.Equal(t, "features/medications.feature:5 Prescribing a repeat medication records it on the chart", text(items[0]))
}

func TestInterruptedScenarioIsNotAFailure(t *testing.T) {
	doc := parse(t, write(t, resultstest.Stopped(), Config{}))
	v := findAll(doc, classed("div", "verdict"))
	require.Len(t, v, 1)
	out := text(v[0])
	assert.Contains(t, out, "Result: Incomplete")
	assert.Contains(t, out, "1 scenario was interrupted while it ran: not tested, and not a failure of the EPR.")
	assert.Contains(t, out, "1 scenario failed")
	for _, k := range findAll(doc, classed("table", "kinds")) {
		assert.NotContains(t, text(k), "unclassified", "the interrupted scenario is no failure of any kind")
	}
}

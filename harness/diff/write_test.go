package diff

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func write(t *testing.T, d *Diff, format string, cfg Config) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, d, format, cfg))
	return buf.Bytes()
}

// candidateDir writes the candidate's screenshots (the fake PNG) under a
// temporary folder and returns it.
func candidateDir(t *testing.T, cand *results.Run) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range cand.Features {
		for _, s := range f.Scenarios {
			if a, ok := s.Attachment("screenshot"); ok {
				p := filepath.Join(dir, filepath.FromSlash(a.Path))
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, resultstest.PNG(), 0o644))
			}
		}
	}
	return dir
}

func TestGolden(t *testing.T) {
	base, cand := pair(t)
	d := Compare(base, cand)
	links := Config{
		Base:      SideConfig{AttachmentBase: "https://ci.example.org/job/41/artifact/out"},
		Candidate: SideConfig{AttachmentBase: "https://ci.example.org/job/42/artifact/out"},
	}
	resultstest.Golden(t, "diff.txt.golden", write(t, d, "text", Config{Candidate: SideConfig{AttachmentBase: "out"}}))
	resultstest.Golden(t, "diff.md.golden", write(t, d, "markdown", links))
	resultstest.Golden(t, "diff.json.golden", write(t, d, "json", Config{}))
	resultstest.Golden(t, "diff_links.html.golden", write(t, d, "html", links))
	inline := Config{
		Title:        "Release candidate 2.4.0-rc1",
		Base:         SideConfig{AttachmentBase: "../base"},
		Candidate:    SideConfig{AttachmentBase: "out", AttachmentDir: candidateDir(t, cand)},
		ScenarioLink: func(id string) string { return "/scenarios/" + id },
		RunLink:      func(id string) string { return "/runs/" + id },
	}
	resultstest.Golden(t, "diff_inline.html.golden", write(t, d, "html", inline))
}

func TestGoldenKilled(t *testing.T) {
	d := Compare(green(), resultstest.Killed())
	for _, f := range []struct{ format, golden string }{
		{"text", "killed.txt.golden"}, {"markdown", "killed.md.golden"}, {"json", "killed.json.golden"}, {"html", "killed.html.golden"},
	} {
		out := write(t, d, f.format, Config{})
		resultstest.Golden(t, f.golden, out)
		assert.Contains(t, string(out), "is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran", f.format)
		if f.format == "json" {
			assert.Contains(t, string(out), `"gate": true`)
		} else {
			assert.Contains(t, string(out), "FAIL", f.format)
			assert.NotContains(t, string(out), "PASS", f.format)
		}
	}
	resultstest.Golden(t, "stopped.txt.golden", write(t, Compare(green(), resultstest.Stopped()), "text", Config{}))
	resultstest.Golden(t, "unfinished_base.md.golden", write(t, Compare(resultstest.Killed(), green()), "markdown", Config{}))
}

func TestGoldenClean(t *testing.T) {
	d := Compare(resultstest.Sample(), resultstest.Sample())
	resultstest.Golden(t, "clean.txt.golden", write(t, d, "text", Config{}))
	resultstest.Golden(t, "clean.md.golden", write(t, d, "markdown", Config{}))
}

func TestDeterministic(t *testing.T) {
	for _, f := range Formats {
		base, cand := pair(t)
		b2, c2 := pair(t)
		assert.Equal(t, write(t, Compare(base, cand), f, Config{}), write(t, Compare(b2, c2), f, Config{}), f)
	}
}

func TestText(t *testing.T) {
	base, cand := pair(t)
	out := string(write(t, Compare(base, cand), "text", Config{}))
	assert.True(t, strings.HasPrefix(out, "eprharness diff: candidate run-20260602T090000Z (2.4.0-rc1, commit 9c0ffee) against base run-20260601T090000Z (2.3.1, commit 4be1c0f)\nGate: FAIL: 2 regressions,"), out)
	assert.Contains(t, out, "\nRegressions (2)\n")
	assert.Contains(t, out, "    step: Then the results list 3 patients (line 23)\n")
	assert.Contains(t, out, "    screenshot: patient-search/searching-by-name-lists-matching-patients-L20/screenshot.png\n")
	assert.Contains(t, out, "    repro: eprharness run features/patient_search.feature:20 ")
	assert.NotContains(t, out, "No changes")
}

func TestMarkdown(t *testing.T) {
	base, cand := pair(t)
	sc := scenario(t, cand, nameSearch)
	sc.Name = "Searching | by *name*\nlists <b>patients</b>"
	out := string(write(t, Compare(base, cand), "markdown", Config{Candidate: SideConfig{AttachmentBase: "https://ci/out"}}))
	first, _, _ := strings.Cut(out, "\n")
	assert.Equal(t, "**eprharness diff: FAIL**: 2 regressions, 1 quarantined, 1 fixed, 3 still failing, 1 flaky, 2 new, 1 removed, 1 slower.", first)
	// Every row of the regressions table has the header's cell count,
	// whatever the scenario name holds.
	sec := out[strings.Index(out, "### Regressions"):]
	sec = sec[:strings.Index(sec, "\nReproduce:")]
	var rows []string
	for _, l := range strings.Split(sec, "\n") {
		if strings.HasPrefix(l, "|") {
			rows = append(rows, l)
		}
	}
	require.Len(t, rows, 4)
	cells := func(l string) int { return strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") }
	for _, r := range rows {
		assert.Equal(t, cells(rows[0]), cells(r), r)
	}
	assert.Contains(t, rows[3], `Searching \| by \*name\* lists &lt;b&gt;patients&lt;/b&gt;`)
	assert.Contains(t, rows[3], "[screenshot](https://ci/out/patient-search/searching-by-name-lists-matching-patients-L20/screenshot.png)")
	assert.Contains(t, out, "\n# Searching | by *name* lists <b>patients</b>\neprharness run features/patient_search.feature:20 ")
}

func TestHTMLScreenshots(t *testing.T) {
	base, cand := pair(t)
	d := Compare(base, cand)
	linked := string(write(t, d, "html", Config{Candidate: SideConfig{AttachmentBase: "/artifacts"}}))
	assert.NotContains(t, linked, "data:image")
	assert.Contains(t, linked, `<a href="/artifacts/patient-search/searching-by-name-lists-matching-patients-L20/screenshot.png">`)

	inline := string(write(t, d, "html", Config{Candidate: SideConfig{AttachmentDir: candidateDir(t, cand)}}))
	assert.Contains(t, inline, `<img class="screenshot" src="data:image/png;base64,`)
	assert.NotContains(t, inline, "<script", "self-contained and script-free")
	assert.NotContains(t, inline, "http://")
	assert.NotContains(t, inline, "https://")
}

func TestHTMLNeverReadsOutsideAttachmentDir(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.png"), resultstest.PNG(), 0o644))
	dir := filepath.Join(t.TempDir(), "out")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	rel, err := filepath.Rel(dir, filepath.Join(outside, "secret.png"))
	require.NoError(t, err)

	base, cand := resultstest.Sample(), resultstest.Sample()
	fail(scenario(t, cand, nameSearch), 2, "boom", filepath.ToSlash(rel))
	out := string(write(t, Compare(base, cand), "html", Config{Candidate: SideConfig{AttachmentDir: dir}}))
	assert.NotContains(t, out, "data:image", "a path leaving the attachment folder is linked, never read")
}

func TestHTMLEscapes(t *testing.T) {
	base, cand := resultstest.Sample(), resultstest.Sample()
	fail(scenario(t, cand, nameSearch), 2, `<script>alert("x")</script>`, "a.png")
	out := string(write(t, Compare(base, cand), "html", Config{}))
	assert.NotContains(t, out, `<script>alert`)
	assert.Contains(t, out, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`)
}

func TestHTMLFragment(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteHTMLFragment(&buf, Compare(resultstest.Sample(), resultstest.Sample()), Config{}))
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, `<div class="eprdiff">`), out)
	assert.NotContains(t, out, "<html")
	assert.Contains(t, out, "No changes between the runs.")
}

// The JSON field names are a contract: this test pins them.
func TestJSONFieldNames(t *testing.T) {
	base, cand := pair(t)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(write(t, Compare(base, cand), "json", Config{}), &doc))
	assert.Equal(t, []string{"accessibility", "accessibility_fixed", "base", "candidate", "exit_code", "fixed", "flaky", "gate", "interface_changes", "interrupted", "new", "not_run", "quarantined",
		"regressions", "removed", "slow_min_ns", "slow_ratio", "slower", "still_failing", "summary", "unverified"}, keys(doc))
	assert.Equal(t, true, doc["gate"])
	assert.Equal(t, 1.0, doc["exit_code"])
	assert.Equal(t, []string{"backend", "commit", "counts", "id", "started_at", "version"}, keys(doc["base"].(map[string]any)))

	regs := doc["regressions"].([]any)
	require.Len(t, regs, 2)
	newReg := regs[0].(map[string]any)
	assert.Nil(t, newReg["base"], "a new scenario's base is null")
	r := regs[1].(map[string]any)
	assert.Equal(t, []string{"base", "candidate", "feature", "id", "name", "repro"}, keys(r))
	c := r["candidate"].(map[string]any)
	assert.Equal(t, []string{"attachments", "duration_ns", "error", "failed_step", "failure_kind", "status"}, keys(c))
	assert.Equal(t, []string{"keyword", "line", "text"}, keys(c["failed_step"].(map[string]any)))
	sl := doc["slower"].([]any)[0].(map[string]any)
	assert.Contains(t, sl, "ratio")
	assert.Contains(t, sl, "delta_ns")

	var clean map[string]any
	require.NoError(t, json.Unmarshal(write(t, Compare(nil, nil), "json", Config{}), &clean))
	assert.Equal(t, []any{}, clean["regressions"], "empty lists are [], not null")
	assert.Equal(t, []any{}, clean["not_run"], "empty lists are [], not null")
	assert.Equal(t, []any{}, clean["unverified"], "empty lists are [], not null")
	assert.Equal(t, []any{}, clean["accessibility"], "empty lists are [], not null")
	assert.Equal(t, []any{}, clean["interface_changes"], "empty lists are [], not null")
	assert.NotContains(t, clean, "safety", "no hazard log, no safety summary")

	// The safety and accessibility entries' names are a contract too.
	sb, sc := safetyPair(t)
	var sdoc map[string]any
	require.NoError(t, json.Unmarshal(write(t, Compare(sb, sc), "json", Config{}), &sdoc))
	assert.Equal(t, []string{"controls", "form", "log", "must_verify", "verified"}, keys(sdoc["safety"].(map[string]any)))
	ctl := sdoc["unverified"].([]any)[0].(map[string]any)
	assert.Equal(t, []string{"description", "hazard", "hazard_title", "id", "message", "reason", "scenarios"}, keys(ctl))
	assert.Equal(t, []string{"id", "name", "status"}, keys(ctl["scenarios"].([]any)[0].(map[string]any)))
	v := sdoc["accessibility"].([]any)[0].(map[string]any)
	assert.Equal(t, []string{"criteria", "help", "help_url", "impact", "key", "page", "rule", "scenarios", "screenshot", "targets"}, keys(v))
	assert.Equal(t, false, clean["gate"])
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, Compare(nil, nil), "pdf", Config{})
	assert.ErrorContains(t, err, `unknown format "pdf"`)
}

package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/report/html"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
	"github.com/eprharness/eprharness/harness/store"
)

func fixture(t *testing.T) (*fakeStore, http.Handler) {
	t.Helper()
	green, base, cand := fixtureRuns()
	st := newFakeStore(t, green, base, cand)
	return st, New(st, WithErrorLog(log.New(io.Discard, "", 0)))
}

func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

func TestRunsPage(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")
	assert.NotContains(t, body, "<script")

	// Newest first, each linked.
	ic, ib, ig := strings.Index(body, `<a href="/runs/`+candID+`">`), strings.Index(body, `<a href="/runs/`+baseID+`">`), strings.Index(body, `<a href="/runs/`+greenID+`">`)
	require.True(t, ic > 0 && ib > ic && ig > ib, "runs newest first")
	assert.Contains(t, body, "2026-06-01 09:00 UTC")
	assert.Contains(t, body, "<td>compose project eprharness-run-20260601t090000z-1 (epr: ghcr.io/eprharness/demo-epr:2.3.1 sha256:0a1b2c3d4e5f…, "+
		"postgres: postgres:17.5 sha256:5f1c6a3e0b1d…) via declarative (screens.yaml) · version 2.4.0-rc1</td>", "the target in one line")
	assert.Contains(t, body, "<code>9c0ffee</code>")
	assert.Contains(t, body, "10: 2 passed, 5 failed, 1 flaky, 1 skipped, 1 other")
	assert.Contains(t, body, `<td class="bad">harness fault</td>`, "base and candidate have an undefined step")
	assert.Contains(t, body, `<td class="good">pass</td>`, "green: its only failure is quarantined")
	assert.Contains(t, body, `<a href="/compare?base=`+baseID+`&amp;cand=`+candID+`" aria-label="compare with previous: `+candID+` with `+baseID+`">compare with previous</a>`)
}

func TestRunsPageEmpty(t *testing.T) {
	res, body := get(t, New(newFakeStore(t)), "/")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "No runs recorded yet.")
}

// The run page is the html report; until that package is built its error
// is shown as a 500 page. This test follows whichever html.Write does.
func TestRunPage(t *testing.T) {
	st, h := fixture(t)
	run, err := st.Run(context.Background(), candID)
	require.NoError(t, err)
	werr := html.Write(io.Discard, run, html.Config{})
	for _, ref := range []string{candID, "latest", "run-20260601"} {
		res, body := get(t, h, "/runs/"+ref)
		if werr != nil {
			assert.Equal(t, http.StatusInternalServerError, res.StatusCode, ref)
			assert.Contains(t, body, "The report of run "+candID+" could not be written.", ref)
			assert.Contains(t, body, werr.Error())
		} else {
			assert.Equal(t, http.StatusOK, res.StatusCode, ref)
			assert.Contains(t, body, candID)
		}
	}
}

func TestRunNotFound(t *testing.T) {
	_, h := fixture(t)
	for _, ref := range []string{"no-such-run", "run-2026"} {
		res, body := get(t, h, "/runs/"+ref)
		if ref == "run-2026" {
			// An ambiguous prefix is not "not found": the store says why.
			assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
			assert.Contains(t, body, "ambiguous")
			continue
		}
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
		assert.Contains(t, body, `Run &#34;no-such-run&#34; was not found.`)
		assert.Contains(t, body, "<title>404 Not Found · eprharness</title>")
	}
}

func TestCompare(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/compare?base="+baseID+"&cand="+candID)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Gate: FAIL")
	assert.Contains(t, body, "Regressions (1)")
	assert.Contains(t, body, `<a href="/scenarios/features/patient_search.feature:20">`+nameSearchName+`</a>`)
	assert.Contains(t, body, `<a href="/artifacts/`+regressionShot+`">`+regressionShot+`</a>`)
	assert.Contains(t, body, `<a href="/runs/`+candID+`">`+candID+`</a>`)
	assert.Contains(t, body, `<option value="`+baseID+`" selected>`)
	assert.Contains(t, body, `format=markdown`)
	assert.NotContains(t, body, "<script")
}

func TestCompareResolvesRefs(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/compare?base=last-green&cand=latest")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Candidate "+candID+" against baseline "+greenID)
	assert.Contains(t, body, `<option value="last-green" selected>last green run</option>`)
}

func TestCompareForm(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/compare")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `<label for="base">Baseline run</label>`)
	assert.Contains(t, body, `<label for="cand">Candidate run</label>`)
	assert.Contains(t, body, `<option value="`+greenID+`">`+greenID+` · 2.3.0 · 2026-05-30 09:00 UTC</option>`)
	assert.NotContains(t, body, "Gate:")

	res, body = get(t, h, "/compare?cand=latest")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Choose both a baseline and a candidate run.")
}

func TestCompareUnknownRun(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/compare?base=nope&cand=latest")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, body, `Run &#34;nope&#34; was not found.`)

	res, _ = get(t, New(newFakeStore(t)), "/compare?base=last-green&cand=latest")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "no runs at all")
}

func TestCompareFormats(t *testing.T) {
	_, h := fixture(t)
	q := "/compare?base=" + baseID + "&cand=" + candID
	res, body := get(t, h, q+"&format=json")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	var doc struct {
		Gate        bool `json:"gate"`
		Regressions []struct {
			ID string `json:"id"`
		} `json:"regressions"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	assert.True(t, doc.Gate)
	require.Len(t, doc.Regressions, 1)
	assert.Equal(t, nameSearchID, doc.Regressions[0].ID)

	res, body = get(t, h, q+"&format=markdown")
	assert.Equal(t, "text/markdown; charset=utf-8", res.Header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(body, "**Candidate "+candID), body)

	res, body = get(t, h, q+"&format=text")
	assert.Equal(t, "text/plain; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, body, "Gate: FAIL")

	res, _ = get(t, h, q+"&format=pdf")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

func TestScenarioPage(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/scenarios/"+nameSearchID)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "<h1>"+nameSearchName+"</h1>")
	assert.Contains(t, body, "feature: Patient search")
	assert.Contains(t, body, "<dt>Runs</dt><dd>3 ")
	assert.Contains(t, body, "<dt>Flake rate</dt><dd>0% (0 flaky")
	assert.Contains(t, body, "<dt>Failure rate</dt><dd>33% (1 failed)")
	assert.Contains(t, body, "<dt>Flips</dt><dd>1 ")
	strip := body[strings.Index(body, `<svg class="strip"`):]
	strip = strip[:strings.Index(strip, "</svg>")]
	assert.Equal(t, 3, strings.Count(strip, "<rect"))
	assert.Equal(t, []string{"s-passed", "s-passed", "s-failed"}, classes(strip), "oldest first")
	for _, id := range []string{greenID, baseID, candID} {
		assert.Contains(t, body, `<td><a href="/runs/`+id+`">`+id+`</a></td>`)
	}
	assert.Contains(t, body, `<svg class="durations"`)
}

func classes(svg string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`class="(s-[a-z]+)"`).FindAllStringSubmatch(svg, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestScenarioFlakeRate(t *testing.T) {
	_, h := fixture(t)
	_, body := get(t, h, "/scenarios/"+rescheduleID)
	assert.Contains(t, body, "<dt>Flake rate</dt><dd>67% (2 flaky")
	assert.Contains(t, body, "<dt>Flips</dt><dd>4 ", "pass, fail-pass, fail-pass")
}

func TestScenarioNotFound(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/scenarios/features/nope.feature:1")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, body, "No run recorded the scenario")
}

func TestUnstable(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/unstable")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `<a href="/scenarios/`+rescheduleID+`">Rescheduling moves the appointment</a>`)
	assert.NotContains(t, body, nameSearchID, "failed once: not unstable")

	_, body = get(t, New(newFakeStore(t)), "/unstable")
	assert.Contains(t, body, "No unstable scenarios.")
}

func TestArtifacts(t *testing.T) {
	st, h := fixture(t)

	res, body := get(t, h, "/artifacts/"+regressionShot)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "image/png", res.Header.Get("Content-Type"))
	assert.Equal(t, resultstest.PNG(), []byte(body))

	res, body = get(t, h, "/artifacts/patient-search/searching-by-nhs-number-shows-the-patient/page.html")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox"), "a captured EPR page never runs as the dashboard")
	assert.Contains(t, body, "SMITH, John")

	res, body = get(t, h, "/artifacts/patient-search/searching-by-nhs-number-shows-the-patient/trace.zip")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/zip", res.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename=trace.zip`, res.Header.Get("Content-Disposition"))
	assert.True(t, strings.HasPrefix(body, "PK"))

	// A content-addressed name without an extension is typed by content.
	require.NoError(t, os.WriteFile(filepath.Join(st.Artifacts(), "ab12cd"), resultstest.PNG(), 0o644))
	res, _ = get(t, h, "/artifacts/ab12cd")
	assert.Equal(t, "image/png", res.Header.Get("Content-Type"))

	for _, p := range []string{"/artifacts/nope.png", "/artifacts/patient-search", "/artifacts/patient-search/"} {
		res, _ := get(t, h, p)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
	}
}

func TestArtifactsTraversal(t *testing.T) {
	st, h := fixture(t)
	// secret.txt sits beside the artifacts folder; a link inside it points
	// out.
	parent := filepath.Dir(st.Artifacts())
	require.NoError(t, os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("SECRET"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(parent, "secret.txt"), filepath.Join(st.Artifacts(), "link.txt")))
	require.NoError(t, os.Symlink(parent, filepath.Join(st.Artifacts(), "up")))

	for _, p := range []string{
		"/artifacts/../secret.txt",
		"/artifacts/..%2fsecret.txt",
		"/artifacts/%2e%2e/secret.txt",
		"/artifacts/%2e%2e%2fsecret.txt",
		"/artifacts/a/..%2f..%2fsecret.txt",
		"/artifacts/..%5csecret.txt",
		"/artifacts/%2fetc%2fpasswd",
		"/artifacts//etc/passwd",
		"/artifacts/link.txt",
		"/artifacts/up/secret.txt",
	} {
		res, body := get(t, h, p)
		t.Logf("%s -> %d %s", p, res.StatusCode, res.Header.Get("Location"))
		assert.NotEqual(t, http.StatusOK, res.StatusCode, p)
		assert.NotContains(t, body, "SECRET", p)
		assert.NotContains(t, body, "root:", p)
	}
}

func TestUnknownPage(t *testing.T) {
	_, h := fixture(t)
	res, body := get(t, h, "/nothing/here")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, body, "No page at /nothing/here.")

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/compare", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestStoreErrors(t *testing.T) {
	var logged bytes.Buffer
	h := New(&brokenStore{fakeStore: *newFakeStore(t)}, WithErrorLog(log.New(&logged, "", 0)))
	for _, p := range []string{"/", "/runs/x", "/compare", "/compare?base=a&cand=b", "/scenarios/a.feature:1", "/unstable", "/accessibility", "/safety"} {
		res, body := get(t, h, p)
		assert.Equal(t, http.StatusInternalServerError, res.StatusCode, p)
		assert.Contains(t, body, "The results store failed.", p)
		assert.Contains(t, body, "database is locked", p)
	}
	assert.Contains(t, logged.String(), "database is locked")
}

func TestPanicIsA500(t *testing.T) {
	h := New(&brokenStore{fakeStore: *newFakeStore(t), panics: true}, WithErrorLog(log.New(io.Discard, "", 0)))
	res, body := get(t, h, "/")
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Contains(t, body, "store exploded")
}

func TestServeListener(t *testing.T) {
	assert.Equal(t, "127.0.0.1:8088", DefaultAddr, "loopback unless the user says otherwise")
	_, h := fixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, h) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/unstable")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestServeBadAddress(t *testing.T) {
	err := Serve(context.Background(), "256.0.0.1:1", New(newFakeStore(t)))
	assert.ErrorContains(t, err, "serve dashboard")
}

var _ store.Store = (*brokenStore)(nil)

func TestUnfinishedRunIsNeverGreen(t *testing.T) {
	green, _, _ := fixtureRuns()
	killed := resultstest.Killed() // started after green, 2 of 4 planned run, never finished
	h := New(newFakeStore(t, green, killed), WithErrorLog(log.New(io.Discard, "", 0)))

	res, body := get(t, h, "/")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, `<td class="bad">unfinished, 2 of 4 planned not run</td>`)
	assert.Contains(t, body, "2: 2 passed, 0 failed, 2 not run")
	assert.Contains(t, body, `<td class="good">pass</td>`, "the green run stays green")

	res, body = get(t, h, "/runs/"+killed.ID)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Result: <strong>Unfinished</strong>")
	assert.Contains(t, body, "Not run (2)")
	assert.Contains(t, body, "features/medications.feature:11")

	res, body = get(t, h, "/compare?base=last-green&cand=latest")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Gate: FAIL")
	assert.Contains(t, body, "is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran")
	assert.Contains(t, body, `<h2 id="not-run">Not run (2)</h2>`)
}

// readCountingStore counts the runs read in full.
type readCountingStore struct {
	*fakeStore
	reads int
}

func (c *readCountingStore) Run(ctx context.Context, id string) (*results.Run, error) {
	c.reads++
	return c.fakeStore.Run(ctx, id)
}

// The runs page shows each run's stored verdict and reads no run in full:
// with 10,000 runs in the store it must answer at once.
func TestRunsPageReadsNoRun(t *testing.T) {
	green, base, cand := fixtureRuns()
	st := &readCountingStore{fakeStore: newFakeStore(t, green, base, cand, resultstest.Killed())}
	res, body := get(t, New(st, WithErrorLog(log.New(io.Discard, "", 0))), "/")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, 0, st.reads, "runs read in full")
	assert.Contains(t, body, `<td class="good">pass</td>`)
	assert.Contains(t, body, `<td class="bad">harness fault</td>`)
	assert.Contains(t, body, `<td class="bad">unfinished, 2 of 4 planned not run</td>`)
}

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		sm           store.Summary
		label, class string
	}{
		{store.Summary{Verdict: store.VerdictPass}, "pass", "good"},
		{store.Summary{Verdict: store.VerdictPass, Counts: results.Counts{Flaky: 2}}, "pass, 2 flaky", "warn"},
		{store.Summary{Verdict: store.VerdictFailures}, "scenario failures", "bad"},
		{store.Summary{Verdict: store.VerdictBackend}, "backend fault", "bad"},
		{store.Summary{Verdict: store.VerdictHarness}, "harness fault", "bad"},
		{store.Summary{Verdict: store.VerdictUnfinished, Planned: 4, Counts: results.Counts{NotRun: 2}}, "unfinished, 2 of 4 planned not run", "bad"},
		{store.Summary{Verdict: store.VerdictInterrupted, Counts: results.Counts{Interrupted: 1}}, "interrupted, 1 interrupted", "warn"},
		{store.Summary{Verdict: store.VerdictIncomplete, Planned: 3, Counts: results.Counts{NotRun: 1}}, "incomplete, 1 of 3 planned not run", "warn"},
		{store.Summary{Verdict: "from-the-future"}, "from-the-future", "bad"},
	} {
		label, class := outcome(tc.sm)
		assert.Equal(t, tc.label, label, tc.sm.Verdict)
		assert.Equal(t, tc.class, class, tc.sm.Verdict)
	}
}

// A run's safety evidence is its verification appendix, linked to the
// stored artifacts, with no script; a run without a hazard log has none.
func TestRunEvidencePage(t *testing.T) {
	green, base, cand := fixtureRuns()
	cand.HazardLog = &results.HazardLog{File: "features/hazards.yaml", Form: "dcb0129", Hazards: []results.Hazard{{
		ID: "H-001", Title: "Wrong patient identified on a record page",
		Controls: []results.Control{{ID: "C-001", Description: "The banner shows the NHS number", VerifyByTest: true}}}}}
	st := newFakeStore(t, green, base, cand)
	h := New(st, WithErrorLog(log.New(io.Discard, "", 0)))
	res, body := get(t, h, "/runs/"+candID+"/evidence")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.NotContains(t, res.Header.Get("Content-Security-Policy"), "script-src")
	assert.NotContains(t, body, "<script")
	assert.Contains(t, body, "Clinical safety verification evidence: run "+candID)
	assert.Contains(t, body, "C-001")
	assert.Contains(t, body, `href="/artifacts/`, "evidence links to the stored artifacts")

	res, body = get(t, h, "/runs/"+baseID+"/evidence")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, body, "recorded no hazard log")
}

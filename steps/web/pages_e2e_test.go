//go:build e2e

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/egress"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
)

// patientsPage is a small EPR screen without an adapter: unlabelled
// fields, navigation items that are neither links nor buttons, tabs, date
// fields of every kind, drop-downs found by nearby text, notifications,
// native dialogs and a tracking pixel on an outside host.
const patientsPage = `<!doctype html><html lang="en"><head><title>EPR</title></head><body>
<h1>Find a patient</h1>
<nav><div onclick="out('list')">Patients list</div> <div onclick="out('patients')">Patients</div> <div onclick="out('ward')">Ward 7 (Oak)</div></nav>
<input placeholder="Search patients" aria-describedby="out">
<div role="tablist"><button role="tab" aria-selected="true" onclick="tab(this, 'Summary panel')">Summary</button><button role="tab" aria-selected="false" onclick="tab(this, 'Penicillin: anaphylaxis')">Allergies</button></div>
<div role="tabpanel" id="panel">Summary panel</div>
<form onsubmit="return false">
<label for="dob">Date of birth</label> <input id="dob" type="date">
<label for="onset">Onset date</label> <input id="onset" type="text">
<label for="adm">Admitted</label> <input id="adm" type="datetime-local">
<div><span>Review date</span></div> <input type="hidden" name="token" value="x"> <input type="text" id="review">
<fieldset><legend>Date of death</legend>
 <label for="dd">Day</label> <input id="dd" inputmode="numeric">
 <label for="dm">Month</label> <input id="dm" inputmode="numeric">
 <label for="dy">Year</label> <input id="dy" inputmode="numeric">
</fieldset>
<div><span>Clinic</span></div> <select id="clinic"><option>Choose</option><option>Cardiology</option><option>Dermatology</option></select>
<div><span>Consultant</span> <div id="consultant" role="combobox" tabindex="0" aria-haspopup="listbox" aria-expanded="false" onclick="document.getElementById('people').hidden = false">Choose a consultant</div></div>
<ul role="listbox" id="people" hidden><li role="option" onclick="pick('consultant', this)">Dr Patel</li><li role="option" onclick="pick('consultant', this)">Dr Okafor</li></ul>
<div><span>Specialty</span> <input id="specialty" role="combobox" aria-autocomplete="list" oninput="filter(this.value)"></div>
<div id="specialties"></div>
</form>
<button onclick="setTimeout(() => document.getElementById('toast').textContent = 'Saved', 200)">Save</button>
<button onclick="out(confirm('Discard your changes?') ? 'discarded' : 'kept')">Discard</button>
<div role="status" id="toast"></div>
<div role="alert">Sync failed: working offline</div>
<p id="out"></p>
<img alt="" src="http://example.invalid/pixel.png">
<script>
function out(t) { document.getElementById("out").textContent = t }
function tab(el, text) {
  for (const t of document.querySelectorAll("[role=tab]")) t.setAttribute("aria-selected", t === el)
  document.getElementById("panel").textContent = text
}
function pick(id, li) { document.getElementById(id).textContent = li.textContent; li.parentElement.hidden = true }
function filter(v) {
  const box = document.getElementById("specialties")
  box.innerHTML = ""
  for (const s of ["Cardiology", "Cardiothoracic surgery", "Dermatology"]) {
    if (!v || !s.toLowerCase().startsWith(v.toLowerCase())) continue
    const d = document.createElement("div")
    d.setAttribute("role", "option")
    d.textContent = s
    d.onclick = () => { document.getElementById("specialty").value = s; box.innerHTML = ""; out("specialty " + s) }
    box.appendChild(d)
  }
}
</script></body></html>`

func launch(t *testing.T, opts ...browser.Option) *browser.Browser {
	t.Helper()
	b, err := browser.Launch(context.Background(), opts...)
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	return b
}

func eprServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/patients" {
			fmt.Fprint(w, patientsPage)
			return
		}
		fmt.Fprint(w, `<h1>Home</h1>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// scenarioOn opens a session on srv (with egress control) and returns a
// scenario context on it, its clinical day 1 June 2026.
func scenarioOn(t *testing.T, b *browser.Browser, srv *httptest.Server) (context.Context, *browser.Session) {
	t.Helper()
	sess, err := b.NewSession(srv.URL, t.Name(), nil, browser.WithEgress(egress.Allower(srv.URL, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = sess.Close() })
	s := &scenario.State{UI: target.UI{Page: sess.Page, Expect: sess.Expect}, BaseURL: srv.URL, Clock: "2026-06-01"}
	return scenario.With(context.Background(), s), sess
}

func value(t *testing.T, sess *browser.Session, css string) string {
	t.Helper()
	v, err := sess.Page.Locator(css).InputValue()
	require.NoError(t, err, css)
	return v
}

func text(t *testing.T, sess *browser.Session, css string) string {
	t.Helper()
	v, err := sess.Page.Locator(css).TextContent()
	require.NoError(t, err, css)
	return strings.TrimSpace(v)
}

// Every new generic step against a real page in Chromium.
func TestPageSteps(t *testing.T) {
	b := launch(t)
	srv := eprServer(t)
	ctx, sess := scenarioOn(t, b, srv)

	require.NoError(t, goTo(ctx, "/patients"))
	require.NoError(t, onPage(ctx, "Find a patient"))
	assert.Equal(t, srv.URL+"/patients", sess.Page.URL())
	err := goTo(ctx, "https://example.com/")
	assert.Equal(t, results.KindHarness, failure.Classify(err))

	require.NoError(t, fillPlaceholder(ctx, "Search patients", "Pond"))
	assert.Equal(t, "Pond", value(t, sess, "[placeholder='Search patients']"))
	assert.Error(t, fillPlaceholder(ctx, "Search", "Pond"), "the placeholder is matched exactly")

	// Exact text before a text that holds it; else the holding text.
	require.NoError(t, clickText(ctx, "Patients"))
	require.NoError(t, sess.Expect.Locator(sess.Page.Locator("#out")).ToHaveText("patients"))
	require.NoError(t, clickText(ctx, "Ward 7"))
	require.NoError(t, sess.Expect.Locator(sess.Page.Locator("#out")).ToHaveText("ward"))

	require.NoError(t, selectTab(ctx, "Allergies"))
	require.NoError(t, see(ctx, "Penicillin: anaphylaxis"))

	// Dates: a date picker, a text field (relative date), a date and time
	// picker, a label not tied to its field, and Day/Month/Year.
	require.NoError(t, pickDate(ctx, "15/03/1987", "Date of birth"))
	assert.Equal(t, "1987-03-15", value(t, sess, "#dob"))
	require.NoError(t, pickDate(ctx, "today-30", "Onset date"))
	assert.Equal(t, "02/05/2026", value(t, sess, "#onset"))
	require.NoError(t, pickDate(ctx, "31/02/1987", "Onset date"))
	assert.Equal(t, "31/02/1987", value(t, sess, "#onset"), "a text field gets the date as written")
	require.NoError(t, pickDate(ctx, "tomorrow 09:30", "Admitted"))
	assert.Equal(t, "2026-06-02T09:30", value(t, sess, "#adm"))
	require.NoError(t, pickDate(ctx, "15/03/2027", "Review date"))
	assert.Equal(t, "15/03/2027", value(t, sess, "#review"))
	require.NoError(t, pickDate(ctx, "yesterday", "Date of death"))
	assert.Equal(t, []string{"31", "05", "2026"}, []string{value(t, sess, "#dd"), value(t, sess, "#dm"), value(t, sess, "#dy")})
	err = pickDate(ctx, "next Tuesday", "Date of birth")
	assert.Equal(t, results.KindHarness, failure.Classify(err), "%v", err)

	// Drop-downs by nearby text: a <select>, a custom combobox, and an
	// editable one that filters as the user types.
	require.NoError(t, chooseNextTo(ctx, "Cardiology", "Clinic"))
	assert.Equal(t, "Cardiology", value(t, sess, "#clinic"))
	require.NoError(t, chooseNextTo(ctx, "Dr Okafor", "Consultant"))
	assert.Equal(t, "Dr Okafor", text(t, sess, "#consultant"))
	require.NoError(t, chooseNextTo(ctx, "Cardiology", "Specialty"))
	require.NoError(t, sess.Expect.Locator(sess.Page.Locator("#out")).ToHaveText("specialty Cardiology"))

	// Notifications: a status that appears later, and an alert.
	require.NoError(t, click(ctx, "Save", "button"))
	require.NoError(t, seeNotification(ctx, "Saved"))
	require.NoError(t, seeNotification(ctx, "working offline"))

	// Dialogs: registered before the step that opens them.
	dctx, err := acceptDialog(ctx)
	require.NoError(t, err)
	require.NoError(t, click(dctx, "Discard", "button"))
	require.NoError(t, dialogSaid(dctx, "Discard your changes?"))
	require.NoError(t, sess.Expect.Locator(sess.Page.Locator("#out")).ToHaveText("discarded"))
	dctx, err = dismissDialog(dctx)
	require.NoError(t, err)
	require.NoError(t, click(dctx, "Discard", "button"))
	require.NoError(t, sess.Expect.Locator(sess.Page.Locator("#out")).ToHaveText("kept"))
	assert.ErrorContains(t, dialogSaid(dctx, "Save?"), `it said "Discard your changes?"`)

	require.NoError(t, browserBlocked(ctx, "example.invalid"))
	assert.ErrorContains(t, browserBlocked(ctx, "nhs.invalid"), "it was blocked only from example.invalid")
}

// Steps fail, within the timeout, when the page has no such thing.
func TestPageStepsFail(t *testing.T) {
	b := launch(t, browser.WithTimeout(2*time.Second))
	srv := eprServer(t)
	ctx, _ := scenarioOn(t, b, srv)
	require.NoError(t, goTo(ctx, "/patients"))
	for name, err := range map[string]error{
		"click":        clickText(ctx, "Discharge summary"),
		"tab":          selectTab(ctx, "Medications"),
		"date":         pickDate(ctx, "today", "Date of referral"),
		"list":         chooseNextTo(ctx, "Neurology", "Clinic"),
		"no list":      chooseNextTo(ctx, "Neurology", "Find a patient"),
		"notification": seeNotification(ctx, "Allergy recorded"),
	} {
		assert.Error(t, err, name)
		assert.NotEqual(t, results.KindHarness, failure.Classify(err), "%s: the EPR's fault, not the harness's: %v", name, err)
	}
	err := browserBlocked(ctx, "nhs.invalid")
	assert.Error(t, err)
}

// A scenario's first "go to" may take the first-load timeout; the next
// one has the action timeout.
func TestGoToFirstLoad(t *testing.T) {
	b := launch(t, browser.WithTimeout(time.Second))
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-time.After(2 * time.Second): // a cold EPR
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<h1>Home</h1>`)
	}))
	defer srv.Close()
	sess, err := b.NewSession(srv.URL, "first load", nil, browser.WithFirstLoadTimeout(15*time.Second))
	require.NoError(t, err)
	defer sess.Close()
	ctx := scenario.With(context.Background(), &scenario.State{UI: target.UI{Page: sess.Page, Expect: sess.Expect}, BaseURL: srv.URL})
	require.NoError(t, goTo(ctx, "/"))
	assert.ErrorContains(t, goTo(ctx, "/again"), "Timeout 1000ms")
}

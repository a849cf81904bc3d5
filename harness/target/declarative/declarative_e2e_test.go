//go:build e2e

package declarative

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/target"
)

// fixtureApp is a small static EPR: sign-in, a search with a results
// table and a date input, and a record page with a dt/dd banner, th/td
// pairs, an aria-labelled value, labelled controls, radios, a select, a
// custom drop-down, a checkbox, tabs and a native confirm dialog.
func fixtureApp(t *testing.T) *httptest.Server {
	page := func(w http.ResponseWriter, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>%s</title></head><body>%s</body></html>`, title, body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Sign in", `<h1>Sign in</h1>
<form method="get" action="/home">
  <label for="u">Username</label><input id="u" name="user">
  <label for="p">Password</label><input id="p" name="password" type="password">
  <button type="submit">Sign in</button>
</form>`)
	})
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("password") != "secret" {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		page(w, "Home", `<header role="banner"><p>Signed in as `+html.EscapeString(r.URL.Query().Get("user"))+` (Doctor)</p></header>
<main><h1>Home</h1><nav aria-label="Main"><a href="/search">Find a patient</a></nav></main>`)
	})
	mux.HandleFunc("/search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var out string
		if q.Has("name") || q.Has("nhs") {
			rows := `<tr><td><a href="/record">POND, Amy</a></td><td>999 000 0018</td><td>` + html.EscapeString(q.Get("dob")) + `</td></tr>
<tr><td><a href="/record">POND, Brian</a></td><td>999 000 0026</td><td></td></tr>`
			out = `<p role="status">2 patients found</p>
<table><caption>Search results</caption>
<thead><tr><th scope="col">Name</th><th scope="col">NHS number</th><th scope="col">Date of birth</th></tr></thead>
<tbody>` + rows + `</tbody></table>`
			if q.Get("nhs") != "" {
				out = `<p role="status">No patient found (` + html.EscapeString(q.Get("nhs")) + `)</p>`
			}
		}
		page(w, "Find a patient", `<main><h1>Find a patient</h1>
<form role="search" aria-label="Patient search" method="get" action="/search">
  <label for="n">Name</label><input id="n" name="name">
  <label for="d">Date of birth</label><input id="d" name="dob" type="date">
  <input name="nhs" placeholder="Patient ID">
  <button type="submit">Search</button>
</form>`+out+`</main>`)
	})
	mux.HandleFunc("/record", func(w http.ResponseWriter, r *http.Request) {
		page(w, "POND, Amy", `<main><h1>POND, Amy</h1>
<section aria-label="Patient banner"><dl>
  <div><dt>Name</dt><dd>POND, Amy</dd></div>
  <div><dt>Date of birth</dt><dd>15-Mar-1987</dd></div>
</dl></section>
<table><tr><th scope="row">Blood group</th><td>O+</td></tr><tr><th scope="row">Ward</th><td>Ward 7</td></tr></table>
<p aria-label="Allergies">Penicillin (anaphylaxis)</p>
<form aria-label="Allergy">
  <label for="r">Reaction</label><input id="r" value="Rash">
  <label for="route">Route</label><select id="route"><option value="po">Oral</option><option value="iv">Intravenous</option></select>
  <fieldset><legend>Severity</legend>
    <input type="radio" id="s1" name="sev" value="mild"><label for="s1">Mild</label>
    <input type="radio" id="s2" name="sev" value="severe"><label for="s2">Severe</label>
  </fieldset>
  <div><span id="clin">Clinic</span>
    <button type="button" aria-haspopup="listbox" aria-labelledby="clin" id="clinic" onclick="document.getElementById('clinics').hidden=false">Choose</button>
    <ul role="listbox" id="clinics" hidden>
      <li role="option" onclick="document.getElementById('clinic').textContent=this.textContent;this.parentNode.hidden=true">Cardiology</li>
      <li role="option" onclick="document.getElementById('clinic').textContent=this.textContent;this.parentNode.hidden=true">Dermatology</li>
    </ul></div>
  <input type="checkbox" id="c"><label for="c">Consent given</label>
  <label for="ad">Appointment date</label><input id="ad" type="date">
  <label for="rd">Review date</label><input id="rd" type="text">
  <label for="k">Keyed</label><input id="k" onkeydown="if(event.key==='Enter'){document.getElementById('keyed').textContent='Entered '+this.value}">
</form>
<p id="keyed"></p>
<button type="button" onclick="document.getElementById('answer').textContent = confirm('Delete?') ? 'Deleted' : 'Kept'">Delete record</button>
<p role="status" id="answer"></p>
<div role="tablist"><button role="tab" aria-selected="true" onclick="sw(0)">Summary</button><button role="tab" onclick="sw(1)">Notes</button></div>
<div role="tabpanel" id="t0">Summary panel</div><div role="tabpanel" id="t1" hidden>Notes panel</div>
<p data-testid="version">Version 1.2.3</p>
<p title="Clinical clock">2026-06-01</p>
<p id="idle"></p>
<script>
function sw(i){document.getElementById('t0').hidden=i!==0;document.getElementById('t1').hidden=i!==1}
setTimeout(function(){document.getElementById('idle').textContent='Your session will end in 2 minutes'}, 120000)
</script>
</main>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

const fixtureMap = `
name: Fixture EPR
session: form
actions:
  sign-in:
    - goto: /login
    - fill: {label: Username, value: "{username}"}
    - fill: {label: Password, value: "{password}"}
    - click: {role: button, name: Sign in}
  expect-signed-in:
    - wait: {url: "**/home**"}
    - expect-text: {text: "Signed in as {display_name} ({role_title})", within: {role: banner}}
  resume-sign-in:
    - goto: /home
    - expect-text: {text: "Signed in as {display_name} ({role_title})"}
  expect-sign-in-refused:
    - wait: {heading: Sign in}
  search-by-name-and-birth-date:
    - click: {role: link, name: Find a patient}
    - wait: {heading: Find a patient}
    - fill: {label: Name, value: "{name}", within: {role: search}}
    - date: {label: Date of birth, value: "{birth_date}"}
    - click: {role: button, name: Search}
    - wait: {text: found}
  search-by-nhs-number:
    - goto: /search
    - fill: {placeholder: Patient ID, value: "{nhs_number|digits}"}
    - press: {key: Enter, placeholder: Patient ID}
  search-by-nhs-number-within:
    - goto: /search
    - fill: {placeholder: Patient ID, value: "{nhs_number}"}
    - press: {key: Enter, placeholder: Patient ID}
    - wait: {text: "{nhs_number} patients found"}
  expect-no-patient-found:
    - expect-text: {role: status, visible: true}
    - wait: {text: No patient found}
  expect-result:
    - expect-row: {table: {role: table, name: Search results}, cells: {Name: "{family|upper}, {given}", NHS number: "{nhs_number|nhs}"}, count: 1}
  expect-results-on-page:
    - expect-count: {role: row, within: {role: table, name: Search results}, equals: "{count}"}
  expect-result-count:
    - expect-text: {text: "{count} patient{count|plural} found"}
  expect-results-range:
    - expect-row: {column: Date of birth, equals: "{from}-03-15"}
  open-record:
    - click: {role: link, name: "{family|upper}, {given}"}
    - wait: {heading: "{family|upper}, {given}"}
  expect-banner:
    - expect-value: {label: "{field}", equals: "{value}", within: {role: region, name: Patient banner}}
  expect-about:
    - expect-value: {label: "{fact}", equals: "{value}"}
  record-allergy:
    - fill: {label: Reaction, value: "{reaction}"}
    - choose: {role: group, name: Severity, option: "{severity|capitalise}"}
    - choose: {label: Route, option: Intravenous}
    - choose: {role: button, name: Clinic, option: "{substance}"}
    - check: {label: Consent given}
    - date: {label: Appointment date, value: 02/06/2026}
    - date: {label: Review date, value: 02/06/2026}
    - fill: {label: Keyed, value: "{reaction}"}
    - press: {key: Enter, label: Keyed}
  expect-allergy-alert:
    - expect-value: {label: Reaction, equals: "{text}"}
    - expect-value: {label: Route, equals: iv}
    - expect-text: {role: button, name: Clinic, visible: true}
    - expect-text: {text: "Entered {text}"}
  stop-medication:
    - accept-dialog
    - click: {role: button, name: Delete record}
    - expect-text: {text: Deleted}
  override-allergy-warning:
    - dismiss-dialog
    - click: {role: button, name: Delete record}
    - expect-text: {text: Kept}
  open-about:
    - click: {role: tab, name: Notes}
    - expect-text: {text: Notes panel}
    - expect-text: {text: Summary panel, visible: false}
    - expect-text: {testid: version}
    - expect-text: {title: Clinical clock}
  expect-clinical-record:
    - expect-text: {role: tabpanel, visible: "{visible}"}
  idle-for:
    - idle: "{duration}"
  expect-session-warning:
    - expect-text: {text: "{text}"}
  expect-medication:
    - click: {role: link}
  expect-no-medication:
    - expect-count: {role: link, name: "{drug}", equals: "{drug}"}
`

func launch(t *testing.T, timeout time.Duration) *browser.Browser {
	t.Helper()
	b, err := browser.Launch(context.Background(), browser.WithDriverInstall(true), browser.WithTimeout(timeout))
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	return b
}

func fixtureAdapter(t *testing.T) *Adapter {
	t.Helper()
	path := filepath.Join(t.TempDir(), "screens.yaml")
	require.NoError(t, os.WriteFile(path, []byte(fixtureMap), 0o600))
	m, err := Load(path)
	require.NoError(t, err)
	return New(m)
}

// Every generic action, through an adapter's methods, on real Chromium.
func TestGenericActions(t *testing.T) {
	b := launch(t, 5*time.Second)
	srv := fixtureApp(t)
	a := fixtureAdapter(t)
	s, err := b.NewSession(srv.URL, t.Name(), nil)
	require.NoError(t, err)
	defer s.Close()
	ui := target.UI{Page: s.Page, Expect: s.Expect}
	amy := target.Patient{Given: "Amy", Family: "Pond", NHSNumber: "9990000018"}

	// goto, fill, click, wait url, expect-text within.
	require.NoError(t, a.SignIn(ui, "Dr Amy Patel", "secret"))
	require.NoError(t, a.ExpectSignedIn(ui, "Dr Amy Patel", "Doctor"))

	// wait heading and text, date into <input type=date> (ISO from dd/mm/yyyy).
	require.NoError(t, a.SearchByNameAndBirthDate(ui, "Pond", "15/03/1987"))
	assert.Contains(t, s.Page.URL(), "dob=1987-03-15", "the date input got ISO")
	// expect-row with cells and count, expect-count, expect-text with plural.
	require.NoError(t, a.ExpectResult(ui, amy))
	require.NoError(t, a.ExpectResultsOnPage(ui, 3)) // header and two rows
	require.NoError(t, a.ExpectResultCount(ui, 2))
	require.NoError(t, a.ExpectResultsRange(ui, 1987, 0, 0)) // column and equals
	require.NoError(t, a.OpenRecord(ui, amy))

	// expect-value: dt/dd (label ignoring case), th/td, aria-label.
	require.NoError(t, a.ExpectBanner(ui, target.BannerDateOfBirth, "15-Mar-1987"))
	require.NoError(t, a.ExpectBanner(ui, target.BannerName, "POND, Amy"))
	require.NoError(t, a.ExpectAbout(ui, "Blood group", "O+"))
	require.NoError(t, a.ExpectAbout(ui, "Allergies", "Penicillin (anaphylaxis)"))
	require.NoError(t, a.ExpectAbout(ui, "Reaction", "Rash")) // a <label> and its control

	// choose (radios, select, custom drop-down), check, date, press.
	require.NoError(t, a.RecordAllergy(ui, "Cardiology", "Hives", "SEVERE"))
	require.NoError(t, a.ExpectAllergyAlert(ui, "Hives"))
	checked, err := s.Page.GetByLabel("Severe").IsChecked()
	require.NoError(t, err)
	assert.True(t, checked, "the radio was chosen")
	checked, err = s.Page.GetByLabel("Consent given").IsChecked()
	require.NoError(t, err)
	assert.True(t, checked, "the box was ticked")
	v, err := s.Page.GetByLabel("Appointment date").InputValue()
	require.NoError(t, err)
	assert.Equal(t, "2026-06-02", v)
	v, err = s.Page.GetByLabel("Review date").InputValue()
	require.NoError(t, err)
	assert.Equal(t, "02/06/2026", v, "a text field gets the date as written")
	v, err = s.Page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Clinic"}).TextContent()
	require.NoError(t, err)
	assert.Equal(t, "Cardiology", v)

	// accept-dialog, dismiss-dialog.
	require.NoError(t, a.StopMedication(ui, "x", ""))
	require.NoError(t, a.OverrideAllergyWarning(ui, ""))

	// Tabs, hidden text, testid, title.
	require.NoError(t, a.OpenAbout(ui))
	require.NoError(t, a.ExpectClinicalRecord(ui, true))

	// idle: the page's timers run on Playwright's clock.
	require.NoError(t, a.IdleFor(ui, 2*time.Minute))
	require.NoError(t, a.ExpectSessionWarning(ui, "Your session will end in 2 minutes"))

	// press Enter in a field (form submit), a filter on the parameter.
	require.NoError(t, a.SearchByNHSNumber(ui, "999 000 0026"))
	require.NoError(t, a.ExpectNoPatientFound(ui))
	assert.Contains(t, s.Page.URL(), "nhs=9990000026")
}

// An expectation the EPR does not meet is the EPR's failure, with what was
// expected; a locator matching several elements is the map's (harness);
// an unbound action names the map.
func TestFailures(t *testing.T) {
	// Expectations that must fail wait out the short timeout; the first
	// page load may take longer on a loaded machine (CI runs browsers in
	// parallel packages).
	b := launch(t, 3*time.Second)
	srv := fixtureApp(t)
	a := fixtureAdapter(t)
	s, err := b.NewSession(srv.URL, t.Name(), nil, browser.WithFirstLoadTimeout(30*time.Second))
	require.NoError(t, err)
	defer s.Close()
	ui := target.UI{Page: s.Page, Expect: s.Expect}
	amy := target.Patient{Given: "Amy", Family: "Pond", NHSNumber: "9990000018"}

	require.NoError(t, a.SignIn(ui, "Dr Amy Patel", "secret"))
	require.NoError(t, a.SearchByNameAndBirthDate(ui, "Pond", "15/03/1987"))

	err = a.ExpectResultCount(ui, 3)
	require.Error(t, err)
	assert.NotEqual(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), `expect-result-count (`)
	assert.Contains(t, err.Error(), `expected text "3 patients found" to be shown`)

	err = a.ExpectResult(ui, target.Patient{Given: "Rory", Family: "Williams", NHSNumber: "9990000026"})
	require.Error(t, err)
	assert.NotEqual(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), `with Name "WILLIAMS, Rory" and NHS number "999 000 0026"`)

	err = a.ExpectResultsRange(ui, 1986, 0, 0)
	assert.ErrorContains(t, err, `expected a row of a table with Date of birth "1986-03-15"`)

	// A link that matches two elements: the map's fault.
	err = a.ExpectMedication(ui, "x", "active")
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), "matches more than one element")

	// A parameter that is not a number where one is needed.
	err = a.ExpectNoMedication(ui, "x")
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))

	require.NoError(t, a.OpenRecord(ui, amy))
	err = a.ExpectBanner(ui, target.BannerDateOfBirth, "16-Mar-1987")
	require.Error(t, err)
	assert.NotEqual(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), `expected date of birth to be "16-Mar-1987", found ["15-Mar-1987"]`)

	err = a.ExpectBanner(ui, "gender", "Female")
	assert.ErrorContains(t, err, `expected a value labelled "gender"`)

	err = a.WriteNote(ui, "x")
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.ErrorContains(t, err, `does not bind the action "write-note"`)

	// ResumeSignIn: true while the page shows the user, false when the
	// EPR asks for a sign-in instead.
	ok, err := a.ResumeSignIn(ui, "nobody", "Doctor")
	require.NoError(t, err)
	assert.False(t, ok)
}

// repoRoot is the repository's root, from this package's folder.
var repoRoot = filepath.Join("..", "..", "..")

// startRefEPR builds the reference EPR and runs it as a program of its own
// on a free loopback port, with the clinical clock on Monday 1 June 2026,
// as a trust's test environment would run it: the adapter reaches it only
// by its URL. It is stopped when the test ends.
func startRefEPR(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "refepr")
	build := exec.Command("go", "build", "-o", bin, "./sut/refepr/cmd/refepr")
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build refepr: %s", out)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "EPR_ADDR="+addr, "EPR_NOW=2026-06-01")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		require.True(t, time.Now().Before(deadline), "the reference EPR did not answer on %s: %v", base, err)
		time.Sleep(100 * time.Millisecond)
	}
}

// The reference EPR's screen map books a slot, reads it back (clinic and
// time, from the check page), moves it and cancels it, on a real
// reference EPR: the appointment each action returns is the one the page
// showed, so later actions find it by its time.
func TestAppointmentsThroughTheExampleMap(t *testing.T) {
	base := startRefEPR(t)
	lib, err := fixtures.Open(filepath.Join(repoRoot, "fixtures"))
	require.NoError(t, err)
	fp, err := lib.Patient("Amy Pond")
	require.NoError(t, err)
	require.NoError(t, fixtures.FHIR(http.DefaultClient, base+"/fhir", fixtures.Auth{}).Load(context.Background(), fp))
	amy := target.Patient{Given: fp.Given, Family: fp.Family, NHSNumber: fp.NHSNumber}

	mapPath := filepath.Join(repoRoot, "examples", "refepr-declarative", "screens.yaml")
	m, err := Load(mapPath)
	require.NoError(t, err)
	a := New(m)

	b := launch(t, 10*time.Second)
	s, err := b.NewSession(base, t.Name(), nil, browser.WithFirstLoadTimeout(30*time.Second))
	require.NoError(t, err)
	defer s.Close()
	ui := target.UI{Page: s.Page, Expect: s.Expect}

	require.NoError(t, a.SignIn(ui, "gp.brown", "gp-pass"))
	require.NoError(t, a.ExpectSignedIn(ui, "Dr Morgan Brown", "GP practice"))

	// The first free slot, read from the check page.
	tomorrow9 := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
	appt, err := a.ChooseFirstFreeSlot(ui, amy, "Cardiology")
	require.NoError(t, err)
	assert.Equal(t, "Cardiology", appt.Clinic)
	assert.Equal(t, tomorrow9, appt.When, "the time shown, %s, in time.UTC", appt.When)
	require.NoError(t, a.ConfirmBooking(ui))
	require.NoError(t, a.ExpectBooked(ui))
	require.NoError(t, a.ExpectAppointment(ui, amy, appt.Clinic, appt.When, true))

	// Moved to the next free slot: the new time is read from the page.
	moved, err := a.Reschedule(ui, amy, appt)
	require.NoError(t, err)
	assert.Equal(t, "Cardiology", moved.Clinic)
	assert.True(t, moved.When.After(appt.When), "moved from %s to %s", appt.When, moved.When)
	assert.Equal(t, time.UTC, moved.When.Location())
	require.NoError(t, a.ExpectAppointment(ui, amy, moved.Clinic, moved.When, true))
	require.NoError(t, a.ExpectAppointment(ui, amy, appt.Clinic, appt.When, false))

	// Cancelled by the time read back: the record no longer lists it, and
	// the slot is free again.
	require.NoError(t, a.Cancel(ui, amy, moved))
	require.NoError(t, a.ExpectAppointment(ui, amy, moved.Clinic, moved.When, false))
	again, err := a.ChooseFirstFreeSlot(ui, amy, "Cardiology")
	require.NoError(t, err)
	assert.Equal(t, tomorrow9, again.When)

	// A map whose format is not how the EPR shows times is the map's
	// fault, named with the read step's file:line.
	text, err := os.ReadFile(mapPath)
	require.NoError(t, err)
	wrong := strings.Replace(string(text), `when-format: "Mon 2 Jan 2006 15:04"`, `when-format: "2006-01-02 15:04"`, 1)
	require.NotEqual(t, string(text), wrong)
	path := filepath.Join(t.TempDir(), "screens.yaml")
	require.NoError(t, os.WriteFile(path, []byte(wrong), 0o600))
	wm, err := Load(path)
	require.NoError(t, err)
	_, err = New(wm).ChooseFirstFreeSlot(ui, amy, "Cardiology")
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Regexp(t, `screens\.yaml:\d+: read into when: label "Date and time" shows "Tue 2 Jun 2026 09:00", which is not a date and time in the format "2006-01-02 15:04"`, err.Error())
}

// The reference EPR's screen map books as another user in a browser
// window of its own (C-010): a slot already booked is refused, a free one
// is booked (and then the scenario's own booking of it is refused); the
// scenario's page is left as it was.
func TestBookAsThroughTheExampleMap(t *testing.T) {
	base := startRefEPR(t)
	lib, err := fixtures.Open(filepath.Join(repoRoot, "fixtures"))
	require.NoError(t, err)
	var pats []target.Patient
	for _, name := range []string{"Amy Pond", "Rory Williams"} {
		fp, err := lib.Patient(name)
		require.NoError(t, err)
		require.NoError(t, fixtures.FHIR(http.DefaultClient, base+"/fhir", fixtures.Auth{}).Load(context.Background(), fp))
		pats = append(pats, target.Patient{Given: fp.Given, Family: fp.Family, NHSNumber: fp.NHSNumber})
	}
	amy, rory := pats[0], pats[1]

	m, err := Load(filepath.Join(repoRoot, "examples", "refepr-declarative", "screens.yaml"))
	require.NoError(t, err)
	a := New(m)

	b := launch(t, 10*time.Second)
	s, err := b.NewSession(base, t.Name(), nil, browser.WithFirstLoadTimeout(30*time.Second))
	require.NoError(t, err)
	defer s.Close()
	windows := 0
	ui := target.UI{Page: s.Page, Expect: s.Expect, Another: func() (target.UI, error) {
		windows++
		o, err := b.NewSession(base, fmt.Sprintf("%s-other-%d", t.Name(), windows), nil, browser.WithFirstLoadTimeout(30*time.Second))
		if err != nil {
			return target.UI{}, err
		}
		t.Cleanup(func() { o.Close() })
		return target.UI{Page: o.Page, Expect: o.Expect}, nil
	}}
	rec := target.Credentials{Username: "rec.jones", Password: "reception-pass"}

	require.NoError(t, a.SignIn(ui, "gp.brown", "gp-pass"))

	// Booked here, then refused to the receptionist in a window of her own.
	appt, err := a.ChooseFirstFreeSlot(ui, amy, "Cardiology")
	require.NoError(t, err)
	assert.NotEmpty(t, appt.Ref, "the slot's handle, read from the check page's address")
	require.NoError(t, a.ConfirmBooking(ui))
	require.NoError(t, a.ExpectBooked(ui))
	here := s.Page.URL()
	refused, err := a.BookAs(ui, rec, amy, appt)
	require.NoError(t, err)
	assert.True(t, refused, "a slot already booked is refused")
	assert.Equal(t, here, s.Page.URL(), "the scenario's page is left as it was")
	assert.Equal(t, 1, windows)

	// A free slot chosen here: the receptionist books it for Rory, and the
	// booking here is refused.
	chosen, err := a.ChooseFirstFreeSlot(ui, amy, "Dermatology")
	require.NoError(t, err)
	here = s.Page.URL()
	refused, err = a.BookAs(ui, rec, rory, chosen)
	require.NoError(t, err)
	assert.False(t, refused, "a free slot is booked")
	assert.Equal(t, here, s.Page.URL(), "the scenario's page is left as it was")
	require.NoError(t, a.ConfirmBooking(ui))
	require.NoError(t, a.ExpectBookingRefused(ui))
	require.NoError(t, a.ExpectAppointment(ui, rory, chosen.Clinic, chosen.When, true))
	require.NoError(t, a.ExpectAppointment(ui, amy, chosen.Clinic, chosen.When, false))

	// A slot that is not there: the outcome never comes, which the EPR is
	// blamed for (with the map's file:line), not the harness.
	gone := chosen
	gone.Ref = "no-such-slot"
	_, err = a.BookAs(ui, rec, rory, gone)
	require.Error(t, err)
	assert.NotEqual(t, results.KindHarness, failure.Classify(err))
	assert.Regexp(t, `book-as \(.*screens\.yaml:\d+ wait\): expected the heading "Check the appointment"`, err.Error())
}

package declarative

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/target"
)

func write(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "screens.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.TrimLeft(text, "\n")), 0o600))
	return path
}

const good = `
name: Test EPR
session: form
actions:
  sign-in:
    - goto: /login
    - fill: {label: Username, value: "{username}"}
    - fill: {label: Password, value: "{password}"}
    - click: {role: button, name: Sign in, exact: true}
    - wait: {url: "**/home"}
  expect-result:
    - expect-row: {table: {role: table, name: Results}, column: Name, equals: "{family|upper}, {given}", count: 1}
  open-record:
    - click: {role: link, name: "{family|upper}, {given}", within: {role: table}}
  expect-banner:
    - expect-value: {label: "{field}", equals: "{value}", within: {role: region, name: Patient banner}}
  record-allergy:
    - click: {css: "a.new-allergy"}
    - choose: {label: Severity, option: "{severity|capitalise}"}
    - accept-dialog
    - dismiss-dialog:
  idle-for:
    - idle: "{duration}"
`

func TestLoad(t *testing.T) {
	m, err := Load(write(t, good))
	require.NoError(t, err)
	assert.Equal(t, "Test EPR", m.Name)
	assert.Equal(t, "form", m.Session)
	assert.Equal(t, []string{"expect-banner", "expect-result", "idle-for", "open-record", "record-allergy", "sign-in"}, m.Actions())
	require.Len(t, m.Warnings(), 1)
	assert.Regexp(t, `screens\.yaml:17: actions\.record-allergy\[1\]\.click\.css: css locator "a\.new-allergy"`, m.Warnings()[0])
	assert.Len(t, m.actions["sign-in"], 5)
	assert.Equal(t, "accept-dialog", m.actions["record-allergy"][2].kind)
	assert.True(t, strings.HasSuffix(m.actions["sign-in"][1].pos, "screens.yaml:6"), m.actions["sign-in"][1].pos)
}

func TestLoadErrors(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown action": {`
session: none
actions:
  search-by-nhs:
    - goto: /
`, `screens.yaml:3: actions.search-by-nhs: unknown action; did you mean search-by-name or search-by-nhs-number`},
		"unknown generic action": {`
session: none
actions:
  sign-out:
    - tap: {text: Sign out}
`, `screens.yaml:4: actions.sign-out[1]: unknown generic action "tap"`},
		"unknown locator key": {`
session: none
actions:
  sign-out:
    - click: {lable: Sign out}
`, `screens.yaml:4: actions.sign-out[1].click.lable: unknown locator key "lable": click takes`},
		"unknown nested locator key": {`
session: none
actions:
  sign-out:
    - click: {role: button, within: {rol: banner}}
`, `screens.yaml:4: actions.sign-out[1].click.within.rol: unknown locator key "rol": locator keys are role, label, text, placeholder, testid, title, css, name, exact, within, nth; did you mean role?`},
		"cases by a parameter the action lacks": {`
session: none
actions:
  expect-banner:
    by: label
    cases:
      NHS number:
        - expect-text: {text: "{value}"}
`, `screens.yaml:4: actions.expect-banner.by: "label" is not a parameter of the action; it has {field} {value}`},
		"cases with a bad step": {`
session: none
actions:
  expect-banner:
    by: field
    cases:
      NHS number:
        - expect-value: {label: PatientID, equals: "{nhs}"}
`, `screens.yaml:7: actions.expect-banner.cases.NHS number[1].expect-value.equals: unknown parameter {nhs}`},
		"unknown parameter": {`
session: none
actions:
  search-by-nhs-number:
    - fill: {label: NHS number, value: "{nhs}"}
`, `screens.yaml:4: actions.search-by-nhs-number[1].fill.value: unknown parameter {nhs}: the action has {nhs_number}`},
		"parameter of an action with none": {`
session: none
actions:
  sign-out:
    - click: {text: "{username}"}
`, `actions.sign-out[1].click.text: unknown parameter {username}: the action has no parameters`},
		"unknown filter": {`
session: none
actions:
  open-record:
    - click: {text: "{family|shout}"}
`, `unknown filter "shout" in {family|shout}`},
		"empty steps": {`
session: none
actions:
  sign-out: []
`, `screens.yaml:3: actions.sign-out: no steps`},
		"bad session": {`
session: sso
actions:
  sign-out:
    - click: {text: Sign out}
`, `screens.yaml:1: session: "sso" is not none or form`},
		"form without sign-in": {`
session: form
actions:
  sign-out:
    - click: {text: Sign out}
`, `screens.yaml:1: session: form (the default) needs the action sign-in bound`},
		"default session without sign-in": {`
actions:
  sign-out:
    - click: {text: Sign out}
`, `session: form (the default) needs the action sign-in bound`},
		"missing field": {`
session: none
actions:
  search-by-name:
    - fill: {label: Name}
`, `screens.yaml:4: actions.search-by-name[1].fill: missing value`},
		"missing locator": {`
session: none
actions:
  search-by-name:
    - fill: {value: "{name}"}
`, `actions.search-by-name[1].fill: missing a locator`},
		"two locators": {`
session: none
actions:
  sign-out:
    - click: {text: Sign out, label: Sign out}
`, `a locator has one of role, label, text, placeholder, testid, title, css; this one has text too`},
		"not a bool": {`
session: none
actions:
  expect-clinical-record:
    - expect-text: {text: Clinical record, visible: maybe}
`, `screens.yaml:4: actions.expect-clinical-record[1].expect-text.visible: "maybe" is not true or false`},
		"not a number": {`
session: none
actions:
  expect-result-count:
    - expect-count: {role: row, equals: many}
`, `"many" is not a whole number`},
		"unsupported": {`
session: none
actions:
  audit-entries:
    - goto: /
`, `screens.yaml:3: actions.audit-entries: the declarative adapter cannot perform this action`},
		"book-as without an outcome": {`
session: none
actions:
  book-as:
    - goto: "?slot={ref}"
    - click: {role: button, name: Book}
`, `screens.yaml:4: actions.book-as: no outcome: book-as reports whether the EPR refused the booking`},
		"book-as with two outcomes": {`
session: none
actions:
  book-as:
    - outcome: {refused: {role: alert}, otherwise: {text: Booked}}
    - outcome: {refused: {role: alert}, otherwise: {text: Booked}}
`, `screens.yaml:5: actions.book-as[2].outcome: a second outcome: book-as reports one outcome, so bind exactly one`},
		"an outcome outside book-as": {`
session: none
actions:
  confirm-booking:
    - click: {role: button, name: Book}
    - outcome: {refused: {role: alert}, otherwise: {text: Booked}}
`, `screens.yaml:5: actions.confirm-booking[2].outcome: confirm-booking reports no outcome; outcome goes only in book-as`},
		"an outcome without refused": {`
session: none
actions:
  book-as:
    - outcome: {otherwise: {text: Booked}}
`, `screens.yaml:4: actions.book-as[1].outcome.refused: missing: the LOCATOR of what the EPR shows when it refuses the booking`},
		"an outcome without otherwise": {`
session: none
actions:
  book-as:
    - outcome:
        click: {role: button, name: Book}
        refused: {role: alert}
`, `screens.yaml:5: actions.book-as[1].outcome.otherwise: missing: the LOCATOR of what the EPR shows when it books the slot`},
		"an outcome with a bad locator": {`
session: none
actions:
  book-as:
    - outcome: {refused: {role: alert, nmae: x}, otherwise: {text: "{when_shownn}"}}
`, `screens.yaml:4: actions.book-as[1].outcome.refused.nmae: unknown locator key "nmae"`},
		"an outcome with an unknown key": {`
session: none
actions:
  book-as:
    - outcome: {refused: {role: alert}, otherwise: {text: Booked}, refuse: {role: alert}}
`, `screens.yaml:4: actions.book-as[1].outcome.refuse: unknown key "refuse": outcome takes click, refused, otherwise; did you mean refused?`},
		"read with a locator and url": {`
session: none
actions:
  choose-first-free-slot:
    - read: {label: Date and time, into: when, format: "2 Jan 2006 15:04"}
    - read: {label: Slot, url: slot, into: ref}
`, `screens.yaml:5: actions.choose-first-free-slot[2].read: read takes a LOCATOR (what an element shows) or url (a parameter of the page's address), not both`},
		"unknown top key": {`
session: none
screens: {}
actions:
  sign-out:
    - click: {text: Sign out}
`, `screens.yaml:2: screens: unknown key`},
		"goto needs a path": {`
session: none
actions:
  sign-out:
    - goto:
`, `screens.yaml:4: actions.sign-out[1].goto: want a value`},
		"expect-row needs a column": {`
session: none
actions:
  expect-result:
    - expect-row: {equals: x}
`, `column and equals go together`},
		"name without role": {`
session: none
actions:
  sign-out:
    - click: {text: Sign out, name: x}
`, `name goes with role`},
		"bound twice": {`
session: none
actions:
  sign-out:
    - click: {text: Sign out}
  sign-out:
    - click: {text: Sign out}
`, `screens.yaml:5: actions.sign-out: bound twice`},
		"yaml syntax": {"session: none\nactions: [\n", `screens.yaml: `},
		"read into an unknown field": {`
session: none
when-format: "2 Jan 2006 15:04"
actions:
  choose-first-free-slot:
    - read: {label: Date and time, into: when}
    - read: {label: Clinic, into: clinc}
`, `screens.yaml:6: actions.choose-first-free-slot[2].read.into: "clinc" is not a field of the appointment: into takes clinic, when, ref; did you mean clinic?`},
		"read into when without a format": {`
session: none
actions:
  choose-first-free-slot:
    - read: {label: Date and time, into: when}
`, `screens.yaml:4: actions.choose-first-free-slot[1].read: into: when needs the layout the EPR shows dates and times in`},
		"read with a bad format": {`
session: none
actions:
  reschedule:
    - read: {label: Date and time, into: when, format: "DD/MM/YYYY HH:mm"}
`, `screens.yaml:4: actions.reschedule[1].read.format: "DD/MM/YYYY HH:mm" does not hold a date and time to the minute: write it with Go's reference time`},
		"read with a format without the time": {`
session: none
actions:
  reschedule:
    - read: {label: Date and time, into: when, format: "2 Jan 2006"}
`, `actions.reschedule[1].read.format: "2 Jan 2006" does not hold a date and time to the minute`},
		"a format on a read of text": {`
session: none
when-format: "2 Jan 2006 15:04"
actions:
  book-referral:
    - read: {label: Date and time, into: when}
    - read: {label: Clinic, into: clinic, format: "2 Jan 2006 15:04"}
`, `screens.yaml:6: actions.book-referral[2].read.format: format goes with into: when`},
		"bad when-format": {`
session: none
when-format: dd/mm/yyyy
actions:
  sign-out:
    - click: {text: Sign out}
`, `screens.yaml:2: when-format: "dd/mm/yyyy" does not hold a date and time to the minute`},
		"read in an action that returns nothing": {`
session: none
when-format: "2 Jan 2006 15:04"
actions:
  cancel:
    - read: {label: Date and time, into: when}
`, `screens.yaml:5: actions.cancel[1].read: cancel returns nothing to read into; read goes in the actions that return an appointment: book-referral, choose-first-free-slot, reschedule`},
		"an action returning an appointment that reads no time": {`
session: none
actions:
  choose-first-free-slot:
    - click: {role: link, name: Select, nth: 0}
    - read: {label: Clinic, into: clinic}
`, `screens.yaml:4: actions.choose-first-free-slot: never reads the appointment's date and time, which choose-first-free-slot returns: add`},
		"a case that reads no time": {`
session: none
when-format: "2 Jan 2006 15:04"
actions:
  book-referral:
    by: clinic
    cases:
      Cardiology:
        - read: {label: Date and time, into: when}
    otherwise:
      - click: {text: Book}
`, `screens.yaml:10: actions.book-referral.otherwise: never reads the appointment's date and time`},
		"a read value used before the read": {`
session: none
when-format: "2 Jan 2006 15:04"
actions:
  choose-first-free-slot:
    - expect-text: {text: "{when_shown}"}
    - read: {label: Date and time, into: when}
`, `screens.yaml:5: actions.choose-first-free-slot[1].expect-text.text: unknown parameter {when_shown}: the action has {given} {family} {nhs_number} {name} {clinic}`},
		"when_shown without a when-format": {`
session: none
actions:
  cancel:
    - click: {role: button, name: "Cancel {clinic} appointment on {when_shown}"}
`, `screens.yaml:4: actions.cancel[1].click.name: {when_shown} is written in the map's when-format: set when-format at the top of the map`},
		"read without a locator": {`
session: none
when-format: "2 Jan 2006 15:04"
actions:
  choose-first-free-slot:
    - read: {into: when}
`, `actions.choose-first-free-slot[1].read: missing a locator`},
		"read without into": {`
session: none
when-format: "2 Jan 2006 15:04"
actions:
  choose-first-free-slot:
    - read: {label: Date and time}
`, `actions.choose-first-free-slot[1].read: missing into`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(write(t, tc.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			var me *Error
			assert.True(t, errors.As(err, &me), "an *Error")
			for _, p := range me.Problems {
				assert.Regexp(t, `screens\.yaml(:\d+)?: `, p, "every problem names the file")
			}
		})
	}
}

// Every problem of a map is reported, not only the first.
func TestLoadReportsAll(t *testing.T) {
	_, err := Load(write(t, `
session: none
actions:
  sign-out:
    - tap: {text: Sign out}
  search-by-name:
    - fill: {label: Name, value: "{nme}"}
`))
	var me *Error
	require.True(t, errors.As(err, &me))
	assert.Len(t, me.Problems, 2)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	assert.ErrorContains(t, err, "read screen map")
}

// Every action of target.EPR has its parameters, or is one the adapter
// cannot perform.
func TestParamsCoverEveryAction(t *testing.T) {
	for _, a := range target.Actions() {
		_, ok := actionParams[a]
		assert.True(t, ok || unsupported[a], "no parameters for %s", a)
	}
	for a := range actionParams {
		assert.Contains(t, target.Actions(), a, "parameters for an action EPR does not have")
	}
	p, ok := Params("sign-in")
	assert.True(t, ok)
	assert.Equal(t, []string{"username", "password"}, p)
	_, ok = Params("audit-entries")
	assert.False(t, ok)
	p, ok = Params("book-as")
	assert.True(t, ok)
	assert.Contains(t, p, "ref")
}

func TestRender(t *testing.T) {
	params := map[string]string{"family": "Pond", "given": "Amy", "nhs_number": "9990000018", "count": "1", "field": "date of birth"}
	for in, want := range map[string]string{
		"{family|upper}, {given}":       "POND, Amy",
		"{family}^{given}":              "Pond^Amy",
		"{nhs_number|nhs}":              "999 000 0018",
		"{count} patient{count|plural}": "1 patient",
		"{field|sentence}":              "Date of birth",
		"{given|lower|capitalise}":      "Amy",
		"no {braces} here {}":           "no {braces} here {}",
		"{family|lower}":                "pond",
	} {
		assert.Equal(t, want, tmpl{raw: in}.render(params), in)
	}
	assert.Equal(t, "2 patients", tmpl{raw: "{count} patient{count|plural}"}.render(map[string]string{"count": "2"}))
	assert.Equal(t, "9990000018", tmpl{raw: "{n|digits}"}.render(map[string]string{"n": "999 000 0018"}))
}

func TestBindsAndUnbound(t *testing.T) {
	m, err := Load(write(t, good))
	require.NoError(t, err)
	a := New(m)
	assert.True(t, a.Binds("sign-in"))
	assert.True(t, a.Binds("expect-banner"))
	assert.True(t, a.Binds("resume-sign-in"), "resume-sign-in falls back on sign-in")
	assert.False(t, a.Binds("expect-signed-in"))
	assert.False(t, a.Binds("search-by-name"))
	assert.Equal(t, m.Source(), a.Source())
	assert.Equal(t, "declarative", a.Name())
	assert.Equal(t, m.Warnings(), a.Warnings())

	// Unbound actions fail as harness faults naming the map, before
	// touching the page.
	err = a.SearchByName(target.UI{}, "Pond")
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Equal(t, m.Source()+` does not bind the action "search-by-name"`, err.Error())
	_, err = a.ChooseFirstFreeSlot(target.UI{}, target.Patient{}, "Cardiology")
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Equal(t, m.Source()+` does not bind the action "choose-first-free-slot"`, err.Error())
	_, err = a.BookAs(target.UI{}, target.Credentials{}, target.Patient{}, target.Appointment{})
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Equal(t, m.Source()+` does not bind the action "book-as"`, err.Error())
	_, err = a.AuditEntries(target.API{}, target.AuditQuery{})
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.ErrorContains(t, err, "not supported by the declarative adapter")

	ok, err := a.ResumeSignIn(target.UI{}, "Dr Patel", "Doctor")
	assert.NoError(t, err)
	assert.False(t, ok, "without resume-sign-in the user signs in afresh")
}

func TestSessionNone(t *testing.T) {
	m, err := Load(write(t, `
name: Viewer
session: none
actions:
  search-by-nhs-number:
    - fill: {placeholder: Patient ID, value: "{nhs_number}"}
    - press: {key: Enter}
`))
	require.NoError(t, err)
	a := New(m)
	for _, act := range []string{"sign-in", "expect-signed-in", "resume-sign-in", "search-by-nhs-number"} {
		assert.True(t, a.Binds(act), act)
	}
	assert.False(t, a.Binds("sign-out"))
	assert.NoError(t, a.SignIn(target.UI{}, "u", "p"))
	assert.NoError(t, a.ExpectSignedIn(target.UI{}, "u", "r"))
	ok, err := a.ResumeSignIn(target.UI{}, "u", "r")
	assert.NoError(t, err)
	assert.True(t, ok)
}

func TestRegistered(t *testing.T) {
	assert.Contains(t, target.Names(), "declarative")
	_, err := target.New("declarative", target.Options{})
	assert.ErrorContains(t, err, "the declarative adapter needs a screen-map")
	epr, err := target.New("declarative", target.Options{ScreenMap: write(t, good)})
	require.NoError(t, err)
	_, ok := epr.(target.Binder)
	assert.True(t, ok)
	_, err = target.New("declarative", target.Options{ScreenMap: write(t, "session: sso\nactions: {}\n")})
	assert.ErrorContains(t, err, "screens.yaml:1: session")
}

func TestClosest(t *testing.T) {
	assert.Equal(t, []string{"label"}, closest("lable", locatorKeys))
	assert.Contains(t, closest("expect-banners", target.Actions()), "expect-banner")
	assert.Empty(t, closest("zzzzzz", genericNames()))
}

// The example map for the reference EPR loads cleanly, without css.
func TestExampleRefEPRMap(t *testing.T) {
	m, err := Load(filepath.Join("..", "..", "..", "examples", "refepr-declarative", "screens.yaml"))
	require.NoError(t, err)
	assert.Empty(t, m.Warnings())
	for _, a := range []string{"sign-in", "expect-signed-in", "resume-sign-in", "expect-sign-in-refused", "sign-out",
		"expect-signed-out", "search-by-nhs-number", "search-by-name", "expect-result", "expect-result-count",
		"expect-no-patient-found", "expect-invalid-nhs-number", "open-record", "expect-banner",
		"expect-clinical-record", "record-allergy", "expect-allergy-alert", "record-no-known-allergies",
		"choose-first-free-slot", "confirm-booking", "expect-booked", "expect-booking-refused", "book-as", "expect-appointment",
		"reschedule", "cancel", "keep-appointment", "book-referral"} {
		assert.True(t, New(m).Binds(a), a)
	}
	assert.Equal(t, "Mon 2 Jan 2006 15:04", m.WhenFormat)
	assert.Len(t, m.Actions(), 45, "docs/testing-your-own-epr.md says how many actions the example binds")
}

// An action bound per value of a parameter runs the case for the value
// (without regard to case), else otherwise; with neither it is a harness
// error naming the map, before touching the page.
func TestCases(t *testing.T) {
	m, err := Load(write(t, `
session: none
actions:
  expect-banner:
    by: field
    cases:
      NHS number:
        - expect-value: {label: PatientID, equals: "{value|digits}"}
`))
	require.NoError(t, err)
	a := New(m)
	assert.True(t, a.Binds("expect-banner"))
	c := m.cases["expect-banner"]
	require.NotNil(t, c)
	st, ok := c.pick(map[string]string{"field": "nhs number", "value": "999 000 0018"})
	require.True(t, ok)
	require.Len(t, st, 1)
	assert.Equal(t, "expect-value", st[0].kind)
	_, ok = c.pick(map[string]string{"field": "name"})
	assert.False(t, ok)
	err = a.ExpectBanner(target.UI{}, target.BannerName, "POND, Amy")
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.ErrorContains(t, err, `binds expect-banner by {field}, with no case for "name" and no otherwise`)
}

// Read steps: the values they read are parameters of the steps after them,
// a step's format wins over the map's when-format, and every action that
// returns an appointment may read.
func TestLoadReads(t *testing.T) {
	m, err := Load(write(t, `
session: none
when-format: "Mon 2 Jan 2006 15:04"
actions:
  choose-first-free-slot:
    - click: {role: link, name: Select, nth: 0, within: {role: table, name: "Free slots in {clinic}"}}
    - read: {label: Clinic, exact: true, into: clinic}
    - read: {label: Date and time, exact: true, into: when}
    - read: {testid: slot-id, into: ref}
    - expect-text: {text: "{clinic} on {when_shown} ({when_date} {when_time}, {when}) {ref}"}
  reschedule:
    - click: {role: link, name: "Reschedule {clinic} appointment on {when_shown}"}
    - read: {label: New time, into: when, format: "02/01/2006 15:04"}
    - expect-text: {text: "Moved to {when_shown}"}
  book-referral:
    - read: {role: cell, name: "{clinic}", into: when, format: "2006-01-02T15:04"}
  expect-appointment:
    - expect-row: {cells: {Date and time: "{when_shown}", Clinic: "{clinic}"}, count: 1}
`))
	require.NoError(t, err)
	assert.Equal(t, "Mon 2 Jan 2006 15:04", m.WhenFormat)
	st := m.actions["choose-first-free-slot"]
	require.Len(t, st, 5)
	assert.Equal(t, "read", st[1].kind)
	assert.Equal(t, "clinic", st[1].fields["into"].raw)
	assert.Equal(t, "02/01/2006 15:04", m.actions["reschedule"][1].fields["format"].raw)
	a := New(m)
	for _, act := range []string{"choose-first-free-slot", "reschedule", "book-referral"} {
		assert.True(t, a.Binds(act), act)
	}
}

func TestCheckWhenFormat(t *testing.T) {
	for _, ok := range []string{"Mon 2 Jan 2006 15:04", "2 Jan 2006 15:04", "02/01/2006 3:04pm", "2006-01-02T15:04:05Z07:00", "January 2, 2006 at 15:04"} {
		assert.Empty(t, checkWhenFormat(ok), ok)
	}
	for _, bad := range []string{"", "dd/mm/yyyy HH:MM", "2 Jan 2006", "15:04", "2 Jan 15:04", "02/01/06 3pm", "{when}"} {
		assert.NotEmpty(t, checkWhenFormat(bad), bad)
	}
}

// book-as loads with one outcome (a click offered, refused, otherwise),
// and a read may take a parameter of the page's address; BookAs without
// a second browser window is the harness's fault, before any page.
func TestBookAsMap(t *testing.T) {
	m, err := Load(write(t, `
session: none
when-format: "2 Jan 2006 15:04"
actions:
  choose-first-free-slot:
    - read: {label: Date and time, exact: true, into: when}
    - read: {url: slot, into: ref}
  book-as:
    - goto: "/patients?nhs={nhs_number}"
    - goto: "?slot={ref}"
    - outcome:
        click: {role: button, name: Book appointment}
        refused: {text: This slot is no longer available, within: {role: alert}}
        otherwise: {text: "Booked {when_shown}"}
`))
	require.NoError(t, err)
	a := New(m)
	assert.True(t, a.Binds("book-as"))
	st := m.actions["book-as"][2]
	require.Equal(t, "outcome", st.kind)
	require.NotNil(t, st.refused)
	require.NotNil(t, st.otherwise)
	require.NotNil(t, st.press)
	assert.Regexp(t, `screens\.yaml:12$`, st.refused.pos)
	_, err = a.BookAs(target.UI{}, target.Credentials{Username: "r", Password: "p"}, target.Patient{}, target.Appointment{Ref: "s1"})
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.ErrorContains(t, err, "no second browser window")
}

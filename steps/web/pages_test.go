package web

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
)

// Each new step's pattern reads its arguments out of the step texts
// analysts write.
func TestPageStepArguments(t *testing.T) {
	for _, tc := range []struct {
		step string
		want []string
	}{
		{`I go to "/patients"`, []string{"/patients"}},
		{`the receptionist goes to "/app/explorer.html#find-patient"`, []string{"/app/explorer.html#find-patient"}},
		{`I fill in the field showing "Search patients" with "Pond"`, []string{"Search patients", "Pond"}},
		{`I click "Patients"`, []string{"Patients"}},
		{`the nurse clicks "Ward 7"`, []string{"Ward 7"}},
		{`I select the "Allergies" tab`, []string{"Allergies"}},
		{`I pick "15/03/1987" as "Date of birth"`, []string{"15/03/1987", "Date of birth"}},
		{`the nurse picks "today-30" as "Onset date"`, []string{"today-30", "Onset date"}},
		{`I choose "Cardiology" from the list next to "Clinic"`, []string{"Cardiology", "Clinic"}},
		{`I see a notification "Saved"`, []string{"Saved"}},
		{`I accept the next dialog`, nil},
		{`the nurse dismisses the next dialog`, nil},
		{`I dismiss the next dialog`, nil},
		{`the dialog said "Discard your changes?"`, []string{"Discard your changes?"}},
		{`the browser blocked a request to "example.invalid"`, []string{"example.invalid"}},
	} {
		var matched []string
		n := 0
		for _, d := range Defs {
			if m := regexp.MustCompile(d.Pattern).FindStringSubmatch(tc.step); m != nil {
				n++
				matched = m[1:]
			}
		}
		if assert.Equal(t, 1, n, "%s: matches %d steps", tc.step, n) {
			assert.Equal(t, tc.want, nilIfEmpty(matched), tc.step)
		}
	}
	// Not swallowed by the new patterns.
	for _, step := range []string{`I click the "Search" button`, `I choose "Cardiology" from "Clinic"`, `I see "Saved"`, `I fill in "Name" with "Pond"`} {
		n := 0
		for _, d := range pageDefs {
			if regexp.MustCompile(d.Pattern).MatchString(step) {
				n++
			}
		}
		assert.Zero(t, n, step)
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct{ base, path, want string }{
		{"http://epr:8080", "/patients", "http://epr:8080/patients"},
		{"http://epr:8080/", "patients", "http://epr:8080/patients"},
		{"http://epr:8080/app/", "/patients?q=Pond", "http://epr:8080/app/patients?q=Pond"},
		{"http://orthanc:8042", "/app/explorer.html#find-patient", "http://orthanc:8042/app/explorer.html#find-patient"},
		{"http://epr:8080/app", "?q=x", "http://epr:8080/app?q=x"},
		{"http://epr:8080/app#top", "#bottom", "http://epr:8080/app#bottom"},
		{"", "/patients", "/patients"},
		{"http://epr:8080", "http://epr:9090/other", "http://epr:9090/other"},
		{"http://EPR:8080", "https://epr/x", "https://epr/x"},
		{"http://127.0.0.1:8080", "http://localhost:8080/x", "http://localhost:8080/x"},
		{"http://epr:8080", "//epr/x", "http://epr/x"},
	} {
		got, err := resolve(tc.base, tc.path)
		if assert.NoError(t, err, "%s + %s", tc.base, tc.path) {
			assert.Equal(t, tc.want, got, "%s + %s", tc.base, tc.path)
		}
	}
	for _, tc := range []struct{ base, path, msg string }{
		{"http://epr:8080", "", "empty"},
		{"http://epr:8080", "https://example.com/x", "example.com is not on the EPR's host epr"},
		{"http://epr:8080", "//example.com/x", "not on the EPR's host"},
		{"http://epr:8080", "file:///etc/passwd", "not a file: URL"},
		{"http://epr:8080", "javascript:alert(1)", "not a javascript: URL"},
		{"", "http://epr/x", "needs the EPR's base URL"},
	} {
		_, err := resolve(tc.base, tc.path)
		assert.ErrorContains(t, err, tc.msg, "%s + %s", tc.base, tc.path)
	}
}

func TestDateParts(t *testing.T) {
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ in, d, m, y string }{
		{"15/03/1987", "15", "03", "1987"},
		{"5/3/1987", "5", "3", "1987"},
		{"31/02/1987", "31", "02", "1987"}, // impossible dates stay as written
		{"1987-03-15", "15", "03", "1987"},
		{"today-30", "02", "05", "2026"},
		{"1 June 2026", "01", "06", "2026"},
	} {
		d, m, y, err := dateParts(tc.in, today)
		if assert.NoError(t, err, tc.in) {
			assert.Equal(t, []string{tc.d, tc.m, tc.y}, []string{d, m, y}, tc.in)
		}
	}
	for _, bad := range []string{"15031987", "next Tuesday", "03/1987"} {
		_, _, _, err := dateParts(bad, today)
		assert.Error(t, err, bad)
	}
}

// The dialog check needs an accept or dismiss step first; the blocked
// check needs a session with egress control. Both are harness faults.
func TestWiringFaults(t *testing.T) {
	err := dialogSaid(context.Background(), "Sure?")
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.ErrorContains(t, err, "accept the next dialog")

	w := &dialogWatch{done: make(chan struct{}), timeout: time.Millisecond}
	err = dialogSaid(context.WithValue(context.Background(), dialogKey{}, w), "Sure?")
	assert.ErrorContains(t, err, `expected a dialog saying "Sure?": none opened`)

	w = &dialogWatch{done: make(chan struct{}), timeout: time.Second, message: "Discard your  changes?"}
	close(w.done)
	ctx := context.WithValue(context.Background(), dialogKey{}, w)
	assert.NoError(t, dialogSaid(ctx, "Discard your changes?"))
	assert.ErrorContains(t, dialogSaid(ctx, "Save?"), `it said "Discard your  changes?"`)

	_, err = acceptDialog(context.Background())
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	require.Error(t, browserBlocked(context.Background(), "example.invalid"))
}

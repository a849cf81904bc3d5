package a11y

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

func writeBaseline(t testing.TB, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "a11y-baseline.yaml")
	require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	return file
}

const goodBaseline = `# Accessibility baseline: known violations the organisation has accepted.
accepted:
  - rule: color-contrast            # axe rule id (required)
    page: /patients/{id}/record
    selector: "#legacy-footer"
    reason: Supplier fix due in 4.2
    owner: Digital accessibility lead
    expires: 2027-03-31
  - rule: region
    page: /clinics/*
    reason: Clinic pages are being rebuilt
    owner: Outpatients product owner
    expires: 2026-12-31
  - rule: label
    selector: ".legacy-search"
    reason: Old search widget, retired in 5.0
    owner: Digital accessibility lead
    expires: 2026-06-30
  - rule: color-contrast
    page: /patients/9990000018/record
    reason: Whole record page pending redesign
    owner: Clinical safety officer
    expires: 2027-01-01
  - rule: link-name
    page: /admin/*/users
    reason: Admin pages out of scope until 2027
    owner: Admin product owner
    expires: 2027-06-30
`

func TestLoadBaseline(t *testing.T) {
	file := writeBaseline(t, goodBaseline)
	b, err := LoadBaseline(file)
	require.NoError(t, err)
	assert.Equal(t, file, b.File())
	assert.Equal(t, []results.BaselineEntry{
		{File: file, Line: 3, Rule: "color-contrast", Page: "/patients/{id}/record", Selector: "#legacy-footer", Reason: "Supplier fix due in 4.2", Owner: "Digital accessibility lead", Expires: "2027-03-31"},
		{File: file, Line: 9, Rule: "region", Page: "/clinics/*", Reason: "Clinic pages are being rebuilt", Owner: "Outpatients product owner", Expires: "2026-12-31"},
		{File: file, Line: 14, Rule: "label", Selector: ".legacy-search", Reason: "Old search widget, retired in 5.0", Owner: "Digital accessibility lead", Expires: "2026-06-30"},
		// A page written with its id is keyed like a checked page.
		{File: file, Line: 19, Rule: "color-contrast", Page: "/patients/{id}/record", Reason: "Whole record page pending redesign", Owner: "Clinical safety officer", Expires: "2027-01-01"},
		{File: file, Line: 24, Rule: "link-name", Page: "/admin/*/users", Reason: "Admin pages out of scope until 2027", Owner: "Admin product owner", Expires: "2027-06-30"},
	}, b.Entries())
	assert.Empty(t, Check(file))

	for _, empty := range []string{"", "# nothing yet\n", "accepted:\n", "accepted: []\n"} {
		b, err := LoadBaseline(writeBaseline(t, empty))
		require.NoError(t, err, "%q is an empty baseline", empty)
		assert.Empty(t, b.Entries())
	}

	_, err = LoadBaseline(filepath.Join(t.TempDir(), "missing.yaml"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Len(t, Check(filepath.Join(t.TempDir(), "missing.yaml")), 1)
}

func TestLoadBaselineProblems(t *testing.T) {
	file := writeBaseline(t, `accepted:
  - rule: color-contrast
    page: /patients/{id}
    reason: Fix due
    owner: Lead
    expires: 31/03/2027
  - rule: label
    page: /search
    reason: Old widget
    expires: 2027-01-01
    severity: high
  - page: /a
    selector: "#x"
    reason: ""
    owner: Lead
    expires: 2027-02-30
  - rule: region
    reason: Everywhere
    owner: Lead
    expires: 2027-01-01
  - rule: color-contrast
    page: /patients/{id}
    reason: Again
    owner: Someone else
    expires: 2027-03-31
  - rule: color-contrast
    page: /patients/9990000018
    reason: Again, with the id written out
    owner: Someone else
    expires: 2027-03-31
  - rule: Color Contrast
    page: patients
    reason: r
    owner: o
    owner: p
    expires: 2027-01-01
  - just a string
suppress: []
`)
	_, err := LoadBaseline(file)
	var be *BaselineError
	require.ErrorAs(t, err, &be)
	var got []string
	for _, p := range be.Problems {
		got = append(got, p.String())
	}
	assert.Equal(t, []string{
		file + `:38: suppress: unknown field (the file has one list, accepted:)`,
		file + `:6: accepted[0].expires: "31/03/2027" is not a date (want YYYY-MM-DD, such as 2027-03-31)`,
		file + `:11: accepted[1].severity: unknown field (want rule, page, selector, reason, owner, expires)`,
		file + `:7: accepted[1].owner: is required`,
		file + `:16: accepted[2].expires: "2027-02-30" is not a date (want YYYY-MM-DD, such as 2027-03-31)`,
		file + `:12: accepted[2].rule: is required`,
		file + `:12: accepted[2].reason: is required`,
		file + `:17: accepted[3]: give a page, a selector or both (an entry for a rule everywhere is too broad)`,
		file + `:26: accepted[5]: duplicates the entry at line 21 (same rule, page and selector)`,
		file + `:31: accepted[6].rule: "Color Contrast" is not an axe-core rule id (lower case and dashes: color-contrast)`,
		file + `:32: accepted[6].page: "patients": want a page key starting with / (/patients/{id}/record) or a glob with *`,
		file + `:35: accepted[6].owner: given twice (first at line 34)`,
		file + `:37: accepted[7]: want an entry with rule, page or selector, reason, owner and expires`,
	}, got)
	assert.Equal(t, be.Problems, Check(file), "check reports the same problems")
	assert.Equal(t, got[0]+"\n"+got[1], (&BaselineError{Problems: be.Problems[:2]}).Error())
	p := be.Problems[1]
	assert.Equal(t, Problem{File: file, Line: 6, Field: "accepted[0].expires", Msg: `"31/03/2027" is not a date (want YYYY-MM-DD, such as 2027-03-31)`}, p)

	for text, want := range map[string]string{
		"accepted: [\n":                 "did not find expected node content",
		"- rule: label\n":               "want a mapping with an accepted: list",
		"accepted:\n  rule: label\n":    "accepted: want a list of entries",
		"accepted:\n  - rule: [a, b]\n": "accepted[0].rule: want a single value",
		"accepted: []\naccepted: []\n":  "accepted: given twice (first at line 1)",
	} {
		_, err := LoadBaseline(writeBaseline(t, text))
		require.ErrorAs(t, err, &be, "%q", text)
		assert.Contains(t, be.Error(), want, "%q", text)
	}
}

// check is a whole-page check in which axe-core decided every rule the
// baseline names (besides the violations found).
func check(page string, violations ...results.Violation) *results.AccessibilityCheck {
	return &results.AccessibilityCheck{Page: page, By: "scan", Violations: violations,
		Decided: []string{"color-contrast", "region", "label", "link-name"}}
}

func violation(rule string, targets ...string) results.Violation {
	v := results.Violation{Rule: rule}
	for _, t := range targets {
		v.Nodes = append(v.Nodes, results.ViolationNode{Target: t})
	}
	return v
}

func day(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t.Add(15 * time.Hour)
}

func TestApply(t *testing.T) {
	b, err := LoadBaseline(writeBaseline(t, goodBaseline))
	require.NoError(t, err)
	today := day("2026-09-01")

	record := check("/patients/{id}/record",
		violation("color-contrast", "main > p", "#legacy-footer > a"), // entry 1 (selector) before entry 4 (whole page)
		violation("color-contrast", "h1"),                             // entry 4 only
		violation("label", "#nhs"),                                    // nothing
		violation("label", "form.legacy-search > input"),              // entry 3 (no page), expired on 2026-06-30
	)
	b.Apply(record, today)
	ref := func(i int) *results.BaselineRef { return record.Violations[i].Baselined }
	require.NotNil(t, ref(0))
	assert.Equal(t, results.BaselineRef{File: b.File(), Line: 3, Reason: "Supplier fix due in 4.2", Owner: "Digital accessibility lead", Expires: "2027-03-31"}, *ref(0))
	require.NotNil(t, ref(1))
	assert.Equal(t, 19, ref(1).Line)
	assert.Nil(t, ref(2))
	require.NotNil(t, ref(3))
	assert.Equal(t, 14, ref(3).Line)
	assert.True(t, ref(3).Expired, "past 2026-06-30")
	assert.Len(t, record.New(), 2, "the unmatched and the expired violations fail the check")

	clinic := check("/clinics/{id}/beds", violation("region", "body > p"))
	b.Apply(clinic, today)
	require.NotNil(t, clinic.Violations[0].Baselined, "/clinics/* matches across slashes")
	assert.Equal(t, 9, clinic.Violations[0].Baselined.Line)

	other := check("/wards", violation("region", "body > p"), violation("link-name", "a"))
	b.Apply(other, today)
	assert.Nil(t, other.Violations[0].Baselined, "the page does not match /clinics/*")
	assert.Nil(t, other.Violations[1].Baselined)

	// Expiry is by date in today's own location: valid through the day.
	lastDay := check("/x", violation("label", ".legacy-search"))
	b.Apply(lastDay, time.Date(2026, 6, 30, 23, 59, 0, 0, time.UTC))
	assert.False(t, lastDay.Violations[0].Baselined.Expired, "valid on its expiry date")
	b.Apply(lastDay, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	assert.True(t, lastDay.Violations[0].Baselined.Expired, "expired the day after")

	var nilBaseline *Baseline
	nilBaseline.Apply(other, today) // no baseline: nothing happens
	assert.Empty(t, nilBaseline.Fixed())
	assert.Empty(t, nilBaseline.Expired(today))
}

func TestGlob(t *testing.T) {
	for _, tt := range []struct {
		glob, page string
		want       bool
	}{
		{"/clinics/*", "/clinics/{id}", true},
		{"/clinics/*", "/clinics/{id}/beds", true},
		{"/clinics/*", "/clinics", false},
		{"/admin/*/users", "/admin/{id}/users", true},
		{"/admin/*/users", "/admin/a/b/users", true},
		{"/admin/*/users", "/admin/users", false},
		{"*", "/anything#route", true},
		{"*/record", "/patients/{id}/record", true},
		{"*/record", "/patients/{id}/records", false},
		{"/a*a", "/a", false},
		{"/a*a", "/aa", true},
	} {
		e := entry{BaselineEntry: results.BaselineEntry{Page: tt.glob}}
		if e.Page != "" {
			e.glob = splitGlob(tt.glob)
		}
		assert.Equal(t, tt.want, e.pageMatches(tt.page), "%s ~ %s", tt.glob, tt.page)
	}
}

func TestExpiredAndFixed(t *testing.T) {
	b, err := LoadBaseline(writeBaseline(t, goodBaseline))
	require.NoError(t, err)
	today := day("2027-01-15")

	lines := func(es []results.BaselineEntry) []int {
		var out []int
		for _, e := range es {
			out = append(out, e.Line)
		}
		return out
	}
	assert.Equal(t, []int{9, 14, 19}, lines(b.Expired(today)), "every entry past its date, matched or not")
	assert.Empty(t, b.Fixed(), "nothing checked yet: nothing can be called fixed")

	// A dialog on the record page does not count as checking the page.
	dialog := check("/patients/{id}/record")
	dialog.Scope = `dialog "Record an allergy"`
	b.Apply(dialog, today)
	assert.Empty(t, b.Fixed(), "a dialog proves nothing of the page around it")

	// The record page checked with tags that leave color-contrast out, or
	// with color-contrast left for review (incomplete): nothing is fixed.
	partial := check("/patients/{id}/record")
	partial.Decided = []string{"region", "link-name"}
	b.Apply(partial, today)
	assert.Empty(t, b.Fixed(), "label and color-contrast were not decided on any page")

	b.Apply(check("/patients/{id}/record", violation("color-contrast", "#legacy-footer")), today)
	assert.Equal(t, []int{14, 19}, lines(b.Fixed()), "the record page was checked: its whole-page entry matched nothing; label was decided on a page")

	b.Apply(check("/patients/{id}/record", violation("color-contrast", "h2")), today)
	b.Apply(check("/clinics/{id}"), today)
	assert.Equal(t, []int{9, 14}, lines(b.Fixed()), "entries that matched once are not fixed; a glob's page was checked")
}

func TestApplyConcurrently(t *testing.T) {
	b, err := LoadBaseline(writeBaseline(t, goodBaseline))
	require.NoError(t, err)
	today := day("2026-09-01")
	var wg sync.WaitGroup
	checks := make([]*results.AccessibilityCheck, 50)
	for i := range checks {
		checks[i] = check("/clinics/{id}", violation("region", "p"))
		wg.Add(1)
		go func(c *results.AccessibilityCheck) {
			defer wg.Done()
			b.Apply(c, today)
			_ = b.Fixed()
		}(checks[i])
	}
	wg.Wait()
	for _, c := range checks {
		require.NotNil(t, c.Violations[0].Baselined)
	}
	for _, e := range b.Fixed() {
		assert.NotEqual(t, 9, e.Line)
	}
}

func TestBaselineErrorIsError(t *testing.T) {
	var err error = &BaselineError{Problems: []Problem{{File: "b.yaml", Msg: "read: denied"}}}
	assert.Equal(t, "b.yaml: read: denied", err.Error())
	var be *BaselineError
	assert.True(t, errors.As(err, &be))
}

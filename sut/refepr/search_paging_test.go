package refepr_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// manyNumbers returns n distinct test NHS numbers from serial start up.
func manyNumbers(n, start int) []string {
	var out []string
	seen := map[string]bool{}
	for i := start; len(out) < n; i++ {
		if num := nhsnumber.TestNumber(i).String(); !seen[num] {
			seen[num] = true
			out = append(out, num)
		}
	}
	return out
}

// pager returns the texts of the links in the results' page navigation.
func pager(t *testing.T, p page) []string {
	t.Helper()
	navs := All(p.doc, And(Tag("nav"), HasAttr("aria-label", "Search results pages")))
	if len(navs) == 0 {
		return nil
	}
	require.Len(t, navs, 1)
	var out []string
	for _, a := range All(navs[0], Tag("a")) {
		out = append(out, Text(a))
	}
	return out
}

func linkTo(t *testing.T, p page, text string) string {
	t.Helper()
	a := One(t, p.doc, And(Tag("a"), TextIs(text)), "link "+text)
	return Attr(a, "href")
}

func rangeText(p page) string {
	for _, el := range All(p.doc, Tag("p")) {
		if s := Text(el); len(s) > 8 && s[:8] == "Showing " {
			return s
		}
	}
	return ""
}

func TestSearchIsPaged(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	numbers := manyNumbers(34, 100)
	require.Len(t, numbers, 34)
	seedBundle(t, ts, "Many", numbers)
	b := newBrowser(t, ts)
	b.signInClinician()

	p := b.get("/patients?name=many")
	require.Equal(t, http.StatusOK, p.status)
	checkLayout(t, p, "Search results (page 1 of 4) – Find a patient")
	assert.Equal(t, "34 patients found", statusText(t, p))
	rows := results(t, p)
	require.Len(t, rows, 10)
	assert.Equal(t, "MANY, Person000", rows[0][0])
	assert.Equal(t, "MANY, Person009", rows[9][0])
	assert.Equal(t, "Showing 1–10 of 34", rangeText(p))
	assert.Equal(t, []string{"Next page"}, pager(t, p))

	p = b.get(linkTo(t, p, "Next page"))
	assert.Equal(t, "34 patients found", statusText(t, p))
	rows = results(t, p)
	require.Len(t, rows, 10)
	assert.Equal(t, "MANY, Person010", rows[0][0])
	assert.Equal(t, "Showing 11–20 of 34", rangeText(p))
	assert.Equal(t, []string{"Previous page", "Next page"}, pager(t, p))
	assert.Equal(t, "/patients?name=many", linkTo(t, p, "Previous page"))

	p = b.get("/patients?name=many&page=4")
	rows = results(t, p)
	require.Len(t, rows, 4)
	assert.Equal(t, "MANY, Person033", rows[3][0])
	assert.Equal(t, "Showing 31–34 of 34", rangeText(p))
	assert.Equal(t, []string{"Previous page"}, pager(t, p))

	for _, q := range []string{"page=99", "page=0", "page=-1", "page=x"} {
		p = b.get("/patients?name=many&" + q)
		require.Equal(t, http.StatusOK, p.status, q)
		assert.NotEmpty(t, results(t, p), q)
	}
	assert.Equal(t, "Showing 31–34 of 34", rangeText(b.get("/patients?name=many&page=99")), "past the end: the last page")

	// One page of results: no range, no pager.
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	p = b.get("/patients?name=pond")
	assert.Len(t, results(t, p), 1)
	assert.Empty(t, rangeText(p))
	assert.Nil(t, pager(t, p))
	checkLayout(t, p, "Search results – Find a patient")
}

func TestSearchTooManyResults(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	seedBundle(t, ts, "Crowd", manyNumbers(101, 1000))
	seedBundle(t, ts, "Hundred", manyNumbers(100, 2000))
	b := newBrowser(t, ts)
	b.signInReceptionist()

	p := b.get("/patients?name=crowd")
	assert.Equal(t, "Too many results, refine your search", statusText(t, p))
	assert.Empty(t, All(p.doc, Tag("table")), "no list of 101 patients")
	assert.Contains(t, p.body, "More than 100 patients match")
	assert.Empty(t, All(p.doc, Role("alert")))

	p = b.get("/patients?name=hundred")
	assert.Equal(t, "100 patients found", statusText(t, p), "100 is not too many")
	assert.Len(t, results(t, p), 10)
	assert.Equal(t, "Showing 1–10 of 100", rangeText(p))

	// Refining the name narrows it down.
	p = b.get("/patients?" + url.Values{"name": {"crowd, person00"}}.Encode())
	assert.Equal(t, "10 patients found", statusText(t, p))
}

func TestSearchByNameAndDateOfBirth(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	seedPatient(t, ts, nhsnumber.TestNumber(10).String(), "Pond", "Rory", "male", "1986-01-01")
	seedPatient(t, ts, nhsnumber.TestNumber(12).String(), "Williams", "Rory", "male", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInReceptionist()
	names := func(q url.Values) []string {
		t.Helper()
		p := b.get("/patients?" + q.Encode())
		require.Equal(t, http.StatusOK, p.status)
		if len(All(p.doc, Tag("table"))) == 0 {
			assert.Equal(t, "No patient found", statusText(t, p), "%v", q)
			return nil
		}
		var out []string
		for _, row := range results(t, p) {
			out = append(out, row[0])
		}
		return out
	}
	for _, dob := range []string{"15/03/1987", "15-3-1987", "15.03.1987", "1987-03-15", " 15/03/1987 "} {
		assert.Equal(t, []string{"POND, Amy"}, names(url.Values{"name": {"pond"}, "dob": {dob}}), dob)
	}
	assert.Equal(t, []string{"POND, Amy", "WILLIAMS, Rory"}, names(url.Values{"dob": {"15/03/1987"}}), "date of birth alone")
	assert.Equal(t, []string{"WILLIAMS, Rory"}, names(url.Values{"name": {"ror"}, "dob": {"15/03/1987"}}), "partial name and date of birth")
	assert.Nil(t, names(url.Values{"name": {"pond"}, "dob": {"16/03/1987"}}))

	// The NHS number wins over everything else.
	assert.Equal(t, []string{"POND, Amy"}, names(url.Values{"nhs": {"999 000 0018"}, "name": {"williams"}, "dob": {"01/01/1986"}}))

	for _, bad := range []string{"31/02/1987", "1987-13-01", "yesterday", "15/03/87", "02/06/2026"} { // today is 2026-06-01
		p := b.get("/patients?" + url.Values{"name": {"pond"}, "dob": {bad}}.Encode())
		require.Equal(t, http.StatusOK, p.status)
		checkLayout(t, p, "Error: Find a patient")
		alert := One(t, p.doc, Role("alert"), "alert")
		assert.Equal(t, "Enter a real date of birth, for example 15/03/1987", Text(alert), bad)
		in := ByLabel(p.doc, "Date of birth")
		require.Len(t, in, 1)
		assert.Equal(t, "true", Attr(in[0], "aria-invalid"))
		assert.Contains(t, Attr(in[0], "aria-describedby"), Attr(alert, "id"))
		assert.Equal(t, bad, Attr(in[0], "value"), "the date stays in the box")
		assert.Empty(t, All(p.doc, Tag("table")))
	}
}

func TestSearchDropsLastDefect(t *testing.T) {
	set, err := defects.Parse("search-drops-last")
	require.NoError(t, err)
	for _, c := range []struct {
		defects     defects.Set
		page1, last int
	}{
		{defects.Set{}, 10, 4},
		{set, 9, 3},
	} {
		_, ts := newServer(t, refepr.Config{Defects: c.defects})
		seedBundle(t, ts, "Many", manyNumbers(24, 100))
		seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
		b := newBrowser(t, ts)
		b.signInClinician()
		p := b.get("/patients?name=many")
		assert.Equal(t, "24 patients found", statusText(t, p))
		assert.Len(t, results(t, p), c.page1, "defects %q", c.defects)
		assert.Equal(t, "Showing 1–10 of 24", rangeText(p))
		assert.Len(t, results(t, b.get("/patients?name=many&page=3")), c.last, "defects %q", c.defects)
		// A single page of results is untouched.
		assert.Len(t, results(t, b.get("/patients?nhs=9990000018")), 1, "defects %q", c.defects)
	}
}

func TestSlowSearchDefect(t *testing.T) {
	set, err := defects.Parse("slow-search")
	require.NoError(t, err)
	_, slow := newServer(t, refepr.Config{Defects: set})
	_, fast := newServer(t, refepr.Config{})
	ask := func(base *browser, path string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.base+path, nil)
		require.NoError(t, err)
		resp, err := base.c.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	bs, bf := newBrowser(t, slow), newBrowser(t, fast)
	bs.signInClinician()
	bf.signInClinician()
	assert.NoError(t, ask(bf, "/patients?nhs=9990000018"), "a search answers at once")
	assert.Error(t, ask(bs, "/patients?nhs=9990000018"), "with slow-search a search takes more than a second")
	assert.NoError(t, ask(bs, "/patients"), "only searching is slow: the empty form is not")
	assert.NoError(t, ask(bs, "/about"), "only searching is slow")
	assert.NoError(t, ask(bs, "/patients?nhs=123"), "a refused NHS number answers at once")
}

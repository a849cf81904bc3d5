package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// SearchPageSize is how many patients one page of search results shows.
const SearchPageSize = 10

// TooManyResults is the most matches a search lists; above it the user is
// asked to refine the search ("Too many results, refine your search").
const TooManyResults = 100

// TooManyStatus is the status line of a search with more than
// TooManyResults matches.
const TooManyStatus = "Too many results, refine your search"

// SlowSearchDelay is how long a search takes with the slow-search defect on.
const SlowSearchDelay = 4 * time.Second

type searchPage struct {
	NHS, Name, DOB string
	NHSError       bool
	DOBError       bool
	Searched       bool
	Status         string
	TooMany        bool
	Limit          int // TooManyResults
	Rows           []patient.Patient
	// Paging: "Showing From–To of Total", links to the pages either side.
	From, To, Total int
	PageNum, Pages  int
	PrevURL         string
	NextURL         string
}

// ResultStatus is the status line of a search: "No patient found",
// "1 patient found", "3 patients found".
func ResultStatus(n int) string {
	switch n {
	case 0:
		return "No patient found"
	case 1:
		return "1 patient found"
	default:
		return fmt.Sprintf("%d patients found", n)
	}
}

var (
	isoDate = regexp.MustCompile(`^\d{4}-\d{1,2}-\d{1,2}$`)
	ukDate  = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)
)

// ParseDateOfBirth reads a date of birth as people type it: "15/03/1987",
// "15-3-1987", "15.03.1987" (day first, as in the UK) or "1987-03-15". It
// must be a real date, not after today.
func ParseDateOfBirth(s string, today patient.Date) (patient.Date, error) {
	s = strings.TrimSpace(s)
	var y, m, d int
	switch {
	case isoDate.MatchString(s):
		parts := strings.Split(s, "-")
		y, _ = strconv.Atoi(parts[0])
		m, _ = strconv.Atoi(parts[1])
		d, _ = strconv.Atoi(parts[2])
	case ukDate.MatchString(s):
		parts := ukDate.FindStringSubmatch(s)
		d, _ = strconv.Atoi(parts[1])
		m, _ = strconv.Atoi(parts[2])
		y, _ = strconv.Atoi(parts[3])
	default:
		return patient.Date{}, fmt.Errorf("date of birth %q: want a date such as 15/03/1987", s)
	}
	date, err := patient.ParseDate(fmt.Sprintf("%04d-%02d-%02d", y, m, d))
	if err != nil {
		return patient.Date{}, fmt.Errorf("date of birth %q: not a real date", s)
	}
	if today.Before(date) {
		return patient.Date{}, fmt.Errorf("date of birth %q: in the future", s)
	}
	return date, nil
}

// search serves the patient search: by NHS number (which wins over the
// other fields), or by name (or part of one), date of birth or both. The
// results are paged, SearchPageSize a page; above TooManyResults matches
// none are listed and the user is asked to refine the search.
func (h *Handler) search(w http.ResponseWriter, r *http.Request, u auth.User) {
	q := r.URL.Query()
	p := searchPage{NHS: strings.TrimSpace(q.Get("nhs")), Name: strings.TrimSpace(q.Get("name")), DOB: strings.TrimSpace(q.Get("dob"))}
	v := view{Title: "Find a patient", User: &u, Nav: "patients"}
	var query store.PatientQuery
	switch {
	case p.NHS != "": // the NHS number wins over the name and date of birth
		n, err := nhsnumber.Parse(p.NHS)
		if err != nil {
			p.NHSError, v.HasError = true, true
			v.Page = p
			h.render(w, r, http.StatusOK, "search", v)
			return
		}
		query.NHSNumber = n
	case p.Name != "" || p.DOB != "":
		query.Text = p.Name
		if p.DOB != "" {
			dob, err := ParseDateOfBirth(p.DOB, patient.DateOf(h.now()))
			if err != nil {
				p.DOBError, v.HasError = true, true
				v.Page = p
				h.render(w, r, http.StatusOK, "search", v)
				return
			}
			query.BirthDate = dob
		}
	default:
		v.Page = p
		h.render(w, r, http.StatusOK, "search", v)
		return
	}
	if h.defects.Fires(r.Context(), defects.SlowSearch, true) {
		// Defect: an unindexed "sounds like" lookup added to every search.
		select {
		case <-time.After(SlowSearchDelay):
		case <-r.Context().Done():
			return
		}
	}

	p.PageNum = 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		p.PageNum = n
	}
	query.Limit = SearchPageSize
	query.Offset = (p.PageNum - 1) * SearchPageSize
	page, err := h.store.SearchPatients(r.Context(), query)
	if err != nil {
		h.fail(w, r, fmt.Errorf("search: %w", err))
		return
	}
	p.Searched, p.Total = true, page.Total
	p.Pages = (page.Total + SearchPageSize - 1) / SearchPageSize
	if p.Pages > 0 && p.PageNum > p.Pages && page.Total <= TooManyResults {
		// Past the last page (a stale link): show the last page instead.
		p.PageNum = p.Pages
		query.Offset = (p.PageNum - 1) * SearchPageSize
		if page, err = h.store.SearchPatients(r.Context(), query); err != nil {
			h.fail(w, r, fmt.Errorf("search: %w", err))
			return
		}
	}
	v.Title = "Search results – Find a patient"
	switch {
	case page.Total > TooManyResults:
		p.Status, p.TooMany, p.Limit = TooManyStatus, true, TooManyResults
	default:
		p.Status = ResultStatus(page.Total)
		p.Rows = page.Patients
		if len(p.Rows) > 0 {
			p.From, p.To = query.Offset+1, query.Offset+len(p.Rows)
		}
		if p.PageNum > 1 {
			p.PrevURL = pageURL(q, p.PageNum-1)
		}
		if p.PageNum < p.Pages {
			p.NextURL = pageURL(q, p.PageNum+1)
		}
		if p.Pages > 1 {
			v.Title = fmt.Sprintf("Search results (page %d of %d) – Find a patient", p.PageNum, p.Pages)
		}
		if h.defects.Fires(r.Context(), defects.SearchDropsLast, p.Pages > 1 && len(p.Rows) > 0) {
			// Defect: the pager takes the page's last row for its
			// look-ahead row and drops it.
			p.Rows = p.Rows[:len(p.Rows)-1]
		}
	}
	v.Page = p
	h.render(w, r, http.StatusOK, "search", v)
}

// pageURL is the search's address for another page of the same results.
func pageURL(q url.Values, page int) string {
	out := url.Values{}
	for _, k := range []string{"nhs", "name", "dob"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	if page > 1 {
		out.Set("page", strconv.Itoa(page))
	}
	return "/patients?" + out.Encode()
}

package refepr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

// today is the fixed clinical clock of the tests.
var today = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func newServer(t *testing.T, cfg refepr.Config) (*refepr.Server, *httptest.Server) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return today }
	}
	srv, err := refepr.New(context.Background(), cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, srv.Close())
	})
	return srv, ts
}

// browser is an HTTP client with cookies that does not follow redirects, so
// tests see each 303.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, ts *httptest.Server) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: ts.URL, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type page struct {
	status   int
	header   http.Header
	body     string
	doc      *html.Node
	location string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	p := page{status: resp.StatusCode, header: resp.Header, body: string(body), location: resp.Header.Get("Location")}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		p.doc = htmltest.Parse(b.t, p.body)
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	require.NoError(b.t, err)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in and checks the redirect to the search page.
func (b *browser) signIn(username, password string) {
	b.t.Helper()
	p := b.post("/login", url.Values{"username": {username}, "password": {password}})
	require.Equal(b.t, http.StatusSeeOther, p.status, p.body)
	require.Equal(b.t, "/patients", p.location)
}

func (b *browser) signInClinician()    { b.signIn("dr.patel", "clinician-pass") }
func (b *browser) signInReceptionist() { b.signIn("rec.jones", "reception-pass") }

// seedPatient creates a patient through the FHIR API and returns its id.
func seedPatient(t *testing.T, ts *httptest.Server, nhs, family, given, gender, birthDate string, address ...string) string {
	t.Helper()
	res := map[string]any{
		"resourceType": "Patient",
		"identifier":   []map[string]string{{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}},
		"name":         []map[string]any{{"family": family, "given": strings.Fields(given)}},
		"gender":       gender,
		"birthDate":    birthDate,
	}
	if len(address) > 0 {
		res["address"] = []map[string]any{{"line": address[:len(address)-2], "city": address[len(address)-2], "postalCode": address[len(address)-1]}}
	}
	body, err := json.Marshal(res)
	require.NoError(t, err)
	resp, err := http.Post(ts.URL+"/fhir/Patient", "application/fhir+json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(t, http.StatusCreated, resp.StatusCode, "create %s", nhs)
	return out.ID
}

// seedBundle creates n patients named family with one transaction.
func seedBundle(t *testing.T, ts *httptest.Server, family string, numbers []string) {
	t.Helper()
	var entries []map[string]any
	for i, n := range numbers {
		entries = append(entries, map[string]any{
			"fullUrl": fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i),
			"resource": map[string]any{
				"resourceType": "Patient",
				"identifier":   []map[string]string{{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": n}},
				"name":         []map[string]any{{"family": family, "given": []string{fmt.Sprintf("Person%03d", i)}}},
				"birthDate":    "1990-01-01",
			},
			"request": map[string]string{"method": "POST", "url": "Patient"},
		})
	}
	body, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
	require.NoError(t, err)
	resp, err := http.Post(ts.URL+"/fhir", "application/fhir+json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(msg))
}

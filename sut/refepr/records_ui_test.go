package refepr_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	. "github.com/eprharness/eprharness/sut/refepr/internal/htmltest"
)

func withDefect(t *testing.T, name defects.Name) refepr.Config {
	t.Helper()
	set, err := defects.Parse(string(name))
	require.NoError(t, err)
	return refepr.Config{Defects: set}
}

// wrongCheckDigit returns n with its last digit changed.
func wrongCheckDigit(n nhsnumber.Number) string {
	s := n.String()
	last := (s[9]-'0'+1)%10 + '0'
	return s[:9] + string(last)
}

func registration(nhs string) url.Values {
	return url.Values{
		"nhs-number": {nhs}, "given": {"Sarah"}, "family": {"Hidden"}, "birth-date": {"02/04/1990"},
		"sex": {"female"}, "address-line-1": {"1 Secret Road"}, "town": {"Leadworth"}, "postcode": {"gl7 1ab"},
		"gp-practice": {"Leadworth Surgery"},
	}
}

var recordPath = regexp.MustCompile(`^/patients/([0-9a-f-]+)$`)

func TestRecordsRegistration(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	b.signInReceptionist()

	p := b.get("/register")
	require.Equal(t, http.StatusOK, p.status)
	checkLayout(t, p, "Register a patient")
	for _, label := range []string{"NHS number", "Given name", "Family name", "Date of birth", "Address line 1", "Postcode", "GP practice (optional)", "Restricted record", "Female"} {
		assert.Len(t, ByLabel(p.doc, label), 1, label)
	}
	One(t, p.doc, And(Tag("a"), TextIs("Register a patient")), "nav link")

	nhs := nhsnumber.TestNumber(200)
	p = b.post("/register", registration(nhs.Formatted()))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	m := recordPath.FindStringSubmatch(p.location)
	require.NotNil(t, m, p.location)
	p = b.get(p.location)
	require.Equal(t, http.StatusOK, p.status)
	assert.Equal(t, "HIDDEN, Sarah", Text(One(t, p.doc, Tag("h1"), "h1")))
	One(t, p.doc, And(Role("status"), TextIs("Patient registered")), "registered status")
	One(t, p.doc, And(Tag("p"), TextIs("Leadworth Surgery")), "GP practice")
	assert.Contains(t, Text(One(t, p.doc, Tag("address"), "address")), "GL7 1AB")

	// Duplicate NHS number: refused, naming the record.
	p = b.post("/register", registration(nhs.String()))
	assert.Equal(t, http.StatusConflict, p.status)
	summary := One(t, p.doc, Role("alert"), "error summary")
	assert.Contains(t, Text(summary), "A patient with NHS number "+nhs.Formatted()+" is already registered")
	link := One(t, summary, And(Tag("a"), TextIs("View the record of HIDDEN, Sarah")), "link to the record")
	assert.Equal(t, "/patients/"+m[1], Attr(link, "href"))
}

func TestRecordsRegistrationValidation(t *testing.T) {
	bad := wrongCheckDigit(nhsnumber.TestNumber(201))
	tests := []struct {
		name    string
		change  func(url.Values)
		field   string // the name of the input the summary links to
		message string
	}{
		{"wrong check digit", func(v url.Values) { v.Set("nhs-number", bad) }, "nhs-number", "NHS number is not valid: the check digit does not match"},
		{"nine digits", func(v url.Values) { v.Set("nhs-number", "999000001") }, "nhs-number", "NHS number is not valid: it must have 10 digits"},
		{"no NHS number", func(v url.Values) { v.Del("nhs-number") }, "nhs-number", "Enter the patient's NHS number"},
		{"no family name", func(v url.Values) { v.Set("family", " ") }, "family", "Enter the patient's family name"},
		{"future birth", func(v url.Values) { v.Set("birth-date", "02/06/2026") }, "birth-date", "Date of birth must be today or in the past"},
		{"not a date", func(v url.Values) { v.Set("birth-date", "31/02/1990") }, "birth-date", "Date of birth must be a real date, for example 15/03/1987"},
		{"no sex", func(v url.Values) { v.Del("sex") }, "sex", "Select the patient's sex"},
	}
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	b.signIn("dr.patel", "clinician-pass")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := registration(nhsnumber.TestNumber(201).String())
			tt.change(form)
			p := b.post("/register", form)
			require.Equal(t, http.StatusUnprocessableEntity, p.status)
			assert.True(t, strings.HasPrefix(Text(One(t, p.doc, Tag("title"), "title")), "Error: "))
			summary := One(t, p.doc, Role("alert"), "error summary")
			link := One(t, summary, And(Tag("a"), TextIs(tt.message)), "summary line")
			target := ByID(p.doc, strings.TrimPrefix(Attr(link, "href"), "#"))
			require.NotNil(t, target, "the summary links to a field")
			assert.Equal(t, tt.field, Attr(target, "name"))
		})
	}
}

func TestRecordsRegistrationNeedsPermission(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	b := newBrowser(t, ts)
	b.signIn("nurse.okafor", "nurse-pass")
	p := b.get("/register")
	assert.Equal(t, http.StatusForbidden, p.status)
	assert.Equal(t, "Access denied", Text(One(t, p.doc, Tag("h1"), "h1")))
}

// With nhs-check-digit on, registration (UI and FHIR create) accepts a
// wrong check digit.
func TestRecordsDefectNHSCheckDigit(t *testing.T) {
	bad := wrongCheckDigit(nhsnumber.TestNumber(202))
	for _, on := range []bool{false, true} {
		cfg := refepr.Config{}
		if on {
			cfg = withDefect(t, defects.NHSCheckDigit)
		}
		_, ts := newServer(t, cfg)
		b := newBrowser(t, ts)
		b.signInReceptionist()
		p := b.post("/register", registration(bad))
		want := map[bool]int{false: http.StatusUnprocessableEntity, true: http.StatusSeeOther}[on]
		assert.Equal(t, want, p.status, "UI, defect on: %v", on)

		body := `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"` + wrongCheckDigit(nhsnumber.TestNumber(203)) + `"}],"name":[{"family":"Wrong"}],"birthDate":"1990-01-01"}`
		resp, err := http.Post(ts.URL+"/fhir/Patient", "application/fhir+json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		want = map[bool]int{false: http.StatusUnprocessableEntity, true: http.StatusCreated}[on]
		assert.Equal(t, want, resp.StatusCode, "FHIR, defect on: %v", on)
	}
}

// seedRestricted creates a restricted patient with a GP practice through FHIR.
func seedRestricted(t *testing.T, base string, nhs nhsnumber.Number) string {
	t.Helper()
	res := map[string]any{
		"resourceType":        "Patient",
		"meta":                map[string]any{"security": []map[string]string{{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}}},
		"identifier":          []map[string]string{{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs.String()}},
		"name":                []map[string]any{{"family": "Hidden", "given": []string{"Sarah"}}},
		"gender":              "female",
		"birthDate":           "1990-04-02",
		"address":             []map[string]any{{"line": []string{"1 Secret Road"}, "city": "Leadworth", "postalCode": "GL7 1AB"}},
		"generalPractitioner": []map[string]string{{"display": "Leadworth Surgery"}},
	}
	body, err := json.Marshal(res)
	require.NoError(t, err)
	resp, err := http.Post(base+"/fhir/Patient", "application/fhir+json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(t, http.StatusCreated, resp.StatusCode, out)
	assert.Equal(t, "Leadworth Surgery", out["generalPractitioner"].([]any)[0].(map[string]any)["display"])
	assert.Equal(t, "R", out["meta"].(map[string]any)["security"].([]any)[0].(map[string]any)["code"])
	return out["id"].(string)
}

type auditJSON struct {
	Total   int `json:"total"`
	Entries []struct {
		User, Action, NHSNumber, Details string
	} `json:"entries"`
}

func readAudit(t *testing.T, base, query, user, password string) (int, auditJSON) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/audit?"+query, nil)
	require.NoError(t, err)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out auditJSON
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	}
	return resp.StatusCode, out
}

func TestRecordsRestrictedRecordAndBreakGlass(t *testing.T) {
	for _, unaudited := range []bool{false, true} {
		cfg := refepr.Config{}
		if unaudited {
			cfg = withDefect(t, defects.BreakGlassUnaudited)
		}
		_, ts := newServer(t, cfg)
		nhs := nhsnumber.TestNumber(204)
		id := seedRestricted(t, ts.URL, nhs)

		rec := newBrowser(t, ts)
		rec.signInReceptionist()
		p := rec.get("/patients/" + id)
		One(t, p.doc, And(Tag("p"), TextIs("Address hidden: restricted record")), "hidden address")
		assert.Empty(t, All(p.doc, And(Tag("a"), TextIs("Access restricted record"))), "no break-glass for a receptionist")
		assert.Equal(t, http.StatusForbidden, rec.get("/patients/"+id+"/break-glass").status)

		doc := newBrowser(t, ts)
		doc.signInClinician()
		p = doc.get("/patients/" + id)
		One(t, p.doc, And(Tag("p"), TextIs("Address hidden: restricted record")), "hidden address")
		assert.Empty(t, All(p.doc, Tag("address")))
		link := One(t, p.doc, And(Tag("a"), TextIs("Access restricted record")), "break-glass link")
		p = doc.get(Attr(link, "href"))
		require.Equal(t, http.StatusOK, p.status)
		checkLayout(t, p, "Access restricted record")
		p = doc.post("/patients/"+id+"/break-glass", url.Values{"reason": {"  "}})
		assert.Equal(t, http.StatusUnprocessableEntity, p.status)
		One(t, p.doc, And(Tag("a"), TextIs("Enter the reason for accessing this restricted record")), "reason required")
		p = doc.post("/patients/"+id+"/break-glass", url.Values{"reason": {"emergency"}})
		require.Equal(t, http.StatusSeeOther, p.status)
		p = doc.get("/patients/" + id)
		assert.Contains(t, Text(One(t, p.doc, Tag("address"), "address")), "1 Secret Road")

		// The glass is broken for this session only.
		other := newBrowser(t, ts)
		other.signInClinician()
		One(t, other.get("/patients/"+id).doc, And(Tag("p"), TextIs("Address hidden: restricted record")), "hidden in another session")

		status, got := readAudit(t, ts.URL, "action=break-glass&user=dr.patel&patient="+url.QueryEscape(nhs.Formatted()), "admin.smith", "admin-pass")
		require.Equal(t, http.StatusOK, status)
		if unaudited {
			assert.Equal(t, 0, got.Total, "break-glass-unaudited leaves no entry")
			continue
		}
		require.Equal(t, 1, got.Total)
		assert.Equal(t, "emergency", got.Entries[0].Details)
		assert.Equal(t, nhs.String(), got.Entries[0].NHSNumber)
	}
}

func TestRecordsRegistrantHasALegitimateRelationship(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	rec := newBrowser(t, ts)
	rec.signInReceptionist()
	form := registration(nhsnumber.TestNumber(205).String())
	form.Set("restricted", "yes")
	p := rec.post("/register", form)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	record := p.location
	p = rec.get(record)
	assert.Contains(t, Text(One(t, p.doc, Tag("address"), "address")), "1 Secret Road")
	doc := newBrowser(t, ts)
	doc.signInClinician()
	One(t, doc.get(record).doc, And(Tag("p"), TextIs("Address hidden: restricted record")), "hidden")
}

func TestRecordsClinicalNotes(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	p := b.get("/patients/" + id)
	link := One(t, p.doc, And(Tag("a"), TextIs("Open clinical notes")), "notes link")
	notes := Attr(link, "href")
	p = b.get(notes)
	require.Equal(t, http.StatusOK, p.status)
	checkLayout(t, p, "Clinical notes – POND, Amy")
	One(t, p.doc, And(Tag("p"), TextIs("No clinical notes recorded")), "empty")

	p = b.post(notes, url.Values{"note": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.status)
	p = b.post(notes, url.Values{"note": {"Chest clear. Plan: review in 2 weeks."}})
	require.Equal(t, http.StatusSeeOther, p.status)
	p = b.get(p.location)
	art := One(t, p.doc, Tag("article"), "note")
	assert.Contains(t, Text(art), "Draft")
	form := One(t, art, Tag("form"), "sign form")

	// Only the author signs a draft.
	nurse := newBrowser(t, ts)
	nurse.signIn("nurse.okafor", "nurse-pass")
	np := nurse.get(notes)
	assert.Empty(t, All(np.doc, And(Tag("button"), TextIs("Sign note"))))
	assert.Equal(t, http.StatusUnprocessableEntity, nurse.post(Attr(form, "action"), nil).status)

	p = b.post(Attr(form, "action"), nil)
	require.Equal(t, http.StatusSeeOther, p.status)
	p = b.get(p.location)
	art = One(t, p.doc, Tag("article"), "note")
	amend := One(t, art, And(Tag("a"), TextIs("Amend note")), "amend link")
	p = b.post(Attr(amend, "href"), url.Values{"note": {"Chest clear. Plan: review in 1 week."}, "reason": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.status)
	One(t, p.doc, And(Tag("a"), TextIs("Enter the reason for the amendment")), "reason required")
	p = b.post(Attr(amend, "href"), url.Values{"note": {"Chest clear. Plan: review in 1 week."}, "reason": {"wrong interval"}})
	require.Equal(t, http.StatusSeeOther, p.status)
	p = b.get(p.location)
	art = One(t, p.doc, Tag("article"), "note")
	assert.Contains(t, Text(art), "Signed, amended")
	hist := One(t, art, Tag("table"), "history")
	assert.Equal(t, "Version history (2 versions)", Text(One(t, hist, Tag("caption"), "caption")))
	rows := All(hist, Tag("tr"))
	require.Len(t, rows, 3)
	assert.Contains(t, Text(rows[1]), "wrong interval")
	assert.Contains(t, Text(rows[2]), "review in 2 weeks")

	status, got := readAudit(t, ts.URL, "patient=9990000018", "admin.smith", "admin-pass")
	require.Equal(t, http.StatusOK, status)
	var actions []string
	for _, e := range got.Entries {
		actions = append(actions, e.Action)
	}
	for _, a := range []string{"view-record", "view-notes", "draft-note", "sign-note", "amend-note"} {
		assert.Contains(t, actions, a)
	}
}

// A receptionist sees no clinical content; with receptionist-notes on they
// can open clinical notes.
func TestRecordsReceptionistNotes(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := refepr.Config{}
		if on {
			cfg = withDefect(t, defects.ReceptionistNotes)
		}
		_, ts := newServer(t, cfg)
		id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
		b := newBrowser(t, ts)
		b.signInReceptionist()
		p := b.get("/patients/" + id)
		assert.Empty(t, All(p.doc, And(Tag("a"), TextIs("Open clinical notes"))))
		p = b.get("/patients/" + id + "/notes")
		if on {
			assert.Equal(t, http.StatusOK, p.status)
			continue
		}
		assert.Equal(t, http.StatusForbidden, p.status)
		assert.Equal(t, "Access denied", Text(One(t, p.doc, Tag("h1"), "h1")))
		assert.Equal(t, http.StatusForbidden, b.post("/patients/"+id+"/notes", url.Values{"note": {"x"}}).status)
	}
}

func TestRecordsAuditLog(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	id := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	doc := newBrowser(t, ts)
	doc.signInClinician()
	doc.get("/patients/" + id)

	assert.Equal(t, http.StatusForbidden, doc.get("/audit").status)
	assert.Equal(t, http.StatusForbidden, doc.get("/admin/users").status)
	status, _ := readAudit(t, ts.URL, "", "", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = readAudit(t, ts.URL, "", "dr.patel", "clinician-pass")
	assert.Equal(t, http.StatusForbidden, status)
	status, _ = readAudit(t, ts.URL, "", "admin.smith", "wrong")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = readAudit(t, ts.URL, "action=nonsense", "admin.smith", "admin-pass")
	assert.Equal(t, http.StatusBadRequest, status)

	admin := newBrowser(t, ts)
	admin.signIn("admin.smith", "admin-pass")
	p := admin.get("/audit?user=dr.patel&patient=999+000+0018&action=view-record&from=2026-06-01&to=2026-06-01")
	require.Equal(t, http.StatusOK, p.status)
	checkLayout(t, p, "Audit log")
	One(t, p.doc, And(Role("status"), TextIs("1 audit entry found")), "status")
	table := One(t, p.doc, Tag("table"), "results")
	assert.Equal(t, "Audit entries", Text(One(t, table, Tag("caption"), "caption")))
	row := All(table, Tag("tr"))[1]
	assert.Equal(t, "01-Jun-2026 00:00 dr.patel Viewed record 999 000 0018", Text(row))
	p = admin.get("/audit?from=2026-06-02")
	One(t, p.doc, And(Role("status"), TextIs("No audit entries found")), "date range")
	p = admin.get("/audit?patient=123")
	One(t, p.doc, Role("alert"), "bad NHS number")

	// The admin's own session works for the API too.
	resp := admin.get("/api/audit?user=dr.patel")
	assert.Equal(t, http.StatusOK, resp.status)

	p = admin.get("/admin/users")
	require.Equal(t, http.StatusOK, p.status)
	assert.Len(t, All(One(t, p.doc, Tag("tbody"), "users"), Tag("tr")), 5)
}

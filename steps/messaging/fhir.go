package messaging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	hmsg "github.com/eprharness/eprharness/harness/messaging"
	"github.com/eprharness/eprharness/nhsnumber"
)

// NHSNumberSystem is the FHIR identifier system of NHS numbers.
const NHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

// MessageEventSystem and ReferralEvent are the MessageHeader event of a
// referral message.
const (
	MessageEventSystem = "https://fhir.nhs.uk/CodeSystem/message-event"
	ReferralEvent      = "servicerequest-request"
)

// Requester is who the GP practice's referrals come from.
const Requester = "The Village Surgery (Y99999)"

// ReferralSearch is the ServiceRequest search of a patient's referrals,
// by NHS number: the one place to change if the EPR searches otherwise.
func ReferralSearch(nhs string) string {
	return "ServiceRequest?patient.identifier=" + url.QueryEscape(NHSNumberSystem+"|"+nhs)
}

// AppointmentCriteria is the Subscription criteria for a patient's
// appointments, by NHS number.
func AppointmentCriteria(nhs string) string {
	return "Appointment?patient.identifier=" + NHSNumberSystem + "|" + nhs
}

// uuid is a random (version 4) UUID. One whose digits could be taken for
// an NHS number outside the test ranges (about one in a thousand) is
// drawn again, so the guard on what a scenario sends never refuses the
// harness's own ids.
func uuid() string {
	for {
		var b [16]byte
		_, _ = rand.Read(b[:])
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b[:])
		u := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		if len(outsideRanges(u, nil)) == 0 {
			return u
		}
	}
}

// SubscriptionResource is the Subscription the GP system creates.
func SubscriptionResource(nhs, endpoint string) map[string]any {
	return map[string]any{
		"resourceType": "Subscription",
		"status":       "requested",
		"reason":       "GP system: appointment notifications",
		"criteria":     AppointmentCriteria(nhs),
		"channel": map[string]any{
			"type":     "rest-hook",
			"endpoint": endpoint,
			"payload":  "application/fhir+json",
		},
	}
}

// ReferralMessage is the message Bundle of a referral of p to clinic for
// reason: a MessageHeader (event servicerequest-request, focus the
// ServiceRequest) and the ServiceRequest.
func ReferralMessage(p fixtures.Patient, clinic, reason, destination string, now time.Time) (map[string]any, string) {
	id, hid, sid := uuid(), uuid(), uuid()
	header := map[string]any{
		"resourceType": "MessageHeader",
		"id":           hid,
		"eventCoding":  map[string]any{"system": MessageEventSystem, "code": ReferralEvent},
		"source":       map[string]any{"name": "GP system", "endpoint": "urn:eprharness:gp-system"},
		"destination":  []any{map[string]any{"endpoint": destination}},
		"sender":       map[string]any{"display": Requester},
		"focus":        []any{map[string]any{"reference": "urn:uuid:" + sid}},
	}
	req := map[string]any{
		"resourceType": "ServiceRequest",
		"id":           sid,
		"status":       "active",
		"intent":       "order",
		"priority":     "routine",
		"subject": map[string]any{
			"identifier": map[string]any{"system": NHSNumberSystem, "value": p.NHSNumber},
			"display":    p.Name(),
		},
		"code":       map[string]any{"text": clinic},
		"reasonCode": []any{map[string]any{"text": reason}},
		"requester":  map[string]any{"display": Requester},
		"authoredOn": now.UTC().Format(time.RFC3339),
	}
	return map[string]any{
		"resourceType": "Bundle",
		"id":           id,
		"type":         "message",
		"timestamp":    now.UTC().Format(time.RFC3339),
		"entry": []any{
			map[string]any{"fullUrl": "urn:uuid:" + hid, "resource": header},
			map[string]any{"fullUrl": "urn:uuid:" + sid, "resource": req},
		},
	}, id
}

func patientFor(ctx context.Context, name string) (*hmsg.Scenario, fixtures.Patient, error) {
	s, m, err := world(ctx)
	if err != nil {
		return nil, fixtures.Patient{}, err
	}
	p, err := s.Patient(name)
	if err != nil {
		return nil, p, err
	}
	m.Name(p.NHSNumber)
	return m, p, nil
}

func subscribe(ctx context.Context, name string) error {
	m, p, err := patientFor(ctx, name)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(SubscriptionResource(p.NHSNumber, m.NotifyURL()))
	resp, err := m.FHIR(ctx, http.MethodPost, "Subscription", body, "Subscription", "")
	if err != nil {
		return err
	}
	if resp.Status/100 != 2 {
		return fmt.Errorf("the EPR refused the Subscription for %s's appointments: HTTP %d %s", name, resp.Status, brief(resp.Body))
	}
	return nil
}

func notified(ctx context.Context, name, status string) error {
	m, _, err := patientFor(ctx, name)
	if err != nil {
		return err
	}
	want := strings.ToLower(strings.TrimSpace(status))
	_, err = m.WaitNotification(ctx, fmt.Sprintf("notification that %s's appointment is %q", name, want), func(n hmsg.Notification) bool {
		for _, st := range appointmentStatuses(n.Body) {
			if strings.EqualFold(st, want) {
				return true
			}
		}
		return false
	})
	return err
}

// appointmentStatuses are the statuses of the Appointments in a
// notification's body: an Appointment, or a Bundle of them.
func appointmentStatuses(body []byte) []string {
	var r struct {
		ResourceType string `json:"resourceType"`
		Status       string `json:"status"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if json.Unmarshal(body, &r) != nil {
		return nil
	}
	switch r.ResourceType {
	case "Appointment":
		return []string{r.Status}
	case "Bundle":
		var out []string
		for _, e := range r.Entry {
			out = append(out, appointmentStatuses(e.Resource)...)
		}
		return out
	}
	return nil
}

func refer(ctx context.Context, name, clinic, reason string) error {
	m, p, err := patientFor(ctx, name)
	if err != nil {
		return err
	}
	bundle, id := ReferralMessage(p, clinic, reason, m.FHIRBase(), time.Now())
	body, _ := json.Marshal(bundle)
	_, err = m.FHIR(ctx, http.MethodPost, "$process-message", body, "Bundle/message", id)
	return err
}

// serviceRequest is what the steps read of a ServiceRequest.
type serviceRequest struct {
	raw    map[string]any
	ID     string
	Status string
	Clinic []string
	NHS    string
}

func parseServiceRequest(raw json.RawMessage) (serviceRequest, bool) {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m["resourceType"] != "ServiceRequest" {
		return serviceRequest{}, false
	}
	sr := serviceRequest{raw: m}
	sr.ID, _ = m["id"].(string)
	sr.Status, _ = m["status"].(string)
	text := func(v any) {
		if c, ok := v.(map[string]any); ok {
			if t, ok := c["text"].(string); ok {
				sr.Clinic = append(sr.Clinic, t)
			}
			if cs, ok := c["coding"].([]any); ok {
				for _, cd := range cs {
					if d, ok := cd.(map[string]any)["display"].(string); ok {
						sr.Clinic = append(sr.Clinic, d)
					}
				}
			}
		}
	}
	text(m["code"])
	if pts, ok := m["performerType"].(map[string]any); ok {
		text(pts)
	}
	if subj, ok := m["subject"].(map[string]any); ok {
		if id, ok := subj["identifier"].(map[string]any); ok {
			sr.NHS, _ = id["value"].(string)
		}
	}
	return sr, true
}

func (sr serviceRequest) to(clinic string) bool {
	for _, c := range sr.Clinic {
		if strings.EqualFold(strings.TrimSpace(c), strings.TrimSpace(clinic)) {
			return true
		}
	}
	return false
}

// referrals searches the patient's ServiceRequests to clinic.
func referrals(ctx context.Context, m *hmsg.Scenario, p fixtures.Patient, clinic string) ([]serviceRequest, error) {
	resp, err := m.FHIR(ctx, http.MethodGet, ReferralSearch(p.NHSNumber), nil, "ServiceRequest search", "")
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("the EPR did not answer the search for %s's referrals: HTTP %d %s", p.Name(), resp.Status, brief(resp.Body))
	}
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(resp.Body, &b); err != nil || b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("the EPR answered the search for %s's referrals with something other than a Bundle: %s", p.Name(), brief(resp.Body))
	}
	var out []serviceRequest
	for _, e := range b.Entry {
		sr, ok := parseServiceRequest(e.Resource)
		if !ok || !sr.to(clinic) {
			continue
		}
		if sr.NHS != "" && nhsnumber.Normalise(sr.NHS) != p.NHSNumber {
			continue // the search ignored its parameter
		}
		out = append(out, sr)
	}
	return out, nil
}

func withdraw(ctx context.Context, name, clinic string) error {
	m, p, err := patientFor(ctx, name)
	if err != nil {
		return err
	}
	found, err := referrals(ctx, m, p, clinic)
	if err != nil {
		return err
	}
	var active *serviceRequest
	for i := range found {
		if found[i].Status == "active" {
			active = &found[i]
			break
		}
	}
	if active == nil || active.ID == "" {
		return fmt.Errorf("%s has no active referral to %q to withdraw (found %d referral(s) to it)", name, clinic, len(found))
	}
	active.raw["status"] = "revoked"
	body, _ := json.Marshal(active.raw)
	_, err = m.FHIR(ctx, http.MethodPut, "ServiceRequest/"+active.ID, body, "ServiceRequest", active.ID)
	return err
}

func postTransaction(ctx context.Context, file, name string) error {
	s, m, err := world(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	m.Name(p.NHSNumber)
	data, err := os.ReadFile(featurePath(s.FeatureFile, file))
	if err != nil {
		return failure.Harness(fmt.Errorf("read FHIR transaction %s (relative to the feature file %s): %w", file, s.FeatureFile, err))
	}
	body, err := fillJSON(string(data), fhirFormats(vals(ctx, p, "FHIR^transaction"), p))
	if err != nil {
		return failure.Harness(fmt.Errorf("FHIR transaction %s: %w", file, err))
	}
	var b struct {
		ResourceType, Type, ID string
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil || b.ResourceType != "Bundle" {
		return failure.Harness(fmt.Errorf("FHIR transaction %s: not a JSON Bundle (%v)", file, err))
	}
	if err := guardText(body, m); err != nil {
		return err
	}
	_, err = m.FHIR(ctx, http.MethodPost, "", []byte(body), "Bundle/"+b.Type, b.ID)
	return err
}

// fillJSON fills {placeholders} in a JSON template, each value escaped as
// a JSON string's content. Braces of the JSON itself are left: only
// {name} with a known-looking name (letters, digits, _) is a placeholder.
func fillJSON(text string, vals map[string]string) (string, error) {
	return fillWith(jsonPlaceholder, text, vals, func(v string) string {
		q, _ := json.Marshal(v)
		return string(q[1 : len(q)-1])
	})
}

// guardText refuses text with an NHS number outside the test ranges.
func guardText(text string, m *hmsg.Scenario) error {
	if bad := outsideRanges(text, m.TestRanges()); len(bad) > 0 {
		return notSynthetic(bad[0])
	}
	return nil
}

func lastResponse(ctx context.Context) (*hmsg.FHIRResponse, error) {
	return lastAnswer(ctx, func(m *hmsg.Scenario) *hmsg.FHIRResponse { return m.LastResponse },
		"no FHIR answer to check: no FHIR message was sent in this scenario before this step")
}

// responseCode is MessageHeader.response.code of a response message
// Bundle, "" when the answer holds none.
func responseCode(body []byte) string {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				Response     struct {
					Code string `json:"code"`
				} `json:"response"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if json.Unmarshal(body, &b) != nil || b.ResourceType != "Bundle" {
		return ""
	}
	for _, e := range b.Entry {
		if e.Resource.ResourceType == "MessageHeader" {
			return e.Resource.Response.Code
		}
	}
	return ""
}

func acceptsFHIR(ctx context.Context) error {
	r, err := lastResponse(ctx)
	if err != nil {
		return err
	}
	if r.Status/100 != 2 {
		return fmt.Errorf("expected the EPR to accept the FHIR %s, but it answered HTTP %d %s", r.Resource, r.Status, brief(r.Body))
	}
	if code := responseCode(r.Body); code != "" && code != "ok" {
		return fmt.Errorf("expected the EPR to accept the FHIR %s, but its response MessageHeader says %q: %s", r.Resource, code, brief(r.Body))
	}
	return nil
}

func rejectsFHIR(ctx context.Context) error {
	r, err := lastResponse(ctx)
	if err != nil {
		return err
	}
	if r.Status/100 == 4 {
		return nil
	}
	if code := responseCode(r.Body); code != "" && code != "ok" {
		return nil
	}
	return fmt.Errorf("expected the EPR to reject the FHIR %s, but it answered HTTP %d %s", r.Resource, r.Status, brief(r.Body))
}

func activeReferrals(ctx context.Context, name, clinic string) (int, int, error) {
	m, p, err := patientFor(ctx, name)
	if err != nil {
		return 0, 0, err
	}
	found, err := referrals(ctx, m, p, clinic)
	if err != nil {
		return 0, 0, err
	}
	n := 0
	for _, sr := range found {
		if sr.Status == "active" {
			n++
		}
	}
	return n, len(found), nil
}

func hasActiveReferral(ctx context.Context, name, clinic string) error {
	n, all, err := activeReferrals(ctx, name, clinic)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("expected an active referral of %s to %q in the EPR, found %d referral(s) to it, none active", name, clinic, all)
	}
	return nil
}

func hasNoActiveReferral(ctx context.Context, name, clinic string) error {
	n, _, err := activeReferrals(ctx, name, clinic)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("expected no active referral of %s to %q in the EPR, found %d", name, clinic, n)
	}
	return nil
}

// brief is the start of an answer's body, for failure messages.
func brief(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + " …"
	}
	return s
}

// fhirFormats gives a FHIR template the FHIR forms of the values whose HL7
// form differs: dates as YYYY-MM-DD, the time as an RFC 3339 instant, the
// gender as FHIR's (female, male, other, unknown).
func fhirFormats(v map[string]string, p fixtures.Patient) map[string]string {
	v["birth_date"] = p.BirthDate
	if t, err := time.Parse("20060102", v["today"]); err == nil {
		v["today"] = t.Format(time.DateOnly)
	}
	if t, err := time.Parse("20060102150405-0700", v["now"]); err == nil {
		v["now"] = t.Format(time.RFC3339)
	}
	if g := strings.ToLower(strings.TrimSpace(p.Gender)); g != "" {
		v["gender"] = g
	}
	return v
}

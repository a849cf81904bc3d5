package messaging

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/hl7"
	hmsg "github.com/eprharness/eprharness/harness/messaging"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/nhsnumber"
)

var amy = fixtures.Patient{Given: "Amy", Family: "Pond", NHSNumber: "9990000018", BirthDate: "1989-03-14", Gender: "female"}

func testVals() map[string]string {
	return values(amy, "ADT^A08", time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
}

func TestPlaceholders(t *testing.T) {
	v := testVals()
	assert.Equal(t, "9990000018", v["nhs_number"])
	assert.Equal(t, "Amy", v["given"])
	assert.Equal(t, "Pond", v["family"])
	assert.Equal(t, "19890314", v["birth_date"])
	assert.Equal(t, "F", v["gender"])
	assert.Equal(t, "20260601093000+0000", v["now"])
	assert.Equal(t, "20260601", v["today"])
	assert.Equal(t, "ADT^A08", v["message_type"])
	assert.Equal(t, "A08", v["trigger"])
	assert.Len(t, v["control_id"], 16)
	assert.NotEqual(t, v["control_id"], testVals()["control_id"], "fresh each time")
	for _, p := range Placeholders {
		assert.Contains(t, v, p[0], "documented placeholder has a value")
	}
	assert.Len(t, v, len(Placeholders))
}

func TestSkeletonAndTable(t *testing.T) {
	m, err := Skeleton("ADT^A08", amy, [][2]string{{"PID-11", "1 Main Street^^Leeds^^LS1 4AP"}, {"PV1-3", "Ward 7^^{today}"}}, testVals())
	require.NoError(t, err)
	get := func(p string) string { v, err := m.Text(p); require.NoError(t, err, p); return v }
	assert.Equal(t, "PAS", get("MSH-3"))
	assert.Equal(t, "ADT", get("MSH-9.1"))
	assert.Equal(t, "A08", get("MSH-9.2"))
	assert.Equal(t, "ADT_A01", get("MSH-9.3"))
	assert.Equal(t, "UNICODE UTF-8", get("MSH-18"))
	assert.Equal(t, "A08", get("EVN-1"))
	nhs, ok := hl7.NHSNumber(m)
	assert.True(t, ok)
	assert.Equal(t, "9990000018", nhs)
	assert.Equal(t, "Pond", get("PID-5.1"))
	assert.Equal(t, "Amy", get("PID-5.2"))
	assert.Equal(t, "19890314", get("PID-7"))
	assert.Equal(t, "F", get("PID-8"))
	assert.Equal(t, "O", get("PV1-2"))
	assert.Equal(t, "Leeds", get("PID-11.3"))
	assert.Equal(t, "20260601", get("PV1-3.3"), "placeholders in table values")

	a28, err := Skeleton("ADT^A28", amy, nil, testVals())
	require.NoError(t, err)
	_, err = a28.Get("PV1-1")
	assert.ErrorIs(t, err, hl7.ErrNotFound, "A28 has no visit")

	_, err = Skeleton("ADT^A08", amy, [][2]string{{"PID-11", "{postcode}"}}, testVals())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown placeholder {postcode}")
	assert.Contains(t, err.Error(), "row 1 (PID-11)")

	_, err = Skeleton("A08", amy, nil, testVals())
	assert.ErrorContains(t, err, "want TYPE^TRIGGER")
}

func TestTemplate(t *testing.T) {
	tpl := "MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A28^ADT_A05|{control_id}|P|2.5.1\nEVN|A28|{now}\nPID|1||{nhs_number}^^^NHS^NH||{family}^{given}||{birth_date}|{gender}\n"
	v := testVals()
	m, err := FromTemplate(tpl, v)
	require.NoError(t, err)
	assert.Equal(t, v["control_id"], m.ControlID())
	fam, _ := m.Text("PID-5.1")
	assert.Equal(t, "Pond", fam)

	_, err = FromTemplate(tpl+"PV1|1|I|{ward}\n", v)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown placeholder {ward}")
	assert.Contains(t, err.Error(), "line 4")

	typ, err := templateType(tpl)
	require.NoError(t, err)
	assert.Equal(t, "ADT^A28", typ)
	_, err = templateType("PID|1\n")
	assert.Error(t, err)
}

func TestReadTemplateDecodesLatin1(t *testing.T) {
	dir := t.TempDir()
	feature := filepath.Join(dir, "x.feature")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "messages"), 0o755))
	latin1 := []byte("MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A31^ADT_A05|{control_id}|P|2.5.1|||||GBR|8859/1\rPID|1||{nhs_number}^^^NHS^NH||POND^Zo\xeb\r")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "messages", "a31.hl7"), latin1, 0o644))
	text, err := ReadTemplate(feature, "messages/a31.hl7")
	require.NoError(t, err)
	assert.Contains(t, text, "POND^Zoë")
	m, err := FromTemplate(text, testVals())
	require.NoError(t, err)
	raw, err := m.Encode("")
	require.NoError(t, err)
	assert.Contains(t, string(raw), "Zo\xeb", "sent in ISO 8859-1 as MSH-18 says")

	utf8File := []byte(strings.ReplaceAll(string(latin1), "Zo\xeb", "Zoë"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "messages", "a31-utf8.hl7"), utf8File, 0o644))
	text, err = ReadTemplate(feature, "messages/a31-utf8.hl7")
	require.NoError(t, err)
	assert.Contains(t, text, "POND^Zoë", "a UTF-8 file is read as UTF-8 whatever MSH-18 says")
	m, err = FromTemplate(text, testVals())
	require.NoError(t, err)
	raw, err = m.Encode("")
	require.NoError(t, err)
	assert.Contains(t, string(raw), "Zo\xeb", "and sent in ISO 8859-1 as MSH-18 says")

	_, err = ReadTemplate(feature, "messages/missing.hl7")
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), "relative to the feature file")
}

func TestGuard(t *testing.T) {
	ok, err := Skeleton("ADT^A08", amy, nil, testVals())
	require.NoError(t, err)
	assert.NoError(t, Guard(ok, nil))

	real, err := OutsideTestRanges(nil) // made up now: never written in a file
	require.NoError(t, err)
	bad, err := Skeleton("ADT^A08", fixtures.Patient{Given: "X", Family: "Y", NHSNumber: real}, nil, testVals())
	require.NoError(t, err)
	err = Guard(bad, nil)
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), nhsnumber.Number(real).Formatted())
	assert.NoError(t, Guard(bad, []nhsnumber.Range{{First: real, Last: real}}), "a configured test range is allowed")

	// Timestamps and other long digit runs are not NHS numbers.
	ts, err := Skeleton("ADT^A08", amy, [][2]string{{"EVN-2", "2010" + real}}, testVals())
	require.NoError(t, err)
	assert.NoError(t, Guard(ts, nil))
}

// The harness's own ids (message control ids, FHIR uuids) never look
// like an NHS number outside the test ranges: the guard would refuse the
// harness's own message now and then.
func TestOwnIdsPassTheGuard(t *testing.T) {
	for range 20000 {
		m, err := Skeleton("ADT^A08", amy, nil, testVals())
		require.NoError(t, err)
		require.NoError(t, Guard(m, nil))
		u := uuid()
		require.Empty(t, outsideRanges(u, nil), u)
	}
}

func TestOutsideTestRanges(t *testing.T) {
	ranges, err := nhsnumber.ParseRanges("4000000000-4499999999")
	require.NoError(t, err)
	for range 50 {
		n, err := OutsideTestRanges(ranges)
		require.NoError(t, err)
		num, err := nhsnumber.Parse(n)
		require.NoError(t, err, "valid check digit")
		assert.False(t, nhsnumber.IsTest(num, ranges...), n)
	}
	all, err := nhsnumber.ParseRanges("4000000000-4999999999")
	require.NoError(t, err)
	_, err = OutsideTestRanges(all)
	assert.Error(t, err)
}

func TestReferralMessage(t *testing.T) {
	b, id := ReferralMessage(amy, "Cardiology", "Chest pain on exertion", "http://epr/fhir", time.Now())
	data, err := json.Marshal(b)
	require.NoError(t, err)
	var got struct {
		ResourceType, Type, ID string
		Entry                  []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	require.NoError(t, json.Unmarshal(data, &got))
	assert.Equal(t, "message", got.Type)
	assert.Equal(t, id, got.ID)
	require.Len(t, got.Entry, 2)
	h, sr := got.Entry[0].Resource, got.Entry[1].Resource
	assert.Equal(t, "MessageHeader", h["resourceType"])
	assert.Equal(t, ReferralEvent, h["eventCoding"].(map[string]any)["code"])
	assert.Equal(t, "urn:uuid:"+sr["id"].(string), h["focus"].([]any)[0].(map[string]any)["reference"])
	assert.Equal(t, "active", sr["status"])
	assert.Equal(t, "order", sr["intent"])
	assert.Equal(t, "routine", sr["priority"])
	assert.Equal(t, "Cardiology", sr["code"].(map[string]any)["text"])
	assert.Equal(t, "Chest pain on exertion", sr["reasonCode"].([]any)[0].(map[string]any)["text"])
	assert.Equal(t, Requester, sr["requester"].(map[string]any)["display"])
	assert.Equal(t, "9990000018", sr["subject"].(map[string]any)["identifier"].(map[string]any)["value"])
	assert.Equal(t, "ServiceRequest?patient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018", ReferralSearch("9990000018"))
}

func TestFillJSON(t *testing.T) {
	out, err := fillJSON(`{"a":{"b":"{family}"},"n":"{nhs_number}"}`, map[string]string{"family": `O"Brien`, "nhs_number": "9990000018"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":{"b":"O\"Brien"},"n":"9990000018"}`, out)
	_, err = fillJSON(`{"x":"{nope}"}`, nil)
	assert.ErrorContains(t, err, "unknown placeholder {nope}")
}

// fakeEPR answers every message with code, and an ERR for AE/AR.
func fakeEPR(t *testing.T, code string) *mllp.Listener {
	t.Helper()
	l, err := mllp.Listen(t.Context(), "", mllp.WithHandler(func(r mllp.Received) []byte {
		var errs []hl7.AckError
		if code != "AA" {
			errs = append(errs, hl7.AckError{Code: "204", Location: "PID-3", Message: "patient not found"})
		}
		out, _ := hl7.ACK(r.Message, code, errs...).Encode("")
		return out
	}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

type refBackend struct{ base, mllp string }

func (f *refBackend) BaseURL() string                 { return f.base }
func (f *refBackend) Reset(context.Context) error     { return nil }
func (f *refBackend) Terminate(context.Context) error { return nil }
func (f *refBackend) Describe() results.Target        { return results.Target{Backend: "embedded:refepr"} }
func (f *refBackend) MLLPAddr() string                { return f.mllp }
func (f *refBackend) CallbackHost() string            { return "127.0.0.1" }

func stateFor(t *testing.T, be *refBackend, feature string) (context.Context, *scenario.State) {
	t.Helper()
	h, err := hmsg.Start(t.Context(), hmsg.Config{Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	s := &scenario.State{FeatureFile: feature}
	s.RememberAs("Amy Pond", amy)
	s.Messages = h.NewScenario(hmsg.ScenarioOptions{Backend: be, BaseURL: be.base})
	return scenario.With(t.Context(), s), s
}

func table(rows ...[2]string) *godog.Table {
	t := &godog.Table{}
	for _, r := range rows {
		t.Rows = append(t.Rows, &messages.PickleTableRow{Cells: []*messages.PickleTableCell{{Value: r[0]}, {Value: r[1]}}})
	}
	return t
}

func TestAcknowledgementSteps(t *testing.T) {
	epr := fakeEPR(t, "AE")
	ctx, s := stateFor(t, &refBackend{mllp: epr.Addr()}, "")

	err := accepts(ctx)
	assert.Equal(t, results.KindHarness, failure.Classify(err), "nothing sent yet")

	require.NoError(t, sendWithTable(ctx, "ADT^A08", "Amy Pond", table([2]string{"path", "value"}, [2]string{"PID-5", "POND^Amelia"})))
	got := epr.Received()
	require.Len(t, got, 1)
	given, _ := got[0].Message.Text("PID-5.2")
	assert.Equal(t, "Amelia", given)

	err = accepts(ctx)
	require.Error(t, err)
	assert.Equal(t, results.KindAssertion, failure.Classify(err))
	assert.Contains(t, err.Error(), `MSA-1 "AE"`)
	assert.Contains(t, err.Error(), "patient not found")
	assert.NoError(t, rejects(ctx, "AE"))
	assert.Error(t, rejects(ctx, "AR"))
	assert.Equal(t, results.KindHarness, failure.Classify(rejects(ctx, "AA")), "AA is no rejection")
	assert.NoError(t, ackField(ctx, "ERR-3.1", "204"))
	assert.Error(t, ackField(ctx, "ERR-3.1", "205"))
	assert.NoError(t, ackSays(ctx, "unknown key identifier"))
	assert.NoError(t, ackSays(ctx, "Patient not found"))
	assert.Error(t, ackSays(ctx, "duplicate"))

	msgs := s.Messages.Finish(nil)
	require.Len(t, msgs, 1)
	assert.Equal(t, "AE", msgs[0].Outcome)
}

func TestSendStepsRefuseRealNHSNumbers(t *testing.T) {
	epr := fakeEPR(t, "AA")
	ctx, s := stateFor(t, &refBackend{mllp: epr.Addr()}, "")
	real, err := OutsideTestRanges(nil)
	require.NoError(t, err)
	err = sendWithTable(ctx, "ADT^A08", "Amy Pond", table([2]string{"PID-3[2]", real + "^^^NHS^NH"}))
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Empty(t, epr.Received(), "nothing sent")

	// The one deliberate exception, against the reference EPR only.
	require.NoError(t, sendOutsideRanges(ctx, "ADT^A28"))
	got := epr.Received()
	require.Len(t, got, 1)
	nhs, ok := hl7.NHSNumber(got[0].Message)
	require.True(t, ok)
	n, err := nhsnumber.Parse(nhs)
	require.NoError(t, err)
	assert.False(t, nhsnumber.IsTest(n))
	assert.NoError(t, accepts(ctx))
	_ = s
}

func TestSendFileRelativeToFeature(t *testing.T) {
	epr := fakeEPR(t, "AA")
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "messages"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "messages", "a31.hl7"),
		[]byte("MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A31^ADT_A05|{control_id}|P|2.5.1\nPID|1||{nhs_number}^^^NHS^NH||{family}^{given}\n"), 0o644))
	ctx, _ := stateFor(t, &refBackend{mllp: epr.Addr()}, filepath.Join(dir, "x.feature"))
	require.NoError(t, sendFile(ctx, "messages/a31.hl7", "Amy Pond"))
	got := epr.Received()
	require.Len(t, got, 1)
	assert.Equal(t, "A31", got[0].Message.Trigger())
	nhs, _ := hl7.NHSNumber(got[0].Message)
	assert.Equal(t, amy.NHSNumber, nhs)
}

func TestReferralSteps(t *testing.T) {
	var posted []string
	active := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		posted = append(posted, r.Method+" "+r.URL.Path)
		switch {
		case r.URL.Path == "/fhir/$process-message":
			_, _ = io.WriteString(w, `{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","response":{"code":"ok"}}}]}`)
		case r.Method == http.MethodGet && r.URL.Path == "/fhir/ServiceRequest":
			assert.Equal(t, "https://fhir.nhs.uk/Id/nhs-number|9990000018", r.URL.Query().Get("patient.identifier"))
			status := "revoked"
			if active {
				status = "active"
			}
			_, _ = io.WriteString(w, `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"ServiceRequest","id":"sr1","status":"`+status+`","code":{"text":"Cardiology"},"subject":{"identifier":{"value":"9990000018"}}}}]}`)
		case r.Method == http.MethodPut && r.URL.Path == "/fhir/ServiceRequest/sr1":
			assert.Contains(t, string(body), `"status":"revoked"`)
			active = false
			_, _ = io.WriteString(w, string(body))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	ctx, s := stateFor(t, &refBackend{base: srv.URL}, "")

	require.NoError(t, refer(ctx, "Amy Pond", "Cardiology", "Chest pain on exertion"))
	assert.NoError(t, acceptsFHIR(ctx))
	assert.Error(t, rejectsFHIR(ctx))
	assert.NoError(t, hasActiveReferral(ctx, "Amy Pond", "Cardiology"))
	assert.Error(t, hasActiveReferral(ctx, "Amy Pond", "Dermatology"))
	require.NoError(t, withdraw(ctx, "Amy Pond", "Cardiology"))
	assert.NoError(t, acceptsFHIR(ctx))
	assert.NoError(t, hasNoActiveReferral(ctx, "Amy Pond", "Cardiology"))
	err := hasActiveReferral(ctx, "Amy Pond", "Cardiology")
	require.Error(t, err)
	assert.Equal(t, results.KindAssertion, failure.Classify(err))
	assert.Equal(t, []string{"POST /fhir/$process-message", "GET /fhir/ServiceRequest", "GET /fhir/ServiceRequest", "GET /fhir/ServiceRequest", "PUT /fhir/ServiceRequest/sr1", "GET /fhir/ServiceRequest", "GET /fhir/ServiceRequest"}, posted)
	msgs := s.Messages.Finish(nil)
	assert.Len(t, msgs, len(posted), "every FHIR exchange is evidence")
	assert.Equal(t, "Bundle/message", msgs[0].Type)
	assert.True(t, strings.HasPrefix(msgs[0].Text, "POST "+srv.URL+"/fhir/$process-message"))
}

func TestSubscriptionAndNotificationSteps(t *testing.T) {
	var endpoint string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sub map[string]any
		_ = json.NewDecoder(r.Body).Decode(&sub)
		assert.Equal(t, "Appointment?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018", sub["criteria"])
		ch := sub["channel"].(map[string]any)
		assert.Equal(t, "rest-hook", ch["type"])
		endpoint = ch["endpoint"].(string)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	ctx, _ := stateFor(t, &refBackend{base: srv.URL}, "")
	require.NoError(t, subscribe(ctx, "Amy Pond"))
	require.NotEmpty(t, endpoint)

	err := notified(ctx, "Amy Pond", "booked")
	require.Error(t, err, "nothing sent yet")
	assert.Equal(t, results.KindAssertion, failure.Classify(err))

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, endpoint+"/Appointment/5", strings.NewReader(`{"resourceType":"Appointment","id":"5","status":"booked"}`))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.NoError(t, notified(ctx, "Amy Pond", "booked"))
	assert.Error(t, notified(ctx, "Amy Pond", "cancelled"))
}

func TestFHIRTemplatesGetFHIRForms(t *testing.T) {
	v := fhirFormats(testVals(), amy)
	assert.Equal(t, "1989-03-14", v["birth_date"])
	assert.Equal(t, "2026-06-01", v["today"])
	assert.Equal(t, "2026-06-01T09:30:00Z", v["now"])
	assert.Equal(t, "female", v["gender"])
	assert.Equal(t, "9990000018", v["nhs_number"])
	body, err := fillJSON(`{"authoredOn": "{today}", "subject": {"identifier": {"value": "{nhs_number}"}}}`, v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"authoredOn": "2026-06-01", "subject": {"identifier": {"value": "9990000018"}}}`, body)
}

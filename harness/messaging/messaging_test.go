package messaging

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/harness/results"
)

const (
	amy  = "9990000018"
	rory = "9990000026"
)

// fakeBackend is a reference-EPR-like backend: it knows its MLLP address.
type fakeBackend struct{ base, mllp string }

func (f *fakeBackend) BaseURL() string                 { return f.base }
func (f *fakeBackend) Reset(context.Context) error     { return nil }
func (f *fakeBackend) Terminate(context.Context) error { return nil }
func (f *fakeBackend) Describe() results.Target        { return results.Target{} }
func (f *fakeBackend) MLLPAddr() string                { return f.mllp }
func (f *fakeBackend) CallbackHost() string            { return "127.0.0.1" }

// plainBackend is any other EPR.
type plainBackend struct{ base string }

func (p *plainBackend) BaseURL() string                 { return p.base }
func (p *plainBackend) Reset(context.Context) error     { return nil }
func (p *plainBackend) Terminate(context.Context) error { return nil }
func (p *plainBackend) Describe() results.Target        { return results.Target{} }

func hub(t *testing.T, cfg Config) *Hub {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 300 * time.Millisecond
	}
	h, err := Start(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	return h
}

func adt(t *testing.T, trigger, nhs string) *hl7.Message {
	t.Helper()
	m, err := hl7.FromFields("ADT^"+trigger, [][2]string{{"PID-3", nhs + "^^^NHS^NH"}, {"PID-5", "POND^Amy"}})
	require.NoError(t, err)
	return m
}

// feed sends msg to the listener at addr as the EPR's outbound feed would.
func feed(t *testing.T, addr string, msg *hl7.Message) {
	t.Helper()
	raw, err := msg.Encode("")
	require.NoError(t, err)
	_, err = mllp.Send(t.Context(), addr, raw)
	require.NoError(t, err)
}

func TestSendHL7RecordsTheExchange(t *testing.T) {
	epr, err := mllp.Listen(t.Context(), "")
	require.NoError(t, err)
	defer epr.Close()
	h := hub(t, Config{PerBackend: true})
	s := h.NewScenario(ScenarioOptions{Backend: &fakeBackend{mllp: epr.Addr()}, Step: func() int { return 2 }})

	msg := adt(t, "A08", amy)
	ack, err := s.SendHL7(t.Context(), msg)
	require.NoError(t, err)
	code, _ := ack.Text("MSA-1")
	assert.Equal(t, "AA", code)
	assert.Same(t, ack, s.LastAck)
	got := epr.Received()
	require.Len(t, got, 1)
	assert.Equal(t, msg.ControlID(), got[0].Message.ControlID())

	msgs := s.Finish(nil)
	require.Len(t, msgs, 1)
	m := msgs[0]
	assert.Equal(t, 2, m.Step)
	assert.Equal(t, results.ProtocolHL7v2, m.Protocol)
	assert.Equal(t, results.Sent, m.Direction)
	assert.Equal(t, "ADT^A08", m.Type)
	assert.Equal(t, msg.ControlID(), m.ControlID)
	assert.Equal(t, epr.Addr(), m.Peer)
	assert.Equal(t, "AA", m.Outcome)
	assert.Contains(t, m.Text, "\nPID|")
	assert.NotContains(t, m.Text, "\r")
	assert.Contains(t, m.Answer, "MSA|AA|"+msg.ControlID())
}

func TestSendHL7ToNothingIsAHarnessFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())

	h := hub(t, Config{MLLPAddress: closed})
	s := h.NewScenario(ScenarioOptions{Backend: &plainBackend{}})
	_, err = s.SendHL7(t.Context(), adt(t, "A08", amy))
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), closed)
	assert.Contains(t, err.Error(), SettingMLLPAddress)
	msgs := s.Finish(nil)
	require.Len(t, msgs, 1)
	assert.NotEmpty(t, msgs[0].Error)
	assert.Empty(t, msgs[0].Outcome)

	// No address at all says which setting to set.
	s = hub(t, Config{}).NewScenario(ScenarioOptions{Backend: &plainBackend{}})
	_, err = s.SendHL7(t.Context(), adt(t, "A08", amy))
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), "set mllp-address")
}

func TestSendHL7WithoutAnAnswerIsAHarnessFailure(t *testing.T) {
	silent, err := mllp.Listen(t.Context(), "", mllp.WithHandler(func(mllp.Received) []byte { return nil }))
	require.NoError(t, err)
	defer silent.Close()
	h := hub(t, Config{Timeout: 200 * time.Millisecond})
	s := h.NewScenario(ScenarioOptions{Backend: &fakeBackend{mllp: silent.Addr()}})
	start := time.Now()
	_, err = s.SendHL7(t.Context(), adt(t, "A08", amy))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), "message-timeout")
}

// Per-backend listener: a scenario sees what arrived since it started,
// each message once, and a timeout lists what did arrive.
func TestPerBackendMailbox(t *testing.T) {
	h := hub(t, Config{PerBackend: true})
	ctx, bind, err := h.ForBackend(t.Context())
	require.NoError(t, err)
	cb, ok := backend.CallbacksFrom(ctx)
	require.True(t, ok)
	require.NotZero(t, cb.MLLPPort)
	be := &fakeBackend{}
	bind(be)
	feedAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(cb.MLLPPort))

	feed(t, feedAddr, adt(t, "A01", amy)) // before the scenario: not its own
	s := h.NewScenario(ScenarioOptions{Backend: be, Step: func() int { return 1 }, Patients: func() []string { return []string{amy} }})
	_, err = s.WaitHL7(t.Context(), Match{Type: "ADT", Trigger: "A01", NHSNumber: amy})
	require.Error(t, err, "a message from before the scenario is not found")
	assert.Equal(t, results.KindAssertion, failure.Classify(err))
	assert.Contains(t, err.Error(), "nothing arrived for this scenario")

	a01 := adt(t, "A01", amy)
	feed(t, feedAddr, a01)
	feed(t, feedAddr, adt(t, "A03", amy))
	got, err := s.WaitHL7(t.Context(), Match{Type: "ADT", Trigger: "A01", NHSNumber: amy})
	require.NoError(t, err)
	assert.Equal(t, a01.ControlID(), got.ControlID())
	assert.Same(t, got, s.LastReceived)

	_, err = s.WaitHL7(t.Context(), Match{Type: "ADT", Trigger: "A01", NHSNumber: amy})
	require.Error(t, err, "a message found is not found again")
	assert.Contains(t, err.Error(), "2 arrived for this scenario")
	assert.Contains(t, err.Error(), "ADT^A03")
	assert.Contains(t, err.Error(), "patient "+amy)

	msgs := s.Finish(nil)
	require.Len(t, msgs, 2)
	assert.Equal(t, "ADT^A01", msgs[0].Type)
	assert.Equal(t, 1, msgs[0].Step)
	assert.Equal(t, results.Received, msgs[0].Direction)
	assert.Equal(t, "AA", msgs[0].Outcome, "the harness's own ACK")
	assert.Equal(t, "ADT^A03", msgs[1].Type)
	assert.Equal(t, -1, msgs[1].Step, "arrived but no step asked for it")
}

// Shared listener (url, compose): parallel scenarios see only messages
// naming their own patients.
func TestSharedListenerFiltersByPatient(t *testing.T) {
	h := hub(t, Config{MLLPListen: "127.0.0.1:0"})
	addr := h.SharedMLLP()
	require.NotEmpty(t, addr)
	be := &plainBackend{}
	s1 := h.NewScenario(ScenarioOptions{Backend: be, Patients: func() []string { return []string{amy} }})
	s2 := h.NewScenario(ScenarioOptions{Backend: be, Patients: func() []string { return []string{rory} }})

	feed(t, addr, adt(t, "A01", amy))
	feed(t, addr, adt(t, "A01", rory))
	noPID, err := hl7.FromFields("ACK^A01", [][2]string{{"MSA-1", "AA"}})
	require.NoError(t, err)
	feed(t, addr, noPID)

	got, err := s2.WaitHL7(t.Context(), Match{Type: "ADT", Trigger: "A01", NHSNumber: rory})
	require.NoError(t, err)
	assert.True(t, names(got, rory))
	_, err = s2.WaitHL7(t.Context(), Match{Type: "ADT", Trigger: "A01"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), amy, "another scenario's patient is never listed")

	m1 := s1.Finish(nil)
	require.Len(t, m1, 1)
	assert.Contains(t, m1[0].Text, amy)
	assert.Equal(t, -1, m1[0].Step)
	m2 := s2.Finish(nil)
	require.Len(t, m2, 1)
	assert.Contains(t, m2[0].Text, rory)
}

func TestWaitWithoutListenerSaysToSetMLLPListen(t *testing.T) {
	s := hub(t, Config{}).NewScenario(ScenarioOptions{Backend: &plainBackend{}})
	_, err := s.WaitHL7(t.Context(), Match{Type: "ADT", Trigger: "A01", NHSNumber: amy})
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), "set mllp-listen")
}

func put(t *testing.T, url, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestNotificationsArePerScenario(t *testing.T) {
	h := hub(t, Config{CallbackHost: "127.0.0.1"})
	s1 := h.NewScenario(ScenarioOptions{Backend: &plainBackend{}})
	s2 := h.NewScenario(ScenarioOptions{Backend: &plainBackend{}})
	require.NotEqual(t, s1.NotifyURL(), s2.NotifyURL())
	assert.True(t, strings.HasPrefix(s1.NotifyURL(), "http://127.0.0.1:"), s1.NotifyURL())

	booked := `{"resourceType":"Appointment","id":"42","status":"booked"}`
	assert.Equal(t, http.StatusOK, put(t, s1.NotifyURL()+"/Appointment/42", booked))
	isBooked := func(n Notification) bool { return strings.Contains(string(n.Body), `"booked"`) }

	n, err := s1.WaitNotification(t.Context(), "booked appointment", isBooked)
	require.NoError(t, err)
	assert.Equal(t, http.MethodPut, n.Method)
	assert.Equal(t, "/Appointment/42", n.Path)
	_, err = s2.WaitNotification(t.Context(), "booked appointment", isBooked)
	require.Error(t, err, "another scenario's notification")
	assert.Contains(t, err.Error(), "no notification arrived for this scenario")
	assert.Equal(t, results.KindAssertion, failure.Classify(err))

	// A second notification no step asks for is still recorded.
	assert.Equal(t, http.StatusOK, put(t, s1.NotifyURL()+"/Appointment/42", `{"resourceType":"Appointment","id":"42","status":"cancelled"}`))
	require.Eventually(t, func() bool { got, _ := s1.box.snapshot(); return len(got) == 2 }, 2*time.Second, 10*time.Millisecond)
	msgs := s1.Finish(nil)
	require.Len(t, msgs, 2)
	assert.Equal(t, "Appointment notification", msgs[0].Type)
	assert.Equal(t, "42", msgs[0].ControlID)
	assert.Equal(t, results.Received, msgs[0].Direction)
	assert.Contains(t, msgs[0].Text, "PUT "+s1.NotifyURL()+"/Appointment/42")
	assert.Equal(t, -1, msgs[1].Step)

	// After Finish the key is gone: later notifications are not kept.
	assert.Equal(t, http.StatusOK, put(t, s1.NotifyURL()+"/Appointment/42", booked))
	assert.Len(t, s1.Finish(nil), 2)
}

func TestNotifyURLUsesTheBackendsCallbackHost(t *testing.T) {
	h := hub(t, Config{})
	s := h.NewScenario(ScenarioOptions{Backend: &dockerish{}})
	assert.True(t, strings.HasPrefix(s.NotifyURL(), "http://host.docker.internal:"), s.NotifyURL())
	h2 := hub(t, Config{CallbackHost: "harness.test"})
	s2 := h2.NewScenario(ScenarioOptions{Backend: &dockerish{}})
	assert.True(t, strings.HasPrefix(s2.NotifyURL(), "http://harness.test:"), "the setting wins")
}

type dockerish struct{ fakeBackend }

func (d *dockerish) CallbackHost() string { return "host.docker.internal" }

func TestFHIR(t *testing.T) {
	var gotPath, gotType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotType = r.URL.Path, r.Header.Get("Content-Type")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"resourceType":"Subscription","id":"7"}`)
	}))
	defer srv.Close()
	h := hub(t, Config{})
	s := h.NewScenario(ScenarioOptions{Backend: &plainBackend{base: srv.URL}, BaseURL: srv.URL})
	assert.Equal(t, srv.URL+"/fhir", s.FHIRBase())
	resp, err := s.FHIR(t.Context(), http.MethodPost, "Subscription", []byte(`{"resourceType":"Subscription"}`), "Subscription", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.Status)
	assert.Equal(t, "/fhir/Subscription", gotPath)
	assert.Equal(t, "application/fhir+json", gotType)
	msgs := s.Finish(strings.ToUpper)
	require.Len(t, msgs, 1)
	assert.Equal(t, "201", msgs[0].Outcome)
	assert.Equal(t, results.ProtocolFHIR, msgs[0].Protocol)
	assert.Contains(t, msgs[0].Text, "POST "+strings.ToUpper(srv.URL)+"/FHIR/SUBSCRIPTION", "redacted by the function given")

	// fhir-url wins; a path is on the EPR.
	h2 := hub(t, Config{FHIRURL: "/r4/"})
	assert.Equal(t, srv.URL+"/r4", h2.NewScenario(ScenarioOptions{Backend: &plainBackend{}, BaseURL: srv.URL}).FHIRBase())

	// Not reaching the FHIR API is the harness's failure, naming the URL.
	srv.Close()
	_, err = s.FHIR(t.Context(), http.MethodGet, "ServiceRequest", nil, "ServiceRequest search", "")
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Contains(t, err.Error(), srv.URL+"/fhir/ServiceRequest")
	assert.Contains(t, err.Error(), SettingFHIRURL)
}

func TestCorrelationNamesTheScenarioInAZTSSegment(t *testing.T) {
	msg, err := hl7.Parse([]byte("MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|20260601090000||ADT^A08^ADT_A01|C1|P|2.5.1\rPID|1||9990000018^^^NHS^NH\r"))
	if err != nil {
		t.Fatal(err)
	}
	plain := (&Scenario{}).correlated(msg)
	if plain != msg {
		t.Fatal("without a correlation the message must go as it is")
	}
	named := (&Scenario{opts: ScenarioOptions{Correlation: "features/messaging.feature:15"}}).correlated(msg)
	if got, _ := named.Text("ZTS-1"); got != "features/messaging.feature:15" {
		t.Fatalf("ZTS-1 = %q\n%s", got, named)
	}
	if got, _ := msg.Text("ZTS-1"); got != "" {
		t.Fatalf("the caller's message changed: %s", msg)
	}
	again := (&Scenario{opts: ScenarioOptions{Correlation: "other"}}).correlated(named)
	if got, _ := again.Text("ZTS-1"); got != "features/messaging.feature:15" {
		t.Fatalf("a message that names its scenario keeps it: %q", got)
	}
}

// valueBackend is a backend held by value with a func in it (as a reset
// wrapper may be): it cannot be a map key.
type valueBackend struct {
	base  string
	reset func(context.Context) error
}

func (v valueBackend) BaseURL() string                 { return v.base }
func (v valueBackend) Reset(ctx context.Context) error { return v.reset(ctx) }
func (v valueBackend) Terminate(context.Context) error { return nil }
func (v valueBackend) Describe() results.Target        { return results.Target{} }

// A backend that cannot be a map key gets no listener of its own, and
// neither binding nor a scenario on it panics (the url backend with reset
// none or unique once did, and starved the run of backends).
func TestBackendThatIsNoMapKey(t *testing.T) {
	for _, perBackend := range []bool{true, false} {
		h := hub(t, Config{PerBackend: perBackend})
		_, bind, err := h.ForBackend(t.Context())
		require.NoError(t, err)
		be := valueBackend{base: "http://127.0.0.1:1", reset: func(context.Context) error { return nil }}
		assert.NotPanics(t, func() { bind(be) })
		var s *Scenario
		assert.NotPanics(t, func() { s = h.NewScenario(ScenarioOptions{Backend: be}) })
		l, shared := h.listenerFor(be)
		assert.True(t, shared)
		assert.Nil(t, l)
		assert.NotNil(t, s)
	}
}

// described is a backend.Messaging that says which backend it is.
type described struct {
	fakeBackend
	name string
}

func (d *described) Describe() results.Target { return results.Target{Backend: d.name} }

// Only the reference EPR's own backends count as the reference EPR: a
// compose backend knows its EPR's MLLP port (mllp-service) but runs an EPR
// the harness knows only by configuration, which may hold real data.
func TestReferenceEPR(t *testing.T) {
	h := hub(t, Config{})
	for be, want := range map[backend.Backend]bool{
		&described{name: "docker"}:          true,
		&described{name: "embedded:refepr"}: true,
		&described{name: "embedded"}:        true,
		&described{name: "compose"}:         false,
		&described{name: "url"}:             false,
		&described{name: "embeddedx"}:       false,
		&described{name: ""}:                false,
		&plainBackend{}:                     false,
	} {
		assert.Equal(t, want, h.NewScenario(ScenarioOptions{Backend: be}).ReferenceEPR(), "%T %v", be, be.Describe().Backend)
	}
}

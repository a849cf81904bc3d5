package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/nhsnumber"
)

// ScenarioOptions describe the scenario a Scenario serves.
type ScenarioOptions struct {
	// Backend is the worker's backend the scenario runs on.
	Backend backend.Backend
	// BaseURL is the EPR's base URL (the FHIR base is BaseURL + /fhir
	// unless fhir-url is set).
	BaseURL string
	// HTTP sends the FHIR requests (nil: a client with the message
	// timeout).
	HTTP *http.Client
	// Step gives the index, in the scenario's results.Scenario.Steps, of
	// the step running now (nil: 0).
	Step func() int
	// Patients gives the NHS numbers of the scenario's patients, for
	// telling its messages from other scenarios' on a shared listener.
	Patients func() []string
	// Correlation, when set (the run has a correlation-header), names the
	// scenario in each HL7 v2 message sent, in a ZTS segment (ZTS-1), as
	// the header names it on HTTP requests: the reference EPR's defect
	// trace reads it. Z segments are HL7's place for local additions;
	// an EPR that does not know ZTS ignores it.
	Correlation string
}

// Scenario is one scenario's view of the hub. See the package doc.
type Scenario struct {
	hub      *Hub
	opts     ScenarioOptions
	key      string
	listener *mllp.Listener
	shared   bool
	box      *box
	started  time.Time
	// before are the messages on the listener when the scenario started;
	// taken those a step found (neither is found again).
	before map[*hl7.Message]bool
	taken  map[*hl7.Message]bool
	// takenNotes are the indexes of the notifications a step took.
	takenNotes map[int]bool
	// named are NHS numbers the scenario's messaging steps named.
	named map[string]bool

	mu       sync.Mutex
	messages []results.Message
	finished bool

	// LastAck is the acknowledgement of the last HL7 v2 message sent
	// (nil before any, or when none came back).
	LastAck *hl7.Message
	// LastReceived is the last HL7 v2 message a receive step found.
	LastReceived *hl7.Message
	// LastResponse is the EPR's answer to the last FHIR request sent.
	LastResponse *FHIRResponse
}

// NewScenario opens a scenario's view: its listener is its backend's (or
// the shared one), and its notification key is fresh.
func (h *Hub) NewScenario(opts ScenarioOptions) *Scenario {
	s := &Scenario{hub: h, opts: opts, key: newKey(), started: h.cfg.Now(),
		before: map[*hl7.Message]bool{}, taken: map[*hl7.Message]bool{}, takenNotes: map[int]bool{}, named: map[string]bool{}}
	s.listener, s.shared = h.listenerFor(opts.Backend)
	if s.listener != nil {
		for _, r := range s.listener.Received() {
			if r.Message != nil {
				s.before[r.Message] = true
			}
		}
	}
	s.box = h.notify.open(s.key)
	return s
}

// TestRanges are the NHS number ranges allowed besides 999….
func (s *Scenario) TestRanges() []nhsnumber.Range { return s.hub.cfg.TestRanges }

// Name notes an NHS number as one of the scenario's patients.
func (s *Scenario) Name(nhs string) {
	if nhs = nhsnumber.Normalise(nhs); nhs != "" {
		s.named[nhs] = true
	}
}

func (s *Scenario) step() int {
	if s.opts.Step == nil {
		return 0
	}
	return s.opts.Step()
}

func (s *Scenario) record(m results.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
}

// MLLPAddr is the EPR's inbound MLLP address: mllp-address, else the
// backend's own.
func (s *Scenario) MLLPAddr() string {
	if a := s.hub.cfg.MLLPAddress; a != "" {
		return a
	}
	if m, ok := s.opts.Backend.(backend.Messaging); ok {
		return m.MLLPAddr()
	}
	return ""
}

// ReferenceEPR reports whether the scenario's backend runs the reference
// EPR, which holds synthetic data only: a backend.Messaging of the
// reference EPR's own backends (embedded, docker). A compose backend
// implements backend.Messaging too (mllp-service), but runs an EPR the
// harness knows only by configuration.
func (s *Scenario) ReferenceEPR() bool {
	if _, ok := s.opts.Backend.(backend.Messaging); !ok {
		return false
	}
	return referenceBackend(s.opts.Backend.Describe().Backend)
}

// referenceBackend reports whether a backend named so in its Describe
// (results.Target.Backend) is one of the reference EPR's: "docker",
// "embedded" or "embedded:<name>".
func referenceBackend(name string) bool {
	return name == "docker" || name == "embedded" || strings.HasPrefix(name, "embedded:")
}

// FHIRBase is the EPR's FHIR base URL: fhir-url, else base URL + /fhir.
func (s *Scenario) FHIRBase() string {
	if u := s.hub.cfg.FHIRURL; u != "" {
		if strings.HasPrefix(u, "/") { // a path on the EPR
			return strings.TrimSuffix(s.opts.BaseURL, "/") + strings.TrimSuffix(u, "/")
		}
		return strings.TrimSuffix(u, "/")
	}
	return strings.TrimSuffix(s.opts.BaseURL, "/") + "/fhir"
}

// NotifyURL is the endpoint a Subscription of this scenario gives the
// EPR: http://{callback host}:{port}/notify/{key}.
func (s *Scenario) NotifyURL() string {
	host := s.hub.cfg.CallbackHost
	if host == "" {
		if m, ok := s.opts.Backend.(backend.Messaging); ok {
			host = m.CallbackHost()
		}
	}
	if host == "" {
		host = "127.0.0.1"
	}
	_, port, _ := net.SplitHostPort(s.hub.notify.addr())
	return "http://" + net.JoinHostPort(host, port) + "/notify/" + s.key
}

// SendHL7 sends msg to the EPR's inbound MLLP address and returns its
// acknowledgement, recording the exchange. Not reaching the EPR, or no
// acknowledgement within the message timeout, is a harness failure
// naming the address and the setting; an acknowledgement that does not
// parse is the EPR's (an assertion failure).
func (s *Scenario) SendHL7(ctx context.Context, msg *hl7.Message) (*hl7.Message, error) {
	msg = s.correlated(msg)
	rec := results.Message{Step: s.step(), Protocol: results.ProtocolHL7v2, Direction: results.Sent, At: s.hub.cfg.Now(),
		Type: typeOf(msg), ControlID: msg.ControlID(), Text: msg.String()}
	s.LastAck = nil
	if nhs, ok := patientOf(msg); ok {
		s.Name(nhs)
	}
	addr := s.MLLPAddr()
	rec.Peer = addr
	if addr == "" {
		err := fmt.Errorf("send %s: the EPR has no HL7 v2 MLLP address: set %s (host:port of its inbound interface)", rec.Type, SettingMLLPAddress)
		rec.Error = err.Error()
		s.record(rec)
		return nil, failure.Harness(err)
	}
	raw, err := msg.Encode("")
	if err != nil {
		rec.Error = err.Error()
		s.record(rec)
		return nil, failure.Harness(fmt.Errorf("send %s: %w", rec.Type, err))
	}
	t := s.hub.cfg.Timeout
	ackRaw, err := mllp.Send(ctx, addr, raw, mllp.WithDialTimeout(t), mllp.WithIOTimeout(t))
	if err != nil {
		rec.Error = err.Error()
		s.record(rec)
		return nil, failure.Harness(fmt.Errorf("send %s: %w (the EPR's inbound HL7 v2 interface at %s, setting %s; waited up to %s, setting message-timeout)", rec.Type, err, addr, SettingMLLPAddress, t))
	}
	ack, perr := hl7.Parse(ackRaw)
	if perr != nil {
		rec.Answer = rawText(ackRaw)
		rec.Error = "acknowledgement does not parse: " + perr.Error()
		s.record(rec)
		return nil, fmt.Errorf("send %s: the EPR's acknowledgement does not parse: %w", rec.Type, perr)
	}
	rec.Answer = ack.String()
	rec.Outcome, _ = ack.Text("MSA-1")
	s.record(rec)
	s.LastAck = ack
	return ack, nil
}

// Match selects HL7 v2 messages: by message type ("ADT"), trigger ("A01",
// empty for any) and patient NHS number (empty for any).
type Match struct {
	Type, Trigger, NHSNumber string
}

func (m Match) String() string {
	s := m.Type
	if m.Trigger != "" {
		s += "^" + m.Trigger
	}
	if m.NHSNumber != "" {
		s += " for NHS number " + m.NHSNumber
	}
	return s
}

func (m Match) matches(msg *hl7.Message) bool {
	if !strings.EqualFold(msg.Type(), m.Type) || (m.Trigger != "" && !strings.EqualFold(msg.Trigger(), m.Trigger)) {
		return false
	}
	return m.NHSNumber == "" || names(msg, m.NHSNumber)
}

// names reports whether msg's PID-3 names nhs in any repetition (with
// the NHS as authority or not).
func names(msg *hl7.Message, nhs string) bool {
	for _, id := range hl7.PatientIDs(msg) {
		if nhsnumber.Normalise(id.ID) == nhs {
			return true
		}
	}
	return false
}

// patientOf is the message's NHS number: the PID-3 repetition with the
// NHS as authority, else the first ten-digit one.
func patientOf(msg *hl7.Message) (string, bool) {
	if n, ok := hl7.NHSNumber(msg); ok {
		return nhsnumber.Normalise(n), true
	}
	for _, id := range hl7.PatientIDs(msg) {
		if nhsnumber.Valid(id.ID) {
			return nhsnumber.Normalise(id.ID), true
		}
	}
	return "", false
}

// ErrNoListener is wrapped when the scenario has no MLLP listener.
var ErrNoListener = errors.New("the harness is not listening for the EPR's HL7 v2 feed")

// WaitHL7 waits up to the message timeout for a message matching m that
// arrived on the scenario's listener since it started and that no step
// found before, records it and returns it. Nothing arriving is an
// assertion failure listing what did arrive for this scenario; no
// listener is a harness failure saying to set mllp-listen.
func (s *Scenario) WaitHL7(ctx context.Context, m Match) (*hl7.Message, error) {
	if m.NHSNumber != "" {
		s.Name(m.NHSNumber)
	}
	if s.listener == nil {
		return nil, failure.Harness(fmt.Errorf("wait for %s: %w: set %s (host:port, e.g. 0.0.0.0:2576) and point the EPR's outbound interface at it", m, ErrNoListener, SettingMLLPListen))
	}
	wctx, cancel := context.WithTimeout(ctx, s.hub.cfg.Timeout)
	defer cancel()
	known := s.patients()
	got, err := s.listener.Wait(wctx, func(msg *hl7.Message) bool {
		return !s.before[msg] && !s.taken[msg] && m.matches(msg) && s.belongs(msg, known)
	})
	if err != nil {
		switch {
		case ctx.Err() != nil: // the scenario was stopped
			return nil, fmt.Errorf("wait for %s: %w", m, ctx.Err())
		case wctx.Err() == nil: // the listener closed under the step
			return nil, failure.Harness(fmt.Errorf("wait for %s: %w", m, err))
		}
		return nil, fmt.Errorf("the EPR sent no %s to %s within %s (setting message-timeout); %s", m, s.listener.Addr(), s.hub.cfg.Timeout, s.arrived())
	}
	s.taken[got] = true
	for _, r := range s.listener.Received() {
		if r.Message == got {
			s.record(receivedMessage(r, s.step()))
			break
		}
	}
	s.LastReceived = got
	return got, nil
}

// mine returns the received messages that belong to this scenario:
// arrived since it started and, on a shared listener (or when the message
// names a patient and the scenario knows its patients), naming one of its
// patients.
func (s *Scenario) mine() []mllp.Received {
	if s.listener == nil {
		return nil
	}
	known := s.patients()
	var out []mllp.Received
	for _, r := range s.listener.Received() {
		if r.Message == nil {
			if !s.shared && !r.At.Before(s.started) {
				out = append(out, r)
			}
			continue
		}
		if !s.before[r.Message] && s.belongs(r.Message, known) {
			out = append(out, r)
		}
	}
	return out
}

// belongs reports whether a message that arrived after the scenario
// started is the scenario's, given its patients' NHS numbers: one naming
// a patient must name one of them; on a shared listener one naming no
// patient is nobody's.
func (s *Scenario) belongs(msg *hl7.Message, known map[string]bool) bool {
	nhs, ok := patientOf(msg)
	switch {
	case !ok:
		return !s.shared
	case len(known) == 0:
		return !s.shared
	}
	return known[nhs]
}

func (s *Scenario) patients() map[string]bool {
	known := map[string]bool{}
	for n := range s.named {
		known[n] = true
	}
	if s.opts.Patients != nil {
		for _, n := range s.opts.Patients() {
			if n = nhsnumber.Normalise(n); n != "" {
				known[n] = true
			}
		}
	}
	return known
}

// arrived lists this scenario's received messages for a failure message.
func (s *Scenario) arrived() string {
	got := s.mine()
	if len(got) == 0 {
		return "nothing arrived for this scenario"
	}
	lines := make([]string, len(got))
	for i, r := range got {
		lines[i] = fmt.Sprintf("%d. %s", i+1, summary(r))
	}
	return fmt.Sprintf("%d arrived for this scenario: %s", len(got), strings.Join(lines, "; "))
}

func summary(r mllp.Received) string {
	if r.Message == nil {
		return r.Summary()
	}
	nhs, _ := patientOf(r.Message)
	if nhs == "" {
		nhs = "none"
	}
	return fmt.Sprintf("%s control id %q patient %s at %s", typeOf(r.Message), r.Message.ControlID(), nhs, r.At.Format("15:04:05.000"))
}

// WaitNotification waits up to the message timeout for a notification to
// the scenario's endpoint that no step took before and for which match
// is true; it records it and returns it. what names it for the failure
// message ("a notification that the appointment is booked").
func (s *Scenario) WaitNotification(ctx context.Context, what string, match func(Notification) bool) (Notification, error) {
	ctx, cancel := context.WithTimeout(ctx, s.hub.cfg.Timeout)
	defer cancel()
	for {
		got, changed := s.box.snapshot()
		for i, n := range got {
			if !s.takenNotes[i] && match(n) {
				s.takenNotes[i] = true
				s.record(notificationMessage(n, s.NotifyURL(), s.step()))
				return n, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Notification{}, fmt.Errorf("the EPR sent no %s to %s within %s (setting message-timeout); %s", what, s.NotifyURL(), s.hub.cfg.Timeout, notesArrived(got))
		}
	}
}

func notesArrived(got []Notification) string {
	if len(got) == 0 {
		return "no notification arrived for this scenario"
	}
	lines := make([]string, len(got))
	for i, n := range got {
		lines[i] = fmt.Sprintf("%d. %s", i+1, n.Summary())
	}
	return fmt.Sprintf("%d notification(s) arrived: %s", len(got), strings.Join(lines, "; "))
}

// FHIRResponse is the EPR's answer to a FHIR request.
type FHIRResponse struct {
	Status   int
	Header   http.Header
	Body     []byte
	URL      string
	Method   string
	Resource string // what was sent or asked for ("Bundle/message")
}

// FHIR sends a FHIR request (method, a URL or a path under the FHIR base,
// a body or nil) and records it; kind names what is sent ("Bundle/message",
// "ServiceRequest", "ServiceRequest search") and id its id, for the
// evidence. Not reaching the EPR is a harness failure naming the URL and
// the setting; any HTTP status is returned, for the steps to judge.
func (s *Scenario) FHIR(ctx context.Context, method, target string, body []byte, kind, id string) (*FHIRResponse, error) {
	u := target
	if !strings.Contains(target, "://") {
		u = s.FHIRBase() + "/" + strings.TrimPrefix(target, "/")
		if target == "" {
			u = s.FHIRBase()
		}
	}
	rec := results.Message{Step: s.step(), Protocol: results.ProtocolFHIR, Direction: results.Sent, At: s.hub.cfg.Now(),
		Peer: u, Type: kind, ControlID: id, Text: method + " " + u}
	if len(body) > 0 {
		rec.Text += "\n\n" + pretty(body)
	}
	s.LastResponse = nil
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(ctx, s.hub.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		rec.Error = err.Error()
		s.record(rec)
		return nil, failure.Harness(fmt.Errorf("fhir %s %s: %w (setting %s)", method, u, err, SettingFHIRURL))
	}
	req.Header.Set("Accept", "application/fhir+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	client := s.opts.HTTP
	if client == nil {
		client = &http.Client{Timeout: s.hub.cfg.Timeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		rec.Error = err.Error()
		s.record(rec)
		return nil, failure.Harness(fmt.Errorf("fhir %s %s: cannot reach the EPR's FHIR API (setting %s; waited up to %s, setting message-timeout): %w", method, u, SettingFHIRURL, s.hub.cfg.Timeout, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxNotification))
	if err != nil {
		rec.Error = err.Error()
		s.record(rec)
		return nil, failure.Harness(fmt.Errorf("fhir %s %s: read the answer: %w", method, u, err))
	}
	rec.Outcome = strconv.Itoa(resp.StatusCode)
	rec.Answer = "HTTP " + resp.Status
	if len(data) > 0 {
		rec.Answer += "\n\n" + pretty(data)
	}
	s.record(rec)
	r := &FHIRResponse{Status: resp.StatusCode, Header: resp.Header, Body: data, URL: u, Method: method, Resource: kind}
	s.LastResponse = r
	return r, nil
}

// Finish ends the scenario's view: it stops receiving notifications,
// records the messages that arrived for the scenario but that no step
// asked for (Step -1), and returns every message, in time order. redact,
// when not nil, is applied to each message's texts. Calling it again
// returns the same messages.
func (s *Scenario) Finish(redact func(string) string) []results.Message {
	s.mu.Lock()
	done := s.finished
	s.finished = true
	s.mu.Unlock()
	if !done {
		s.hub.notify.drop(s.key)
		for _, r := range s.mine() {
			if r.Message == nil || !s.taken[r.Message] {
				s.record(receivedMessage(r, -1))
			}
		}
		got, _ := s.box.snapshot()
		for i, n := range got {
			if !s.takenNotes[i] {
				s.record(notificationMessage(n, s.NotifyURL(), -1))
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]results.Message(nil), s.messages...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if redact != nil {
		for i := range out {
			out[i].Text, out[i].Answer, out[i].Error, out[i].Peer = redact(out[i].Text), redact(out[i].Answer), redact(out[i].Error), redact(out[i].Peer)
		}
	}
	return out
}

func typeOf(m *hl7.Message) string {
	t := m.Type()
	if tr := m.Trigger(); tr != "" {
		t += "^" + tr
	}
	return t
}

func receivedMessage(r mllp.Received, step int) results.Message {
	m := results.Message{Step: step, Protocol: results.ProtocolHL7v2, Direction: results.Received, At: r.At, Peer: r.Remote}
	if r.Message != nil {
		m.Type, m.ControlID, m.Text = typeOf(r.Message), r.Message.ControlID(), r.Message.String()
	} else {
		m.Type = "unparseable"
		m.Text = rawText(r.Raw)
		if r.Err != nil {
			m.Error = r.Err.Error()
		}
	}
	if r.Ack != nil {
		if ack, err := hl7.Parse(r.Ack); err == nil {
			m.Answer = ack.String()
			m.Outcome, _ = ack.Text("MSA-1")
		}
	}
	return m
}

func notificationMessage(n Notification, endpoint string, step int) results.Message {
	typ := "notification"
	if rt := jsonField(n.Body, "resourceType"); rt != "" {
		typ = rt + " notification"
	}
	text := n.Method + " " + endpoint + n.Path
	if len(n.Body) > 0 {
		text += "\n\n" + pretty(n.Body)
	}
	return results.Message{Step: step, Protocol: results.ProtocolFHIR, Direction: results.Received, At: n.At, Peer: n.Remote,
		Type: typ, ControlID: jsonField(n.Body, "id"), Text: text, Answer: "HTTP 200 OK", Outcome: "200"}
}

// rawText is an unparsed HL7 v2 message as text: valid UTF-8, one
// segment a line.
func rawText(raw []byte) string {
	return strings.TrimSpace(strings.ReplaceAll(string(bytes.ToValidUTF8(raw, []byte("?"))), "\r", "\n"))
}

// jsonField is a top-level string field of a JSON object, or "".
func jsonField(body []byte, name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var v string
	_ = json.Unmarshal(m[name], &v)
	return v
}

// pretty indents JSON; other text is returned as it is.
func pretty(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") == nil {
		return out.String()
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}

// correlated returns msg with a ZTS segment naming the scenario, when the
// run names scenarios (ScenarioOptions.Correlation) and msg has none.
func (s *Scenario) correlated(msg *hl7.Message) *hl7.Message {
	if s.opts.Correlation == "" {
		return msg
	}
	for _, seg := range msg.Segments() {
		if seg.Name == "ZTS" {
			return msg
		}
	}
	out := msg.Clone()
	if err := out.SetText("ZTS-1", s.opts.Correlation); err != nil {
		return msg
	}
	return out
}

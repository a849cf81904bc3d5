package messaging

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

var clinicalNow = time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)

// rig is an EPR store with the HL7 endpoint and a feed to a GP system
// listener, all on loopback.
type rig struct {
	st    *store.Store
	bus   *events.Bus
	in    *Inbound
	feed  *Feed
	gp    *mllp.Listener
	trace *bytes.Buffer
}

type rigOption func(*Config)

func withDefects(names string) rigOption {
	return func(c *Config) {
		set, err := defects.Parse(names)
		if err != nil {
			panic(err)
		}
		c.Defects = set
	}
}

func newRig(t *testing.T, opts ...rigOption) *rig {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite::memory:", store.Options{Now: func() time.Time { return clinicalNow }})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	gp, err := mllp.Listen(ctx, "")
	require.NoError(t, err)
	t.Cleanup(func() { gp.Close() })
	r := &rig{st: st, bus: &events.Bus{}, gp: gp, trace: &bytes.Buffer{}}
	r.feed = NewFeed(FeedConfig{Addr: gp.Addr(), Store: st, Now: func() time.Time { return clinicalNow },
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	t.Cleanup(func() { _ = r.feed.Close(ctx) })
	r.bus.Subscribe(r.feed.Notify)
	cfg := Config{Store: st, Events: r.bus, Now: func() time.Time { return clinicalNow }, Feed: r.feed}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.Defects = cfg.Defects.WithTrace(defects.NewTrace(r.trace))
	r.in, err = Listen(ctx, "127.0.0.1:0", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { r.in.Close() })
	return r
}

const amy = "9990000018"

// adt builds an ADT message from the PAS: MSH (with MSH-15|MSH-16 modes and
// MSH-18 charset),
// EVN and the segments given, joined by \r.
func adt(trigger, control, charset, modes string, segs ...string) string {
	structure := map[string]string{"A01": "ADT_A01", "A03": "ADT_A03", "A08": "ADT_A01", "A28": "ADT_A05", "A31": "ADT_A05"}[trigger]
	if modes == "" {
		modes = "|"
	}
	msh := fmt.Sprintf("MSH|^~\\&|PAS|RXX|REFEPR|RHQ|20260601093000||ADT^%s^%s|%s|P|2.5|||%s||%s", trigger, structure, control, modes, charset)
	return strings.Join(append([]string{msh, "EVN|" + trigger + "|20260601093000"}, segs...), "\r") + "\r"
}

func pid(nhs, name string, rest ...string) string {
	s := "PID|1||" + nhs + "^^^NHS^NH||" + name
	if len(rest) > 0 {
		s += "|" + strings.Join(rest, "|")
	}
	return s
}

// send sends raw (UTF-8 text, re-encoded to Latin-1 when asked) and parses
// the answer.
func (r *rig) send(t *testing.T, msg string) *hl7.Message {
	t.Helper()
	ack, err := mllp.Send(context.Background(), r.in.Addr(), []byte(msg), mllp.WithIOTimeout(5*time.Second))
	require.NoError(t, err)
	m, err := hl7.Parse(ack)
	require.NoError(t, err, "ack: %q", ack)
	return m
}

func get(t *testing.T, m *hl7.Message, path string) string {
	t.Helper()
	v, err := m.Text(path)
	require.NoError(t, err, path)
	return v
}

func assertAck(t *testing.T, ack *hl7.Message, code, errCode, location, text string) {
	t.Helper()
	assert.Equal(t, code, get(t, ack, "MSA-1"), "MSA-1 of %s", ack)
	if errCode == "" {
		_, err := ack.Get("ERR-1")
		assert.Error(t, err, "no ERR segment: %s", ack)
		return
	}
	assert.Equal(t, errCode, get(t, ack, "ERR-3.1"), "ERR-3.1 of %s", ack)
	if location != "" {
		v, _ := ack.Get("ERR-2")
		assert.Equal(t, location, v, "ERR-2 of %s", ack)
	}
	assert.Contains(t, get(t, ack, "ERR-8"), text, "ERR-8 of %s", ack)
	assert.Contains(t, get(t, ack, "MSA-3"), text)
}

func (r *rig) patient(t *testing.T, nhs string) patient.Patient {
	t.Helper()
	p, err := r.st.PatientByNHSNumber(context.Background(), nhsnumber.Number(nhs))
	require.NoError(t, err)
	return p
}

func (r *rig) register(t *testing.T) patient.Patient {
	t.Helper()
	ack := r.send(t, adt("A28", "REG1", "", "", pid(amy, "Pond^Amy", "", "19870315", "F", "", "", "1 Main Street^Flat 2^Leeds^^LS1 4AP"),
		"PD1|||Leadworth Surgery"))
	assertAck(t, ack, "AA", "", "", "")
	return r.patient(t, amy)
}

func TestA28RegistersAndAcknowledges(t *testing.T) {
	r := newRig(t)
	p := r.register(t)
	assert.Equal(t, "Pond", p.Family)
	assert.Equal(t, []string{"Amy"}, p.Given)
	assert.Equal(t, "1987-03-15", p.BirthDate.String())
	assert.Equal(t, patient.Female, p.Gender)
	assert.Equal(t, []string{"1 Main Street", "Flat 2"}, p.Address.Lines)
	assert.Equal(t, "Leeds", p.Address.City)
	assert.Equal(t, "LS1 4AP", p.Address.PostalCode)
	assert.Equal(t, "Leadworth Surgery", p.GPPractice)

	entries, _, err := r.st.SearchAudit(context.Background(), audit.Query{PatientID: p.ID})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, AuditUser, entries[0].Username)
	assert.Equal(t, audit.RegisterPatient, entries[0].Action)
	assert.Contains(t, entries[0].Details, "HL7 ADT^A28 REG1")

	ack := r.send(t, adt("A28", "REG2", "", "", pid(amy, "Pond^Amy", "", "19870315", "F")))
	assertAck(t, ack, "AE", "205", "PID^1^3", "already registered")
	assert.Equal(t, "REG2", get(t, ack, "MSA-2"))
	assert.Equal(t, "ACK", get(t, ack, "MSH-9.1"))
	assert.Equal(t, "A28", get(t, ack, "MSH-9.2"))
	assert.Equal(t, "REFEPR", get(t, ack, "MSH-3"))
	assert.Equal(t, "RHQ", get(t, ack, "MSH-4"))
	assert.Equal(t, "PAS", get(t, ack, "MSH-5"))
}

func TestA08UpdatesDemographicsAndAddsAllergies(t *testing.T) {
	r := newRig(t)
	p := r.register(t)
	ctx := context.Background()
	ui := allergy.Allergy{PatientID: p.ID, Substance: "Latex", Reaction: "Rash", Severity: allergy.Mild, RecordedBy: "Dr Who"}
	require.NoError(t, r.st.CreateAllergy(ctx, &ui))
	pen := allergy.Allergy{PatientID: p.ID, Substance: "Penicillin", Reaction: "Anaphylaxis", Severity: allergy.Severe, RecordedBy: "Dr Who"}
	require.NoError(t, r.st.CreateAllergy(ctx, &pen))

	ack := r.send(t, adt("A08", "UPD1", "", "",
		pid(amy, "Williams^Amelia^Jessica", "", "", "", "", "", "2 High Street^^York^^YO1 7HH", "", "01234 567890"),
		"PV1|1|O",
		"AL1|1|DA|^penicillin|SV|Anaphylaxis",
		"AL1|2|FA|NUT^Peanut|MO|Swelling of lips"))
	assertAck(t, ack, "AA", "", "", "")
	p = r.patient(t, amy)
	assert.Equal(t, "Williams", p.Family)
	assert.Equal(t, []string{"Amelia", "Jessica"}, p.Given)
	assert.Equal(t, "1987-03-15", p.BirthDate.String(), "an empty PID-7 leaves the birth date alone")
	assert.Equal(t, patient.Female, p.Gender)
	assert.Equal(t, []string{"2 High Street", "York", "YO1 7HH"}, p.Address.Parts())

	all, err := r.st.Allergies(ctx, p.ID)
	require.NoError(t, err)
	var got []string
	for _, a := range all {
		got = append(got, fmt.Sprintf("%s/%s/%s/%s", a.Substance, a.Reaction, a.Severity, a.Status))
	}
	assert.Equal(t, []string{"Latex/Rash/mild/active", "Penicillin/Anaphylaxis/severe/active", "Peanut/Swelling of lips/moderate/active"}, got,
		"recorded allergies kept, a recorded allergen not added twice, a new one added")
	assert.Equal(t, RecordedBy, all[2].RecordedBy)

	entries, _, err := r.st.SearchAudit(ctx, audit.Query{PatientID: p.ID, Username: AuditUser})
	require.NoError(t, err)
	actions := map[audit.Action]string{}
	for _, e := range entries {
		actions[e.Action] = e.Details
	}
	assert.Contains(t, actions[audit.UpdatePatient], "HL7 ADT^A08 UPD1: name, address")
	assert.Contains(t, actions[audit.RecordAllergy], "Peanut (swelling of lips)")

	// A31: demographics; "" clears the address.
	ack = r.send(t, adt("A31", "UPD2", "", "", pid(amy, "", "", "19870316", "O", "", "", `""`)))
	assertAck(t, ack, "AA", "", "", "")
	p = r.patient(t, amy)
	assert.Equal(t, "Williams", p.Family, "an empty PID-5 leaves the name alone")
	assert.Equal(t, "1987-03-16", p.BirthDate.String())
	assert.Equal(t, patient.Other, p.Gender)
	assert.True(t, p.Address.Empty())
}

func TestA01AdmitsAndA03Discharges(t *testing.T) {
	r := newRig(t)
	p := r.register(t)
	ctx := context.Background()

	ack := r.send(t, adt("A01", "ADM1", "", "", pid(amy, "Pond^Amy"), "PV1|1|I|Ward 7^^3"))
	assertAck(t, ack, "AA", "", "", "")
	a, err := r.st.CurrentAdmission(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ward 7", a.WardName)
	assert.Equal(t, "3", a.BedLabel)
	assert.Equal(t, AuditUser, a.AdmittedBy)

	ack = r.send(t, adt("A01", "ADM2", "", "", pid(amy, "Pond^Amy"), "PV1|1|I|Ward 12"))
	assertAck(t, ack, "AE", "207", "PID^1^3", "already admitted")

	require.NoError(t, r.st.CreatePatient(ctx, &patient.Patient{NHSNumber: nhsnumber.TestNumber(2), Family: "Williams", BirthDate: patient.Date{Year: 1980, Month: 1, Day: 1}}))
	rory := nhsnumber.TestNumber(2).String()
	ack = r.send(t, adt("A01", "ADM3", "", "", pid(rory, "Williams^Rory"), "PV1|1|I|Ward 7^^3"))
	assertAck(t, ack, "AE", "207", "PV1^1^3", "occupied")
	ack = r.send(t, adt("A01", "ADM4", "", "", pid(rory, "Williams^Rory"), "PV1|1|I|Ward 99"))
	assertAck(t, ack, "AE", "103", "PV1^1^3", "no ward named")
	ack = r.send(t, adt("A01", "ADM5", "", "", pid(rory, "Williams^Rory"), "PV1|1|I|ward 7^^9"))
	assertAck(t, ack, "AE", "103", "PV1^1^3", `no bed "9"`)
	ack = r.send(t, adt("A01", "ADM6", "", "", pid(rory, "Williams^Rory"), "PV1|1|I|ward 7"))
	assertAck(t, ack, "AA", "", "", "")
	b, err := r.st.CurrentAdmission(ctx, r.patient(t, rory).ID)
	require.NoError(t, err)
	assert.Equal(t, "1", b.BedLabel, "no bed named: the ward's first free bed")
	ack = r.send(t, adt("A01", "ADM7", "", "", pid(rory, "Williams^Rory")))
	assertAck(t, ack, "AR", "100", "", "PV1 segment")
	ack = r.send(t, adt("A01", "ADM8", "", "", pid(rory, "Williams^Rory"), "PV1|1|I"))
	assertAck(t, ack, "AR", "101", "PV1^1^3", "names no ward")

	ack = r.send(t, adt("A03", "DIS1", "", "", pid(amy, "Pond^Amy"), "PV1|1|I|Ward 7^^3"))
	assertAck(t, ack, "AA", "", "", "")
	_, err = r.st.CurrentAdmission(ctx, p.ID)
	assert.ErrorIs(t, err, store.ErrNotAdmitted)
	ack = r.send(t, adt("A03", "DIS2", "", "", pid(amy, "Pond^Amy")))
	assertAck(t, ack, "AE", "207", "PID^1^3", "not admitted")

	entries, _, err := r.st.SearchAudit(ctx, audit.Query{PatientID: p.ID, Username: AuditUser})
	require.NoError(t, err)
	var actions []audit.Action
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	assert.ElementsMatch(t, []audit.Action{audit.RegisterPatient, audit.AdmitPatient, audit.DischargePatient}, actions)

	// Changes that came in over HL7 are not echoed on the feed.
	require.NoError(t, r.feed.Flush(ctx))
	assert.Empty(t, r.gp.Received())
}

func TestRefusals(t *testing.T) {
	r := newRig(t)
	real := "9434765919"
	require.True(t, nhsnumber.Valid(real) && !nhsnumber.IsTest(nhsnumber.Number(real)), "a valid number outside the test ranges")
	cases := []struct {
		name, msg, code, err, location, text string
	}{
		{"unknown patient", adt("A08", "C1", "", "", pid(amy, "Pond^Amy")), "AE", "204", "PID^1^3", "no patient with NHS number 999 000 0018"},
		{"not a test NHS number", adt("A28", "C2", "", "", pid(real, "Pond^Amy", "", "19870315")), "AR", "102", "PID^1^3", "NHS number 9434765919 is not a test NHS number"},
		{"check digit", adt("A28", "C3", "", "", pid("9990000019", "Pond^Amy", "", "19870315")), "AR", "102", "PID^1^3", "fails the Modulus 11 check"},
		{"not ten digits", adt("A28", "C4", "", "", pid("12345", "Pond^Amy", "", "19870315")), "AR", "102", "PID^1^3", "not ten digits"},
		{"no NHS number", adt("A28", "C5", "", "", "PID|1||X123^^^RXX^MR||Pond^Amy||19870315"), "AR", "101", "PID^1^3", "no NHS number"},
		{"no PID", adt("A28", "C6", "", ""), "AR", "100", "", "no PID segment"},
		{"unsupported type", strings.Replace(adt("A01", "C7", "", "", pid(amy, "Pond^Amy")), "ADT^A01^ADT_A01", "ORU^R01^ORU_R01", 1), "AR", "200", "MSH^1^9^1^1", "message type \"ORU\" is not supported"},
		{"unsupported trigger", strings.Replace(adt("A01", "C8", "", "", pid(amy, "Pond^Amy")), "ADT^A01", "ADT^A40", 1), "AR", "201", "MSH^1^9^1^2", "event \"A40\" is not supported"},
		{"processing id", strings.Replace(adt("A28", "C9", "", "", pid(amy, "Pond^Amy", "", "19870315")), "|C9|P|", "|C9|X|", 1), "AR", "202", "MSH^1^11", "processing id \"X\""},
		{"no family name", adt("A28", "C10", "", "", pid(amy, "^Amy", "", "19870315")), "AR", "101", "PID^1^5", "family name"},
		{"no birth date", adt("A28", "C11", "", "", pid(amy, "Pond^Amy")), "AR", "101", "PID^1^7", "date of birth"},
		{"bad birth date", adt("A28", "C12", "", "", pid(amy, "Pond^Amy", "", "1987-03-15")), "AR", "102", "PID^1^7", "is not a date"},
		{"bad sex", adt("A28", "C13", "", "", pid(amy, "Pond^Amy", "", "19870315", "Q")), "AR", "103", "PID^1^8", "not a sex code"},
		{"no allergen", adt("A28", "C14", "", "", pid(amy, "Pond^Amy", "", "19870315"), "AL1|1|DA||SV"), "AR", "101", "AL1^1^3", "names no allergen"},
		{"bad severity", adt("A28", "C15", "", "", pid(amy, "Pond^Amy", "", "19870315"), "AL1|1|DA|^Penicillin|XX"), "AR", "103", "AL1^1^4", "not a severity"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ack := r.send(t, c.msg)
			assertAck(t, ack, c.code, c.err, c.location, c.text)
		})
	}
	t.Run("unparseable", func(t *testing.T) {
		ack := r.send(t, "MSH|^~\\&|PAS|RXX|REFEPR|RHQ|2026||ADT^A28|BAD1|P|2.5\rP!D|1\r")
		assert.Equal(t, "AR", get(t, ack, "MSA-1"))
		assert.Equal(t, "BAD1", get(t, ack, "MSA-2"))
		assert.Equal(t, "102", get(t, ack, "ERR-3.1"))
	})
	_, err := r.st.PatientByNHSNumber(context.Background(), amy)
	assert.ErrorIs(t, err, store.ErrNotFound, "nothing refused was applied")
}

func TestAccentedNamesInEachCharset(t *testing.T) {
	r := newRig(t)
	for i, cs := range []string{"UNICODE UTF-8", "8859/1"} {
		nhs := nhsnumber.TestNumber(10 + i).String()
		m, err := hl7.Build(adt("A28", "Z{i}", cs, "", pid(nhs, "{family}^{given}", "", "19900101", "F")),
			map[string]string{"i": fmt.Sprint(i), "family": "Müller-Ørsted", "given": "Zoë"})
		require.NoError(t, err)
		raw, err := m.Encode("")
		require.NoError(t, err)
		if cs == "8859/1" {
			assert.True(t, bytes.Contains(raw, []byte{'Z', 'o', 0xEB}), "Latin-1 on the wire")
		}
		ackRaw, err := mllp.Send(context.Background(), r.in.Addr(), raw)
		require.NoError(t, err)
		ack, err := hl7.Parse(ackRaw)
		require.NoError(t, err)
		assert.Equal(t, "AA", get(t, ack, "MSA-1"), "%s", ack)
		assert.Equal(t, cs, get(t, ack, "MSH-18"), "answered in the message's character set")
		p := r.patient(t, nhs)
		assert.Equal(t, "Müller-Ørsted", p.Family, cs)
		assert.Equal(t, []string{"Zoë"}, p.Given, cs)
	}
}

func TestEnhancedMode(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	ack := r.send(t, adt("A28", "ENH1", "", "AL|AL", pid(amy, "Pond^Amy", "", "19870315")))
	assertAck(t, ack, "CA", "", "", "")
	app, err := r.gp.Wait(waitCtx(t), func(m *hl7.Message) bool { v, _ := m.Text("MSA-2"); return v == "ENH1" })
	require.NoError(t, err)
	assert.Equal(t, "AA", get(t, app, "MSA-1"), "the application acknowledgement goes to the feed")
	assert.Equal(t, "ACK", get(t, app, "MSH-9.1"))
	assert.NotEqual(t, "ENH1", get(t, app, "MSH-10"), "its own control id")

	// The application fails: the commit is still CA; the application ack is AE.
	ack = r.send(t, adt("A28", "ENH2", "", "AL|AL", pid(amy, "Pond^Amy", "", "19870315")))
	assertAck(t, ack, "CA", "", "", "")
	app, err = r.gp.Wait(waitCtx(t), func(m *hl7.Message) bool { v, _ := m.Text("MSA-2"); return v == "ENH2" })
	require.NoError(t, err)
	assertAck(t, app, "AE", "205", "PID^1^3", "already registered")

	// Content refused: CA, then AR.
	ack = r.send(t, adt("A28", "ENH3", "", "AL|ER", pid("9990000019", "Pond^Amy", "", "19870315")))
	assertAck(t, ack, "CA", "", "", "")
	app, err = r.gp.Wait(waitCtx(t), func(m *hl7.Message) bool { v, _ := m.Text("MSA-2"); return v == "ENH3" })
	require.NoError(t, err)
	assertAck(t, app, "AR", "102", "PID^1^3", "Modulus 11")

	// Envelope refused: CR on the connection, no application ack.
	ack = r.send(t, strings.Replace(adt("A01", "ENH4", "", "AL|AL", pid(amy, "Pond^Amy")), "ADT^A01", "ADT^A40", 1))
	assertAck(t, ack, "CR", "201", "MSH^1^9^1^2", "not supported")

	// MSH-15 NE: nothing on the connection; MSH-16 SU with success: AA on the feed.
	_, err = mllp.Send(ctx, r.in.Addr(), []byte(adt("A08", "ENH5", "", "NE|SU", pid(amy, "Pond^Amelia"))), mllp.WithIOTimeout(300*time.Millisecond))
	assert.ErrorContains(t, err, "read ack", "no accept acknowledgement was wanted")
	app, err = r.gp.Wait(waitCtx(t), func(m *hl7.Message) bool { v, _ := m.Text("MSA-2"); return v == "ENH5" })
	require.NoError(t, err)
	assert.Equal(t, "AA", get(t, app, "MSA-1"))

	// MSH-16 ER with success: no application ack.
	ack = r.send(t, adt("A08", "ENH6", "", "AL|ER", pid(amy, "Pond^Amy")))
	assertAck(t, ack, "CA", "", "", "")
	require.NoError(t, r.feed.Flush(ctx))
	for _, got := range r.gp.Received() {
		v, _ := got.Message.Text("MSA-2")
		assert.NotEqual(t, "ENH4", v)
		assert.NotEqual(t, "ENH6", v)
	}
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOneConnectionManyMessagesInOrder(t *testing.T) {
	r := newRig(t)
	conn, err := net.Dial("tcp", r.in.Addr())
	require.NoError(t, err)
	defer conn.Close()
	msgs := []string{
		adt("A28", "S1", "", "", pid(amy, "Pond^Amy", "", "19870315")),
		adt("A01", "S2", "", "", pid(amy, "Pond^Amy"), "PV1|1|I|Ward 12^^2"),
		adt("A03", "S3", "", "", pid(amy, "Pond^Amy")),
	}
	for _, m := range msgs { // all written before any answer is read
		require.NoError(t, mllp.Write(conn, []byte(m)))
	}
	rd := mllp.NewReader(conn)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	for i := range msgs {
		raw, err := rd.Read()
		require.NoError(t, err)
		ack, err := hl7.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("S%d", i+1), get(t, ack, "MSA-2"))
		assert.Equal(t, "AA", get(t, ack, "MSA-1"), "%s", ack)
	}
}

func TestAllergyDropDefect(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("on=%v", on), func(t *testing.T) {
			var opts []rigOption
			if on {
				opts = append(opts, withDefects(string(defects.ADTA08DropsAllergy)))
			}
			r := newRig(t, opts...)
			p := r.register(t)
			ctx := context.Background()
			pen := allergy.Allergy{PatientID: p.ID, Substance: "Penicillin", Reaction: "Anaphylaxis", Severity: allergy.Severe, RecordedBy: "Dr Who"}
			require.NoError(t, r.st.CreateAllergy(ctx, &pen))

			ack := r.send(t, adt("A08", "D1", "", "", pid(amy, "Pond^Amy", "", "", "", "", "", "1 Main Street^^Leeds^^LS1 4AP"), "ZTS|features/messaging.feature:12"))
			assertAck(t, ack, "AA", "", "", "")
			all, err := r.st.Allergies(ctx, p.ID)
			require.NoError(t, err)
			if on {
				assert.Empty(t, all, "the defect deletes what the A08 does not list")
			} else {
				require.Len(t, all, 1)
				assert.Equal(t, "Penicillin", all[0].Substance)
				assert.Equal(t, allergy.Active, all[0].Status)
			}
			assert.Equal(t, `{"defect":"adt-a08-drops-allergy","scenario":"features/messaging.feature:12"}`+"\n", r.trace.String(),
				"the trace records the scenario named in ZTS, defect on or off")
		})
	}
	t.Run("does not apply", func(t *testing.T) {
		r := newRig(t, withDefects(string(defects.ADTA08DropsAllergy)))
		p := r.register(t)
		ack := r.send(t, adt("A08", "D2", "", "", pid(amy, "Pond^Amy"), "AL1|1|DA|^Latex|MI|Rash", "ZTS|s1"))
		assertAck(t, ack, "AA", "", "", "")
		all, err := r.st.Allergies(context.Background(), p.ID)
		require.NoError(t, err)
		assert.Len(t, all, 1)
		assert.Empty(t, r.trace.String(), "no recorded allergy the message leaves out: the defect changes nothing")
	})
}

func TestCloseEndsIdleConnections(t *testing.T) {
	r := newRig(t)
	conn, err := net.Dial("tcp", r.in.Addr())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, mllp.Write(conn, []byte(adt("A28", "K1", "", "", pid(amy, "Pond^Amy", "", "19870315")))))
	_, err = mllp.NewReader(conn).Read()
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- r.in.Close() }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for an idle connection")
	}
	assert.NoError(t, r.in.Close(), "twice is fine")
	_, err = net.DialTimeout("tcp", r.in.Addr(), time.Second)
	assert.Error(t, err, "no longer listening")
}

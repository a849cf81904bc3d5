package hl7

import (
	"encoding/hex"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, s string) *Message {
	t.Helper()
	m, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

func TestParseAndGet(t *testing.T) {
	m := mustParse(t, seedMessages["A01"])
	if m.Type() != "ADT" || m.Trigger() != "A01" || m.ControlID() != "MSG00001" {
		t.Fatalf("type %q trigger %q control id %q", m.Type(), m.Trigger(), m.ControlID())
	}
	cases := map[string]string{
		"MSH-1":      "|",
		"MSH-2":      `^~\&`,
		"MSH-9":      "ADT^A01^ADT_A01",
		"MSH-9.3":    "ADT_A01",
		"MSH-18":     "UNICODE UTF-8",
		"PID-3":      "9990000018^^^NHS^NH~M123456^^^RX1^MR",
		"PID-3[1]":   "9990000018^^^NHS^NH",
		"PID-3.1":    "9990000018",
		"PID-3[2].1": "M123456",
		"PID-3[2].4": "RX1",
		"PID-3[3]":   "",
		"PID-5":      "POND^AMY^^^MS",
		"PID-5.1":    "POND",
		"PID-5.2":    "AMY",
		"PID-5.9":    "",
		"PID[1]-5.1": "POND",
		"PV1-3":      "WARD1^BAY2^BED3",
		"PV1-3.2":    "BAY2",
		"PID-11.5":   "LS1 1AA",
		"PID-40":     "",
		"EVN-1":      "A01",
	}
	for path, want := range cases {
		got, err := m.Get(path)
		if err != nil || got != want {
			t.Errorf("Get(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := m.Get("OBX-5"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(OBX-5) error %v, want ErrNotFound", err)
	}
	if _, err := m.Get("PID[2]-5"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(PID[2]-5) error %v, want ErrNotFound", err)
	}
	all, _ := m.All("PID-3.1")
	if !reflect.DeepEqual(all, []string{"9990000018", "M123456"}) {
		t.Errorf("All(PID-3.1) = %q", all)
	}
	if n, ok := NHSNumber(m); !ok || n != "9990000018" {
		t.Errorf("NHSNumber = %q, %v", n, ok)
	}
}

func TestRepeatingSegments(t *testing.T) {
	m := mustParse(t, seedMessages["ORU"])
	all, err := m.All("OBX-3.1")
	if err != nil || !reflect.DeepEqual(all, []string{"HB", "WBC", "COMMENT"}) {
		t.Fatalf("All(OBX-3.1) = %q, %v", all, err)
	}
	if v, _ := m.Get("OBX[2]-5"); v != "6.2" {
		t.Errorf("OBX[2]-5 = %q", v)
	}
	if v, _ := m.Text("OBX[3]-5"); v != `Sample | haemolysed\ retest` {
		t.Errorf("Text(OBX[3]-5) = %q", v)
	}
	if v, _ := m.All("OBX[4]-5"); len(v) != 0 {
		t.Errorf("All(OBX[4]-5) = %q", v)
	}
}

func TestEscapesAndTruncation(t *testing.T) {
	m := mustParse(t, seedMessages["A28"])
	if d := m.Delimiters(); d.Truncation != '#' {
		t.Fatalf("truncation %q, want #", d.Truncation)
	}
	if v, _ := m.Text("PID-5.2"); v != "RAVI^KUMAR" {
		t.Errorf("Text(PID-5.2) = %q", v)
	}
	if v, _ := m.Text("PID-11.1"); v != "FLAT 2\n3 PARK ROAD" {
		t.Errorf("Text(PID-11.1) = %q", v)
	}
	m = mustParse(t, seedMessages["A31"])
	if v, _ := m.Text("PID-5.2"); v != `GARETH\H\DR\N\` {
		t.Errorf("highlight escapes: %q", v)
	}
	m = mustParse(t, seedMessages["A03"])
	if v, _ := m.Text("PID-5.1"); v != "O&BRIEN" {
		t.Errorf("Text(PID-5.1) = %q", v)
	}
	d := DefaultDelimiters
	d.Truncation = '#'
	for _, s := range []string{"", "plain", `a|b^c~d\e&f#g`, "line\r\nbreak", `\H\`, "ZOË"} {
		got, err := Unescape(Escape(s, d), d)
		if err != nil || got != s {
			t.Errorf("round trip %q: %q, %v", s, got, err)
		}
	}
	if v, err := Unescape(`\XC3A9\ and \XE9\`, DefaultDelimiters); err != nil || v != "é and é" {
		t.Errorf(`\X: %q, %v`, v, err)
	}
	for _, bad := range []string{`\X`, `\XZZ\`, `\X1\`, `abc\F`} {
		if _, err := Unescape(bad, DefaultDelimiters); err == nil {
			t.Errorf("Unescape(%q) succeeded", bad)
		}
	}
}

func TestCharsets(t *testing.T) {
	a08 := seedMessages["A08"] // MSH-18 8859/1, name ZOË
	m, err := Parse(latin1(a08))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Text("PID-5.2"); v != "ZOË" {
		t.Fatalf("Latin-1 name = %q", v)
	}
	out, err := m.Encode("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "ZO\xcb") {
		t.Errorf("8859/1 encoding lost: %q", out)
	}
	utf, err := m.Encode("UNICODE UTF-8")
	if err != nil || !strings.Contains(string(utf), "ZOË") || !strings.Contains(string(utf), "|UNICODE UTF-8") {
		t.Errorf("UTF-8 encoding: %q, %v", utf, err)
	}
	if m.Charset() != "8859/1" {
		t.Errorf("Encode changed the message: MSH-18 %q", m.Charset())
	}
	_ = m.SetText("PID-5.1", "ŁUKASZ")
	if _, err := m.Encode(""); err == nil || !strings.Contains(err.Error(), "segment 3 (PID) field 5") {
		t.Errorf("8859/1 with Ł: %v", err)
	}
	if _, err := m.Encode("ASCII"); err == nil {
		t.Error("ASCII accepted Ł")
	}

	noCharset := strings.Replace(seedMessages["A31"], "WILLIAMS", "WILLIÄMS", 1)
	_, err = Parse([]byte(noCharset))
	if err == nil || !strings.Contains(err.Error(), "segment 3 (PID) field 5 at offset") || !strings.Contains(err.Error(), "not ASCII") {
		t.Errorf("non-ASCII without MSH-18: %v", err)
	}
	unknown := strings.Replace(seedMessages["A01"], "UNICODE UTF-8", "ISO IR87", 1)
	if _, err := Parse([]byte(unknown)); err == nil || !strings.Contains(err.Error(), `"ISO IR87"`) {
		t.Errorf("unknown charset: %v", err)
	}
	bad := strings.Replace(seedMessages["A01"], "POND", "PO\xffND", 1)
	if _, err := Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), "invalid UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"":                              "empty message",
		"PID|1\r":                       "does not start with an MSH",
		"MSH|^~\r":                      "encoding characters",
		"MSH|^^\\&|\r":                  "used twice",
		"MSH|^~\\&|A\rpid|1\r":          "segment 2",
		"MSH|^~\\&|A\rPIDX|1\r":         "segment 2",
		"MSH|^~\\&|A\rMSH|^~\\&":        "second MSH",
		"MSH|^~\\&|A\rPID|1||12\\F^3\r": `segment 2 (PID) field 3 at offset 20: unterminated escape`,
		"MSH|^~\\&|A|B|C|D|E|F|G|H|I|J|K|L|M|N|O|UTF-16": `"UTF-16"`,
	}
	for in, want := range cases {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "parse hl7: ") {
			t.Errorf("Parse(%q) error %v, want it to contain %q", in, err, want)
		}
	}
}

func TestLineEndings(t *testing.T) {
	crlf := strings.ReplaceAll(seedMessages["ORU"], "\r", "\r\n")
	lf := strings.ReplaceAll(seedMessages["ORU"], "\r", "\n")
	want := mustParse(t, seedMessages["ORU"]).Segments()
	for _, s := range []string{crlf, lf, "\n" + lf + "\n\n"} {
		if got := mustParse(t, s).Segments(); !reflect.DeepEqual(got, want) {
			t.Errorf("segments differ for %q", s)
		}
	}
	if len(want) != 6 || want[4].Name != "OBX" || want[4].Field(5) != "6.2" {
		t.Errorf("segments = %+v", want)
	}
}

func TestSetGrowsAndEncodes(t *testing.T) {
	m := mustParse(t, seedMessages["A31"])
	steps := [][2]string{
		{"PID-5", "POND^AMY"},
		{"PID-3[2].1", "X1"},
		{"PID-3[2].4", "RX1"},
		{"PV1-3.3", "BED3"},
		{"PV1-3.1", "WARD1"},
		{"OBX[2]-5", "7"},
		{"PID-11.1.2", "SUB"},
	}
	for _, s := range steps {
		if err := m.Set(s[0], s[1]); err != nil {
			t.Fatalf("Set(%s): %v", s[0], err)
		}
	}
	want := map[string]string{
		"PID-5": "POND^AMY", "PID-3": "9990000050^^^NHS^NH~X1^^^RX1", "PV1-3": "WARD1^^BED3",
		"OBX[1]-5": "", "OBX[2]-5": "7", "PID-11.1": "&SUB",
	}
	for p, w := range want {
		if got, err := m.Get(p); err != nil || got != w {
			t.Errorf("after Set, Get(%s) = %q, %v; want %q", p, got, err, w)
		}
	}
	if err := m.SetText("PID-5.1", "O'NEIL & SONS^"); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Get("PID-5.1"); v != `O'NEIL \T\ SONS\S\` {
		t.Errorf("SetText stored %q", v)
	}
	for p, v := range map[string]string{"PID-5.1": "A^B", "PID-3[1]": "a~b", "PID-5": "a|b", "PID-6": "a\rb", "PID-7": `\F`, "MSH-2": "^~", "PID-0": "x", "PID-5.1.1": "a&b"} {
		if err := m.Set(p, v); err == nil {
			t.Errorf("Set(%s, %q) succeeded", p, v)
		}
	}
	out, err := m.Encode("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(out), "\rOBX\rOBX|||||7\r") {
		t.Errorf("encoded %q", out)
	}
	again := mustParse(t, string(out))
	if !reflect.DeepEqual(again.Segments(), m.Segments()) {
		t.Errorf("re-parse differs:\n%v\n%v", again, m)
	}
}

func TestParsePath(t *testing.T) {
	good := map[string]Path{
		"PID-3":         {Segment: "PID", Field: 3},
		"PID-3[2].1":    {Segment: "PID", Field: 3, Repetition: 2, Component: 1},
		"OBX[12]-5.1.2": {Segment: "OBX", Occurrence: 12, Field: 5, Component: 1, Subcomponent: 2},
		"ZU1-1":         {Segment: "ZU1", Field: 1},
	}
	for s, want := range good {
		p, err := ParsePath(s)
		if err != nil || p != want || p.String() != s {
			t.Errorf("ParsePath(%s) = %+v, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "PID", "PID-", "PID-0", "pid-3", "PID-3.", "PID-3[0]", "PID[-5", "PID-3.1.2.3", "PID-3x", "1ID-3"} {
		if _, err := ParsePath(s); err == nil {
			t.Errorf("ParsePath(%q) succeeded", s)
		}
	}
}

var fixed = time.Date(2026, 12, 5, 10, 15, 0, 0, time.UTC)

func TestBuildAndFromFields(t *testing.T) {
	tmpl := "MSH|^~\\&|GPSYS|C81001|EPR|RX1|{now}||ADT^A01^ADT_A01|{id}|P|2.4\n" +
		"PID|1||{nhs}^^^NHS^NH||{family}^{given}\n"
	m, err := Build(tmpl, map[string]string{"now": "20261205101500", "id": "C1", "nhs": "9990000018", "family": "O'BRIEN & CO", "given": "AMY"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Text("PID-5.1"); v != "O'BRIEN & CO" {
		t.Errorf("family = %q", v)
	}
	if n, ok := NHSNumber(m); !ok || n != "9990000018" {
		t.Errorf("NHSNumber %q %v", n, ok)
	}
	_, err = Build(tmpl, map[string]string{"now": "x", "id": "C1", "nhs": "9990000018", "family": "P"})
	if err == nil || !strings.Contains(err.Error(), "line 2: no value for placeholder {given}") {
		t.Errorf("missing placeholder: %v", err)
	}

	m, err = FromFields("ADT^A01^ADT_A01", [][2]string{
		{"PID-3", "9990000018^^^NHS^NH"}, {"PID-5", "POND^AMY"}, {"PV1-2", "I"}, {"MSH-12", "2.5"},
	}, WithClock(func() time.Time { return fixed }), WithControlID("CTRL1"))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := m.Encode("")
	want := "MSH|^~\\&|EPRHARNESS|HARNESS|||20261205101500+0000||ADT^A01^ADT_A01|CTRL1|P|2.5\rPID|||9990000018^^^NHS^NH||POND^AMY\rPV1||I\r"
	if string(out) != want {
		t.Errorf("FromFields encoded\n%q\nwant\n%q", out, want)
	}
	_, err = FromFields("ADT^A01", [][2]string{{"PID-5", "A"}, {"PID-x", "B"}})
	if err == nil || !strings.Contains(err.Error(), "row 2 (PID-x)") {
		t.Errorf("bad row: %v", err)
	}
	a, _ := FromFields("ADT^A01", nil)
	b, _ := FromFields("ADT^A01", nil)
	if a.ControlID() == b.ControlID() || len(a.ControlID()) != 16 {
		t.Errorf("control ids %q %q", a.ControlID(), b.ControlID())
	}
}

func TestACK(t *testing.T) {
	in := mustParse(t, seedMessages["A01"])
	opts := []Option{WithClock(func() time.Time { return fixed }), WithControlID("A1")}
	ack := ACKWith(in, "AA", opts)
	out, _ := ack.Encode("")
	want := "MSH|^~\\&|EPR|RX1|GPSYS|C81001|20261205101500+0000||ACK^A01^ACK|A1|P|2.4||||||UNICODE UTF-8\rMSA|AA|MSG00001\r"
	if string(out) != want {
		t.Errorf("AA ack\n%q\nwant\n%q", out, want)
	}
	ack = ACKWith(in, "AE", opts,
		AckError{Code: "101", Location: "PID-3[2].1", Message: "no NHS number | sorry"},
		AckError{Code: "207", Severity: "W", Location: "free text"})
	for p, w := range map[string]string{
		"MSA-1": "AE", "MSA-2": "MSG00001", "MSA-3": `no NHS number \F\ sorry`,
		"ERR[1]-2": "PID^1^3^2^1", "ERR[1]-3": "101^Required field missing^HL70357", "ERR[1]-4": "E",
		"ERR[1]-8": `no NHS number \F\ sorry`, "ERR[2]-2": "free text", "ERR[2]-4": "W", "ERR[2]-3.1": "207",
	} {
		if got, _ := ack.Get(p); got != w {
			t.Errorf("AE ack %s = %q, want %q", p, got, w)
		}
	}
	rej := Reject([]byte("MSH|^~\\&|A|B|C|D|20261205||ADT^A01|CTL9|P|2.4\rPID|\\F"), errors.New("boom"), opts...)
	for p, w := range map[string]string{"MSA-1": "AR", "MSA-2": "CTL9", "ERR-3.1": "102", "ERR-8": "boom"} {
		if got, _ := rej.Get(p); got != w {
			t.Errorf("Reject %s = %q, want %q", p, got, w)
		}
	}
	if got, _ := Reject([]byte("garbage"), nil).Get("ERR-3.1"); got != "100" {
		t.Errorf("Reject garbage ERR-3.1 = %q", got)
	}
}

func TestWantsAck(t *testing.T) {
	msg := func(accept, app string) *Message {
		m := mustParse(t, seedMessages["A31"])
		_ = m.Set("MSH-15", accept)
		_ = m.Set("MSH-16", app)
		return m
	}
	type c struct {
		accept, app string
		kind        AckKind
		outcome     string
		want        bool
	}
	for _, tc := range []c{
		{"", "", ApplicationAck, "AE", true},
		{"", "", AcceptAck, "CA", false},
		{"AL", "NE", AcceptAck, "CA", true},
		{"AL", "NE", ApplicationAck, "AA", false},
		{"NE", "ER", ApplicationAck, "AA", false},
		{"NE", "ER", ApplicationAck, "AE", true},
		{"NE", "ER", AcceptAck, "CR", false},
		{"SU", "SU", AcceptAck, "CA", true},
		{"SU", "SU", ApplicationAck, "AR", false},
		{"ER", "", ApplicationAck, "AA", true},
		{"ER", "", AcceptAck, "CE", true},
		{"ER", "", AcceptAck, "CA", false},
	} {
		if got := WantsAck(msg(tc.accept, tc.app), tc.kind, tc.outcome); got != tc.want {
			t.Errorf("WantsAck(MSH-15 %q MSH-16 %q, kind %d, %s) = %v", tc.accept, tc.app, tc.kind, tc.outcome, got)
		}
	}
}

func TestNHSNumber(t *testing.T) {
	for in, want := range map[string]string{
		"M1^^^RX1^MR~9990000026^^^NHS^NH":                   "9990000026",
		"9990000018^^^NHS&2.16.840.1.113883.2.1.4.1&ISO^NH": "9990000018",
		"9990000018^^^NHS^MR":                               "",
		"9990000018^^^RX1^NH":                               "",
		"":                                                  "",
	} {
		m, _ := FromFields("ADT^A28", [][2]string{{"PID-3", in}})
		got, ok := NHSNumber(m)
		if got != want || ok != (want != "") {
			t.Errorf("NHSNumber(PID-3 %q) = %q, %v", in, got, ok)
		}
	}
}

// Control IDs are 16 upper-case hex characters and never hold a run of
// digits long enough to be taken for an NHS number.
func TestNewControlIDHoldsNoNHSNumber(t *testing.T) {
	longest := regexp.MustCompile(`[0-9]{5,}`)
	seen := map[string]bool{}
	for range 100000 {
		id := NewControlID()
		if len(id) != 16 || strings.ToUpper(id) != id {
			t.Fatalf("%q: want 16 upper-case characters", id)
		}
		if _, err := hex.DecodeString(id); err != nil {
			t.Fatalf("%q: not hex: %v", id, err)
		}
		if longest.MatchString(id) {
			t.Fatalf("%q has five digits in a row", id)
		}
		seen[id] = true
	}
	if len(seen) < 99990 {
		t.Fatalf("%d distinct ids in 100000", len(seen))
	}
}

package hl7

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: Parse never panics, and a message that parses encodes (in its
// own MSH-18 character set) to bytes that parse to the same segments and
// field values.
func FuzzParse(f *testing.F) {
	for _, s := range seedMessages {
		f.Add([]byte(s))
	}
	f.Add(latin1(seedMessages["A08"]))
	f.Add([]byte(strings.ReplaceAll(seedMessages["ORU"], "\r", "\r\n")))
	f.Add([]byte("MSH|^~\\&|A\rPID|1||12\\F^3\r"))
	f.Add([]byte("MSH#$%*!#A#B\rPID#1##X$Y%Z\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse hl7: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		out, err := m.Encode("")
		if err != nil {
			t.Fatalf("Encode of parsed %q: %v", data, err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", out, data, err)
		}
		if !reflect.DeepEqual(m.Segments(), again.Segments()) {
			t.Fatalf("segments differ:\n%q\n%q", m.Segments(), again.Segments())
		}
		for _, p := range []string{"MSH-9.1", "MSH-10", "PID-3[2].1", "PID-5.1.1", "OBX[2]-5"} {
			a, errA := m.Text(p)
			b, errB := again.Text(p)
			if a != b || (errA == nil) != (errB == nil) {
				t.Fatalf("%s: %q (%v) then %q (%v)", p, a, errA, b, errB)
			}
		}
		_, _ = NHSNumber(m)
		_ = ACK(m, "AA", AckError{Code: "101", Location: "PID-3", Message: "x"})
	})
}

// FuzzEscape: unescaping escaped text gives the text back, for any valid
// set of delimiters; escaped text holds no delimiter but the escape
// character and no line break; Unescape never panics on any input; and
// SetText then Text round-trips through a message.
func FuzzEscape(f *testing.F) {
	f.Add(`O'BRIEN & SONS | ^~\`, "|^~\\&")
	f.Add("FLAT 2\r\n3 PARK ROAD", "|^~\\&#")
	f.Add(`\H\bold\N\ \XC3A9\ \E\`, "#$%*!")
	f.Add("ZOË", "|^~\\&")
	f.Fuzz(func(t *testing.T, s, enc string) {
		if len(enc) < 5 || len(enc) > 6 {
			return
		}
		d := Delimiters{Field: enc[0], Component: enc[1], Repetition: enc[2], Escape: enc[3], Subcomponent: enc[4]}
		if len(enc) == 6 {
			d.Truncation = enc[5]
		}
		if d.validate() != nil {
			return
		}
		_, _ = Unescape(s, d)
		e := Escape(s, d)
		for _, c := range []byte{d.Field, d.Component, d.Repetition, d.Subcomponent, d.Truncation, '\r', '\n'} {
			if c != 0 && strings.IndexByte(e, c) >= 0 {
				t.Fatalf("Escape(%q) = %q keeps %q", s, e, c)
			}
		}
		if _, err := checkEscapes(e, d); err != nil {
			t.Fatalf("Escape(%q) = %q is malformed: %v", s, e, err)
		}
		got, err := Unescape(e, d)
		if err != nil || got != s {
			t.Fatalf("Unescape(Escape(%q)) = %q, %v (escaped %q)", s, got, err, e)
		}
		if !utf8.ValidString(s) {
			return
		}
		m := newMessage(d)
		if err := m.SetText("PID-5[2].1.2", s); err != nil {
			t.Fatalf("SetText(%q): %v", s, err)
		}
		if got, err := m.Text("PID-5[2].1.2"); err != nil || got != s {
			t.Fatalf("Text after SetText(%q) = %q, %v", s, got, err)
		}
	})
}

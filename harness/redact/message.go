package redact

import (
	"regexp"

	"github.com/eprharness/eprharness/harness/guard"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/nhsnumber"
)

// Message returns m as evidence keeps it: every string field with the
// secrets redacted (String), NHS numbers outside the test ranges
// (nhsnumber.TestRanges and ranges, the nhs-test-ranges setting) masked
// in its Text, Answer, Error and ControlID (NHSNumbers), and Text, Answer
// and Error capped (results.CapText). Test-range numbers stay. A nil
// Redactor redacts no secret but still masks and caps. The runner calls
// it on every results.Message before it is recorded; redacting a
// redacted message changes nothing.
func (r *Redactor) Message(m results.Message, ranges ...nhsnumber.Range) results.Message {
	clean := r.String
	m.Peer, m.Type, m.Outcome = clean(m.Peer), clean(m.Type), clean(m.Outcome)
	m.ControlID = NHSNumbers(clean(m.ControlID), ranges...)
	m.Text = NHSNumbers(clean(m.Text), ranges...)
	m.Answer = NHSNumbers(clean(m.Answer), ranges...)
	m.Error = NHSNumbers(clean(m.Error), ranges...)
	return m.Capped()
}

// Messages is Message for each of ms, in a new slice (nil for none).
func (r *Redactor) Messages(ms []results.Message, ranges ...nhsnumber.Range) []results.Message {
	if ms == nil {
		return nil
	}
	out := make([]results.Message, len(ms))
	for i, m := range ms {
		out[i] = r.Message(m, ranges...)
	}
	return out
}

// NHSNumbers masks every NHS number in text that lies outside the test
// ranges (nhsnumber.TestRanges and ranges), the numbers harness/guard
// finds (guard.ScanText: ten digits together or in 3-3-4 groups, a valid
// check digit, not part of a longer number), in each form it is written
// in, as guard.Mask writes it ("943 476 ****"). Numbers in the test
// ranges and text without a real number are returned unchanged.
func NHSNumbers(text string, ranges ...nhsnumber.Range) string {
	for _, n := range guard.ScanText(text, ranges...) {
		text = maskNumber(text, n)
	}
	return text
}

// groupSep is what guard accepts between the 3-3-4 groups of a number.
const groupSep = `[ \-\x{00A0}\x{2009}\x{202F}\x{2010}\x{2011}\x{2013}]?`

// maskNumber replaces each occurrence of the ten digits n in text,
// together or grouped, that is not part of a longer run of digits.
func maskNumber(text, n string) string {
	re := regexp.MustCompile(n[:3] + groupSep + n[3:6] + groupSep + n[6:])
	masked := guard.Mask(n)
	var out []byte
	at := 0
	for _, loc := range re.FindAllStringIndex(text, -1) {
		start, end := loc[0], loc[1]
		if start > 0 && isDigit(text[start-1]) || end < len(text) && isDigit(text[end]) {
			continue
		}
		out = append(out, text[at:start]...)
		out = append(out, masked...)
		at = end
	}
	if out == nil {
		return text
	}
	return string(append(out, text[at:]...))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

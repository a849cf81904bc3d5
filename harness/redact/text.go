package redact

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Bytes returns b with every form of every secret replaced by Mask, and
// whether anything was replaced. When nothing was, it returns b itself.
// Overlapping or adjacent occurrences become one Mask. b is taken as
// plain text; JSON (or lines of JSON) keeps its structure with JSON.
func (r *Redactor) Bytes(b []byte) ([]byte, bool) {
	return apply(b, r.spans(b))
}

// JSON is Bytes for a JSON document or lines of JSON (a Playwright
// trace.trace or trace.network, a HAR) that keeps it valid JSON: secrets
// are replaced inside string literals (keys and values), and a number
// that is a secret as a whole becomes the string "[REDACTED]"; what
// matches across structure (quotes, commas) is masked only in the strings
// it touches. A secret's digits inside a longer number (a timestamp) are
// not its value and stay. Text that is not valid JSON, line by line or as
// a whole, is redacted as plain text (Bytes).
func (r *Redactor) JSON(b []byte) ([]byte, bool) {
	spans := r.spans(b)
	if len(spans) == 0 {
		return b, false
	}
	if !validJSON(b) {
		return apply(b, spans)
	}
	return apply(b, jsonSpans(b, spans))
}

func apply(b []byte, spans []span) ([]byte, bool) {
	if len(spans) == 0 {
		return b, false
	}
	out := make([]byte, 0, len(b))
	at := 0
	for _, s := range spans {
		out = append(out, b[at:s.start]...)
		if s.quote {
			out = append(out, '"')
		}
		out = append(out, Mask...)
		if s.quote {
			out = append(out, '"')
		}
		at = s.end
	}
	return append(out, b[at:]...), true
}

// String is Bytes for a string.
func (r *Redactor) String(s string) string {
	if !r.Active() {
		return s
	}
	out, changed := r.Bytes([]byte(s))
	if !changed {
		return s
	}
	return string(out)
}

// Found returns the forms of the secrets that occur in b, longest first:
// none when b is clean. A scan of evidence uses it.
func (r *Redactor) Found(b []byte) []string {
	if !r.Active() {
		return nil
	}
	var found []string
	for _, f := range r.forms {
		if bytes.Contains(b, []byte(f)) {
			found = append(found, f)
		}
	}
	return found
}

type span struct {
	start, end int
	quote      bool // write the mask as a JSON string (it replaces a number)
}

// spans finds every occurrence of every form in b, widens each to whole
// JSON escape sequences, and merges those that overlap or touch, in order.
func (r *Redactor) spans(b []byte) []span {
	if !r.Active() {
		return nil
	}
	var spans []span
	for i := 0; i+4 <= len(b); i++ {
		p := prefix(b[i:])
		if h := prefixHash(p); r.filter[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		for _, f := range r.byPrefix[p] {
			if len(b)-i >= len(f) && string(b[i:i+len(f)]) == f {
				spans = append(spans, span{start: i, end: i + len(f)})
			}
		}
	}
	if len(spans) == 0 {
		return nil
	}
	for i, s := range spans {
		spans[i] = widen(b, s)
	}
	return merge(spans)
}

// merge sorts spans and merges those that overlap or touch.
func merge(spans []span) []span {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end {
			last.end = max(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// widen makes s start and end on the boundaries of JSON escape sequences
// (\n, \", \u00e9), so that replacing it keeps a JSON string valid: a
// match whose first character is escaped by a backslash before it, or
// that starts among the hex digits of a \uXXXX, takes the escape's start;
// a match that ends inside an escape takes the rest of it. In text that is
// not JSON this masks at most five characters more.
func widen(b []byte, s span) span {
	if odd := backslashesBefore(b, s.start)%2 == 1; odd {
		s.start--
	} else {
		// Inside \uXXXX: d hex digits of it before the match.
		for d := 0; d <= 3; d++ {
			u := s.start - d - 1 // index of the 'u'
			if u < 1 || b[u] != 'u' || backslashesBefore(b, u)%2 == 0 || !allHex(b[u+1:s.start]) {
				continue
			}
			s.start = u - 1
			break
		}
	}
	i := s.start
	for i < s.end {
		if b[i] != '\\' {
			i++
			continue
		}
		if i+1 < len(b) && b[i+1] == 'u' {
			i += 2
			for n := 0; n < 4 && i < len(b) && isHex(b[i]); n++ {
				i++
			}
			continue
		}
		i += 2
	}
	s.end = min(i, len(b))
	return s
}

// backslashesBefore counts the backslashes right before b[i].
func backslashesBefore(b []byte, i int) int {
	n := 0
	for i-n-1 >= 0 && b[i-n-1] == '\\' {
		n++
	}
	return n
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func allHex(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// validJSON reports whether b is one JSON value or lines of JSON values.
func validJSON(b []byte) bool {
	if json.Valid(b) {
		return true
	}
	for line := range bytes.Lines(b) {
		if len(bytes.TrimSpace(line)) > 0 && !json.Valid(line) {
			return false
		}
	}
	return true
}

// jsonSpans keeps, of the merged spans of valid JSON b, what lies inside
// string literals (clipped to each literal it touches) and the numbers
// that a span covers exactly (masked as a string). One pass over b finds
// the literals; spans are sorted and do not overlap.
func jsonSpans(b []byte, spans []span) []span {
	var out []span
	touched := make([]bool, len(spans))
	j := 0 // the first span that may still touch a literal
	for i := 0; i < len(b) && j < len(spans); i++ {
		if b[i] != '"' {
			continue
		}
		start := i + 1
		end := start
		for end < len(b) && b[end] != '"' {
			if b[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end, len(b))
		for j < len(spans) && spans[j].end <= start {
			j++
		}
		for k := j; k < len(spans) && spans[k].start < end; k++ {
			touched[k] = true
			out = append(out, span{start: max(spans[k].start, start), end: min(spans[k].end, end)})
		}
		i = end
	}
	for k, s := range spans {
		if !touched[k] && isNumberToken(b, s) {
			out = append(out, span{start: s.start, end: s.end, quote: true})
		}
	}
	// Clipping a span to a literal can cut an escape sequence in two.
	for i, s := range out {
		if !s.quote {
			out[i] = widen(b, s)
		}
	}
	return merge(out)
}

// isNumberToken reports whether s is exactly one JSON number of b.
func isNumberToken(b []byte, s span) bool {
	num := func(c byte) bool { return '0' <= c && c <= '9' || strings.IndexByte("+-.eE", c) >= 0 }
	if s.start > 0 && num(b[s.start-1]) || s.end < len(b) && num(b[s.end]) {
		return false
	}
	for _, c := range b[s.start:s.end] {
		if !num(c) {
			return false
		}
	}
	return json.Valid(b[s.start:s.end])
}

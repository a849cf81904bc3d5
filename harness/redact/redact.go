// Package redact keeps configured secret values (fixture passwords,
// credentials of the test environment) out of the evidence a run keeps:
// page HTML, console logs, HARs, reports and Playwright traces. Every
// occurrence of a secret, and of each form a browser, a server or a trace
// writes it in, is replaced by Mask before the file is stored or served.
//
// A Redactor is built once from the secret values (New) and is immutable:
// it is safe for concurrent use, and a nil *Redactor redacts nothing. Its
// methods never keep a file open; File rewrites through a temporary file
// beside the original and a rename, so a file is either the original or
// fully redacted, never half of each.
//
// The forms searched for (Forms) are the value itself and, where they
// differ, its percent-encodings (HTML form encoding with "+" for a space,
// JavaScript's encodeURIComponent, Go's query and path escaping, each with
// upper- and lower-case hex), its JSON-escaped forms (JSON.stringify, Go's
// encoder with and without HTML escaping, ASCII-only \u escapes, and
// escaped twice, as a JSON body inside a JSON trace line), its HTML-escaped
// forms (attribute and text serialisation, named and numeric entities) and
// its base64 forms: standalone (standard and URL alphabets, padded or not)
// and embedded in a longer base64 text (an HTTP Basic Authorization header
// holds base64("user:password")), where the secret can start at any of three
// byte offsets; for those the characters that depend on the secret alone
// are matched.
//
// Short secrets: a value shorter than MinLength characters is not redacted
// (a one-letter password would replace every occurrence of that letter in
// every trace and make the evidence unreadable). New reports such values in
// Skipped so the caller can warn that they stay in the evidence; empty
// values are ignored silently. A secret that is part of Mask itself (say
// "REDACTED") still shows inside every mask.
//
// Text, JSON and archives: Bytes and String redact plain text. JSON
// redacts a JSON document or lines of JSON and keeps it valid: secrets are
// masked inside string literals (a match that starts or ends inside an
// escape sequence such as \n or \u00e9 is widened to the whole sequence),
// a number that is a secret as a whole becomes the string "[REDACTED]",
// and a match across structure is masked only within the strings it
// touches. Named chooses by file name (.json, .har, .trace, .network,
// .ndjson, .stacks are JSON). File redacts a file in place: text files
// chosen by extension (TextFile: .html, .log, .txt, .json, .har,
// .network, .trace, .md and the like) and zip archives (.zip: a
// Playwright trace.zip); images are left alone, since a password typed
// into a password field renders as dots. In a zip every entry is
// rewritten through Named under the same name, in the same order and with
// the same compression method (unchanged entries are copied byte for
// byte), except entries whose content is an image, audio, video or font.
// That is what a Playwright trace needs: trace.trace and trace.network
// stay lines of JSON, and resources/<sha1> are addressed by name only, so
// the trace viewer finds them after their content changed. Typed values
// (the "value" of a fill action), form fields of POST bodies, request and
// response headers and DOM snapshots are all text in those entries.
// Redacting again changes nothing (unless a form of a secret is part of
// Mask). Scan and Found look for every form in a file or
// bytes (inside a zip's entries, media included), for tests and audits of
// stored evidence; a Finding prints where, never the secret.
//
// Messages: Message prepares a results.Message (an HL7 v2 or FHIR message
// a scenario exchanged with the EPR) for the evidence: secrets redacted in
// every field, NHS numbers outside the test ranges masked (NHSNumbers, the
// numbers harness/guard finds) and long texts capped (results.CapText).
//
// Cost: every form is found in one pass over the text (a 4-byte prefix
// filter), so a 5 MB trace is redacted in well under a second on two
// cores (BenchmarkZip), unzip and zip included; that runs for every trace
// a run keeps.
//
// Why hand-written: no library redacts Playwright traces. Playwright has
// no option to leave typed values or request bodies out of a trace, and
// log scrubbers work on lines of text, not on zip archives of JSON with
// the value in several encodings.
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Mask replaces every occurrence of a secret.
const Mask = "[REDACTED]"

// MinLength is the shortest secret, in characters, that is redacted.
const MinLength = 4

// Redactor replaces secret values in text, files and zip archives. See the
// package documentation.
type Redactor struct {
	forms   []string // every form of every secret, longest first
	skipped []string

	// Every form is at least 4 bytes long: the forms are found by their
	// first 4 bytes, through a bit set that rules out most positions of a
	// text at once.
	byPrefix map[uint32][]string // first 4 bytes → forms, longest first
	filter   [1 << 16 / 64]uint64
}

// New makes a Redactor of secrets. Empty values are ignored; values shorter
// than MinLength characters are listed in Skipped and not redacted.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := map[string]bool{}
	for _, s := range secrets {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		if utf8.RuneCountInString(s) < MinLength {
			r.skipped = append(r.skipped, s)
			continue
		}
		r.forms = append(r.forms, Forms(s)...)
	}
	r.forms = sortForms(r.forms)
	r.byPrefix = map[uint32][]string{}
	for _, f := range r.forms {
		p := prefix([]byte(f))
		r.byPrefix[p] = append(r.byPrefix[p], f)
		h := prefixHash(p)
		r.filter[h/64] |= 1 << (h % 64)
	}
	return r
}

// prefix is the first 4 bytes of b (len(b) >= 4).
func prefix(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func prefixHash(p uint32) uint32 { return (p * 0x9E3779B1) >> 16 }

// Skipped lists the secrets New was given that are too short to redact
// (shorter than MinLength characters), in the order given. The caller
// should warn that they stay in the evidence, without printing them.
func (r *Redactor) Skipped() []string {
	if r == nil {
		return nil
	}
	return slices.Clone(r.skipped)
}

// Active reports whether r redacts anything.
func (r *Redactor) Active() bool { return r != nil && len(r.forms) > 0 }

// Forms returns every form of secret that the redactor searches for, the
// value itself included, distinct and longest first. Scans of evidence use
// it to look for a secret in every encoding.
func Forms(secret string) []string {
	if secret == "" {
		return nil
	}
	var forms []string
	add := func(f string) {
		if f != "" {
			forms = append(forms, f)
		}
	}
	add(secret)
	for _, keep := range []func(byte) bool{formKeep, uriComponentKeep} {
		add(percentEncode(secret, keep, formSpace(keep), upperHex))
		add(percentEncode(secret, keep, formSpace(keep), lowerHex))
	}
	for _, f := range []string{url.QueryEscape(secret), url.PathEscape(secret)} {
		add(f)
		add(lowerPercentHex(f))
	}

	jsonForms := []string{jsJSON(secret), goJSON(secret, true), goJSON(secret, false), asciiJSON(secret)}
	for _, f := range jsonForms {
		add(f)
		add(jsJSON(f))
		add(goJSON(f, true))
	}

	add(html.EscapeString(secret))
	add(htmlEscape(secret, true, true, "&quot;", "&#39;"))
	add(htmlEscape(secret, true, true, "&quot;", "&#x27;"))
	add(htmlEscape(secret, true, true, "&quot;", "'"))
	add(htmlEscape(secret, false, true, "&quot;", "'")) // attribute value
	add(htmlEscape(secret, true, false, `"`, "'"))      // text node

	b := []byte(secret)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		add(enc.EncodeToString(b))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := range 3 {
			add(base64Core(enc, b, k))
		}
	}
	return sortForms(forms)
}

func sortForms(forms []string) []string {
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(forms)
}

// base64Core is the part of the base64 text of secret, when secret starts
// k bytes into the encoded data, that depends on secret's bytes alone.
func base64Core(enc *base64.Encoding, secret []byte, k int) string {
	data := append(make([]byte, k, k+len(secret)), secret...)
	s := enc.EncodeToString(data)
	first := (8*k + 5) / 6
	last := (8*k + 8*len(secret)) / 6
	if last-first < MinLength {
		return ""
	}
	return s[first:last]
}

const (
	upperHex = "0123456789ABCDEF"
	lowerHex = "0123456789abcdef"
)

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// formKeep is what application/x-www-form-urlencoded (WHATWG URL standard,
// URLSearchParams, a browser's form submission) leaves as it is.
func formKeep(c byte) bool { return isAlnum(c) || strings.IndexByte("*-._", c) >= 0 }

// uriComponentKeep is what JavaScript's encodeURIComponent leaves.
func uriComponentKeep(c byte) bool { return isAlnum(c) || strings.IndexByte("-_.!~*'()", c) >= 0 }

func formSpace(keep func(byte) bool) bool {
	return keep('*') && !keep('~') // form encoding writes a space as "+"
}

func percentEncode(s string, keep func(byte) bool, plusSpace bool, hex string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case keep(c):
			b.WriteByte(c)
		case c == ' ' && plusSpace:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// lowerPercentHex lowers the hex digits of every %XX in s.
func lowerPercentHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = lowerASCII(b[i+1])
			b[i+2] = lowerASCII(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// jsJSON is s as JSON.stringify writes it inside a string, without the
// quotes.
func jsJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// goJSON is s as encoding/json writes it, without the quotes.
func goJSON(s string, escapeHTML bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		return ""
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(out, `"`), `"`)
}

// asciiJSON is jsJSON with every non-ASCII character as \uXXXX (Python's
// json.dumps default).
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range jsJSON(s) {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// htmlEscape escapes & always, < and > when angles, " and ' as given
// (unchanged when they are the character itself).
func htmlEscape(s string, angles, quotes bool, quot, apos string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<' && angles:
			b.WriteString("&lt;")
		case r == '>' && angles:
			b.WriteString("&gt;")
		case r == '"' && quotes:
			b.WriteString(quot)
		case r == '\'' && quotes:
			b.WriteString(apos)
		case r == '\u00a0':
			b.WriteString("&nbsp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

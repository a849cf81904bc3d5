package redact

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzJSON: redacting a line of JSON keeps it valid JSON, and no value in
// it still holds the secret.
func FuzzJSON(f *testing.F) {
	f.Add("clinician-pass", "password=clinician-pass&next=/")
	f.Add("nurse-pass", "\nurse-pass")
	f.Add(`p@ss w0rd&<"é'+/~`, `{"password":"p@ss w0rd&<\"é'+/~"}`)
	f.Add("pass\\", "pass\n")
	f.Add("00e9abcd", "x\u00e9abcd")
	f.Add("1234", "1234")
	f.Add(`a","b`, "a")
	f.Add("e\u2028ab", "xe\u2028abx")
	f.Fuzz(func(t *testing.T, secret, value string) {
		r := New(secret)
		line, err := json.Marshal(map[string]any{"v": value, "n": 1234, "list": []string{value, "a", "b"}})
		if err != nil {
			t.Skip()
		}
		out, _ := r.JSON(line)
		if !json.Valid(out) {
			t.Fatalf("redacting %q in %s gave invalid JSON %s", secret, line, out)
		}
		plain, _ := r.Bytes(line)
		if !json.Valid(plain) && !strings.ContainsAny(secret, `"{}[]:,`) && !numeric(secret) {
			t.Fatalf("redacting %q as text in %s gave invalid JSON %s", secret, line, plain)
		}
		if !r.Active() || !utf8.ValidString(secret) || strings.Contains(Mask, secret) {
			return
		}
		var got struct {
			V    any
			List []string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		for _, v := range append(got.List, got.V.(string)) {
			if strings.Contains(v, secret) {
				t.Fatalf("%q still in %q (from %s to %s)", secret, v, line, out)
			}
		}
	})
}

// numeric reports whether s can match inside a JSON number or literal.
func numeric(s string) bool {
	return strings.Trim(s, "0123456789+-.eEtruefalsn") == ""
}

// FuzzBytes: after redaction no form of the secret is left in any text
// (unless the secret has a bracket, which the mask begins and ends with,
// or a form of it is part of the mask),
// and redacting again changes nothing.
func FuzzBytes(f *testing.F) {
	f.Add("clinician-pass", "username=dr.patel&password=clinician-pass")
	f.Add("aaaa", "aaaaaaaaab")
	f.Add("clinician-pass", "Authorization: Basic ZHIucGF0ZWw6Y2xpbmljaWFuLXBhc3M=")
	f.Add(`p@ss w0rd&<"é'+/~`, `<input value="p@ss w0rd&amp;&lt;&quot;é'+/~">`)
	f.Add("\\\\\\\\", `"\\\\\\\\\\"`)
	f.Add("REDACTED", "a REDACTED b")
	f.Fuzz(func(t *testing.T, secret, text string) {
		r := New(secret)
		out, changed := r.Bytes([]byte(text))
		if !changed && string(out) != text {
			t.Fatalf("unchanged but different: %q", out)
		}
		if strings.ContainsAny(secret, "[]") || inMask(secret) {
			return
		}
		if found := r.Found(out); len(found) > 0 {
			t.Fatalf("%q left in %q (from %q)", found, out, text)
		}
		again, changed := r.Bytes(out)
		if changed || string(again) != string(out) {
			t.Fatalf("redacting %q again changed it to %q", out, again)
		}
	})
}

// inMask reports whether a form of secret is part of Mask.
func inMask(secret string) bool {
	for _, f := range Forms(secret) {
		if strings.Contains(Mask, f) {
			return true
		}
	}
	return false
}

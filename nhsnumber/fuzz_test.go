package nhsnumber

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRanges(t *testing.T) {
	for in, want := range map[string][]Range{
		"":                            nil,
		" , ":                         nil,
		"9434000000-9434999999":       {{"9434000000", "9434999999"}},
		"943 400 0000 - 943 499 9999": {{"9434000000", "9434999999"}},
		"943-400-0000-943-499-9999":   {{"9434000000", "9434999999"}},
		"999 000 0000-999 999 9999, 4000000000-4000000099": {{"9990000000", "9999999999"}, {"4000000000", "4000000099"}},
	} {
		got, err := ParseRanges(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, want := range map[string]string{
		"9434000000":            "want FIRST-LAST with ten-digit bounds",
		"9434000000-94349":      "want FIRST-LAST with ten-digit bounds",
		"943400000a-9434999999": "want FIRST-LAST with ten-digit bounds",
		"9434999999-9434000000": `range "9434999999-9434000000": the first number is after the last`,
		"１２３４５６７８９０-9434999999": "want FIRST-LAST", // full-width digits are not digits
	} {
		_, err := ParseRanges(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

// FuzzNHSNumber checks parsing, validation and formatting of NHS numbers
// and ranges on arbitrary text: never a panic, and every number or range
// accepted survives formatting and parsing again unchanged.
func FuzzNHSNumber(f *testing.F) {
	for _, seed := range []string{
		"9990000018", "999 000 0018", "999-000-0018", "9434765919", "9990000019", "999000001X", "",
		"9990000050", "   ", "--", "9 9 9 0 0 0 0 0 1 8", "999 000 0000-999 999 9999",
		"943-400-0000-943-499-9999", "9434000000-9434999999,4000000000-4000000099", "1-2", ",,,-,",
		"\u0669\u0669\u0669", "99900000181",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if Valid(s) != (err == nil) {
			t.Fatalf("Valid(%q) disagrees with Parse: %v", s, err)
		}
		if err == nil {
			if len(n) != 10 || !tenDigits(string(n)) {
				t.Fatalf("Parse(%q) = %q, not ten digits", s, n)
			}
			if n.String() != Normalise(s) {
				t.Fatalf("Parse(%q) = %q, Normalise gives %q", s, n, Normalise(s))
			}
			for _, form := range []string{n.String(), n.Formatted(), strings.ReplaceAll(n.Formatted(), " ", "-")} {
				if m, err := Parse(form); err != nil || m != n {
					t.Fatalf("Parse(%q) = %q, %v; want %q", form, m, err, n)
				}
			}
			d, ok := CheckDigit(string(n[:9]))
			if !ok || d != n[9]-'0' {
				t.Fatalf("CheckDigit(%q) = %d, %v; the number ends %c", n[:9], d, ok, n[9])
			}
			if IsTest(n) != strings.HasPrefix(string(n), "999") {
				t.Fatalf("IsTest(%q) = %v", n, IsTest(n))
			}
		}
		if len(s) == 9 {
			if d, ok := CheckDigit(s); ok {
				if _, err := Parse(s + string(rune('0'+d))); err != nil {
					t.Fatalf("CheckDigit(%q) = %d but Parse refuses it: %v", s, d, err)
				}
			}
		}

		rs, err := ParseRanges(s)
		if err != nil {
			return
		}
		for _, r := range rs {
			if !tenDigits(r.First) || !tenDigits(r.Last) || r.First > r.Last {
				t.Fatalf("ParseRanges(%q) accepted %+v", s, r)
			}
			if !r.Contains(Number(r.First)) || !r.Contains(Number(r.Last)) {
				t.Fatalf("range %+v does not contain its bounds", r)
			}
		}
		again, err := ParseRanges(FormatRanges(rs))
		if err != nil || FormatRanges(again) != FormatRanges(rs) {
			t.Fatalf("ranges %q do not survive formatting: %q, %v", s, FormatRanges(rs), err)
		}
	})
}

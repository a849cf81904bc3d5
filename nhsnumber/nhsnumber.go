// Package nhsnumber parses, validates and formats NHS numbers, and knows the
// ranges reserved for testing.
//
// An NHS number is ten digits; the tenth is a Modulus 11 check digit over the
// first nine (weights 10 down to 2). A remainder giving a check digit of 10
// means the number was never issued. The package is pure and safe for
// concurrent use.
package nhsnumber

import (
	"errors"
	"fmt"
	"strings"
)

// Number is a validated ten-digit NHS number, held without spaces.
type Number string

var (
	// ErrFormat is returned for input that is not ten digits (spaces and
	// hyphens in the 3-3-4 positions are allowed).
	ErrFormat = errors.New("an NHS number must have 10 digits")
	// ErrCheckDigit is returned when the Modulus 11 check digit is wrong.
	ErrCheckDigit = errors.New("the NHS number's check digit is not valid")
)

// Parse accepts "9990000018", "999 000 0018" or "999-000-0018" and returns
// the number if its check digit is valid.
func Parse(s string) (Number, error) {
	digits := make([]byte, 0, 10)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-':
			continue
		default:
			return "", fmt.Errorf("%w: %q", ErrFormat, s)
		}
	}
	if len(digits) != 10 {
		return "", fmt.Errorf("%w: %q", ErrFormat, s)
	}
	check, ok := CheckDigit(string(digits[:9]))
	if !ok || check != digits[9]-'0' {
		return "", fmt.Errorf("%w: %q", ErrCheckDigit, s)
	}
	return Number(digits), nil
}

// Valid reports whether s parses as an NHS number.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// CheckDigit computes the Modulus 11 check digit of nine digits. ok is false
// when the nine digits cannot form a valid number (check digit 10) or are not
// nine decimal digits.
func CheckDigit(nine string) (digit byte, ok bool) {
	if len(nine) != 9 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := nine[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * (10 - i)
	}
	check := 11 - sum%11
	switch check {
	case 11:
		return 0, true
	case 10:
		return 0, false
	default:
		return byte(check), true
	}
}

// String returns the number without spaces.
func (n Number) String() string { return string(n) }

// Formatted returns the number in the 3-3-4 form shown to users: "999 000 0018".
func (n Number) Formatted() string {
	s := string(n)
	if len(s) != 10 {
		return s
	}
	return s[:3] + " " + s[3:6] + " " + s[6:]
}

// Range is an inclusive range of NHS numbers, compared as ten-digit strings.
type Range struct {
	First, Last string
}

// Contains reports whether n lies in the range.
func (r Range) Contains(n Number) bool {
	return string(n) >= r.First && string(n) <= r.Last
}

// TestRanges are the ranges NHS England reserves for test data: numbers
// beginning 999 are never issued to patients.
var TestRanges = []Range{{First: "9990000000", Last: "9999999999"}}

// IsTest reports whether n is in one of the reserved test ranges or in one of
// the extra ranges given (for example an integration environment's range).
func IsTest(n Number, extra ...Range) bool {
	for _, r := range TestRanges {
		if r.Contains(n) {
			return true
		}
	}
	for _, r := range extra {
		if r.Contains(n) {
			return true
		}
	}
	return false
}

// TestNumber returns a valid NHS number in the 999 test range derived from
// serial i: 999 followed by i as six digits and the check digit. A serial
// whose check digit would be 10 yields the next valid number instead, so two
// neighbouring serials can share a number. It is deterministic, so fixtures
// and generators can derive numbers from a seed.
func TestNumber(i int) Number {
	if i < 0 {
		i = -i
	}
	for serial := i; ; serial++ {
		nine := fmt.Sprintf("999%06d", serial%1000000)
		if d, ok := CheckDigit(nine); ok {
			return Number(nine + string('0'+d))
		}
	}
}

// Normalise strips spaces and hyphens without validating; useful for
// comparing user-entered text with a stored number.
func Normalise(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(s)
}

// ParseRanges reads comma-separated ranges written FIRST-LAST, each bound
// ten digits, as users write them: "9434000000-9434999999",
// "943 400 0000 - 943 499 9999" or with hyphens inside the bounds
// ("943-400-0000-943-499-9999": the split is the one hyphen that leaves
// ten digits on each side). The bounds need no valid check digit. An empty
// text is no ranges.
func ParseRanges(v string) ([]Range, error) {
	var out []Range
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		r, ok := splitRange(part)
		if !ok {
			return nil, fmt.Errorf("want FIRST-LAST with ten-digit bounds, e.g. 9434000000-9434999999, got %q", part)
		}
		if r.First > r.Last {
			return nil, fmt.Errorf("range %q: the first number is after the last", part)
		}
		out = append(out, r)
	}
	return out, nil
}

// splitRange finds the one hyphen of part that leaves ten digits (spaces
// and hyphens aside) on each side.
func splitRange(part string) (Range, bool) {
	var found []Range
	for i := 0; i < len(part); i++ {
		if part[i] != '-' {
			continue
		}
		first, last := Normalise(part[:i]), Normalise(part[i+1:])
		if tenDigits(first) && tenDigits(last) {
			found = append(found, Range{First: first, Last: last})
		}
	}
	if len(found) != 1 {
		return Range{}, false
	}
	return found[0], true
}

// FormatRanges writes ranges as ParseRanges reads them.
func FormatRanges(rs []Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.First + "-" + r.Last
	}
	return strings.Join(parts, ",")
}

func tenDigits(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

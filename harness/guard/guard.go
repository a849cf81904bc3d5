// Package guard keeps the harness from keeping real patient data. When a
// run drives an EPR the harness did not start (a url or compose target),
// the page may show real patients; CheckPage looks for NHS numbers in what
// the page shows (its text, title and URL), and the runner keeps no
// screenshot, page HTML or trace of a scenario whose page showed one
// (browser.Session.CaptureWithoutPage).
//
// An NHS number here is ten digits written together ("9434765919") or in
// the 3-3-4 groups users see, separated by spaces or hyphens
// ("943 476 5919", "943-476-5919"; no-break and thin spaces and dashes
// count too), not part of a longer run of digits, whose Modulus 11 check
// digit is valid, and which lies outside the 999 test range
// (nhsnumber.TestRanges) and the extra ranges given. Valid
// numbers that were never issued still count: the guard errs towards
// caution. Messages never show a number in full: the last four digits are
// masked ("943 476 ****"). The package is safe for concurrent use.
package guard

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/nhsnumber"
)

// candidate is ten digits in the 3-3-4 groups, with an optional space or
// hyphen between groups: a plain, no-break, thin or narrow no-break space
// (pages often keep a number on one line with &nbsp;), or a hyphen,
// non-breaking hyphen or en dash. Neighbouring digits are checked
// separately (Go's regexp has no look-behind).
var candidate = regexp.MustCompile(`[0-9]{3}` + sep + `[0-9]{3}` + sep + `[0-9]{4}`)

const sep = `[ \-\x{00A0}\x{2009}\x{202F}\x{2010}\x{2011}\x{2013}]?`

// ScanText returns the NHS numbers text shows outside the test ranges
// (nhsnumber.TestRanges and ranges), as ten digits without spaces, each
// once, in the order they first appear.
func ScanText(text string, ranges ...nhsnumber.Range) []string {
	var found []string
	seen := map[string]bool{}
	for pos := 0; pos < len(text); {
		loc := candidate.FindStringIndex(text[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[0], pos+loc[1]
		if start > 0 && isDigit(text[start-1]) || end < len(text) && isDigit(text[end]) {
			// Part of a longer number; a number may still start
			// within it ("555 9434765919").
			pos = start + 1
			continue
		}
		pos = end
		n, err := nhsnumber.Parse(digits(text[start:end]))
		if err != nil || nhsnumber.IsTest(n, ranges...) || seen[string(n)] {
			continue
		}
		seen[string(n)] = true
		found = append(found, string(n))
	}
	return found
}

// digits keeps only the ASCII digits of s.
func digits(s string) string {
	b := make([]byte, 0, 10)
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Mask writes an NHS number in 3-3-4 groups with the last four digits
// hidden: "943 476 ****".
func Mask(number string) string {
	d := nhsnumber.Normalise(number)
	if len(d) != 10 {
		return strings.Repeat("*", len(d))
	}
	return d[:3] + " " + d[3:6] + " ****"
}

// RealDataError says a page showed what may be real patient data. It holds
// the numbers masked only, so logging it keeps no real number.
type RealDataError struct {
	// Masked are the NHS numbers found, masked ("943 476 ****").
	Masked []string
}

func (e *RealDataError) Error() string {
	if len(e.Masked) == 1 {
		return fmt.Sprintf("possible real patient data: the page shows NHS number %s outside the test ranges", e.Masked[0])
	}
	return fmt.Sprintf("possible real patient data: the page shows NHS numbers %s outside the test ranges", strings.Join(e.Masked, ", "))
}

// Check returns a *RealDataError when text shows NHS numbers outside the
// test ranges, else nil.
func Check(text string, ranges ...nhsnumber.Range) error {
	found := ScanText(text, ranges...)
	if len(found) == 0 {
		return nil
	}
	masked := make([]string, len(found))
	for i, n := range found {
		masked[i] = Mask(n)
	}
	return &RealDataError{Masked: masked}
}

// shown is what the page shows as text: its title and its body's
// innerText (hidden elements excluded).
const shown = `() => document.title + "\n" + (document.body ? document.body.innerText : "")`

// CheckPage reads what the page shows (its title and
// document.body.innerText, in one evaluation) and its URL, and returns a
// *RealDataError when they hold NHS numbers outside the test ranges and
// ranges. Values typed into fields are not read. Any other error means
// the page could not be read (closed, navigating); the caller should then
// treat the page as unchecked.
func CheckPage(page playwright.Page, ranges ...nhsnumber.Range) error {
	v, err := page.Evaluate(shown)
	if err != nil {
		return fmt.Errorf("check page: %w", err)
	}
	text, ok := v.(string)
	if !ok {
		return fmt.Errorf("check page: the page's text is a %T", v)
	}
	return Check(page.URL()+"\n"+text, ranges...)
}

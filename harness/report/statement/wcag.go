package statement

import "slices"

// criterion is one WCAG success criterion: its short name and level, as
// WCAG 2.2 names them.
type criterion struct {
	Name string
	// Level is "A", "AA" or "AAA"; "obsolete" for 4.1.1 Parsing, which
	// WCAG 2.2 removed (it fails no 2.2 conformance).
	Level string
}

// criteria names every WCAG 2.2 success criterion at levels A and AA (the
// standard the accessibility regulations require), 4.1.1 and the level
// AAA criteria axe-core 4.14 tags rules with, by number. A test checks
// that every criterion axe-core tags (harness/a11y) is here.
var criteria = map[string]criterion{
	"1.1.1":  {"Non-text Content", "A"},
	"1.2.1":  {"Audio-only and Video-only (Prerecorded)", "A"},
	"1.2.2":  {"Captions (Prerecorded)", "A"},
	"1.2.3":  {"Audio Description or Media Alternative (Prerecorded)", "A"},
	"1.2.4":  {"Captions (Live)", "AA"},
	"1.2.5":  {"Audio Description (Prerecorded)", "AA"},
	"1.3.1":  {"Info and Relationships", "A"},
	"1.3.2":  {"Meaningful Sequence", "A"},
	"1.3.3":  {"Sensory Characteristics", "A"},
	"1.3.4":  {"Orientation", "AA"},
	"1.3.5":  {"Identify Input Purpose", "AA"},
	"1.4.1":  {"Use of Color", "A"},
	"1.4.2":  {"Audio Control", "A"},
	"1.4.3":  {"Contrast (Minimum)", "AA"},
	"1.4.4":  {"Resize Text", "AA"},
	"1.4.5":  {"Images of Text", "AA"},
	"1.4.6":  {"Contrast (Enhanced)", "AAA"},
	"1.4.10": {"Reflow", "AA"},
	"1.4.11": {"Non-text Contrast", "AA"},
	"1.4.12": {"Text Spacing", "AA"},
	"1.4.13": {"Content on Hover or Focus", "AA"},
	"2.1.1":  {"Keyboard", "A"},
	"2.1.2":  {"No Keyboard Trap", "A"},
	"2.1.3":  {"Keyboard (No Exception)", "AAA"},
	"2.1.4":  {"Character Key Shortcuts", "A"},
	"2.2.1":  {"Timing Adjustable", "A"},
	"2.2.2":  {"Pause, Stop, Hide", "A"},
	"2.2.4":  {"Interruptions", "AAA"},
	"2.3.1":  {"Three Flashes or Below Threshold", "A"},
	"2.4.1":  {"Bypass Blocks", "A"},
	"2.4.2":  {"Page Titled", "A"},
	"2.4.3":  {"Focus Order", "A"},
	"2.4.4":  {"Link Purpose (In Context)", "A"},
	"2.4.5":  {"Multiple Ways", "AA"},
	"2.4.6":  {"Headings and Labels", "AA"},
	"2.4.7":  {"Focus Visible", "AA"},
	"2.4.9":  {"Link Purpose (Link Only)", "AAA"},
	"2.4.11": {"Focus Not Obscured (Minimum)", "AA"},
	"2.5.1":  {"Pointer Gestures", "A"},
	"2.5.2":  {"Pointer Cancellation", "A"},
	"2.5.3":  {"Label in Name", "A"},
	"2.5.4":  {"Motion Actuation", "A"},
	"2.5.7":  {"Dragging Movements", "AA"},
	"2.5.8":  {"Target Size (Minimum)", "AA"},
	"3.1.1":  {"Language of Page", "A"},
	"3.1.2":  {"Language of Parts", "AA"},
	"3.2.1":  {"On Focus", "A"},
	"3.2.2":  {"On Input", "A"},
	"3.2.3":  {"Consistent Navigation", "AA"},
	"3.2.4":  {"Consistent Identification", "AA"},
	"3.2.5":  {"Change on Request", "AAA"},
	"3.2.6":  {"Consistent Help", "A"},
	"3.3.1":  {"Error Identification", "A"},
	"3.3.2":  {"Labels or Instructions", "A"},
	"3.3.3":  {"Error Suggestion", "AA"},
	"3.3.4":  {"Error Prevention (Legal, Financial, Data)", "AA"},
	"3.3.7":  {"Redundant Entry", "A"},
	"3.3.8":  {"Accessible Authentication (Minimum)", "AA"},
	"4.1.1":  {"Parsing", "obsolete"},
	"4.1.2":  {"Name, Role, Value", "A"},
	"4.1.3":  {"Status Messages", "AA"},
}

// required reports whether criterion c is one the accessibility
// regulations require: WCAG 2.2 level A or AA.
func required(c string) bool {
	l := criteria[c].Level
	return l == "A" || l == "AA"
}

// standards are the WCAG standards a statement can name, most demanding
// first, with the axe-core tags that check them (as a11y.Standard gives
// them; a test checks they agree). The regulations require the first.
var standards = []struct {
	Name string
	Tags []string
}{
	{Required, []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}},
	{"WCAG 2.1 AA", []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}},
	{"WCAG 2.0 AA", []string{"wcag2a", "wcag2aa"}},
	{"WCAG 2.1 A", []string{"wcag2a", "wcag21a"}},
	{"WCAG 2.0 A", []string{"wcag2a"}},
}

// Required is the standard the accessibility regulations require.
const Required = "WCAG 2.2 AA"

// covered names the most demanding standard every one of the tag sets
// checks in full; empty when there is none (or no tag set).
func covered(sets [][]string) string {
	if len(sets) == 0 {
		return ""
	}
	for _, s := range standards {
		all := true
		for _, set := range sets {
			if !containsAll(set, s.Tags) {
				all = false
				break
			}
		}
		if all {
			return s.Name
		}
	}
	return ""
}

func containsAll(set, want []string) bool {
	for _, w := range want {
		if !slices.Contains(set, w) {
			return false
		}
	}
	return true
}

package target

import (
	"reflect"
	"testing"
)

func TestActionName(t *testing.T) {
	for in, want := range map[string]string{
		"SignIn":                  "sign-in",
		"SearchByNHSNumber":       "search-by-nhs-number",
		"SearchByNHSNumberWithin": "search-by-nhs-number-within",
		"ExpectNEWS2Score":        "expect-news2-score",
		"ExpectBanner":            "expect-banner",
		"RecordObservations":      "record-observations",
		"ExpectResultsOnPage":     "expect-results-on-page",
		"ExpectAbout":             "expect-about",
	} {
		if got := ActionName(in); got != want {
			t.Errorf("ActionName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every method of EPR has a distinct action name.
func TestActionNamesDistinct(t *testing.T) {
	seen := map[string]string{}
	ty := reflect.TypeOf((*EPR)(nil)).Elem()
	for i := range ty.NumMethod() {
		m := ty.Method(i).Name
		a := ActionName(m)
		if prev, ok := seen[a]; ok {
			t.Errorf("%s and %s share the action name %q", prev, m, a)
		}
		seen[a] = m
	}
	if len(seen) < 50 {
		t.Errorf("only %d actions", len(seen))
	}
}

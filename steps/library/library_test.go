package library

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every step has a description and examples, every example matches its own
// pattern, and no example matches another step's pattern (which Godog would
// report as ambiguous).
func TestStepDefinitions(t *testing.T) {
	type def struct {
		domain string
		re     *regexp.Regexp
	}
	var all []def
	for _, d := range Domains() {
		require.NotEmpty(t, d.Defs, d.Name)
		for _, s := range d.Defs {
			re, err := regexp.Compile(s.Pattern)
			require.NoError(t, err, s.Pattern)
			assert.NotEmpty(t, s.Doc, s.Pattern)
			assert.NotEmpty(t, s.Examples, s.Pattern)
			assert.NotNil(t, s.Handler, s.Pattern)
			all = append(all, def{d.Name, re})
		}
	}
	for _, d := range Domains() {
		for _, s := range d.Defs {
			for _, ex := range s.Examples {
				text := stepText(ex)
				var matches []string
				for _, other := range all {
					if other.re.MatchString(text) {
						matches = append(matches, other.re.String())
					}
				}
				assert.Equal(t, []string{s.Pattern}, matches, "example %q", ex)
			}
		}
	}
}

// stepText drops the Gherkin keyword and any data table from an example.
func stepText(example string) string {
	line := strings.SplitN(example, "\n", 2)[0]
	for _, kw := range []string{"Given ", "When ", "Then ", "And ", "But "} {
		if strings.HasPrefix(line, kw) {
			return strings.TrimPrefix(line, kw)
		}
	}
	return line
}

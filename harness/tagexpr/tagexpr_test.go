package tagexpr

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatch(t *testing.T) {
	cases := []struct {
		expr string
		tags []string
		want bool
	}{
		{"", nil, true},
		{"@smoke", []string{"@smoke"}, true},
		{"@smoke", []string{"@regression"}, false},
		{"@smoke and not @slow", []string{"@smoke"}, true},
		{"@smoke and not @slow", []string{"@smoke", "@slow"}, false},
		{"@a or @b and @c", []string{"@a"}, true}, // and binds tighter
		{"(@a or @b) and @c", []string{"@a"}, false},
		{"not @a or @b", []string{"@a"}, false},
		{"not not @a", []string{"@a"}, true},
		{`@with\ space`, []string{"@with space"}, true},
		{`@x\(y\)`, []string{"@x(y)"}, true},
		{"@hazard:H-004", []string{"@hazard:H-004"}, true},
	}
	for _, c := range cases {
		e, err := Parse(c.expr)
		require.NoError(t, err, c.expr)
		assert.Equal(t, c.want, e.Match(c.tags), "%q on %v", c.expr, c.tags)
	}
}

func TestErrors(t *testing.T) {
	for expr, col := range map[string]int{
		"@a and":      7,
		"smoke":       1,
		"(@a or @b":   10,
		"@a @b":       4,
		"and @a":      1,
		`@a\`:         3,
		"@a or or @b": 7,
	} {
		_, err := Parse(expr)
		var te *Error
		require.True(t, errors.As(err, &te), "%q: %v", expr, err)
		assert.Equal(t, col, te.Column, "%q: %v", expr, err)
	}
}

// A parsed expression prints as one that parses back to itself, escapes
// included (an escaped tab was printed bare and split the tag: a fuzz find).
func TestStringRoundTrips(t *testing.T) {
	for _, expr := range []string{"@a\\\tb", `@with\ space`, `@x\(y\)`, `@back\\slash`, "not (@a or @b) and @c"} {
		e, err := Parse(expr)
		require.NoError(t, err, expr)
		again, err := Parse(e.String())
		require.NoError(t, err, "%q printed as %q", expr, e.String())
		assert.Equal(t, e.String(), again.String())
	}
	e, err := Parse("@a\\\tb")
	require.NoError(t, err)
	assert.True(t, e.Match([]string{"@a\tb"}))
}

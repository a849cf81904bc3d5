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

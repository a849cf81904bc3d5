package phrasebook

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompileExpressionMatches(t *testing.T) {
	cases := []struct {
		expr  string
		text  string
		match bool
		args  []string
	}{
		{"that I'm logged in", "that I'm logged in", true, nil},
		{"that I'm logged in", "that I'm logged in now", false, nil},
		{"I have {int} cucumber(s)", "I have 1 cucumber", true, []string{"1"}},
		{"I have {int} cucumber(s)", "I have -12 cucumbers", true, []string{"-12"}},
		{"I have {int} cucumber(s)", "I have one cucumber", false, nil},
		{"it weighs {float} kg", "it weighs 72.5 kg", true, []string{"72.5"}},
		{"it weighs {float} kg", "it weighs .5 kg", true, []string{".5"}},
		{"the {word} tab", "the Allergies tab", true, []string{"Allergies"}},
		{"the {word} tab", "the big Allergies tab", false, nil},
		{"I search for a patient with {string}", `I search for a patient with "Z999991"`, true, []string{"Z999991"}},
		{"I search for a patient with {string}", `I search for a patient with 'RABBIT, R'`, true, []string{"RABBIT, R"}},
		{"I search for a patient with {string}", `I search for a patient with ""`, true, []string{""}},
		{"I search for a patient with {string}", `I search for a patient with Z999991`, false, nil},
		{"note: {}", "note: anything at all", true, []string{"anything at all"}},
		{"I log(ged) in/on", "I logged on", true, nil},
		{"I log(ged) in/on", "I log in", true, nil},
		{"I log(ged) in/on", "I log at", false, nil},
		{"the patient/person is found", "the person is found", true, nil},
		{`a \(bracket\) and \{brace\} and a\/b and \\`, `a (bracket) and {brace} and a/b and \`, true, nil},
		{"a.b*c", "a.b*c", true, nil},
		{"a.b*c", "axbbc", false, nil},
		{"{string} and {int}", `'x' and 3`, true, []string{"x", "3"}},
	}
	for _, c := range cases {
		e, err := CompileExpression(c.expr)
		require.NoError(t, err, c.expr)
		m := e.Regexp.FindStringSubmatch(c.text)
		assert.Equal(t, c.match, m != nil, "%q ~ %q (regexp %s)", c.expr, c.text, e.Regexp)
		if c.match && m != nil {
			got := values(e.Params, m[1:])
			if len(c.args) == 0 {
				assert.Empty(t, got, c.expr)
			} else {
				assert.Equal(t, c.args, got, c.expr)
			}
		}
	}
}

func TestCompileExpressionRefuses(t *testing.T) {
	cases := map[string]string{
		"":                   "empty",
		"a {number}":         "{number} is no parameter type",
		"a {int":             `"{" is not closed`,
		"a (s":               `"(" is not closed`,
		"a ()":               "empty optional text",
		"a (b(c))":           `cannot hold another "("`,
		"a ({int})":          "cannot hold a parameter",
		"a (b/c)":            "cannot hold an alternation",
		"a /b":               "an alternative is empty",
		"a b/":               "an alternative is empty",
		"a {int}/b":          "cannot hold a parameter",
		"a )":                `")" closes no "("`,
		"a }":                `"}" closes no "{"`,
		`a \x`:               `"\x" is no escape`,
		`a \`:                `escapes nothing`,
		"(s)/b":              "besides optional text",
		"a {in t}":           "cannot be in a parameter's name",
		"x {string} y/{int}": "cannot hold a parameter",
	}
	for expr, want := range cases {
		_, err := CompileExpression(expr)
		require.Error(t, err, expr)
		var ee *ExpressionError
		require.True(t, errors.As(err, &ee), expr)
		assert.Contains(t, err.Error(), want, expr)
		assert.True(t, strings.HasPrefix(err.Error(), "column "), expr)
	}
}

func TestExpressionColumn(t *testing.T) {
	_, err := CompileExpression("I have {cukes}")
	require.Error(t, err)
	assert.Equal(t, "column 8: {cukes} is no parameter type: use {int}, {float}, {word}, {string} or {}", err.Error())
}

func TestExpressionExampleMatches(t *testing.T) {
	for _, expr := range []string{"I have {int} cucumber(s) in my belly/stomach", "a {string} and {float} {word} {}", "plain"} {
		e, err := CompileExpression(expr)
		require.NoError(t, err)
		assert.True(t, e.Regexp.MatchString(e.Example()), "%q: example %q", expr, e.Example())
	}
}

// FuzzCompile: compiling never panics, and an expression that compiles
// matches its own example; without parameters, optional text or
// alternation it matches the text it was written as (unescaped).
func FuzzCompile(f *testing.F) {
	for _, s := range []string{"that I'm logged in", "I have {int} cucumber(s)", "a/b c", `\(x\)`, "{string} {}", "a (b) c/d(e)", `\\ \/ \{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := CompileExpression(src)
		if err != nil {
			var ee *ExpressionError
			if !errors.As(err, &ee) {
				t.Fatalf("%q: error %v is no *ExpressionError", src, err)
			}
			return
		}
		if !e.Regexp.MatchString(e.Example()) {
			t.Fatalf("%q: does not match its example %q (regexp %s)", src, e.Example(), e.Regexp)
		}
		if len(e.Params) == 0 && !strings.ContainsAny(src, `()/\{}`) && !e.Regexp.MatchString(src) {
			t.Fatalf("%q: does not match itself (regexp %s)", src, e.Regexp)
		}
	})
}

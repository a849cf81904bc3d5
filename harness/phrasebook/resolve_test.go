package phrasebook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/steps"
)

type logKey struct{}
type roleKey struct{}

// errNotFound stands for an assertion failure a step handler returns.
var errNotFound = errors.New("not in the results")

func logOf(ctx context.Context) *[]string { return ctx.Value(logKey{}).(*[]string) }

// fakeDefs are catalogue-like steps that log their calls.
func fakeDefs() []steps.Def {
	return []steps.Def{
		{Pattern: `^I am signed in as (?:a|an|the) (\w+)$`, Handler: func(ctx context.Context, role string) (context.Context, error) {
			*logOf(ctx) = append(*logOf(ctx), "sign in "+role)
			return context.WithValue(ctx, roleKey{}, role), nil
		}},
		{Pattern: `^I search for "([^"]*)"$`, Handler: func(ctx context.Context, q string) error {
			role, _ := ctx.Value(roleKey{}).(string)
			*logOf(ctx) = append(*logOf(ctx), fmt.Sprintf("search %s as %s", q, role))
			return nil
		}},
		{Pattern: `^the search results include "([^"]*)"$`, Handler: func(ctx context.Context, name string) error {
			*logOf(ctx) = append(*logOf(ctx), "includes "+name)
			if name == "Nobody" {
				return fmt.Errorf("expected %q: %w", name, errNotFound)
			}
			return nil
		}},
		{Pattern: `^(\d+) patients? (?:is|are) found$`, Handler: func(ctx context.Context, n int) error {
			*logOf(ctx) = append(*logOf(ctx), fmt.Sprintf("found %d", n))
			return nil
		}},
		{Pattern: `^the weight is ([\d.]+) kg$`, Handler: func(w float64) error { return nil }},
		{Pattern: `^I register a patient:$`, Handler: func(ctx context.Context, t *godog.Table) error {
			*logOf(ctx) = append(*logOf(ctx), fmt.Sprintf("register %d rows", len(t.Rows)))
			return nil
		}},
		{Pattern: `^I write the note:$`, Handler: func(ctx context.Context, d *godog.DocString) error {
			*logOf(ctx) = append(*logOf(ctx), "note "+d.Content)
			return nil
		}},
	}
}

const resolveBook = `phrases:
  - phrase: that I'm logged in
    steps: [I am signed in as a clinician]
  - phrase: I search for a patient with {string}
    steps: ['I search for "{1}"']
  - regex: '^the following patients are found: "(?P<name>[^"]+)"$'
    steps: ['the search results include "{name}"']
  - phrase: I look up {string} and expect {int} patient(s)
    steps:
      - that I'm logged in
      - I search for a patient with "{1}"
      - '{2} patients are found'
  - phrase: a new patient is registered with
    steps: [that I'm logged in, 'I register a patient:']
`

func resolver(t *testing.T, src string) *Resolver {
	t.Helper()
	b, err := Parse("pb.yaml", []byte(src))
	require.NoError(t, err)
	r, err := b.Resolve(fakeDefs())
	require.NoError(t, err)
	return r
}

func TestExpand(t *testing.T) {
	r := resolver(t, resolveBook)
	assert.Empty(t, r.Problems())

	got, err := r.Expand(`I look up "9990000018" and expect 1 patient`)
	require.NoError(t, err)
	var texts []string
	for _, s := range got {
		texts = append(texts, s.Text)
	}
	assert.Equal(t, []string{"I am signed in as a clinician", `I search for "9990000018"`, "1 patients are found"}, texts)
	assert.Equal(t, []string{"9990000018"}, got[1].Args)
	require.Len(t, got[1].Via, 2, "through two phrases")
	assert.Equal(t, "pb.yaml:11", got[1].Via[0].At())
	assert.Equal(t, "pb.yaml:5", got[1].Via[1].At())

	got, err = r.Expand("I am signed in as a nurse")
	require.NoError(t, err)
	require.Len(t, got, 1, "a catalogue step stands for itself")
	assert.Empty(t, got[0].Via)

	_, err = r.Expand("I fly to the moon")
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, Undefined, e.Kind)

	typ, at := r.Takes(r.Book().Phrases[4])
	assert.Equal(t, tableType, typ)
	assert.Equal(t, 1, at)
	typ, at = r.Takes(r.Book().Phrases[0])
	assert.Nil(t, typ)
	assert.Equal(t, -1, at)
}

func TestProblems(t *testing.T) {
	src := `phrases:
  - phrase: A {string}
    steps: ['B "{1}"']
  - phrase: B {string}
    steps: ['C "{1}"']
  - phrase: C {string}
    steps: ['A "{1}"']
  - phrase: I search for {string}
    steps: ['I search for "{1}"']
  - phrase: I serch for {string}
    steps: ['I fly to "{1}"']
  - phrase: logged in
    steps: ['I am signed in as a nurse']
  - regex: 'logged (in|on)'
    steps: ['I am signed in as a nurse']
  - phrase: two tables
    steps: ['I register a patient:', 'I write the note:']
  - phrase: ambiguous step
    steps: ['logged in']
`
	r := resolver(t, src)
	var got []string
	for _, p := range r.Problems() {
		got = append(got, fmt.Sprintf("%s %s", p.Kind, p))
	}
	all := strings.Join(got, "\n")
	assert.Contains(t, all, `cycle pb.yaml:3: phrases[0].steps[0]: phrases call each other in a cycle: "A {string}" (pb.yaml:3) → "B {string}" (pb.yaml:5) → "C {string}" (pb.yaml:7) → "A {string}" (pb.yaml:2)`)
	assert.Equal(t, 1, strings.Count(all, "cycle pb.yaml"), "one cycle, reported once:\n"+all)
	assert.Contains(t, all, `ambiguous pb.yaml:9: phrases[3].steps[0]: "I search for \"{1}\"" is ambiguous: it matches the phrase "I search for {string}" (pb.yaml:8) and the catalogue step`)
	assert.Contains(t, all, `ambiguous pb.yaml:8: phrases[3].phrase: the phrase "I search for {string}" overlaps the catalogue step "^I search for \"([^\"]*)\"$": a step such as "I search for \"text\"" would be ambiguous`)
	assert.Contains(t, all, `undefined pb.yaml:11: phrases[4].steps[0]: "I fly to \"{1}\"" matches no catalogue step or phrase`)
	assert.Contains(t, all, `two tables pb.yaml:17: phrases[7].steps[1]`)
	assert.Contains(t, all, `ambiguous pb.yaml:19: phrases[8].steps[0]: "logged in" is ambiguous: it matches the phrase "logged in" (pb.yaml:12) and the phrase "logged (in|on)" (pb.yaml:14)`)
	for _, p := range r.Problems() {
		if p.Kind == Undefined {
			assert.Equal(t, `I fly to "text"`, p.Text, "sample values for suggestions")
		}
	}

	_, err := r.Expand(`A "x"`)
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, Cycle, e.Kind)
	assert.Contains(t, err.Error(), `"A {string}" (pb.yaml:3) → "B {string}" (pb.yaml:5) → "C {string}" (pb.yaml:7)`)
}

// A step that takes a number is found with a sample number.
func TestProblemsTriesNumbers(t *testing.T) {
	r := resolver(t, "phrases:\n  - phrase: expect {string} patients\n    steps: ['{1} patients are found']\n  - regex: 'weighs ([\\d.]+)'\n    steps: ['the weight is {1} kg']\n")
	assert.Empty(t, r.Problems())
}

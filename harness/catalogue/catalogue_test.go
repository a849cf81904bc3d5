package catalogue

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/steps"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func ok(context.Context) error                      { return nil }
func one(context.Context, string) error             { return nil }
func two(context.Context, string, string) error     { return nil }
func table(context.Context, *godog.Table) error     { return nil }
func three(_ context.Context, _, _, _ string) error { return nil }

// testDomains cover every rendering rule: personas, choices, optional
// words and letters, quoted text, numbers, named groups, patients and
// roles named from the examples, data-table steps, and adapter actions.
func testDomains() []Domain {
	return []Domain{
		{Name: "session", Defs: []steps.Def{
			{Pattern: `^(?:I am|the user is) (?:signed|logged) in as (?:a|an|the) ([a-z ]+)$`, Doc: "Signs in as the fixture user of a role.",
				Examples: []string{"Given I am signed in as a nurse", "Given I am logged in as a receptionist"}, Handler: one,
				Uses: []string{"sign-in", "expect-signed-in"}},
			{Pattern: `^` + steps.Persona + ` (?:sign|log)s? out$`, Doc: "Signs out.", Examples: []string{"When I sign out", "When the nurse signs out"}, Handler: ok,
				Uses: []string{"sign-out"}},
		}},
		{Name: "patients", Defs: []steps.Def{
			{Pattern: `^the patient "([^"]*)" is registered$`, Doc: "Loads a fixture patient.", Examples: []string{`Given the patient "Amy Pond" is registered`}, Handler: one},
			{Pattern: `^(\d+) patients? (?:is|are) found$`, Doc: "Counts the results.", Examples: []string{"Then 2 patients are found"}, Handler: one},
			{Pattern: `^` + steps.Persona + ` search(?:es)? for (?:the )?patients? named "(?P<name>[^"]*)"$`, Doc: "Searches by name.", Examples: []string{`When I search for patients named "Pond"`}, Handler: one},
			{Pattern: `^` + steps.Persona + ` stops? "([^"]*)"(?: because "([^"]*)")?$`, Doc: "Stops a drug.", Examples: []string{`When I stop "Paracetamol"`}, Handler: two},
			{Pattern: `^the medications list shows "([^"]*)" as (active|stopped)$`, Doc: "Checks a drug's status.", Examples: []string{`Then the medications list shows "Amoxicillin" as active`}, Handler: two},
			{Pattern: `^` + steps.Persona + ` registers? a patient:$`, Doc: "Registers from a table.",
				Examples: []string{"When I register a patient:\n  | given name  | Rose  |\n  | family name | Tyler |"}, Handler: table},
			{Pattern: `^` + steps.Persona + ` prescribes? "([^"]*)" (\d+(?:\.\d+)? ?[A-Za-z]+) ((?:once|twice) a day|every \d+ hours)$`, Doc: "Prescribes.",
				Examples: []string{`When I prescribe "Amoxicillin" 500 mg twice a day`}, Handler: three},
		}},
	}
}

func testCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	patients := map[string]bool{"amy pond": true}
	roles := map[string]bool{"nurse": true, "receptionist": true}
	c, err := New(testDomains(),
		WithPatients(func(n string) bool { return patients[strings.ToLower(n)] }),
		WithRoles(func(r string) bool { return roles[r] }))
	require.NoError(t, err)
	return c
}

func TestRendering(t *testing.T) {
	c := testCatalogue(t)
	var got []string
	for _, s := range c.Steps {
		got = append(got, s.Text)
	}
	assert.Equal(t, []string{
		"(I am|the user is) (signed|logged) in as (a|an|the) {role}",
		"(I|the user|the {role}) (sign|log)[s] out",
		`the patient "{patient}" is registered`,
		"{number} patient[s] (is|are) found",
		`(I|the user|the {role}) search[es] for [the] patient[s] named "{name}"`,
		`(I|the user|the {role}) stop[s] "{text}" [because "{text}"]`,
		`the medications list shows "{text}" as (active|stopped)`,
		"(I|the user|the {role}) register[s] a patient:",
		`(I|the user|the {role}) prescribe[s] "{text}" {quantity} ((once|twice) a day|every {number} hours)`,
	}, got)
	assert.Equal(t, []string{"role"}, c.Steps[0].Args)
	assert.Equal(t, []string{"text", "text"}, c.Steps[5].Args)
	assert.Equal(t, []string{"text", "choice"}, c.Steps[6].Args)
}

func TestMatchingArgumentsPersonas(t *testing.T) {
	c := testCatalogue(t)
	ms := c.Matching("the receptionist signs out")
	require.Len(t, ms, 1)
	assert.Equal(t, []string{"receptionist"}, ms[0].Personas("the receptionist signs out"))
	assert.Empty(t, ms[0].Personas("the user signs out"), `"the user" is no role`)
	assert.Empty(t, ms[0].Personas("I sign out"))
	ms = c.Matching(`I stop "Paracetamol" because "Course complete"`)
	require.Len(t, ms, 1)
	assert.Equal(t, []string{"Paracetamol", "Course complete"}, ms[0].Arguments(`I stop "Paracetamol" because "Course complete"`))
	assert.Nil(t, ms[0].Arguments("I sign out"))
	assert.Empty(t, c.Matching("I fly to the moon"))
}

// Without fixtures, placeholders are named by shape only.
func TestRenderingWithoutFixtures(t *testing.T) {
	c, err := New(testDomains())
	require.NoError(t, err)
	assert.Equal(t, "(I am|the user is) (signed|logged) in as (a|an|the) {words}", c.Steps[0].Text)
	assert.Equal(t, `the patient "{text}" is registered`, c.Steps[2].Text)
}

func TestNewRefusesBadPatterns(t *testing.T) {
	for _, p := range []string{`^a (b$`, `^a{2,3}$`, `^(?i)a$`} {
		_, err := New([]Domain{{Name: "bad", Defs: []steps.Def{{Pattern: p, Handler: ok}}}})
		require.Error(t, err, p)
		assert.Contains(t, err.Error(), "bad: ")
	}
}

func TestGolden(t *testing.T) {
	c := testCatalogue(t)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, Write(&out, c, format))
			ext := map[string]string{"text": "txt", "markdown": "md", "json": "json"}[format]
			golden := filepath.Join("testdata", "catalogue."+ext)
			if *update {
				require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), out.String(), "go test ./harness/catalogue -update rewrites %s", golden)
		})
	}
	var parsed struct {
		Steps []jsonStep `json:"steps"`
	}
	var out bytes.Buffer
	require.NoError(t, WriteJSON(&out, c))
	require.NoError(t, json.Unmarshal(out.Bytes(), &parsed))
	require.Len(t, parsed.Steps, len(c.Steps))
	assert.Equal(t, `^the patient "([^"]*)" is registered$`, parsed.Steps[2].Pattern, "json keeps the raw regex")
	assert.Equal(t, []string{"sign-in", "expect-signed-in"}, parsed.Steps[0].Actions, "json lists the adapter actions")
	assert.Equal(t, []string{}, parsed.Steps[2].Actions, "a step without actions has an empty list")
	assert.Error(t, Write(&out, c, "yaml"))
}

// Lint catches each kind of bad step definition.
func TestLint(t *testing.T) {
	good := steps.Def{Pattern: `^the NEWS2 score is (\d+)$`, Doc: "Checks the score.", Examples: []string{"Then the NEWS2 score is 7"}, Handler: one}
	assert.Empty(t, Lint([]Domain{{Name: "obs", Defs: []steps.Def{good}}}))

	for _, c := range []struct {
		name string
		defs []steps.Def
		want string
	}{
		{"invalid regex", []steps.Def{{Pattern: `^the (score is$`, Doc: "d", Examples: []string{"Then the (score is"}, Handler: ok}}, "does not compile"},
		{"no start anchor", []steps.Def{{Pattern: `the score is (\d+)$`, Doc: "d", Examples: []string{"Then the score is 7"}, Handler: one}}, "must be anchored"},
		{"no end anchor", []steps.Def{{Pattern: `^the score is (\d+)`, Doc: "d", Examples: []string{"Then the score is 7"}, Handler: one}}, "must be anchored"},
		{"example does not match", []steps.Def{{Pattern: `^the score is (\d+)$`, Doc: "d", Examples: []string{"Then the score is seven"}, Handler: one}}, "does not match its own pattern"},
		{"example without keyword", []steps.Def{{Pattern: `^the score is (\d+)$`, Doc: "d", Examples: []string{"the score is 7"}, Handler: one}}, "does not start with a Gherkin keyword"},
		{"no doc", []steps.Def{{Pattern: `^the score is (\d+)$`, Examples: []string{"Then the score is 7"}, Handler: one}}, "has no Doc"},
		{"no examples", []steps.Def{{Pattern: `^the score is (\d+)$`, Doc: "d", Handler: one}}, "has no Examples"},
		{"example matches two steps", []steps.Def{good, {Pattern: `^the NEWS2 score is (.+)$`, Doc: "d", Examples: []string{"Then the NEWS2 score is high"}, Handler: one}}, "also matches"},
		{"duplicate pattern", []steps.Def{good, good}, "the same pattern is defined"},
		{"handler arity", []steps.Def{{Pattern: `^the score is (\d+)$`, Doc: "d", Examples: []string{"Then the score is 7"}, Handler: ok}}, "takes 0 argument(s) but the pattern has 1"},
		{"handler without table", []steps.Def{{Pattern: `^I record:$`, Doc: "d", Examples: []string{"When I record:"}, Handler: ok}}, "*godog.Table"},
		{"handler not a func", []steps.Def{{Pattern: `^x$`, Doc: "d", Examples: []string{"Then x"}, Handler: "x"}}, "not a func"},
		{"handler bad param", []steps.Def{{Pattern: `^x (\d+)$`, Doc: "d", Examples: []string{"Then x 1"}, Handler: func(context.Context, []int) error { return nil }}}, "argument 1 is []int"},
		{"unknown action", []steps.Def{{Pattern: `^x$`, Doc: "d", Examples: []string{"Then x"}, Handler: ok, Uses: []string{"serch-by-name"}}}, `Uses names "serch-by-name", which is not an action`},
		{"action twice", []steps.Def{{Pattern: `^x$`, Doc: "d", Examples: []string{"Then x"}, Handler: ok, Uses: []string{"sign-in", "sign-in"}}}, `Uses names "sign-in" twice`},
		{"handler bad result", []steps.Def{{Pattern: `^x$`, Doc: "d", Examples: []string{"Then x"}, Handler: func() int { return 0 }}}, "returns int"},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := Lint([]Domain{{Name: "obs", Defs: c.defs}})
			require.NotEmpty(t, errs)
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			assert.Contains(t, strings.Join(msgs, "\n"), c.want)
			assert.Contains(t, msgs[0], "obs: ", "names the domain")
		})
	}
}

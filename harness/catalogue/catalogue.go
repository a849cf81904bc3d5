// Package catalogue is the step catalogue: every step the harness knows,
// with its pattern rendered for analysts ("(I am|the user is) signed in as
// (a|an|the) {role}"), its description, examples, domain and the adapter
// actions it uses (steps.Def.Uses). It writes the
// catalogue as text, Markdown (docs/steps.md) or JSON, matches step text
// against it (for eprharness check), and lints step definitions so that a
// bad pattern is caught by go test rather than mid-run.
//
// How a pattern is rendered:
//
//   - {name} is a value the analyst writes. The name comes from a named
//     group, from the examples ({patient} when every example names a
//     fixture patient there, {role} a fixture role; see WithPatients and
//     WithRoles), or from the group's shape: {text}, {number}, {word},
//     {words}, {quantity}, {value}.
//   - (a|b|c) is a choice: write one of the words.
//   - [words] are optional.
//   - "the {role}" is a persona: "the receptionist", "the nurse".
//
// A Catalogue is immutable after New and safe for concurrent use.
package catalogue

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

// Domain is one step domain's definitions, as steps/library lists them.
type Domain struct {
	Name string
	Defs []steps.Def
}

// Step is one catalogue entry.
type Step struct {
	Domain string
	// Pattern is the raw regular expression.
	Pattern string
	// Text is the pattern rendered for analysts.
	Text string
	Doc  string
	// Examples are step texts as analysts write them, keyword included.
	Examples []string
	// Args names each capture group, in order ("patient", "role", "text",
	// "number", "choice", ...).
	Args []string
	// Uses are the adapter actions the step may call (steps.Def.Uses):
	// what an adapter must bind to run it.
	Uses []string
	// Roles are the fixture roles the step signs in as whatever its text
	// says (steps.Def.Roles).
	Roles []string
	// Check validates the step's input without running it
	// (steps.Def.Check); nil when there is nothing to check.
	Check func(steps.Input) error

	re      *regexp.Regexp
	persona *regexp.Regexp // nil when the step has no persona
}

// Match reports whether text (without its keyword) matches the step.
func (s *Step) Match(text string) bool { return s.re.MatchString(text) }

// Arguments returns the values of the capture groups in text, or nil when
// text does not match.
func (s *Step) Arguments(text string) []string {
	m := s.re.FindStringSubmatch(text)
	if m == nil {
		return nil
	}
	return m[1:]
}

// Personas returns the role words of text's personas ("receptionist" in
// "the receptionist searches for ..."); "I" and "the user" are not
// returned.
func (s *Step) Personas(text string) []string {
	if s.persona == nil {
		return nil
	}
	m := s.persona.FindStringSubmatch(text)
	var out []string
	for i, name := range s.persona.SubexpNames() {
		if name == "persona" && i < len(m) && m[i] != "" && m[i] != "user" {
			out = append(out, m[i])
		}
	}
	return out
}

// Catalogue is every step, in domain order.
type Catalogue struct {
	Steps []*Step
}

// Option configures New.
type Option func(*options)

type options struct {
	patients func(string) bool
	roles    func(string) bool
}

// WithPatients names a quoted capture group {patient} when every example
// of the step has a fixture patient's name there (isPatient reports it).
func WithPatients(isPatient func(name string) bool) Option {
	return func(o *options) { o.patients = isPatient }
}

// WithRoles names a capture group {role} when every example of the step
// has a fixture role there.
func WithRoles(isRole func(role string) bool) Option {
	return func(o *options) { o.roles = isRole }
}

// New builds the catalogue. It fails when a pattern does not compile or
// cannot be rendered, naming the domain and the pattern.
func New(domains []Domain, opts ...Option) (*Catalogue, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	c := &Catalogue{}
	for _, d := range domains {
		for _, def := range d.Defs {
			s, err := newStep(d.Name, def, o)
			if err != nil {
				return nil, fmt.Errorf("step catalogue: %s: %q: %w", d.Name, def.Pattern, err)
			}
			c.Steps = append(c.Steps, s)
		}
	}
	return c, nil
}

func newStep(domain string, def steps.Def, o options) (*Step, error) {
	re, err := regexp.Compile(def.Pattern)
	if err != nil {
		return nil, err
	}
	tree, err := parsePattern(def.Pattern)
	if err != nil {
		return nil, err
	}
	groups := captureGroups(tree)
	if len(groups) != re.NumSubexp() {
		return nil, fmt.Errorf("internal: %d groups rendered, regexp has %d", len(groups), re.NumSubexp())
	}
	s := &Step{Domain: domain, Pattern: def.Pattern, Doc: def.Doc, Examples: def.Examples, Uses: def.Uses, Roles: def.Roles, Check: def.Check, re: re}

	// Argument values in the examples, by group.
	values := make([][]string, len(groups))
	for _, ex := range def.Examples {
		if m := re.FindStringSubmatch(StepText(ex)); m != nil {
			for i := range groups {
				values[i] = append(values[i], m[i+1])
			}
		}
	}
	for i, g := range groups {
		s.Args = append(s.Args, argName(g, values[i], o))
	}

	r := &renderer{b: &strings.Builder{}, names: s.Args, persona: map[*node]bool{}}
	r.nodes(tree)
	s.Text = strings.TrimSpace(r.b.String())
	if len(r.persona) > 0 {
		var b strings.Builder
		for _, n := range tree {
			writeSource(&b, n, r.persona)
		}
		if s.persona, err = regexp.Compile(b.String()); err != nil {
			return nil, fmt.Errorf("internal: persona pattern: %w", err)
		}
	}
	return s, nil
}

func argName(g *node, values []string, o options) string {
	switch {
	case g.name != "":
		return g.name
	case len(g.alts) > 1:
		return "choice"
	case isLiteral(g.alts[0]):
		return PlaceholderText
	case len(values) > 0 && o.patients != nil && all(values, o.patients):
		return PlaceholderPatient
	case len(values) > 0 && o.roles != nil && all(values, o.roles):
		return PlaceholderRole
	}
	return shapeName(g)
}

// all reports whether f holds for every value an example gave (an optional
// group an example leaves out gives no value) and there is at least one.
func all(vs []string, f func(string) bool) bool {
	n := 0
	for _, v := range vs {
		if v == "" {
			continue
		}
		if !f(v) {
			return false
		}
		n++
	}
	return n > 0
}

// Keywords are the Gherkin step keywords, with their trailing space.
var Keywords = []string{"Given ", "When ", "Then ", "And ", "But ", "* "}

// StepText drops the Gherkin keyword and any data table from an example.
func StepText(example string) string {
	line := strings.SplitN(example, "\n", 2)[0]
	for _, kw := range Keywords {
		if strings.HasPrefix(line, kw) {
			return strings.TrimPrefix(line, kw)
		}
	}
	return line
}

// Matching returns the steps whose pattern matches text (without keyword).
func (c *Catalogue) Matching(text string) []*Step {
	var out []*Step
	for _, s := range c.Steps {
		if s.re.MatchString(text) {
			out = append(out, s)
		}
	}
	return out
}

// Domains returns the domain names in catalogue order.
func (c *Catalogue) Domains() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range c.Steps {
		if !seen[s.Domain] {
			seen[s.Domain] = true
			out = append(out, s.Domain)
		}
	}
	return out
}

// Lint checks step definitions the way Godog will use them and returns
// every problem, each naming the domain and pattern: a pattern that does
// not compile or is not anchored with ^...$, a step without description or
// examples, an example that its own pattern does not match or that another
// step also matches (Godog would call it ambiguous), an example without a
// Gherkin keyword, a duplicate pattern, and a handler whose parameters do
// not fit the pattern's capture groups, and Uses naming an action that
// target.EPR does not have, or one twice.
func Lint(domains []Domain) []error {
	var errs []error
	type compiled struct {
		at string
		re *regexp.Regexp
	}
	var all []compiled
	seen := map[string]string{}
	actions := target.Actions()
	for _, d := range domains {
		if len(d.Defs) == 0 {
			errs = append(errs, fmt.Errorf("%s: no steps", d.Name))
		}
		for _, def := range d.Defs {
			at := fmt.Sprintf("%s: %q", d.Name, def.Pattern)
			bad := func(format string, args ...any) {
				errs = append(errs, fmt.Errorf("%s: %s", at, fmt.Sprintf(format, args...)))
			}
			if other, dup := seen[def.Pattern]; dup {
				bad("the same pattern is defined in %s", other)
			}
			seen[def.Pattern] = d.Name
			re, err := regexp.Compile(def.Pattern)
			if err != nil {
				bad("does not compile: %v", err)
				continue
			}
			if _, err := newStep(d.Name, def, options{}); err != nil {
				bad("cannot be rendered for the catalogue: %v", err)
			}
			if !strings.HasPrefix(def.Pattern, "^") || !strings.HasSuffix(def.Pattern, "$") || strings.HasSuffix(def.Pattern, `\$`) {
				bad("must be anchored: start with ^ and end with $, or it matches inside longer steps")
			}
			if strings.TrimSpace(def.Doc) == "" {
				bad("has no Doc")
			}
			if len(def.Examples) == 0 {
				bad("has no Examples")
			}
			for _, ex := range def.Examples {
				if StepText(ex) == strings.SplitN(ex, "\n", 2)[0] {
					bad("example %q does not start with a Gherkin keyword (Given, When, Then, And, But)", ex)
				}
				if !re.MatchString(StepText(ex)) {
					bad("example %q does not match its own pattern", ex)
				}
			}
			if err := checkHandler(def.Handler, re.NumSubexp(), strings.HasSuffix(def.Pattern, ":$")); err != nil {
				bad("handler: %v", err)
			}
			for i, u := range def.Uses {
				if !slices.Contains(actions, u) {
					bad("Uses names %q, which is not an action of target.EPR (target.Actions)", u)
				} else if slices.Contains(def.Uses[:i], u) {
					bad("Uses names %q twice", u)
				}
			}
			all = append(all, compiled{at, re})
		}
	}
	for _, d := range domains {
		for _, def := range d.Defs {
			for _, ex := range def.Examples {
				var others []string
				for _, o := range all {
					if o.re.String() != def.Pattern && o.re.MatchString(StepText(ex)) {
						others = append(others, o.at)
					}
				}
				if len(others) > 0 {
					errs = append(errs, fmt.Errorf("%s: %q: example %q also matches %s (Godog would call it ambiguous)", d.Name, def.Pattern, ex, strings.Join(others, ", ")))
				}
			}
		}
	}
	return errs
}

var (
	contextType   = reflect.TypeOf((*context.Context)(nil)).Elem()
	errorType     = reflect.TypeOf((*error)(nil)).Elem()
	tableType     = reflect.TypeOf((*godog.Table)(nil))
	docStringType = reflect.TypeOf((*godog.DocString)(nil))
	stepsType     = reflect.TypeOf(godog.Steps(nil))
)

// checkHandler checks a Godog step handler: a func taking an optional
// context.Context, one parameter per capture group (string, an integer or
// float kind, or []byte), then a *godog.Table or *godog.DocString when the
// step ends with a colon; returning nothing, an error, or (context, error).
func checkHandler(h any, groups int, wantsBlock bool) error {
	if h == nil {
		return fmt.Errorf("is nil")
	}
	t := reflect.TypeOf(h)
	if t.Kind() != reflect.Func {
		return fmt.Errorf("is a %s, not a func", t)
	}
	in := make([]reflect.Type, t.NumIn())
	for i := range in {
		in[i] = t.In(i)
	}
	if len(in) > 0 && in[0] == contextType {
		in = in[1:]
	}
	if wantsBlock {
		if len(in) == 0 || (in[len(in)-1] != tableType && in[len(in)-1] != docStringType) {
			return fmt.Errorf("the step ends with a colon, so its last parameter must be a *godog.Table or *godog.DocString")
		}
		in = in[:len(in)-1]
	}
	if len(in) != groups {
		return fmt.Errorf("takes %d argument(s) but the pattern has %d capture group(s)", len(in), groups)
	}
	for i, p := range in {
		switch p.Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		case reflect.Slice:
			if p.Elem().Kind() != reflect.Uint8 {
				return fmt.Errorf("argument %d is %s; Godog passes strings, numbers or []byte", i+1, p)
			}
		default:
			return fmt.Errorf("argument %d is %s; Godog passes strings, numbers or []byte", i+1, p)
		}
	}
	switch t.NumOut() {
	case 0:
	case 1:
		if !t.Out(0).Implements(errorType) && t.Out(0) != stepsType && t.Out(0) != contextType {
			return fmt.Errorf("returns %s; want error, (context.Context, error) or nothing", t.Out(0))
		}
	case 2:
		if t.Out(0) != contextType || !t.Out(1).Implements(errorType) {
			return fmt.Errorf("returns (%s, %s); want (context.Context, error)", t.Out(0), t.Out(1))
		}
	default:
		return fmt.Errorf("returns %d values; want error or (context.Context, error)", t.NumOut())
	}
	return nil
}

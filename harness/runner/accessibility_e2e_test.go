//go:build e2e

package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/a11y"
	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/backend/embedded"
	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
	refepradapter "github.com/eprharness/eprharness/harness/target/refepr"
	"github.com/eprharness/eprharness/steps"
	a11ysteps "github.com/eprharness/eprharness/steps/accessibility"
)

// clinicApp serves an accessible page (/clean) and a form whose NHS
// number field has no label (/form), beside an accessible "Notes" dialog.
type clinicApp struct{}

const pageHead = `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>%s</title></head><body><header><p>Clinic</p></header><main><h1>%s</h1>`

func (clinicApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.URL.Path {
	case "/clean":
		fmt.Fprintf(w, pageHead+`<p>Ward 7</p><label for="q">Search</label><input id="q" name="q"></main></body></html>`, "Ward", "Ward")
	case "/form":
		fmt.Fprintf(w, pageHead+`<p>New patient</p><input id="nhs" name="nhs">
<div role="dialog" aria-labelledby="notes-h"><h2 id="notes-h">Notes</h2><label for="n">Note</label><textarea id="n"></textarea></div>
</main></body></html>`, "Register", "Register")
	default:
		http.NotFound(w, r)
	}
}

func (clinicApp) Reset(context.Context) error { return nil }
func (clinicApp) Close() error                { return nil }

func registerClinicSteps(sc *godog.ScenarioContext) {
	sc.Step(`^I open "([^"]*)"$`, func(ctx context.Context, path string) error {
		s, err := scenario.From(ctx)
		if err != nil {
			return err
		}
		_, err = s.UI.Page.Goto(s.BaseURL + path)
		return err
	})
	sc.Step(`^I see "([^"]*)"$`, func(ctx context.Context, text string) error {
		s, err := scenario.From(ctx)
		if err != nil {
			return err
		}
		return s.UI.Expect.Locator(s.UI.Page.GetByText(text)).ToBeVisible()
	})
	sc.Step(`^I open "([^"]*)" and then "([^"]*)"$`, func(ctx context.Context, first, then string) error {
		s, err := scenario.From(ctx)
		if err != nil {
			return err
		}
		if _, err := s.UI.Page.Goto(s.BaseURL + first); err != nil {
			return err
		}
		_, err = s.UI.Page.Goto(s.BaseURL + then)
		return err
	})
	// An adapter's way through a form: it waits for the page, tells the
	// harness it is shown (target.UI.PageShown), and acts on it.
	sc.Step(`^I fill in "([^"]*)" and go on to "([^"]*)"$`, func(ctx context.Context, form, then string) error {
		s, err := scenario.From(ctx)
		if err != nil {
			return err
		}
		if _, err := s.UI.Page.Goto(s.BaseURL + form); err != nil {
			return err
		}
		if err := s.UI.PageShown(); err != nil {
			return err
		}
		_, err = s.UI.Page.Goto(s.BaseURL + then)
		return err
	})
	steps.Register(sc, a11ysteps.Defs)
}

const a11yFeature = `Feature: Accessibility

  Scenario: The ward page is accessible
    When I open "/clean"
    Then the page has no accessibility violations

  Scenario: The registration form is accessible
    When I open "/form"
    Then the page has no accessibility violations

  Scenario: The notes dialog is accessible
    When I open "/form"
    Then the "Notes" dialog has no accessibility violations
`

const scanFeature = `Feature: Pages visited

  Scenario: Registering
    When I open "/form"
    Then I see "Register"

  Scenario: Registering again
    When I open "/form"
    Then I see "Register"

  Scenario: The ward
    When I open "/clean"
    Then I see "Ward 7"
`

// runClinic runs the feature against clinicApp with cfg changed by edit.
func runClinic(t *testing.T, feature string, edit func(*config.Config)) (Outcome, string) {
	t.Helper()
	if _, err := a11y.Install(context.Background()); err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "a11y.feature")
	require.NoError(t, os.WriteFile(file, []byte(feature), 0o644))
	cfg := config.Default()
	cfg.Paths = []string{file}
	cfg.Out = filepath.Join(dir, "out")
	cfg.Timeout = 5 * time.Second
	cfg.Fixtures = filepath.Join(repoRootForTest(t), "fixtures")
	cfg.RequiredTags = nil
	cfg.Store = config.StoreOff
	if edit != nil {
		edit(&cfg)
	}
	factory := func(ctx context.Context, runID string) (backend.Backend, error) {
		return embedded.Run(ctx, embedded.WithName("clinic"), embedded.WithApp(func(context.Context) (embedded.App, error) { return clinicApp{}, nil }))
	}
	var stdout, stderr bytes.Buffer
	out := New(cfg, WithBackend(factory), WithSteps(registerClinicSteps), WithTarget(refepradapter.New()),
		WithOutput(&stdout, &stderr), WithVersion("test")).Run(context.Background())
	var nf *browser.NotFoundError
	if errors.As(out.Err, &nf) && os.Getenv("EPRHARNESS_REQUIRE_BROWSER") != "1" {
		t.Skipf("SKIPPED: no Chromium (%v)", out.Err)
	}
	require.NotNil(t, out.Run, "%v\n%s", out.Err, stderr.String())
	return out, cfg.Out
}

func byName(run *results.Run) map[string]*results.Scenario {
	m := map[string]*results.Scenario{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			m[s.Name] = s
		}
	}
	return m
}

// The accessibility steps check real pages in Chromium with axe-core: a
// clean page passes; an unlabelled field fails the step as the EPR's
// fault, naming the rule, impact, criterion and element, with an outlined
// screenshot kept; a dialog is checked on its own.
func TestAccessibilityStepsOnRealPages(t *testing.T) {
	out, dir := runClinic(t, a11yFeature, nil)
	assert.Equal(t, exitcode.Failures, out.Code)
	sc := byName(out.Run)
	assert.Equal(t, results.Passed, sc["The ward page is accessible"].Status)
	assert.Equal(t, results.Passed, sc["The notes dialog is accessible"].Status, "the unlabelled field is outside the dialog")
	form := sc["The registration form is accessible"]
	require.Equal(t, results.Failed, form.Status)
	assert.Equal(t, results.KindAssertion, form.FailureKind, "an inaccessible page is the EPR's fault")
	failed := form.FailedStep()
	require.NotNil(t, failed)
	assert.Contains(t, failed.Error, "accessibility violation")
	assert.Contains(t, failed.Error, "label (critical; WCAG 4.1.2)")
	assert.Contains(t, failed.Error, `#nhs <input id="nhs" name="nhs">`)
	require.Len(t, form.Accessibility, 1)
	c := form.Accessibility[0]
	assert.Equal(t, "/form", c.Page)
	assert.Equal(t, "step", c.By)
	assert.Equal(t, 9, c.Step)
	var label *results.Violation
	for i := range c.Violations {
		if c.Violations[i].Rule == "label" {
			label = &c.Violations[i]
		}
	}
	require.NotNil(t, label, "%+v", c.Violations)
	require.NotEmpty(t, label.Screenshot)
	att, ok := form.Attachment(label.Screenshot)
	require.True(t, ok, "the outlined screenshot is an attachment of the scenario")
	info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(att.Path)))
	require.NoError(t, err)
	assert.Greater(t, info.Size(), int64(1000))
	var a11yTime time.Duration
	for _, ph := range form.Phases {
		if ph.Name == results.PhaseA11y {
			a11yTime = ph.Duration
		}
	}
	assert.Positive(t, a11yTime, "the check's time is a phase of its own: %+v", form.Phases)
	dialog := sc["The notes dialog is accessible"].Accessibility
	require.Len(t, dialog, 1)
	assert.Equal(t, `dialog "Notes"`, dialog[0].Scope)

	report, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "Accessibility violations on <code>/form</code>")
	require.NotNil(t, out.Run.Accessibility)
	assert.Empty(t, out.Run.Accessibility.Scan)
}

// The run-wide check finds the unlabelled field on the first visit of the
// page (failing that step), checks each distinct page once, and a baseline
// entry accepts the violation until it expires; an unmatched entry on a
// checked page is reported as fixed.
func TestRunWideAccessibilityCheckAndBaseline(t *testing.T) {
	scan := func(c *config.Config) { c.A11yScan = config.A11yScanPages }
	out, _ := runClinic(t, scanFeature, scan)
	assert.Equal(t, exitcode.Failures, out.Code)
	sc := byName(out.Run)
	first := sc["Registering"]
	require.Equal(t, results.Failed, first.Status)
	require.NotNil(t, first.FailedStep())
	assert.Equal(t, 4, first.FailedStep().Line, "the step that reached the page fails")
	assert.Contains(t, first.FailedStep().Error, "run-wide accessibility check")
	assert.Equal(t, results.Passed, sc["Registering again"].Status, "the page is checked once per run")
	assert.Empty(t, sc["Registering again"].Accessibility)
	assert.Equal(t, results.Passed, sc["The ward"].Status)
	require.NotNil(t, out.Run.Accessibility)
	assert.Equal(t, 2, out.Run.Accessibility.Pages)

	dir := t.TempDir()
	baseline := func(expires string) string {
		f := filepath.Join(dir, "baseline-"+expires+".yaml")
		require.NoError(t, os.WriteFile(f, []byte(strings.ReplaceAll(`accepted:
  - rule: label
    page: /form
    selector: "#nhs"
    reason: Supplier fix due in release 4.2
    owner: Digital accessibility lead
    expires: EXPIRES
  - rule: color-contrast
    page: /clean
    reason: Old brand colours
    owner: UX lead
    expires: 2099-01-01
  - rule: region
    page: /clean
    reason: A best-practice rule the WCAG tags do not run
    owner: UX lead
    expires: 2099-01-01
`, "EXPIRES", expires)), 0o644))
		return f
	}
	out, _ = runClinic(t, scanFeature, func(c *config.Config) { scan(c); c.A11yBaseline = baseline("2099-12-31") })
	assert.Equal(t, exitcode.Pass, out.Code, "the accepted violation does not fail")
	first = byName(out.Run)["Registering"]
	require.NotEmpty(t, first.Accessibility)
	var accepted *results.Violation
	for i, v := range first.Accessibility[0].Violations {
		if v.Rule == "label" {
			accepted = &first.Accessibility[0].Violations[i]
		}
	}
	require.NotNil(t, accepted)
	require.NotNil(t, accepted.Baselined)
	assert.Equal(t, 2, accepted.Baselined.Line)
	assert.False(t, accepted.Baselined.Expired)
	require.Len(t, out.Run.Accessibility.Fixed, 1, "the contrast entry matched nothing on a checked page; the region entry's rule never ran, so it is not fixed")
	assert.Equal(t, "color-contrast", out.Run.Accessibility.Fixed[0].Rule)

	out, _ = runClinic(t, scanFeature, func(c *config.Config) { scan(c); c.A11yBaseline = baseline("2020-01-31") })
	assert.Equal(t, exitcode.Failures, out.Code, "an expired acceptance fails the run")
	first = byName(out.Run)["Registering"]
	assert.Equal(t, results.Failed, first.Status)
	assert.Contains(t, first.FailedStep().Error, "expired")
	require.Len(t, out.Run.Accessibility.Expired, 1)
	assert.Equal(t, "2020-01-31", out.Run.Accessibility.Expired[0].Expires)
}

// A page a step only passes through is not checked by the run-wide check,
// and the run says so: the scan's coverage is honest.
func TestRunWideCheckListsPagesItDidNotCheck(t *testing.T) {
	out, _ := runClinic(t, `Feature: Passing through

  Scenario: Through the form to the ward
    When I open "/form" and then "/clean"
    Then I see "Ward 7"
`, func(c *config.Config) { c.A11yScan = config.A11yScanPages })
	assert.Equal(t, exitcode.Pass, out.Code, "the unlabelled form was never checked, so nothing fails")
	require.NotNil(t, out.Run.Accessibility)
	assert.Equal(t, []string{"/clean"}, out.Run.Accessibility.Checked)
	assert.Equal(t, []string{"/form"}, out.Run.Accessibility.Unchecked, "reached within the step, never checked")
}

// A page an adapter says is shown mid-step (target.UI.PageShown) is
// checked there by the run-wide check: its violation fails that step as
// the EPR's, and the page counts as checked.
func TestRunWideCheckChecksPagesAdaptersSayAreShown(t *testing.T) {
	feature := `Feature: Through a form

  Scenario: Through the form to the ward
    When I fill in "/form" and go on to "/clean"
    Then I see "Ward 7"
`
	out, _ := runClinic(t, feature, func(c *config.Config) { c.A11yScan = config.A11yScanPages })
	assert.Equal(t, exitcode.Failures, out.Code)
	sc := byName(out.Run)["Through the form to the ward"]
	require.Equal(t, results.Failed, sc.Status)
	require.NotNil(t, sc.FailedStep())
	assert.Equal(t, 4, sc.FailedStep().Line)
	assert.Equal(t, results.KindAssertion, sc.FailureKind, "an inaccessible page is the EPR's fault")
	assert.Contains(t, sc.FailedStep().Error, "label")
	assert.Contains(t, sc.FailedStep().Error, "run-wide accessibility check")
	require.NotEmpty(t, sc.Accessibility)
	assert.Equal(t, "/form", sc.Accessibility[0].Page)
	assert.Equal(t, []string{"/form"}, out.Run.Accessibility.Checked)
	// The hook fails the step when it ends, not inside the adapter (which
	// might take the error for an outcome): the step went on to /clean,
	// which its failure left unchecked.
	assert.Equal(t, []string{"/clean"}, out.Run.Accessibility.Unchecked)

	// Without the run-wide check the hook does nothing.
	out, _ = runClinic(t, feature, nil)
	assert.Equal(t, exitcode.Pass, out.Code)
}

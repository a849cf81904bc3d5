// Package scenario holds the state of one running scenario, carried in the
// scenario's context.Context so scenarios never share mutable state and can
// run in parallel. The runner creates a State in its before-scenario hook;
// steps read it with From and record what they learn (who is signed in,
// which patients exist) on it. A scenario with several roles keeps one
// browser window per signed-in person and switches between them (ActFor). A State belongs to one scenario: it is not
// safe for concurrent use, and Godog runs a scenario's steps one at a time.
//
// Where a scenario's time goes is recorded in its Phases (phases.go): the
// runner times its hooks there and wraps the Loader so fixture loads are
// counted; a step that signs in says so with
// `defer s.Timed(results.PhaseSignIn)()`, and that time is then taken out
// of the steps' own. Phases, unlike the State, is safe for concurrent use.
package scenario

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/messaging"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/target"
)

// AccessibilityRequest is what an accessibility step asks to check.
type AccessibilityRequest struct {
	// Scope, when set, limits the check to this element (a dialog, a
	// form, a region); ScopeName says what it is, in words.
	Scope     playwright.Locator
	ScopeName string
	// Standard is the standard or the axe-core tags to check against, as
	// the step names them ("WCAG 2.1 AA", "best-practice"); empty: the
	// run's a11y-standard.
	Standard string
}

// State is one scenario's world.
type State struct {
	// UI is the browser page of the scenario's current actor: the window
	// of whoever acts in the step being run (see ActFor and WindowFor).
	UI target.UI
	// EPR is the target adapter that drives the EPR's screens.
	EPR target.EPR
	// BaseURL is the EPR's base URL; its FHIR API is at BaseURL + "/fhir".
	BaseURL string
	// Fixtures is the run's fixture library.
	Fixtures *fixtures.Library
	// Loader puts fixture patients into the EPR (fixture-loader: FHIR,
	// DICOM, a command, or none). LoadPatient uses it.
	Loader fixtures.Loader
	// HTTP calls the EPR's APIs.
	HTTP *http.Client
	// SignIns holds the run's saved sign-ins, shared by every scenario on
	// the same EPR; nil signs in through the UI every time.
	SignIns *browser.SignIns
	// Clock is the run's fixed EPR clock as configured ("2026-06-01" or
	// RFC 3339; config.Config.Clock), empty for real time. Steps count
	// relative dates ("today-30") from it with steps.Today.
	Clock string
	// UniqueSeed, when set (reset: unique), makes Patient return each
	// fixture patient as a copy unique to this scenario
	// (fixtures.Patient.Unique with UniqueSeed + "/" + the fixture's name).
	// The runner sets it to the run id and the scenario id.
	UniqueSeed string
	// Phases, when set, records where the scenario's time goes; steps
	// time their sign-ins with Timed (nil: nothing is recorded).
	Phases *Phases
	// Accessibility checks the current window's page (or part of it)
	// with the run's accessibility engine (harness/a11y, through the
	// runner), applies the run's baseline, keeps the outlined
	// screenshots and records the check with the scenario. Nil when the
	// run has no engine: the steps then say how to install one.
	Accessibility func(ctx context.Context, req AccessibilityRequest) (*results.AccessibilityCheck, error)

	// Messages is the scenario's view of the EPR's message interfaces
	// (HL7 v2 over MLLP, FHIR messaging and notifications): what it sends
	// and receives, kept as evidence (harness/messaging). Nil when the
	// run has no messaging hub.
	Messages *messaging.Scenario
	// FeatureFile is the path of the scenario's feature file, for steps
	// that read files named relative to it.
	FeatureFile string

	// User is who is signed in in the current window, if anyone.
	User *fixtures.User
	// windows are the browser windows used so far; windows[current]
	// mirrors UI and User (see actors.go).
	windows []*window
	current int
	// patients loaded in this scenario, by lower-case name (and, for a
	// unique copy or one remembered with RememberAs, by the name steps
	// use for it).
	patients map[string]fixtures.Patient
	// used lists the names of the fixture patients remembered, in order,
	// for Identities.
	used []string
	// Current is the patient the scenario last dealt with.
	Current *fixtures.Patient
}

type key struct{}

// With returns ctx carrying s.
func With(ctx context.Context, s *State) context.Context {
	return context.WithValue(ctx, key{}, s)
}

// From returns the scenario's state. Its absence is a harness fault (a step
// run outside the harness's hooks).
func From(ctx context.Context) (*State, error) {
	s, ok := ctx.Value(key{}).(*State)
	if !ok || s == nil {
		return nil, failure.Harness(errors.New("no scenario state in context: steps must run under the eprharness runner"))
	}
	return s, nil
}

// Remember records a patient as present in this scenario and current. A
// unique copy (fixtures.Patient.Unique) is found by its fixture's name
// too, so steps that say "Amy Pond" get "Amy Pond-Kxqtd".
func (s *State) Remember(p fixtures.Patient) {
	s.RememberAs(p.FixtureName(), p)
}

// RememberAs records a patient as present in this scenario and current,
// found by its own name and by name (a fixture's name: "Amy Pond").
func (s *State) RememberAs(name string, p fixtures.Patient) {
	if s.patients == nil {
		s.patients = map[string]fixtures.Patient{}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = p.Name()
	}
	key := strings.ToLower(name)
	if _, seen := s.patients[key]; !seen && p.File != "" {
		s.used = append(s.used, name)
	}
	s.patients[key] = p
	s.patients[strings.ToLower(p.Name())] = p
	s.Current = &p
}

// Patient returns a patient by name: one remembered in this scenario, else
// the fixture of that name (its unique copy when UniqueSeed is set: the
// same copy every time, so a patient not yet loaded is looked for under
// the identity it would be loaded with).
func (s *State) Patient(name string) (fixtures.Patient, error) {
	if p, ok := s.patients[strings.ToLower(strings.TrimSpace(name))]; ok {
		return p, nil
	}
	if s.Fixtures == nil {
		return fixtures.Patient{}, failure.Harness(errors.New("no fixture library"))
	}
	p, err := s.Fixtures.Patient(name)
	if err != nil {
		return fixtures.Patient{}, failure.Harness(err)
	}
	if s.UniqueSeed != "" {
		p = p.Unique(s.UniqueSeed + "/" + p.Name())
	}
	return p, nil
}

// NHSNumbers lists the NHS numbers of every patient remembered in this
// scenario, once each (for telling its messages from other scenarios').
func (s *State) NHSNumbers() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range s.patients {
		if p.NHSNumber != "" && !seen[p.NHSNumber] {
			seen[p.NHSNumber] = true
			out = append(out, p.NHSNumber)
		}
	}
	return out
}

// Identity is the identity a scenario used for a fixture patient.
type Identity struct {
	Fixture   string // the fixture's name: "Amy Pond"
	Name      string // the name used: "Amy Pond-Kxqtd" (unique) or "Amy Pond"
	NHSNumber string // ten digits
}

// Identities lists the fixture patients the scenario remembered, in the
// order first remembered, with the identity each had (for the results).
// Patients that came from no fixture file (registered through the UI) are
// left out.
func (s *State) Identities() []Identity {
	out := make([]Identity, 0, len(s.used))
	for _, name := range s.used {
		p := s.patients[strings.ToLower(name)]
		out = append(out, Identity{Fixture: name, Name: p.Name(), NHSNumber: p.NHSNumber})
	}
	return out
}

// TargetPatient converts a fixture patient for the target adapter.
func TargetPatient(p fixtures.Patient) target.Patient {
	return target.Patient{Given: p.Given, Family: p.Family, NHSNumber: p.NHSNumber}
}

// UserFor returns the fixture user of a role. An unknown role is a fault in
// the scenario's wiring, not in the EPR.
func (s *State) UserFor(role string) (fixtures.User, error) {
	if s.Fixtures == nil {
		return fixtures.User{}, failure.Harness(errors.New("no fixture library"))
	}
	u, err := s.Fixtures.User(role)
	if err != nil {
		return fixtures.User{}, failure.Harness(err)
	}
	return u, nil
}

// LoadPatient puts the fixture patient into the EPR through the
// scenario's loader and remembers it (its unique copy when UniqueSeed is
// set, see Patient). Load failures keep the loader's marking (backend or
// harness fault).
func (s *State) LoadPatient(ctx context.Context, name string) (fixtures.Patient, error) {
	p, err := s.Patient(name)
	if err != nil {
		return p, err
	}
	if s.Loader == nil {
		return p, failure.Harness(errors.New("no fixture loader"))
	}
	if err := s.Loader.Load(ctx, p); err != nil {
		return p, err
	}
	s.Remember(p)
	return p, nil
}

// Package scenario holds the state of one running scenario, carried in the
// scenario's context.Context so scenarios never share mutable state and can
// run in parallel. The runner creates a State in its before-scenario hook;
// steps read it with From and record what they learn (who is signed in,
// which patients exist) on it. A scenario with several roles keeps one
// browser window per signed-in person and switches between them (ActFor). A State belongs to one scenario: it is not
// safe for concurrent use, and Godog runs a scenario's steps one at a time.
package scenario

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/target"
)

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
	// HTTP calls the EPR's APIs.
	HTTP *http.Client
	// SignIns holds the run's saved sign-ins, shared by every scenario on
	// the same EPR; nil signs in through the UI every time.
	SignIns *browser.SignIns
	// Clock is the run's fixed EPR clock as configured ("2026-06-01" or
	// RFC 3339; config.Config.Clock), empty for real time. Steps count
	// relative dates ("today-30") from it with steps.Today.
	Clock string

	// User is who is signed in in the current window, if anyone.
	User *fixtures.User
	// windows are the browser windows used so far; windows[current]
	// mirrors UI and User (see actors.go).
	windows []*window
	current int
	// patients loaded in this scenario, by lower-case name.
	patients map[string]fixtures.Patient
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

// Remember records a patient as present in this scenario and current.
func (s *State) Remember(p fixtures.Patient) {
	if s.patients == nil {
		s.patients = map[string]fixtures.Patient{}
	}
	s.patients[strings.ToLower(p.Name())] = p
	s.Current = &p
}

// Patient returns a patient by name: one loaded in this scenario, else the
// fixture of that name.
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
	return p, nil
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

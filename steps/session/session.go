// Package session holds the steps for signing in and out as a role. Each
// role signed in in a scenario has its own browser window (see
// harness/scenario's WindowFor); signing in as a second role opens one.
package session

import (
	"context"
	"fmt"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the session steps. Role arguments are named groups (?P<role>...),
// so the catalogue and eprharness check know them as roles even when the
// fixture library has no users.
var Defs = []steps.Def{
	{
		Pattern:  `^(?:I am|the user is) (?:signed|logged) in as (?:a|an|the) (?P<role>[a-z ]+)$`,
		Doc:      "Signs in as the fixture user of a role: through the EPR's sign-in page the first time in a run, then by reusing that saved sign-in. When someone else is signed in, the role gets a browser window of its own, where later steps naming the role (\"the nurse …\") act.",
		Examples: []string{"Given I am signed in as a clinician", "Given I am logged in as a receptionist"},
		Handler:  signedInAs,
		Uses:     []string{"expect-signed-in", "resume-sign-in", "sign-in"},
	},
	{
		Pattern:  `^the (?P<role>[a-z]+) is (?:signed|logged) in$`,
		Doc:      "Signs in as the fixture user of the named role (persona form), in a window of its own when someone else is signed in.",
		Examples: []string{"Given the receptionist is signed in"},
		Handler:  signedInAs,
		Uses:     []string{"expect-signed-in", "resume-sign-in", "sign-in"},
	},
	{
		Pattern:  `^(?:I|the user) (?:sign|log)s? in as "([^"]*)" with (?:the )?password "([^"]*)"$`,
		Doc:      "Submits the sign-in form with these credentials.",
		Examples: []string{`When I sign in as "dr.patel" with password "wrong-password"`},
		Handler:  signInWith,
		Uses:     []string{"sign-in"},
	},
	{
		Pattern:  `^(?:I am|the user is) shown as signed in as (?:a|an|the) (?P<role>[a-z ]+)$`,
		Doc:      "Checks the EPR shows the role's fixture user as signed in.",
		Examples: []string{"Then I am shown as signed in as a clinician"},
		Handler:  shownSignedInAs,
		Uses:     []string{"expect-signed-in"},
	},
	{
		Pattern:  `^the sign-in is refused$`,
		Doc:      "Checks the EPR refused the credentials.",
		Examples: []string{"Then the sign-in is refused"},
		Handler:  signInRefused,
		Uses:     []string{"expect-sign-in-refused"},
	},
	{
		Pattern:  `^(?:I|the user|the [a-z]+) (?:sign|log)s? out$`,
		Doc:      "Signs out.",
		Examples: []string{"When I sign out"},
		Handler:  signOut,
		Uses:     []string{"sign-out"},
	},
	{
		Pattern:  `^(?:I am|the user is|the [a-z]+ is) signed out$`,
		Doc:      "Checks the EPR shows that the user signed out.",
		Examples: []string{"Then I am signed out"},
		Handler:  signedOut,
		Uses:     []string{"expect-signed-out"},
	},
}

// Register registers the session steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func signedInAs(ctx context.Context, role string) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	defer s.Timed(results.PhaseSignIn)() // where the time went: sign-in, not steps
	u, err := s.UserFor(role)
	if err != nil {
		return ctx, err
	}
	// Each person has a window of their own: when someone else is signed
	// in here, u signs in in another window, which becomes current.
	if err := s.WindowFor(u); err != nil {
		return ctx, err
	}
	if s.SignIns != nil {
		bc := s.UI.Page.Context()
		restored, err := s.SignIns.Restore(bc, s.BaseURL, u.Username)
		if err != nil {
			return ctx, failure.Harness(err)
		}
		if restored {
			ok, err := s.EPR.ResumeSignIn(s.UI, u.DisplayName, u.RoleTitle)
			if err != nil {
				return ctx, fmt.Errorf("resume the sign-in of %s (%s): %w", role, u.Username, err)
			}
			if ok {
				s.SignedIn(u)
				return ctx, nil
			}
			// The EPR ended that session: sign in afresh below.
			s.SignIns.Forget(s.BaseURL, u.Username)
		}
	}
	if err := s.EPR.SignIn(s.UI, u.Username, u.Password); err != nil {
		return ctx, err
	}
	if err := s.EPR.ExpectSignedIn(s.UI, u.DisplayName, u.RoleTitle); err != nil {
		return ctx, fmt.Errorf("sign in as %s (%s): %w", role, u.Username, err)
	}
	if s.SignIns != nil {
		if err := s.SignIns.Save(s.UI.Page.Context(), s.BaseURL, u.Username); err != nil {
			return ctx, failure.Harness(err)
		}
	}
	s.SignedIn(u)
	return ctx, nil
}

func signInWith(ctx context.Context, username, password string) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	return ctx, s.EPR.SignIn(s.UI, username, password)
}

func shownSignedInAs(ctx context.Context, role string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	u, err := s.UserFor(role)
	if err != nil {
		return err
	}
	return s.EPR.ExpectSignedIn(s.UI, u.DisplayName, u.RoleTitle)
}

func signInRefused(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectSignInRefused(s.UI)
}

func signOut(ctx context.Context) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	if err := s.EPR.SignOut(s.UI); err != nil {
		return ctx, err
	}
	if s.User != nil && s.SignIns != nil {
		s.SignIns.Forget(s.BaseURL, s.User.Username) // signing out ended its session
	}
	s.SignedOut()
	return ctx, nil
}

func signedOut(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectSignedOut(s.UI)
}

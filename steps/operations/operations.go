// Package operations holds the steps about the EPR as a running system
// rather than a patient: the about page (version, clinical clock) and the
// session timeout with its warning.
package operations

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the operations steps.
var Defs = []steps.Def{
	{
		Pattern:  `^` + steps.Persona + ` opens? the about page$`,
		Doc:      "Opens the EPR's about page.",
		Examples: []string{"When I open the about page"},
		Handler:  openAbout,
		Uses:     []string{"open-about"},
	},
	{
		Pattern:  `^the about page shows the (version|clinical clock) "([^"]*)"$`,
		Doc:      "Checks a fact on the about page: the running version or the clinical clock.",
		Examples: []string{`Then the about page shows the clinical clock "Mon 01-Jun-2026 00:00 UTC"`, `Then the about page shows the version "dev"`},
		Handler:  aboutShows,
		Uses:     []string{"expect-about"},
	},
	{
		Pattern:  `^(?:I am|the user is|the [a-z]+ is) idle for (\d+) (minutes?|seconds?)$`,
		Doc:      "Lets time pass in the browser with no activity (Playwright's clock; nothing sleeps).",
		Examples: []string{"When I am idle for 13 minutes", "When the nurse is idle for 30 seconds"},
		Handler:  idle,
		Uses:     []string{"idle-for"},
	},
	{
		Pattern:  `^(?:I am|the user is|the [a-z]+ is) warned that (?:my|their|the) session will end in (.+)$`,
		Doc:      "Checks the EPR warns that the session is about to end.",
		Examples: []string{"Then I am warned that my session will end in 2 minutes"},
		Handler:  warned,
		Uses:     []string{"expect-session-warning"},
	},
	{
		Pattern:  `^` + steps.Persona + ` chooses? to stay signed in$`,
		Doc:      "Answers the session timeout warning by staying signed in.",
		Examples: []string{"When I choose to stay signed in"},
		Handler:  stay,
		Uses:     []string{"stay-signed-in"},
	},
	{
		Pattern:  `^(?:my|the user's|the [a-z]+'s) session has ended$`,
		Doc:      "Checks the EPR signed the user out for inactivity and says so.",
		Examples: []string{"Then my session has ended"},
		Handler:  ended,
		Uses:     []string{"expect-session-ended"},
	},
}

// Register registers the operations steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func openAbout(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.OpenAbout(s.UI)
}

func aboutShows(ctx context.Context, fact, value string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	label := map[string]string{"version": "Version", "clinical clock": "Clinical clock"}[fact]
	return s.EPR.ExpectAbout(s.UI, label, value)
}

func idle(ctx context.Context, amount, unit string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(amount)
	if err != nil {
		return failure.Harness(fmt.Errorf("idle for %q %s: %w", amount, unit, err))
	}
	d := time.Duration(n) * time.Second
	if strings.HasPrefix(unit, "minute") {
		d = time.Duration(n) * time.Minute
	}
	return s.EPR.IdleFor(s.UI, d)
}

func warned(ctx context.Context, when string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectSessionWarning(s.UI, "Your session will end in "+when)
}

func stay(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.StaySignedIn(s.UI)
}

func ended(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectSessionEnded(s.UI)
}

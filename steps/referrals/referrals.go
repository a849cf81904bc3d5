// Package referrals holds the steps for the hospital's booking worklist of
// referrals from GP practices: whether a referral is on the worklist, its
// status there, and booking an appointment from it. Referrals arrive
// through the EPR's interfaces (steps/messaging sends them); these steps
// read and act on the EPR's screens through target.Referrals.
//
// Booking from a referral is a step of package appointments ("When the
// receptionist books the referral of ..."), so the booking becomes the
// scenario's appointment there. Handlers keep no state of their own; they
// are safe for parallel scenarios.
package referrals

import (
	"context"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the referral worklist steps.
var Defs = []steps.Def{
	{
		Pattern:  `^the referral of "([^"]*)" to "([^"]*)" is on the booking worklist$`,
		Doc:      "Checks the EPR's booking worklist lists a referral of the patient to the clinic, whatever its status.",
		Examples: []string{`Then the referral of "Amy Pond" to "Cardiology" is on the booking worklist`},
		Handler:  onWorklist,
		Uses:     []string{"expect-referral"},
	},
	{
		Pattern:  `^the referral of "([^"]*)" to "([^"]*)" is not on the booking worklist$`,
		Doc:      "Checks the EPR's booking worklist lists no referral at all of the patient to the clinic (a withdrawn referral stays listed as \"Withdrawn\" in the reference EPR).",
		Examples: []string{`Then the referral of "Amy Pond" to "Cardiology" is not on the booking worklist`},
		Handler:  notOnWorklist,
		Uses:     []string{"expect-referral"},
	},
	{
		Pattern:  `^the referral of "([^"]*)" to "([^"]*)" shows "([^"]*)"$`,
		Doc:      "Checks the worklist shows the patient's referral to the clinic with the status words, e.g. \"Awaiting booking\", \"Booked\" or \"Withdrawn\".",
		Examples: []string{`Then the referral of "Amy Pond" to "Cardiology" shows "Booked"`, `Then the referral of "Amy Pond" to "Cardiology" shows "Awaiting booking"`},
		Handler:  shows,
		Uses:     []string{"expect-referral-status"},
	},
}

// Register registers the referral steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

// withPatient finds and remembers the named patient and checks the
// worklist for them with check.
func withPatient(ctx context.Context, name string, check func(s *scenario.State, p target.Patient) error) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	p, err := s.Patient(name)
	if err != nil {
		return ctx, err
	}
	s.Remember(p)
	return ctx, check(s, scenario.TargetPatient(p))
}

func expectOnWorklist(ctx context.Context, name, clinic string, present bool) (context.Context, error) {
	return withPatient(ctx, name, func(s *scenario.State, p target.Patient) error {
		return s.EPR.ExpectReferral(s.UI, p, clinic, present)
	})
}

func onWorklist(ctx context.Context, name, clinic string) (context.Context, error) {
	return expectOnWorklist(ctx, name, clinic, true)
}

func notOnWorklist(ctx context.Context, name, clinic string) (context.Context, error) {
	return expectOnWorklist(ctx, name, clinic, false)
}

func shows(ctx context.Context, name, clinic, status string) (context.Context, error) {
	return withPatient(ctx, name, func(s *scenario.State, p target.Patient) error {
		return s.EPR.ExpectReferralStatus(s.UI, p, clinic, status)
	})
}

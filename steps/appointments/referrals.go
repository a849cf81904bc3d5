package appointments

// Booking from the hospital's referral worklist (target.Referrals): here,
// not in steps/referrals, because the booking becomes this package's
// scenario appointment, which "the appointment" steps reschedule and
// cancel.

import (
	"context"

	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

func init() {
	Defs = append(Defs, steps.Def{
		Pattern:  `^` + steps.Persona + ` books? the referral of "([^"]*)" to "([^"]*)"$`,
		Doc:      "From the booking worklist, books the earliest free slot of the clinic for the patient's referral and checks the EPR confirms it; the booking becomes the scenario's appointment.",
		Examples: []string{`When the receptionist books the referral of "Amy Pond" to "Cardiology"`},
		Handler:  bookReferral,
		Uses:     []string{"book-referral"},
	})
}

func bookReferral(ctx context.Context, name, clinic string) (context.Context, error) {
	ctx, _, st, err := bookFor(ctx, name, func(s *scenario.State, p target.Patient) (target.Appointment, error) {
		return s.EPR.BookReferral(s.UI, p, clinic)
	})
	if err != nil {
		return ctx, err
	}
	st.attempt = "mine"
	return ctx, nil
}

package appointments

// Booking from the hospital's referral worklist (target.Referrals): here,
// not in steps/referrals, because the booking becomes this package's
// scenario appointment, which "the appointment" steps reschedule and
// cancel.

import (
	"context"

	"github.com/eprharness/eprharness/harness/scenario"
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
	ctx, s, st, err := from(ctx)
	if err != nil {
		return ctx, err
	}
	p, err := s.Patient(name)
	if err != nil {
		return ctx, err
	}
	s.Remember(p)
	a, err := s.EPR.BookReferral(s.UI, scenario.TargetPatient(p), clinic)
	if err != nil {
		return ctx, err
	}
	st.appt, st.patient, st.attempt = &a, p, "mine"
	return ctx, nil
}

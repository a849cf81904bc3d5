// Package appointments holds the steps for outpatient appointments booked
// the GP-to-hospital way: signing in as a GP practice user, booking the
// first free slot of a clinic, two users racing for one slot, rescheduling,
// cancelling, and reading the appointments on the patient record.
package appointments

import (
	"context"
	"errors"
	"fmt"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the appointment steps.
var Defs = []steps.Def{
	{
		Pattern:  `^(?:I am|the user is) (?:signed|logged) in as a GP practice user$`,
		Doc:      "Signs in as the fixture user of the GP practice (role gp), who books hospital appointments for their patients.",
		Examples: []string{"Given I am signed in as a GP practice user"},
		Handler:  signedInAsGP,
		Roles:    []string{"gp"},
		Uses:     []string{"expect-signed-in", "sign-in"},
	},
	{
		Pattern:  `^` + steps.Persona + ` books? the first free "([^"]*)" slot for "([^"]*)"$`,
		Doc:      "Books the earliest free slot of the clinic for the patient and checks the EPR confirms it.",
		Examples: []string{`When I book the first free "Cardiology" slot for "Amy Pond"`, `When the receptionist books the first free "Dermatology" slot for "Rory Williams"`},
		Handler:  bookFirstFree,
		Uses:     []string{"choose-first-free-slot", "confirm-booking", "expect-booked"},
	},
	{
		Pattern:  `^` + steps.Persona + ` (?:has|have) chosen the first free "([^"]*)" slot for "([^"]*)"$`,
		Doc:      "Chooses the earliest free slot of the clinic for the patient and stops at the check before booking.",
		Examples: []string{`Given I have chosen the first free "Cardiology" slot for "Amy Pond"`},
		Handler:  chooseFirstFree,
		Uses:     []string{"choose-first-free-slot"},
	},
	{
		Pattern:  `^` + steps.Persona + ` confirms? the booking$`,
		Doc:      "Presses the booking button for the chosen slot; the outcome is checked by a later step.",
		Examples: []string{"When I confirm the booking"},
		Handler:  confirmBooking,
		Uses:     []string{"confirm-booking"},
	},
	{
		Pattern:  `^another user (books|tries to book) the same slot(?: for "([^"]*)")?$`,
		Doc:      "In a browser session of their own, another user (the receptionist, or the GP practice user if I am the receptionist) books the slot just chosen or booked, for the named patient or the same one. \"books\" requires success; \"tries to book\" records the outcome.",
		Examples: []string{"When another user tries to book the same slot", `When another user books the same slot for "Rory Williams"`},
		Handler:  anotherUserBooks,
		Uses:     []string{"book-as"},
	},
	{
		Pattern:  `^the booking is refused because the slot is taken$`,
		Doc:      "Checks the last booking attempt was refused with the slot no longer available.",
		Examples: []string{"Then the booking is refused because the slot is taken"},
		Handler:  bookingRefused,
		Uses:     []string{"expect-booking-refused"},
	},
	{
		Pattern:  `^"([^"]*)" (has an|has no) appointment in "([^"]*)" on "([^"]*)"$`,
		Doc:      "Checks the patient's record lists (or does not list) an upcoming appointment in the clinic at this local date and time: a date, absolute or relative to the clinical day, then the time (\"2026-06-02 09:00\", \"tomorrow 09:00\", \"today+2 14:00\").",
		Examples: []string{`Then "Amy Pond" has an appointment in "Cardiology" on "2026-06-02 09:00"`, `Then "Amy Pond" has no appointment in "Cardiology" on "tomorrow 09:00"`},
		Handler:  hasAppointment,
		Uses:     []string{"expect-appointment"},
	},
	{
		Pattern:  `^` + steps.Persona + ` reschedules? the appointment to the next free slot$`,
		Doc:      "Moves the appointment booked in this scenario to the earliest other free slot of its clinic.",
		Examples: []string{"When I reschedule the appointment to the next free slot"},
		Handler:  reschedule,
		Uses:     []string{"reschedule"},
	},
	{
		Pattern:  `^` + steps.Persona + ` cancels? the appointment$`,
		Doc:      "Cancels the appointment booked in this scenario, confirming the prompt.",
		Examples: []string{"When I cancel the appointment", "When the receptionist cancels the appointment"},
		Handler:  cancel,
		Uses:     []string{"cancel"},
	},
	{
		Pattern:  `^` + steps.Persona + ` starts? to cancel the appointment but keeps? it$`,
		Doc:      "Starts to cancel the appointment booked in this scenario and, at the prompt, chooses to keep it.",
		Examples: []string{"When I start to cancel the appointment but keep it"},
		Handler:  keepAppointment,
		Uses:     []string{"keep-appointment"},
	},
}

// Register registers the appointment steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

// state is what the appointment steps remember within a scenario.
type state struct {
	appt    *target.Appointment
	patient fixtures.Patient
	// attempt is the last booking attempt's outcome: mine (on the
	// scenario's page) or another user's (refused says how it ended).
	attempt string // "", "mine", "other"
	refused bool
}

type key struct{}

// from returns the scenario's state, with ctx carrying it.
func from(ctx context.Context) (context.Context, *scenario.State, *state, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, nil, nil, err
	}
	st, ok := ctx.Value(key{}).(*state)
	if !ok {
		st = &state{}
		ctx = context.WithValue(ctx, key{}, st)
	}
	return ctx, s, st, nil
}

func (st *state) booked() (target.Appointment, error) {
	if st.appt == nil {
		return target.Appointment{}, failure.Harness(errors.New("no appointment in this scenario yet: book one first, e.g. When I book the first free \"Cardiology\" slot for \"Amy Pond\""))
	}
	return *st.appt, nil
}

func signedInAsGP(ctx context.Context) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	defer s.Timed(results.PhaseSignIn)()
	u, err := s.UserFor("gp")
	if err != nil {
		return ctx, err
	}
	if err := s.EPR.SignIn(s.UI, u.Username, u.Password); err != nil {
		return ctx, err
	}
	if err := s.EPR.ExpectSignedIn(s.UI, u.DisplayName, u.RoleTitle); err != nil {
		return ctx, fmt.Errorf("sign in as a GP practice user (%s): %w", u.Username, err)
	}
	s.User = &u
	return ctx, nil
}

func choose(ctx context.Context, clinic, name string) (context.Context, *scenario.State, *state, error) {
	return bookFor(ctx, name, func(s *scenario.State, p target.Patient) (target.Appointment, error) {
		return s.EPR.ChooseFirstFreeSlot(s.UI, p, clinic)
	})
}

// bookFor finds and remembers the named patient, and makes the appointment
// book gives them the scenario's appointment.
func bookFor(ctx context.Context, name string, book func(s *scenario.State, p target.Patient) (target.Appointment, error)) (context.Context, *scenario.State, *state, error) {
	ctx, s, st, err := from(ctx)
	if err != nil {
		return ctx, nil, nil, err
	}
	p, err := s.Patient(name)
	if err != nil {
		return ctx, nil, nil, err
	}
	s.Remember(p)
	a, err := book(s, scenario.TargetPatient(p))
	if err != nil {
		return ctx, nil, nil, err
	}
	st.appt, st.patient = &a, p
	return ctx, s, st, nil
}

func bookFirstFree(ctx context.Context, clinic, name string) (context.Context, error) {
	ctx, s, st, err := choose(ctx, clinic, name)
	if err != nil {
		return ctx, err
	}
	if err := s.EPR.ConfirmBooking(s.UI); err != nil {
		return ctx, err
	}
	st.attempt = "mine"
	return ctx, s.EPR.ExpectBooked(s.UI)
}

func chooseFirstFree(ctx context.Context, clinic, name string) (context.Context, error) {
	ctx, _, _, err := choose(ctx, clinic, name)
	return ctx, err
}

func confirmBooking(ctx context.Context) (context.Context, error) {
	ctx, s, st, err := from(ctx)
	if err != nil {
		return ctx, err
	}
	if _, err := st.booked(); err != nil {
		return ctx, err
	}
	st.attempt = "mine"
	return ctx, s.EPR.ConfirmBooking(s.UI)
}

func anotherUserBooks(ctx context.Context, how, name string) (context.Context, error) {
	ctx, s, st, err := from(ctx)
	if err != nil {
		return ctx, err
	}
	a, err := st.booked()
	if err != nil {
		return ctx, err
	}
	p := st.patient
	if name != "" {
		if p, err = s.Patient(name); err != nil {
			return ctx, err
		}
	}
	role := "receptionist"
	if s.User != nil && s.User.Role == "receptionist" {
		role = "gp"
	}
	u, err := s.UserFor(role)
	if err != nil {
		return ctx, err
	}
	refused, err := s.EPR.BookAs(s.UI, target.Credentials{Username: u.Username, Password: u.Password}, scenario.TargetPatient(p), a)
	if err != nil {
		return ctx, err
	}
	if how == "books" && refused {
		return ctx, fmt.Errorf("another user (%s) could not book the slot on %s: it was refused as taken", u.Username, a.When.Format("2006-01-02 15:04"))
	}
	st.attempt, st.refused = "other", refused
	return ctx, nil
}

func bookingRefused(ctx context.Context) (context.Context, error) {
	ctx, s, st, err := from(ctx)
	if err != nil {
		return ctx, err
	}
	switch st.attempt {
	case "mine":
		return ctx, s.EPR.ExpectBookingRefused(s.UI)
	case "other":
		if !st.refused {
			return ctx, errors.New("expected the booking to be refused because the slot is taken, but the EPR booked the slot again")
		}
		return ctx, nil
	}
	return ctx, failure.Harness(errors.New("no booking attempt in this scenario yet"))
}

// WhenLayout is how steps write an appointment's absolute local date and
// time; steps.DateTime also reads relative ones ("tomorrow 09:00").
const WhenLayout = "2006-01-02 15:04"

func hasAppointment(ctx context.Context, name, has, clinic, when string) (context.Context, error) {
	ctx, s, _, err := from(ctx)
	if err != nil {
		return ctx, err
	}
	p, err := s.Patient(name)
	if err != nil {
		return ctx, err
	}
	today, err := steps.Today(ctx)
	if err != nil {
		return ctx, err
	}
	t, err := steps.DateTime(when, today)
	if err != nil {
		return ctx, failure.Harness(fmt.Errorf("appointment time: %w", err))
	}
	s.Remember(p)
	return ctx, s.EPR.ExpectAppointment(s.UI, scenario.TargetPatient(p), clinic, t, has == "has an")
}

func reschedule(ctx context.Context) (context.Context, error) {
	ctx, s, st, err := from(ctx)
	if err != nil {
		return ctx, err
	}
	a, err := st.booked()
	if err != nil {
		return ctx, err
	}
	moved, err := s.EPR.Reschedule(s.UI, scenario.TargetPatient(st.patient), a)
	if err != nil {
		return ctx, err
	}
	st.appt = &moved
	return ctx, nil
}

func cancel(ctx context.Context) (context.Context, error) {
	return onBooked(ctx, func(s *scenario.State) func(target.UI, target.Patient, target.Appointment) error { return s.EPR.Cancel })
}

func keepAppointment(ctx context.Context) (context.Context, error) {
	return onBooked(ctx, func(s *scenario.State) func(target.UI, target.Patient, target.Appointment) error {
		return s.EPR.KeepAppointment
	})
}

// onBooked applies an adapter action to the appointment booked in this
// scenario.
func onBooked(ctx context.Context, action func(*scenario.State) func(target.UI, target.Patient, target.Appointment) error) (context.Context, error) {
	ctx, s, st, err := from(ctx)
	if err != nil {
		return ctx, err
	}
	a, err := st.booked()
	if err != nil {
		return ctx, err
	}
	return ctx, action(s)(s.UI, scenario.TargetPatient(st.patient), a)
}

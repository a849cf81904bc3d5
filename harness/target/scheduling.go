package target

import "time"

// Appointment is an outpatient appointment (or a slot about to become one)
// as steps name it.
type Appointment struct {
	// Clinic is the clinic's name as users choose it, e.g. "Cardiology".
	Clinic string
	// When is the local (UK wall-clock) date and time, to the minute, in
	// time.UTC as a plain calendar value: 2026-06-02 09:00.
	When time.Time
	// Ref is the adapter's own handle to the slot, opaque to steps.
	Ref string
}

// Credentials name a user to sign in as.
type Credentials struct {
	Username, Password string
}

// Appointments books outpatient appointments (GP-to-hospital booking) and
// manages them from the patient record.
type Appointments interface {
	// ChooseFirstFreeSlot opens the patient's booking for the clinic and
	// chooses its earliest free slot, stopping at the check before booking.
	ChooseFirstFreeSlot(ui UI, p Patient, clinic string) (Appointment, error)
	// ConfirmBooking presses the booking button of the chosen slot; check
	// the outcome with ExpectBooked or ExpectBookingRefused.
	ConfirmBooking(ui UI) error
	// ExpectBooked checks the EPR confirmed the booking.
	ExpectBooked(ui UI) error
	// ExpectBookingRefused checks the EPR refused the booking because the
	// slot is taken.
	ExpectBookingRefused(ui UI) error
	// BookAs tries, in a browser session of its own signed in as user, to
	// book a's slot for the patient, and reports whether the EPR refused it
	// because the slot is taken. The scenario's own page is left as it was.
	BookAs(ui UI, user Credentials, p Patient, a Appointment) (refused bool, err error)
	// ExpectAppointment checks the patient's record lists (or, with present
	// false, does not list) an upcoming appointment in the clinic at when.
	ExpectAppointment(ui UI, p Patient, clinic string, when time.Time, present bool) error
	// Reschedule moves the patient's appointment a to the earliest other
	// free slot of its clinic and returns where it went.
	Reschedule(ui UI, p Patient, a Appointment) (Appointment, error)
	// Cancel cancels the patient's appointment a, confirming the prompt.
	Cancel(ui UI, p Patient, a Appointment) error
	// KeepAppointment starts to cancel the patient's appointment a and, at
	// the prompt, keeps it; it checks the record still lists it.
	KeepAppointment(ui UI, p Patient, a Appointment) error
}

// Admissions admits, transfers and discharges inpatients and reads the ward
// bed board.
type Admissions interface {
	// Admit admits the patient to the ward's bed from their record.
	Admit(ui UI, p Patient, ward, bed string) error
	// Transfer moves the admitted patient to the ward's bed.
	Transfer(ui UI, p Patient, ward, bed string) error
	// Discharge discharges the admitted patient, confirming the prompt.
	Discharge(ui UI, p Patient) error
	// ExpectBed checks the bed board shows the ward's bed occupied by the
	// patient, or free when p is nil.
	ExpectBed(ui UI, ward, bed string, p *Patient) error
	// ExpectBedNotOffered checks the bed cannot be chosen when admitting the
	// patient.
	ExpectBedNotOffered(ui UI, p Patient, ward, bed string) error
	// ExpectCannotAdmit checks the patient's record offers no admission
	// (they are admitted already).
	ExpectCannotAdmit(ui UI, p Patient) error
}

// Scheduling is appointments and admissions.
type Scheduling interface {
	Appointments
	Admissions
}

// Referrals is the hospital's booking worklist of referrals from GP
// practices (received through the EPR's interfaces) and booking from it.
type Referrals interface {
	// ExpectReferral checks the booking worklist lists (or, with present
	// false, does not list at all) a referral of the patient to the clinic.
	ExpectReferral(ui UI, p Patient, clinic string, present bool) error
	// BookReferral books the earliest free slot of the clinic for the
	// patient's referral from the worklist, checks the EPR confirms it, and
	// returns the appointment.
	BookReferral(ui UI, p Patient, clinic string) (Appointment, error)
	// ExpectReferralStatus checks the worklist shows the patient's referral
	// to the clinic with the status words, e.g. "Awaiting booking",
	// "Booked", "Withdrawn".
	ExpectReferralStatus(ui UI, p Patient, clinic, status string) error
}

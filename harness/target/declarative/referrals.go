package declarative

import "github.com/eprharness/eprharness/harness/target"

// --- Referrals ---

// ExpectReferral implements target.Referrals.
func (a *Adapter) ExpectReferral(ui target.UI, p target.Patient, clinic string, present bool) error {
	return a.run(ui, "expect-referral", merge(patient(p), map[string]string{"clinic": clinic, "present": boolString(present)}))
}

// BookReferral implements target.Referrals. A screen map cannot read the
// slot it booked: the appointment returned names only the clinic, so
// steps that later find the appointment by its time (cancel, reschedule)
// cannot follow it.
func (a *Adapter) BookReferral(ui target.UI, p target.Patient, clinic string) (target.Appointment, error) {
	if err := a.run(ui, "book-referral", merge(patient(p), map[string]string{"clinic": clinic})); err != nil {
		return target.Appointment{}, err
	}
	return target.Appointment{Clinic: clinic}, nil
}

// ExpectReferralStatus implements target.Referrals.
func (a *Adapter) ExpectReferralStatus(ui target.UI, p target.Patient, clinic, status string) error {
	return a.run(ui, "expect-referral-status", merge(patient(p), map[string]string{"clinic": clinic, "status": status}))
}

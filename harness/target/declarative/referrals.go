package declarative

import "github.com/eprharness/eprharness/harness/target"

// --- Referrals ---

// ExpectReferral implements target.Referrals.
func (a *Adapter) ExpectReferral(ui target.UI, p target.Patient, clinic string, present bool) error {
	return a.run(ui, "expect-referral", merge(patient(p), map[string]string{"clinic": clinic, "present": boolString(present)}))
}

// BookReferral implements target.Referrals: the appointment is what the
// steps read (the clinic, unless read, is the one asked for).
func (a *Adapter) BookReferral(ui target.UI, p target.Patient, clinic string) (target.Appointment, error) {
	return a.runRead(ui, "book-referral", merge(patient(p), map[string]string{"clinic": clinic}), target.Appointment{Clinic: clinic})
}

// ExpectReferralStatus implements target.Referrals.
func (a *Adapter) ExpectReferralStatus(ui target.UI, p target.Patient, clinic, status string) error {
	return a.run(ui, "expect-referral-status", merge(patient(p), map[string]string{"clinic": clinic, "status": status}))
}

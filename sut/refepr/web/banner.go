package web

// The patient banner: one partial (templates/partials/patient_banner.html,
// "patient-banner") shown at the top of every page about one patient's
// record: the record itself, the clinical forms (allergies, prescribing,
// stopping a medication, observations), the clinical notes and their
// amendment, and break-glass access to a restricted record.
//
// It shows, in this order: name, NHS number (999 000 0018), date of birth,
// age, gender and, to roles that may see the clinical record, the allergy
// alert ("No known allergies", "Allergies: Penicillin (anaphylaxis)" or
// "Allergies not recorded").
//
// Restricted (sensitive) records: the restriction covers the address, which
// the banner never shows. The banner on the break-glass page, before access
// is granted, is therefore the same banner the record page shows the same
// clinician: identity plus the allergy alert. The alert stays because a
// clinician about to act in an emergency must not be the one person who
// cannot see an anaphylaxis risk, and because hiding it there would reveal
// nothing the record page has not already shown. Nothing else of the
// clinical record (notes, medications, observations, address) is on the
// break-glass page.

import (
	"context"
	"fmt"

	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// patientBanner is what the patient-banner partial shows.
type patientBanner struct {
	Patient patient.Patient
	Age     string
	// AllergyAlert is the alert line; "" leaves it out (roles without
	// clinical access, or the allergy-alert-stale defect).
	AllergyAlert string
}

// bannerWith returns p's banner with an allergy alert the caller already
// worked out ("" for none).
func (h *Handler) bannerWith(p patient.Patient, alert string) patientBanner {
	return patientBanner{Patient: p, Age: patient.Age(p.BirthDate, patient.DateOf(h.now())), AllergyAlert: alert}
}

// banner returns p's banner as u may see it, reading the allergies only
// when u's role may see the clinical record.
func (h *Handler) banner(ctx context.Context, u auth.User, p patient.Patient) (patientBanner, error) {
	if !u.Role.CanSeeClinicalRecord() {
		return h.bannerWith(p, ""), nil
	}
	entries, err := h.store.Allergies(ctx, p.ID)
	if err != nil {
		return patientBanner{}, fmt.Errorf("load banner: %w", err)
	}
	return h.bannerWith(p, h.allergyAlert(ctx, entries)), nil
}

// Package records holds the reference EPR's rules for registration,
// restricted (sensitive) records and clinical notes: validating a
// registration form (NHS number Modulus 11, date of birth, required fields),
// deciding who may see a restricted patient's address, and the life of a
// clinical note (draft, sign, amend with a reason, keep every version).
//
// # Legitimate relationship
//
// A patient flagged sensitive has a restricted record: their address is
// hidden ("Address hidden: restricted record") from every user without a
// legitimate relationship. A user has a legitimate relationship with a
// patient when they are on the patient's care team. The care team is kept
// per patient by the store; the user who registers a patient through the UI
// joins it. A clinician (doctor or nurse) without a relationship may break
// the glass: after giving a reason they see the restricted record for the
// rest of their sign-in session, and the access is audited with the reason.
//
// The package is pure (no clock, no I/O); every function is safe for
// concurrent use.
package records

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// AddressVisible reports whether a user may see the patient's address: any
// user for an unrestricted record; for a restricted one, only a user on the
// care team or one who has broken the glass for it this session.
func AddressVisible(p patient.Patient, onCareTeam, brokeGlass bool) bool {
	return !p.Sensitive || onCareTeam || brokeGlass
}

// MaxReasonLength caps a break-glass or amendment reason.
const MaxReasonLength = 500

// CheckReason validates a break-glass or amendment reason.
func CheckReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", errors.New("a reason is required")
	case len(reason) > MaxReasonLength:
		return "", fmt.Errorf("a reason must be %d characters or fewer", MaxReasonLength)
	}
	return reason, nil
}

// ParseNHSNumber reads an NHS number typed with or without spaces. With
// acceptWrongCheckDigit (the nhs-check-digit release-candidate defect) ten
// digits with a wrong Modulus 11 check digit are accepted as they are.
func ParseNHSNumber(s string, acceptWrongCheckDigit bool) (nhsnumber.Number, error) {
	n, err := nhsnumber.Parse(strings.TrimSpace(s))
	if err == nil {
		return n, nil
	}
	if acceptWrongCheckDigit && errors.Is(err, nhsnumber.ErrCheckDigit) {
		return nhsnumber.Number(nhsnumber.Normalise(strings.TrimSpace(s))), nil
	}
	return "", err
}

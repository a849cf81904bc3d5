package target

// Prescription is a medication order as steps describe it, in clinical
// words: Route "oral", "intravenous", ...; Frequency "three times a day".
type Prescription struct {
	Drug      string // "Amoxicillin"
	Dose      string // "500 mg"
	Route     string
	Frequency string
}

// Observations is one set of vital signs for NEWS2, as the nurse reads them.
type Observations struct {
	RespirationRate string // breaths per minute
	SpO2            string // per cent
	SpO2Scale       string // "1" or "2"
	Oxygen          bool   // on supplemental oxygen (else air)
	Systolic        string // mmHg
	Pulse           string // beats per minute
	Consciousness   string // "alert", "new confusion", "voice", "pain", "unresponsive"
	Temperature     string // °C, "37.5"
}

// ClinicalAction is something a role may or may not do in the clinical
// record.
type ClinicalAction string

// The clinical actions.
const (
	ActionPrescribe          ClinicalAction = "prescribe"
	ActionRecordObservations ClinicalAction = "record observations"
	ActionRecordAllergies    ClinicalAction = "record allergies"
)

// Clinical records and reads allergies, medications and vital signs with
// NEWS2. Every method acts on the patient record that is open.
type Clinical interface {
	// RecordAllergy records an allergy; severity is mild, moderate or
	// severe.
	RecordAllergy(ui UI, substance, reaction, severity string) error
	// UpdateAllergy changes the reaction and severity of the active allergy
	// to substance.
	UpdateAllergy(ui UI, substance, reaction, severity string) error
	ResolveAllergy(ui UI, substance string) error
	MarkAllergyEnteredInError(ui UI, substance string) error
	RecordNoKnownAllergies(ui UI) error
	// ExpectAllergyAlert checks the banner's allergy alert reads exactly
	// text ("No known allergies", "Allergies: Penicillin (anaphylaxis)",
	// "Allergies not recorded").
	ExpectAllergyAlert(ui UI, text string) error

	// Prescribe fills in and submits a prescription. It returns when the
	// EPR has either prescribed it or shown an allergy warning.
	Prescribe(ui UI, p Prescription) error
	// ExpectAllergyConflict checks a hard-stop warning names the drug as
	// conflicting with the allergy (both case-insensitive).
	ExpectAllergyConflict(ui UI, drug, allergy string) error
	// OverrideAllergyWarning gives the reason and prescribes anyway; an
	// empty reason submits without one.
	OverrideAllergyWarning(ui UI, reason string) error
	// ExpectOverrideReasonRequired checks the EPR refused to override
	// without a reason.
	ExpectOverrideReasonRequired(ui UI) error
	// ExpectMedication checks the medications list shows the drug as
	// "active" or "stopped".
	ExpectMedication(ui UI, drug, status string) error
	// ExpectNoMedication checks the drug is not in the medications list.
	ExpectNoMedication(ui UI, drug string) error
	// StopMedication stops the active drug after confirming; reason may be
	// empty.
	StopMedication(ui UI, drug, reason string) error

	// RecordObservations records one set of vital signs.
	RecordObservations(ui UI, o Observations) error
	ExpectNEWS2Score(ui UI, score int) error
	// ExpectClinicalResponse checks the NEWS2 band: "low", "low-medium",
	// "medium" or "high", with the RCP's response for it.
	ExpectClinicalResponse(ui UI, band string) error

	// ExpectCan checks whether the signed-in role is offered the action.
	ExpectCan(ui UI, action ClinicalAction, can bool) error
}

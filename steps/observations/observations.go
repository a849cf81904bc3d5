// Package observations holds the steps for vital signs and NEWS2: recording
// a set of observations (from a table, or one parameter with the rest
// normal) and reading the NEWS2 score and clinical response.
package observations

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the observation steps.
var Defs = []steps.Def{
	{
		Pattern: `^` + steps.Persona + ` records? (?:these )?observations:$`,
		Doc: "Records a set of vital signs from a two-column table of parameter and value; parameters left out are normal " +
			"(respiration rate 16, SpO2 97 on scale 1, air, systolic BP 120, pulse 70, alert, temperature 37.0).",
		Examples: []string{"When I record observations:\n  | respiration rate | 24  |\n  | SpO2             | 95  |\n  | air or oxygen    | air |"},
		Handler:  recordTable,
		Uses:     []string{"record-observations"},
	},
	{
		Pattern:  `^` + steps.Persona + ` records? observations with (?:a|an) (respiration rate|SpO2|systolic BP|pulse|temperature) of (\d+(?:\.\d)?)$`,
		Doc:      "Records a set of vital signs with one parameter set and every other one normal.",
		Examples: []string{"When I record observations with a respiration rate of 25", "When the nurse records observations with a temperature of 38.1"},
		Handler:  recordOne,
		Uses:     []string{"record-observations"},
	},
	{
		Pattern:  `^the NEWS2 score is (\d+)$`,
		Doc:      "Checks the latest NEWS2 score of the open record.",
		Examples: []string{"Then the NEWS2 score is 7"},
		Handler:  score,
		Uses:     []string{"expect-news2-score"},
	},
	{
		Pattern:  `^the clinical response is "(low|low-medium|medium|high)"$`,
		Doc:      "Checks the NEWS2 clinical risk band and the RCP response shown for it.",
		Examples: []string{`Then the clinical response is "high"`, `Then the clinical response is "low-medium"`},
		Handler:  response,
		Uses:     []string{"expect-clinical-response"},
	},
}

// Register registers the observation steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func normal() target.Observations {
	return target.Observations{RespirationRate: "16", SpO2: "97", SpO2Scale: "1", Systolic: "120", Pulse: "70", Consciousness: "alert", Temperature: "37.0"}
}

// set applies one parameter by the names analysts use.
func set(o *target.Observations, param, value string) error {
	value = strings.TrimSpace(value)
	switch strings.ToLower(strings.TrimSpace(param)) {
	case "respiration rate", "respiratory rate", "respirations":
		o.RespirationRate = value
	case "spo2", "oxygen saturation":
		o.SpO2 = value
	case "spo2 scale", "scale":
		o.SpO2Scale = strings.TrimPrefix(strings.ToLower(value), "scale ")
	case "air or oxygen", "oxygen":
		switch strings.ToLower(value) {
		case "air":
			o.Oxygen = false
		case "oxygen", "on oxygen", "supplemental oxygen":
			o.Oxygen = true
		default:
			return fmt.Errorf("air or oxygen: %q is neither air nor oxygen", value)
		}
	case "systolic bp", "systolic blood pressure", "systolic":
		o.Systolic = value
	case "pulse", "heart rate":
		o.Pulse = value
	case "consciousness", "acvpu":
		o.Consciousness = value
	case "temperature", "temp":
		o.Temperature = value
	default:
		return fmt.Errorf("unknown observation %q (respiration rate, SpO2, SpO2 scale, air or oxygen, systolic BP, pulse, consciousness, temperature)", param)
	}
	return nil
}

func recordTable(ctx context.Context, table *godog.Table) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	o := normal()
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return failure.Harness(fmt.Errorf("observations table: want two columns (parameter | value), got %d", len(row.Cells)))
		}
		if strings.EqualFold(row.Cells[0].Value, "parameter") {
			continue // a header row
		}
		if err := set(&o, row.Cells[0].Value, row.Cells[1].Value); err != nil {
			return failure.Harness(err)
		}
	}
	return s.EPR.RecordObservations(s.UI, o)
}

func recordOne(ctx context.Context, param, value string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	o := normal()
	if err := set(&o, param, value); err != nil {
		return failure.Harness(err)
	}
	return s.EPR.RecordObservations(s.UI, o)
}

func score(ctx context.Context, n string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(n)
	if err != nil {
		return failure.Harness(fmt.Errorf("NEWS2 score %q: %w", n, err))
	}
	return s.EPR.ExpectNEWS2Score(s.UI, v)
}

func response(ctx context.Context, band string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectClinicalResponse(s.UI, band)
}

package web

// The record's "Results and measurements" section: single observations
// loaded from other systems (package results, through the FHIR API): the
// latest of each vital sign and body measurement, and laboratory (and
// other) results newest first, each with its value, unit, reference range,
// interpretation and the date the source gave. Read only: results are not
// entered in the UI. Shown to the roles that see the clinical record.

import (
	"context"
	"fmt"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/clinical/results"
)

// resultsView is the section's data (partial record-results).
type resultsView struct {
	// Latest are the newest vital sign or body measurement of each kind.
	Latest []resultRow
	// Laboratory are the laboratory results, newest first.
	Laboratory []resultRow
	// Other are results of other categories (survey, social history,
	// exam, ...), newest first.
	Other []resultRow
}

// resultRow is one result as the record shows it.
type resultRow struct {
	Name           string // "Heart rate"
	Value          string // "72 /min", "120/80 mmHg", "Not detected"
	Number         string // the value without its unit: "5.9", "Not detected"
	Unit           string // "mmol/L"; "" for text and coded values
	Range          string // "3.5–5.3 mmol/L"
	Interpretation string // "High"
	Date           string // "01-May-2026 10:30", as precise as the source
	Status         string // "" when final, else "Preliminary", "Amended", "Corrected"
	RecordedBy     string
}

func resultView(r results.Result) resultRow {
	row := resultRow{Name: r.Name, Value: r.ValueLabel(), Number: r.ValueLabel(), Range: r.ReferenceRange.Label(),
		Interpretation: r.Interpretation, Date: r.Effective.Label(), RecordedBy: r.RecordedBy}
	if r.Value.Type == results.QuantityValue && len(r.Components) == 0 {
		row.Number, row.Unit = results.FormatNumber(r.Value.Number), r.Value.UnitLabel()
	}
	if r.Status != "" && r.Status != "final" {
		row.Status = strings.ToUpper(r.Status[:1]) + r.Status[1:]
	}
	return row
}

// loadResults reads a patient's single observations for the record.
func (h *Handler) loadResults(ctx context.Context, patientID string) (resultsView, error) {
	all, err := h.store.Results(ctx, patientID)
	if err != nil {
		return resultsView{}, fmt.Errorf("load results: %w", err)
	}
	var v resultsView
	for _, r := range results.Latest(all) {
		v.Latest = append(v.Latest, resultView(r))
	}
	for _, r := range results.OfKind(all, results.Laboratory) {
		v.Laboratory = append(v.Laboratory, resultView(r))
	}
	for _, r := range results.OfKind(all, results.Other) {
		v.Other = append(v.Other, resultView(r))
	}
	return v, nil
}

// Package allergies holds the steps for allergies and intolerances: seeding
// an allergy through the EPR's FHIR API, recording, updating, resolving and
// marking entries in error in the UI, the banner's allergy alert, and the
// allergy as the FHIR API returns it.
package allergies

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the allergy steps.
var Defs = []steps.Def{
	{
		Pattern:  `^the patient "([^"]*)" is allergic to ([A-Za-z][A-Za-z -]*?) with ([A-Za-z][A-Za-z -]*)$`,
		Doc:      "Registers the named fixture patient if needed and records an active allergy through the FHIR API (anaphylaxis is severe, other reactions moderate).",
		Examples: []string{`Given the patient "Amy Pond" is allergic to penicillin with anaphylaxis`, `Given the patient "Rory Williams" is allergic to latex with urticaria`},
		Handler:  allergicTo,
	},
	{
		Pattern:  `^` + steps.Persona + ` records? an allergy to "([^"]*)" with reaction "([^"]*)" and severity "(mild|moderate|severe)"$`,
		Doc:      "Records an allergy in the open record.",
		Examples: []string{`When I record an allergy to "Penicillin" with reaction "Anaphylaxis" and severity "severe"`},
		Handler:  record,
		Uses:     []string{"record-allergy"},
	},
	{
		Pattern:  `^` + steps.Persona + ` updates? the "([^"]*)" allergy to reaction "([^"]*)" and severity "(mild|moderate|severe)"$`,
		Doc:      "Changes the reaction and severity of an active allergy in the open record.",
		Examples: []string{`When I update the "Penicillin" allergy to reaction "Rash" and severity "mild"`},
		Handler:  update,
		Uses:     []string{"update-allergy"},
	},
	{
		Pattern:  `^` + steps.Persona + ` resolves? the "([^"]*)" allergy$`,
		Doc:      "Resolves an active allergy in the open record.",
		Examples: []string{`When I resolve the "Penicillin" allergy`},
		Handler:  resolve,
		Uses:     []string{"resolve-allergy"},
	},
	{
		Pattern:  `^` + steps.Persona + ` marks? the "([^"]*)" allergy as entered in error$`,
		Doc:      "Marks an allergy in the open record as entered in error.",
		Examples: []string{`When I mark the "Latex" allergy as entered in error`},
		Handler:  enteredInError,
		Uses:     []string{"mark-allergy-entered-in-error"},
	},
	{
		Pattern:  `^` + steps.Persona + ` records? (?:that the patient has )?no known allergies$`,
		Doc:      `Records the explicit "No known allergies" state in the open record.`,
		Examples: []string{"When I record no known allergies", "When the nurse records that the patient has no known allergies"},
		Handler:  noKnownAllergies,
		Uses:     []string{"record-no-known-allergies"},
	},
	{
		Pattern:  `^the (?:patient )?banner shows the allergy alert "([^"]*)"$`,
		Doc:      "Checks the banner's allergy alert reads exactly this.",
		Examples: []string{`Then the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis)"`, `Then the patient banner shows the allergy alert "No known allergies"`},
		Handler:  alert,
		Uses:     []string{"expect-allergy-alert"},
	},
	{
		Pattern:  `^the allergy to "([^"]*)" is recorded in the patient's FHIR record with (severity|criticality) "([^"]*)"$`,
		Doc:      "Reads the patient's AllergyIntolerance resources through the EPR's FHIR API and checks the allergy is there, active, with this reaction severity (mild, moderate, severe) or criticality (low, high).",
		Examples: []string{`Then the allergy to "Penicillin" is recorded in the patient's FHIR record with criticality "high"`, `Then the allergy to "Latex" is recorded in the patient's FHIR record with severity "mild"`},
		Handler:  inFHIR,
	},
}

// Register registers the allergy steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func allergicTo(ctx context.Context, name, substance, reaction string) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	p, err := s.Patient(name)
	if err != nil {
		return ctx, err
	}
	id, err := PatientID(ctx, s, p)
	if err != nil {
		return ctx, err
	}
	if id == "" {
		if err := s.Loader.Load(ctx, p); err != nil {
			return ctx, err
		}
		if id, err = PatientID(ctx, s, p); err != nil {
			return ctx, err
		}
	}
	s.Remember(p)
	severity := "moderate"
	if strings.EqualFold(strings.TrimSpace(reaction), "anaphylaxis") {
		severity = "severe"
	}
	res := map[string]any{
		"resourceType": "AllergyIntolerance",
		"patient":      map[string]string{"reference": "Patient/" + id},
		"code":         map[string]string{"text": titleCase(substance)},
		"reaction":     []any{map[string]any{"manifestation": []any{map[string]string{"text": titleCase(reaction)}}, "severity": severity}},
	}
	if _, err := fhir(ctx, s, http.MethodPost, "/AllergyIntolerance", res); err != nil {
		return ctx, failure.Backend(fmt.Errorf("record the allergy of %s: %w", name, err))
	}
	return ctx, nil
}

func titleCase(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// PatientID finds the EPR's id of a fixture patient by NHS number through
// the FHIR API; "" when the EPR does not know them.
func PatientID(ctx context.Context, s *scenario.State, p fixtures.Patient) (string, error) {
	body, err := fhir(ctx, s, http.MethodGet, "/Patient?identifier="+url.QueryEscape(fixtures.NHSNumberSystem+"|"+p.NHSNumber), nil)
	if err != nil {
		return "", failure.Backend(fmt.Errorf("find %s: %w", p.Name(), err))
	}
	var b struct {
		Entry []struct {
			Resource struct {
				ID string `json:"id"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return "", failure.Backend(fmt.Errorf("find %s: %w", p.Name(), err))
	}
	if len(b.Entry) == 0 {
		return "", nil
	}
	return b.Entry[0].Resource.ID, nil
}

// fhir calls the EPR's FHIR API and returns the body of a 2xx answer.
func fhir(ctx context.Context, s *scenario.State, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.BaseURL+"/fhir"+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/fhir+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(out)))
	}
	return out, nil
}

func record(ctx context.Context, substance, reaction, severity string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.RecordAllergy(s.UI, substance, reaction, severity)
}

func update(ctx context.Context, substance, reaction, severity string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.UpdateAllergy(s.UI, substance, reaction, severity)
}

func resolve(ctx context.Context, substance string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ResolveAllergy(s.UI, substance)
}

func enteredInError(ctx context.Context, substance string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.MarkAllergyEnteredInError(s.UI, substance)
}

func noKnownAllergies(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.RecordNoKnownAllergies(s.UI)
}

func alert(ctx context.Context, text string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectAllergyAlert(s.UI, text)
}

func inFHIR(ctx context.Context, substance, kind, value string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	if s.Current == nil {
		return failure.Harness(fmt.Errorf("no patient yet in this scenario: name one first"))
	}
	id, err := PatientID(ctx, s, *s.Current)
	if err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("the EPR's FHIR API does not know %s", s.Current.Name())
	}
	body, err := fhir(ctx, s, http.MethodGet, "/AllergyIntolerance?patient=Patient/"+url.PathEscape(id), nil)
	if err != nil {
		return fmt.Errorf("read the allergies of %s: %w", s.Current.Name(), err)
	}
	var b struct {
		Entry []struct {
			Resource struct {
				Criticality    string `json:"criticality"`
				ClinicalStatus struct {
					Coding []struct {
						Code string `json:"code"`
					} `json:"coding"`
				} `json:"clinicalStatus"`
				Code struct {
					Text string `json:"text"`
				} `json:"code"`
				Reaction []struct {
					Severity string `json:"severity"`
				} `json:"reaction"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return fmt.Errorf("read the allergies of %s: %w", s.Current.Name(), err)
	}
	var seen []string
	for _, e := range b.Entry {
		r := e.Resource
		if !strings.EqualFold(r.Code.Text, substance) || len(r.ClinicalStatus.Coding) == 0 || r.ClinicalStatus.Coding[0].Code != "active" {
			continue
		}
		got := r.Criticality
		if kind == "severity" {
			got = ""
			if len(r.Reaction) > 0 {
				got = r.Reaction[0].Severity
			}
		}
		if strings.EqualFold(got, value) {
			return nil
		}
		seen = append(seen, fmt.Sprintf("%s %q", kind, got))
	}
	if len(seen) == 0 {
		return fmt.Errorf("no active AllergyIntolerance for %q in the FHIR record of %s", substance, s.Current.Name())
	}
	return fmt.Errorf("the FHIR record of %s has the %s allergy with %s, want %s %q", s.Current.Name(), substance, strings.Join(seen, ", "), kind, value)
}

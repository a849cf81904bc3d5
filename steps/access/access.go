// Package access holds the steps for restricted (sensitive) records and
// break-glass access: loading a restricted fixture patient, checking the
// address is hidden or shown, and breaking the glass with a reason.
package access

import (
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

// Defs are the access steps.
var Defs = []steps.Def{
	{
		Pattern:  `^the patient "([^"]*)" has a restricted record$`,
		Doc:      "Loads the named fixture patient through the FHIR API and checks the EPR keeps their record restricted (meta.security R).",
		Examples: []string{`Given the patient "Martha Jones" has a restricted record`},
		Handler:  restricted,
	},
	{
		Pattern:  `^the (?:patient's )?address is hidden$`,
		Doc:      "Checks the open record hides the patient's address (a restricted record without a legitimate relationship).",
		Examples: []string{"Then the address is hidden", "Then the patient's address is hidden"},
		Handler:  addressHidden,
		Uses:     []string{"expect-address-hidden"},
	},
	{
		Pattern:  `^the (?:patient's )?address is shown$`,
		Doc:      "Checks the open record shows the patient's address.",
		Examples: []string{"Then the address is shown"},
		Handler:  addressShown,
		Uses:     []string{"expect-address-hidden"},
	},
	{
		Pattern:  `^` + steps.Persona + ` breaks? the glass with the reason "([^"]*)"$`,
		Doc:      "Opens the restricted record from the open record page, giving the reason in the confirmation form.",
		Examples: []string{`When I break the glass with the reason "emergency"`},
		Handler:  breakGlass,
		Uses:     []string{"break-glass"},
	},
}

// Register registers the access steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

// confidentialitySystem is the FHIR code system of the restricted label.
const confidentialitySystem = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"

func restricted(ctx context.Context, name string) (context.Context, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return ctx, err
	}
	p, err := s.Patient(name)
	if err != nil {
		return ctx, err
	}
	if err := s.Loader.Load(ctx, p); err != nil {
		return ctx, err
	}
	s.Remember(p)
	ok, err := hasRestrictedLabel(ctx, s.HTTP, s.BaseURL+"/fhir", p.NHSNumber)
	if err != nil {
		return ctx, failure.Backend(err)
	}
	if !ok {
		return ctx, fmt.Errorf("the patient %q is not restricted in the EPR: expected meta.security %s|R on their FHIR Patient (is it in %s?)", name, confidentialitySystem, p.File)
	}
	return ctx, nil
}

// hasRestrictedLabel reads the patient through FHIR search by NHS number.
func hasRestrictedLabel(ctx context.Context, client *http.Client, fhirBase, nhs string) (bool, error) {
	u := strings.TrimRight(fhirBase, "/") + "/Patient?identifier=" + url.QueryEscape(fixtures.NHSNumberSystem+"|"+nhs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, fmt.Errorf("read patient %s: %w", nhs, err)
	}
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := client.Do(req)
	if err != nil {
		return false, fmt.Errorf("read patient %s: %w", nhs, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return false, fmt.Errorf("read patient %s: %w", nhs, err)
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("read patient %s: %s", nhs, resp.Status)
	}
	var b struct {
		Entry []struct {
			Resource struct {
				Meta struct {
					Security []struct{ System, Code string } `json:"security"`
				} `json:"meta"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return false, fmt.Errorf("read patient %s: %w", nhs, err)
	}
	for _, e := range b.Entry {
		for _, l := range e.Resource.Meta.Security {
			if l.System == confidentialitySystem && l.Code == "R" {
				return true, nil
			}
		}
	}
	return false, nil
}

func addressHidden(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectAddressHidden(s.UI, true)
}

func addressShown(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectAddressHidden(s.UI, false)
}

func breakGlass(ctx context.Context, reason string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.BreakGlass(s.UI, reason)
}

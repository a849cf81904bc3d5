package patients

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/steps"
)

// manyFirstSerial is where the NHS numbers of bulk-registered synthetic
// patients start (999 700 000…): a block no fixture persona uses.
const manyFirstSerial = 700_000

// maxMany bounds one bulk registration.
const maxMany = 500

var manyGivenNames = []string{"Ada", "Ben", "Cara", "Dev", "Esme", "Finn", "Gita", "Hugo", "Ines", "Jon",
	"Kofi", "Lena", "Milo", "Nia", "Omar", "Pia", "Quinn", "Rhys", "Sana", "Theo", "Uma", "Vic", "Wren", "Xena", "Yusuf", "Zoe"}

// registerMany registers n synthetic patients named family through the
// EPR's FHIR API in one transaction bundle. Each has a valid test NHS
// number; they are born a few weeks apart from 1 January 1960.
func registerMany(ctx context.Context, count, family string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 || n > maxMany {
		return failure.Harness(fmt.Errorf("register %q patients: want a number from 1 to %d", count, maxMany))
	}
	var entries []map[string]any
	serial := manyFirstSerial
	for i := 0; i < n; i++ {
		nhs := nhsnumber.TestNumber(serial)
		next, _ := strconv.Atoi(string(nhs)[3:9])
		serial = next + 1
		given := manyGivenNames[i%len(manyGivenNames)]
		if i >= len(manyGivenNames) {
			given += " " + strings.Repeat("I", i/len(manyGivenNames)) // Ada, …, Ada I, … stay distinct
		}
		entries = append(entries, map[string]any{
			"fullUrl": fmt.Sprintf("urn:uuid:7e570000-0000-4000-8000-%012d", i),
			"resource": map[string]any{
				"resourceType": "Patient",
				"identifier":   []map[string]string{{"system": fixtures.NHSNumberSystem, "value": string(nhs)}},
				"name":         []map[string]any{{"use": "official", "family": family, "given": strings.Fields(given)}},
				"gender":       []string{"female", "male"}[i%2],
				"birthDate":    time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 23*i).Format(time.DateOnly),
			},
			"request": map[string]string{"method": "POST", "url": "Patient"},
		})
	}
	body, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
	if err != nil {
		return failure.Harness(fmt.Errorf("register %d patients: %w", n, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.BaseURL, "/")+"/fhir", bytes.NewReader(body))
	if err != nil {
		return failure.Backend(fmt.Errorf("register %d patients: %w", n, err))
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return failure.Backend(fmt.Errorf("register %d patients: %w", n, err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 != 2 {
		return failure.Backend(fmt.Errorf("register %d patients named %s: POST /fhir: %s: %s", n, family, resp.Status, msg))
	}
	return nil
}

func searchByNameAndBirthDate(ctx context.Context, name, dob string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	today, err := steps.Today(ctx)
	if err != nil {
		return err
	}
	typed, err := steps.TypedDate(dob, today)
	if err != nil {
		return failure.Harness(fmt.Errorf("born on: %w", err))
	}
	return s.EPR.SearchByNameAndBirthDate(s.UI, name, typed)
}

func searchByBirthDate(ctx context.Context, dob string) error {
	return searchByNameAndBirthDate(ctx, "", dob)
}

func searchWithin(ctx context.Context, nhs, seconds string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(seconds)
	if err != nil || n < 1 {
		return failure.Harness(fmt.Errorf("answers within %q seconds: want a whole number of seconds", seconds))
	}
	return s.EPR.SearchByNHSNumberWithin(s.UI, nhs, time.Duration(n)*time.Second)
}

func listedOnPage(ctx context.Context, count string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(count)
	if err != nil {
		return failure.Harness(fmt.Errorf("count %q: %w", count, err))
	}
	return s.EPR.ExpectResultsOnPage(s.UI, n)
}

func resultsRange(ctx context.Context, from, to, total string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	var nums [3]int
	for i, v := range []string{from, to, total} {
		if nums[i], err = strconv.Atoi(v); err != nil {
			return failure.Harness(fmt.Errorf("results range %q: %w", v, err))
		}
	}
	return s.EPR.ExpectResultsRange(s.UI, nums[0], nums[1], nums[2])
}

func resultsPage(ctx context.Context, which string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ResultsPage(s.UI, which == "next")
}

func tooMany(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectTooManyResults(s.UI)
}

// Package resultstest provides a deterministic, realistic results.Run for
// testing reporters, and writes the fake files its attachments point to.
//
// Sample covers what a reporter must handle: several features with tags, a
// passed scenario, an assertion failure whose message needs XML and JSON
// escaping (<, &, quotes, newlines) followed by skipped steps and with a
// screenshot, page HTML and trace attached, a backend failure, a timeout, an
// undefined step (a harness fault), two rows of a scenario outline that share
// a name, a skipped scenario, a flaky scenario (failed with a timeout, then
// passed on a retry, with the failed attempt's screenshot and trace kept), a
// quarantined failing scenario, hazard tags, repro command lines on every
// scenario that did not pass, hosts the browser was blocked from reaching and
// the unique patient identities scenarios used (on the timeout, and the
// identities also on a passed scenario), and the run's identity (commit,
// machine, a Compose target driven by the declarative adapter with its screen
// map, project, services and image digests, EPR version, active defects,
// retries). All times are fixed (the run starts at 2026-06-01T09:00:00Z), so
// reports built from it can be compared byte for byte against golden files.
//
// Scenarios are listed in the order they ran, which is not always line order
// (call Run.Sort for that); reporters must not assume either.
//
// Every call returns a fresh Run that the caller may change. The package holds
// no mutable state and is safe for concurrent use.
package resultstest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// Start is when the sample run starts.
var Start = time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)

// pngBytes is a valid 2x2 RGB PNG (NHS blue and white checks).
var pngBytes = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
	0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00,
	0x18, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x62, 0x62, 0x88, 0xdb, 0xf1,
	0xff, 0xff, 0x7f, 0x06, 0x10, 0x8e, 0xdb, 0x01, 0x08, 0x00, 0x00, 0xff,
	0xff, 0x37, 0xc4, 0x08, 0x29, 0xd0, 0xba, 0x1e, 0x30, 0x00, 0x00, 0x00,
	0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

// PNG returns a copy of the small valid PNG used for every image attachment.
func PNG() []byte {
	return bytes.Clone(pngBytes)
}

// AssertionError is the error of the failing step of the scenario
// "Searching by NHS number shows the patient". It holds characters that need
// escaping in XML and JSON: <, >, &, double quotes and newlines.
const AssertionError = "expected the patient banner <div data-testid=\"patient-banner\"> to show NHS number \"999 000 0018\" & name \"SMITH, Jane\"\n" +
	"but it showed \"999 000 0019\" & \"SMITH, John\"\n" +
	"    at steps/patients.go:88"

// Content returns the fake bytes WriteAttachments writes for an attachment:
// the PNG for image/png, a small HTML page for text/html, a zip holding one
// trace file for application/zip, and a line of text otherwise. The result
// depends only on the attachment's media type and path.
func Content(a results.Attachment) []byte {
	switch a.MediaType {
	case "image/png":
		return PNG()
	case "text/html":
		return []byte("<!DOCTYPE html>\n<html><head><title>Patient record</title></head>\n" +
			"<body><!-- fake page for " + a.Path + " -->\n" +
			"<div data-testid=\"patient-banner\">SMITH, John &middot; 999 000 0019</div></body></html>\n")
	case "application/zip":
		return fakeZip(a.Path)
	default:
		return []byte("fake attachment " + a.Path + "\n")
	}
}

// fakeZip builds a small, valid and byte-for-byte reproducible zip file.
func fakeZip(p string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{
		Name:     "trace.trace",
		Method:   zip.Store,
		Modified: Start,
	})
	if err == nil {
		_, err = fmt.Fprintf(w, "{\"type\":\"context-options\",\"note\":%q}\n", "fake trace for "+p)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		// Writing to a bytes.Buffer cannot fail.
		panic(err)
	}
	return buf.Bytes()
}

// Attachments returns every attachment of run: for each scenario in run
// order, the attachments of its earlier attempts (oldest first), then its
// own.
func Attachments(run *results.Run) []results.Attachment {
	var out []results.Attachment
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			for _, at := range s.Attempts {
				out = append(out, at.Attachments...)
			}
			out = append(out, s.Attachments...)
		}
	}
	return out
}

// WriteAttachments writes Content(a) for every attachment of run under dir,
// the scenarios' and their earlier attempts' (see Attachments), at the
// attachment's relative path, creating folders as needed. It fails the test
// on any error.
func WriteAttachments(t testing.TB, dir string, run *results.Run) {
	t.Helper()
	for _, a := range Attachments(run) {
		p := filepath.Join(dir, filepath.FromSlash(a.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatalf("resultstest: %v", err)
		}
		if err := os.WriteFile(p, Content(a), 0o644); err != nil {
			t.Fatalf("resultstest: %v", err)
		}
	}
}

// Sample returns a new deterministic run; see the package documentation for
// what it covers. Counts: 10 scenarios in 3 features; 3 passed, 4 failed
// (assertion, backend, timeout, and a quarantined assertion), 1 undefined
// (harness), 1 flaky and 1 skipped.
func Sample() *results.Run {
	b := &builder{at: Start.Add(500 * time.Millisecond)}

	patientSearch := &results.Feature{
		URI:  "features/patient_search.feature",
		Name: "Patient search",
		Description: "  As a clinician\n" +
			"  I want to find a patient by NHS number or by name\n" +
			"  So that I open the right patient's record",
		Line: 2,
		Tags: []string{"@patients", "@smoke"},
	}
	patientSearch.Scenarios = []*results.Scenario{
		b.scenario(patientSearch, "Scenario", "Searching by NHS number shows the patient", 12,
			[]string{"@nhs-number", "@hazard:H-001"}, results.KindAssertion,
			[]*results.Step{
				step("Given ", `I am logged in as "dr.jones"`, 13, results.Passed, 1184, "steps/session.go:31", ""),
				step("When ", `I search for NHS number "999 000 0018"`, 14, results.Passed, 912, "steps/patients.go:42", ""),
				step("Then ", `the patient banner shows the NHS number "999 000 0018"`, 15, results.Failed, 5003, "steps/patients.go:88", AssertionError),
				step("And ", `the banner shows the date of birth "01-Jan-1970"`, 16, results.Skipped, 0, "steps/patients.go:97", ""),
				step("And ", "the allergies panel is visible", 17, results.Skipped, 0, "steps/patients.go:110", ""),
			},
			attachment("screenshot", "image/png", "patient-search/searching-by-nhs-number-shows-the-patient/screenshot.png"),
			attachment("page", "text/html", "patient-search/searching-by-nhs-number-shows-the-patient/page.html"),
			attachment("trace", "application/zip", "patient-search/searching-by-nhs-number-shows-the-patient/trace.zip"),
		),
		used(b.scenario(patientSearch, "Scenario", "Searching by name lists matching patients", 20,
			[]string{"@name-search", "@hazard:H-001"}, results.KindNone,
			[]*results.Step{
				step("Given ", `I am logged in as "dr.jones"`, 21, results.Passed, 1207, "steps/session.go:31", ""),
				step("When ", `I search for patients named "Smith"`, 22, results.Passed, 845, "steps/patients.go:57", ""),
				step("Then ", "the results list 3 patients", 23, results.Passed, 402, "steps/patients.go:74", ""),
			},
			attachment("trace", "application/zip", "patient-search/searching-by-name-lists-matching-patients/trace.zip"),
		), results.Identity{Fixture: "Jane Smith", Name: "Jane Smith-k3p9", NHSNumber: "9994021567"},
			results.Identity{Fixture: "John Smith", Name: "John Smith-k3p9", NHSNumber: "9996551881"}),
		// Two example rows of one outline: same name, different lines.
		b.scenario(patientSearch, "Scenario Outline", "Rejecting a malformed NHS number", 32,
			[]string{"@validation"}, results.KindNone,
			[]*results.Step{
				step("Given ", `I am logged in as "dr.jones"`, 26, results.Passed, 1150, "steps/session.go:31", ""),
				step("When ", `I search for NHS number "999 000 001"`, 27, results.Passed, 633, "steps/patients.go:42", ""),
				step("Then ", `I see the message "Enter a valid 10-digit NHS number"`, 28, results.Passed, 251, "steps/patients.go:121", ""),
			},
		),
		b.scenario(patientSearch, "Scenario Outline", "Rejecting a malformed NHS number", 33,
			[]string{"@validation"}, results.KindNone,
			[]*results.Step{
				step("Given ", `I am logged in as "dr.jones"`, 26, results.Passed, 1162, "steps/session.go:31", ""),
				step("When ", `I search for NHS number "ABC 000 0018"`, 27, results.Passed, 641, "steps/patients.go:42", ""),
				step("Then ", `I see the message "Enter a valid 10-digit NHS number"`, 28, results.Passed, 248, "steps/patients.go:121", ""),
			},
		),
	}

	medications := &results.Feature{
		URI:  "features/medications.feature",
		Name: "Prescribing medication",
		Line: 2,
		Tags: []string{"@medications"},
	}
	medications.Scenarios = []*results.Scenario{
		b.scenario(medications, "Scenario", "Prescribing a repeat medication records it on the chart", 5,
			[]string{"@repeat"}, results.KindBackend,
			[]*results.Step{
				step("Given ", `the patient "999 000 0026" has a medication history`, 6, results.Failed, 30012, "steps/fixtures.go:23",
					"load fixture \"medications/repeat.sql\": failed to connect to `host=127.0.0.1 user=epr database=epr`: dial tcp 127.0.0.1:55432: connect: connection refused"),
				step("And ", `I am logged in as "nurse.patel"`, 7, results.Skipped, 0, "steps/session.go:31", ""),
				step("When ", `I prescribe "Amoxicillin 500mg capsules" as a repeat`, 8, results.Skipped, 0, "steps/medications.go:40", ""),
				step("Then ", `the medication chart lists "Amoxicillin 500mg capsules"`, 9, results.Skipped, 0, "steps/medications.go:66", ""),
			},
		),
		quarantined(b.scenario(medications, "Scenario", "Prescribing warns about a recorded allergy", 17,
			[]string{"@quarantine", "@hazard:H-002"}, results.KindAssertion,
			[]*results.Step{
				step("Given ", `I am logged in as "dr.jones"`, 18, results.Passed, 1120, "steps/session.go:31", ""),
				step("When ", `I prescribe "Amoxicillin 500mg capsules"`, 19, results.Passed, 702, "steps/medications.go:40", ""),
				step("Then ", `I see the allergy warning "Penicillin"`, 20, results.Failed, 5002, "steps/medications.go:81",
					`expected an alert with text "Penicillin" but none was shown`),
			},
			attachment("screenshot", "image/png", "prescribing-medication/prescribing-warns-about-a-recorded-allergy-L17/screenshot.png"),
		)),
		b.scenario(medications, "Scenario", "Stopping a medication asks for a reason", 11,
			nil, results.KindHarness,
			[]*results.Step{
				step("Given ", `I am logged in as "nurse.patel"`, 12, results.Passed, 1093, "steps/session.go:31", ""),
				step("When ", `I stop the medication "Amoxicillin 500mg capsules"`, 13, results.Undefined, 0, "",
					`no step definition matches "I stop the medication \"Amoxicillin 500mg capsules\""`),
				step("Then ", "I am asked for a reason", 14, results.Skipped, 0, "", ""),
			},
		),
	}

	appointments := &results.Feature{
		URI:  "features/appointments.feature",
		Name: "Booking appointments",
		Line: 2,
		Tags: []string{"@appointments"},
	}
	appointments.Scenarios = []*results.Scenario{
		blocked(used(b.scenario(appointments, "Scenario", "Cancelling an appointment frees the slot", 5,
			nil, results.KindTimeout,
			[]*results.Step{
				step("Given ", `I am logged in as "reception.lee"`, 6, results.Passed, 1121, "steps/session.go:31", ""),
				step("And ", `the patient "999 000 0034" has an appointment at "09:30"`, 7, results.Passed, 388, "steps/appointments.go:19", ""),
				step("When ", `I cancel the appointment at "09:30"`, 8, results.Failed, 15007, "steps/appointments.go:52",
					"timeout 15000ms exceeded waiting for locator(\"button[name='Confirm cancellation']\") to be visible"),
				step("Then ", `the "09:30" slot is free`, 9, results.Skipped, 0, "steps/appointments.go:71", ""),
			},
			attachment("screenshot", "image/png", "appointments/cancelling-an-appointment-frees-the-slot/screenshot.png"),
			attachment("trace", "application/zip", "appointments/cancelling-an-appointment-frees-the-slot/trace.zip"),
		), results.Identity{Fixture: "Mary Jones", Name: "Mary Jones-q4zt", NHSNumber: "9992173041"}),
			"fonts.googleapis.com", "www.google-analytics.com"),
		b.flaky(b.scenario(appointments, "Scenario", "Rescheduling moves the appointment", 17,
			[]string{"@hazard:H-004"}, results.KindNone,
			[]*results.Step{
				step("Given ", `I am logged in as "reception.lee"`, 18, results.Passed, 1088, "steps/session.go:31", ""),
				step("When ", `I move the appointment at "09:30" to "11:00"`, 19, results.Passed, 731, "steps/appointments.go:60", ""),
				step("Then ", `the diary shows the appointment at "11:00"`, 20, results.Passed, 310, "steps/appointments.go:77", ""),
			},
		)),
		b.scenario(appointments, "Scenario", "Booking a follow-up appointment", 11,
			[]string{"@manual"}, results.KindNone,
			[]*results.Step{
				step("Given ", `I am logged in as "reception.lee"`, 12, results.Skipped, 0, "steps/session.go:31", ""),
				step("When ", "I book a follow-up in 2 weeks", 13, results.Skipped, 0, "steps/appointments.go:88", ""),
				step("Then ", "the appointment appears in the diary", 14, results.Skipped, 0, "steps/appointments.go:104", ""),
			},
		),
	}

	run := &results.Run{
		ID:         "run-20260601T090000Z",
		StartedAt:  Start,
		FinishedAt: b.at.Add(400 * time.Millisecond),
		Target: results.Target{
			Backend:   "compose",
			BaseURL:   "http://localhost:8080",
			Adapter:   "declarative",
			ScreenMap: "screens.yaml",
			Compose:   "eprharness-run-20260601t090000z-1",
			Services: map[string]string{
				"postgres": "postgres:17.5",
				"epr":      "ghcr.io/eprharness/demo-epr:2.3.1",
			},
			Digests: map[string]string{
				"postgres": "sha256:5f1c6a3e0b1d4a2f8e9c7b6a5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c",
				"epr":      "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
			},
			Version: "2.3.1",
			Defects: []string{"news2-boundary"},
		},
		Commit: "4be1c0ffee5a17d2b2c3d4e5f6a7b8c9d0e1f2a3",
		Machine: results.Machine{
			Hostname: "ci-runner-7",
			OS:       "linux",
			Arch:     "amd64",
			CPUs:     2,
			Harness:  "v0.5.0",
			Go:       "go1.26.8",
		},
		Retries:  1,
		Tags:     "not @wip",
		Browser:  "chromium 156.0.8078.73",
		Features: []*results.Feature{patientSearch, medications, appointments},
	}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if s.Status != results.Passed && s.Status != results.Skipped {
				s.Repro = "eprharness run " + s.ID + " --adapter declarative --screen-map screens.yaml --backend compose --compose-file compose.yaml --compose-service epr --compose-port 8080 --headed --trace always --keep-backends"
			}
		}
	}
	return run
}

// used records the unique patient identities s used.
func used(s *results.Scenario, ids ...results.Identity) *results.Scenario {
	s.Identities = append(s.Identities, ids...)
	return s
}

// blocked records the hosts the browser was stopped from reaching in s.
func blocked(s *results.Scenario, hosts ...string) *results.Scenario {
	s.Blocked = append(s.Blocked, hosts...)
	return s
}

// quarantined marks s as quarantined.
func quarantined(s *results.Scenario) *results.Scenario {
	s.Quarantined = true
	return s
}

// flaky turns a passed scenario into a flaky one: a first attempt that
// failed its last step with a timeout (screenshot and trace kept), then the
// passing attempt s, which starts after it.
func (b *builder) flaky(s *results.Scenario) *results.Scenario {
	first := &results.Attempt{
		Status:      results.Failed,
		FailureKind: results.KindTimeout,
		Error:       "timeout 5000ms exceeded waiting for getByRole('row', { name: /11:00/ }) to be visible",
		StartedAt:   s.StartedAt,
		Duration:    s.Duration + 4700*time.Millisecond,
	}
	for _, st := range s.Steps {
		cp := *st
		first.Steps = append(first.Steps, &cp)
	}
	last := first.Steps[len(first.Steps)-1]
	last.Status, last.Error, last.Duration = results.Failed, first.Error, 5010*time.Millisecond
	dir := fmt.Sprintf("%s/%s-L%d/attempt-1/", "booking-appointments", "rescheduling-moves-the-appointment", s.Line)
	first.Attachments = []results.Attachment{
		attachment("screenshot", "image/png", dir+"screenshot.png"),
		attachment("trace", "application/zip", dir+"trace.zip"),
	}
	s.Attempts = []*results.Attempt{first}
	s.StartedAt = first.StartedAt.Add(first.Duration + 300*time.Millisecond)
	s.Status = results.Flaky
	b.at = s.StartedAt.Add(s.Duration + 250*time.Millisecond)
	return s
}

// builder hands out consecutive scenario start times.
type builder struct {
	at time.Time
}

// scenario builds a scenario starting at b.at whose status follows from its
// steps, and moves b.at past it.
func (b *builder) scenario(f *results.Feature, keyword, name string, line int, tags []string,
	kind results.FailureKind, steps []*results.Step, atts ...results.Attachment) *results.Scenario {
	s := &results.Scenario{
		ID:          fmt.Sprintf("%s:%d", f.URI, line),
		Keyword:     keyword,
		Name:        name,
		Line:        line,
		Tags:        tags,
		Status:      results.Passed,
		FailureKind: kind,
		StartedAt:   b.at,
		Steps:       steps,
		Attachments: atts,
	}
	// 150ms of hooks (browser context, fixtures) around the steps.
	s.Duration = 150 * time.Millisecond
	allSkipped := true
	for _, st := range steps {
		s.Duration += st.Duration
		if st.Status != results.Skipped {
			allSkipped = false
		}
	}
	if allSkipped {
		s.Status = results.Skipped
	}
	if st := s.FailedStep(); st != nil {
		s.Status = st.Status
		s.Error = st.Error
	}
	b.at = b.at.Add(s.Duration + 250*time.Millisecond)
	return s
}

func step(keyword, text string, line int, status results.Status, ms int, match, err string) *results.Step {
	return &results.Step{
		Keyword:  keyword,
		Text:     text,
		Line:     line,
		Status:   status,
		Duration: time.Duration(ms) * time.Millisecond,
		Error:    err,
		Match:    match,
	}
}

func attachment(name, mediaType, path string) results.Attachment {
	a := results.Attachment{Name: name, MediaType: mediaType, Path: path}
	data := Content(a)
	sum := sha256.Sum256(data)
	a.SHA256 = hex.EncodeToString(sum[:])
	a.Size = int64(len(data))
	return a
}

// AttachmentDir returns a new temporary folder holding the attachment files
// of run (see WriteAttachments), for reporters that read them.
func AttachmentDir(t testing.TB, run *results.Run) string {
	t.Helper()
	dir := t.TempDir()
	WriteAttachments(t, dir, run)
	return dir
}

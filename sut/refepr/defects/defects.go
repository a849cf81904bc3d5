// Package defects names the realistic regressions the reference EPR can be
// started with (EPR_DEFECTS=name,name), so the harness can be proven to
// catch what a bad release candidate would ship. With no defects turned on
// the EPR behaves correctly; each defect changes one behaviour and nothing
// else. A Set is immutable after Parse and safe for concurrent use.
//
// Code asks about a defect only through Set.Fires, naming the condition
// under which the defect would change what the EPR does (a respiration rate
// of 25, a slot already taken). With a Trace attached, every such point is
// recorded against the test scenario whose request reached it, defect on or
// off. A run with all defects off thus shows, for each scenario, which
// defects could change its outcome: a scenario that never reaches a point
// where a defect fires behaves identically with that defect on. The
// defect-detection test (e2e) relies on this to rerun, per defect, only the
// scenarios it can affect.
package defects

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Name is a defect's name.
type Name string

// The defects. Each comment says what goes wrong when it is on.
const (
	// NEWS2Boundary: NEWS2 scores a respiration rate of exactly 25 as 2
	// instead of 3 (the 21–24 band is stretched by one).
	NEWS2Boundary Name = "news2-boundary"
	// AllergyAlertStale: after an allergy is updated the banner's allergy
	// alert is missing.
	AllergyAlertStale Name = "allergy-alert-stale"
	// NHSCheckDigit: registration accepts an NHS number with a wrong check
	// digit.
	NHSCheckDigit Name = "nhs-check-digit"
	// ReceptionistNotes: a receptionist can open clinical notes.
	ReceptionistNotes Name = "receptionist-notes"
	// DoubleBooking: a slot that is already booked can be booked again.
	DoubleBooking Name = "double-booking"
	// DOBClockChange: a date of birth is shown one day out for patients born
	// in British Summer Time (converted through local midnight).
	DOBClockChange Name = "dob-clock-change"
	// BreakGlassUnaudited: break-glass access to a sensitive record is not
	// written to the audit log.
	BreakGlassUnaudited Name = "break-glass-unaudited"
	// SearchDropsLast: patient search drops the last result of each page.
	SearchDropsLast Name = "search-drops-last"
	// SlowSearch: patient search answers only after several seconds.
	SlowSearch Name = "slow-search"
	// A11yUnlabelledField: the registration form's "Address line 2
	// (optional)" field loses its label: the text stays on the page, but
	// as a paragraph with no <label for> (and no aria-label), so assistive
	// technology announces an unnamed text box (WCAG 2.2 1.3.1, 4.1.2).
	// Only an accessibility check notices: no scenario fills that field.
	A11yUnlabelledField Name = "a11y-unlabelled-field"
	// ADTA08DropsAllergy: an inbound HL7 ADT^A08 (update patient
	// information) replaces the patient's recorded allergies with its AL1
	// segments instead of adding to them, so an A08 without AL1 segments
	// silently deletes the allergies recorded in the EPR (package
	// messaging). It applies when the patient has a recorded allergy the
	// message does not list.
	ADTA08DropsAllergy Name = "adt-a08-drops-allergy"
)

// All lists every defect with its description, in a stable order.
var All = map[Name]string{
	NEWS2Boundary:       "NEWS2 scores respiration rate 25 as 2 instead of 3",
	AllergyAlertStale:   "the banner's allergy alert disappears after an allergy is updated",
	NHSCheckDigit:       "registration accepts an NHS number with a wrong check digit",
	ReceptionistNotes:   "a receptionist can open clinical notes",
	DoubleBooking:       "an already booked slot can be booked again",
	DOBClockChange:      "dates of birth in British Summer Time are shown one day early",
	BreakGlassUnaudited: "break-glass access is not audited",
	SearchDropsLast:     "patient search drops the last result of each page",
	SlowSearch:          "patient search takes several seconds to answer",
	A11yUnlabelledField: "the registration form's \"Address line 2\" field has no label",
	ADTA08DropsAllergy:  "an inbound HL7 ADT^A08 deletes recorded allergies it does not list",
}

// Names returns every defect name, sorted.
func Names() []Name {
	out := make([]Name, 0, len(All))
	for n := range All {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Set is the defects turned on.
type Set struct {
	on    map[Name]bool
	trace *Trace
}

// Parse reads "name,name" (spaces allowed; empty means none). An unknown
// name is an error that lists the known ones.
func Parse(s string) (Set, error) {
	set := Set{on: map[Name]bool{}}
	for _, part := range strings.Split(s, ",") {
		n := Name(strings.TrimSpace(part))
		if n == "" {
			continue
		}
		if _, ok := All[n]; !ok {
			names := make([]string, 0, len(All))
			for _, k := range Names() {
				names = append(names, string(k))
			}
			return Set{}, fmt.Errorf("unknown defect %q (known: %s)", n, strings.Join(names, ", "))
		}
		set.on[n] = true
	}
	return set, nil
}

// On reports whether the defect is turned on. The zero Set has none on.
// Fires reports whether defect n changes the EPR's behaviour here: it is on
// and applies (the condition under which the defect would make a
// difference, e.g. "the respiration rate is 25") holds. When applies holds
// it also records, on the attached Trace, that the scenario behind ctx
// reached this point, whether or not n is on.
func (s Set) Fires(ctx context.Context, n Name, applies bool) bool {
	if !applies {
		return false
	}
	if s.trace != nil {
		s.trace.record(ScenarioFrom(ctx), n)
	}
	return s.on[n]
}

// WithTrace returns a copy of s that records where defects would fire on t.
func (s Set) WithTrace(t *Trace) Set {
	s.trace = t
	return s
}

// ScenarioHeader is the request header by which a test harness names the
// scenario a request belongs to (eprharness sends it when its
// correlation-header setting names it).
const ScenarioHeader = "X-Test-Scenario"

type scenarioKey struct{}

// WithScenario returns ctx carrying the test scenario id of its request.
func WithScenario(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, scenarioKey{}, id)
}

// ScenarioFrom returns the test scenario id of ctx's request, or "".
func ScenarioFrom(ctx context.Context) string {
	id, _ := ctx.Value(scenarioKey{}).(string)
	return id
}

// Trace writes one JSON line {"scenario":…,"defect":…} the first time each
// scenario reaches a point where a defect applies. Safe for concurrent use.
type Trace struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[[2]string]bool
}

// NewTrace writes to w; the caller owns w.
func NewTrace(w io.Writer) *Trace { return &Trace{w: w, seen: map[[2]string]bool{}} }

func (t *Trace) record(scenario string, n Name) {
	key := [2]string{scenario, string(n)}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen[key] {
		return
	}
	t.seen[key] = true
	line, _ := json.Marshal(map[string]string{"scenario": scenario, "defect": string(n)})
	_, _ = t.w.Write(append(line, '\n'))
}

// List returns the defects turned on, sorted.
func (s Set) List() []Name {
	var out []Name
	for _, n := range Names() {
		if s.on[n] {
			out = append(out, n)
		}
	}
	return out
}

// String is the set as EPR_DEFECTS would spell it.
func (s Set) String() string {
	names := make([]string, 0, len(s.on))
	for _, n := range s.List() {
		names = append(names, string(n))
	}
	return strings.Join(names, ",")
}

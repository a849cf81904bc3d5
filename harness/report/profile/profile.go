// Package profile works out where a run's time went and writes it as text:
// the run's own phases (browser launch, backends, time to the first step),
// the scenarios' time by phase across the run with each phase's share, the
// slowest scenarios with their phase split, and the slowest steps by step
// text. `eprharness run --profile` prints it after the run's summary; the
// HTML report (harness/report/html) shows the same Summary.
//
// # Contract
//
// Only the last attempt of each scenario is counted (results.Scenario's
// own fields; earlier attempts are not). A scenario recorded without
// phases (results.Scenario.Phases empty: runs recorded before phases were
// kept) counts its steps' total as its "steps" phase. Time of a scenario
// that no phase accounts for (the runner's bookkeeping between hooks and
// steps) is the phase "other" when it is a millisecond or more. Steps are grouped by their text (the
// keyword left out), counting the steps that ran (not skipped); the
// slowest are those with the most time in total. Ties are broken by
// scenario id and step text, so the output depends only on the run.
//
// Summarize and Write do not modify the run and keep no state: safe for
// concurrent use. Write renders everything before writing, so on error
// nothing is written.
package profile

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// DefaultTop is how many scenarios and steps the slowest lists hold when
// Config.Top is 0.
const DefaultTop = 10

// PhaseOther is the part of scenarios' time that no recorded phase
// accounts for.
const PhaseOther = "other"

// Config says how much a profile shows.
type Config struct {
	// Top is how many of the slowest scenarios and steps are listed;
	// 0 means DefaultTop.
	Top int
}

// Summary is where a run's time went.
type Summary struct {
	// Run are the run's own phases (results.Run.Phases), in order.
	Run []results.Phase
	// Scenarios is how many scenarios took any time; Total is their
	// summed duration.
	Scenarios int
	Total     time.Duration
	// Phases is the scenarios' time by phase, summed over the run, in a
	// scenario's order (reset … teardown), then other phases by name, then
	// PhaseOther; phases with no time are left out.
	Phases []PhaseTotal
	// Slowest are the slowest scenarios, slowest first.
	Slowest []ScenarioTime
	// Steps are the step texts with the most time in total, most first.
	Steps []StepTime
}

// PhaseTotal is one phase's time over all scenarios.
type PhaseTotal struct {
	Name  string
	Total time.Duration
	// Share is Total as a fraction of Summary.Total (0..1).
	Share float64
}

// ScenarioTime is one scenario's time and how it split into phases.
type ScenarioTime struct {
	ID, Name string
	Status   results.Status
	Duration time.Duration
	// Phases as Summary.Phases orders them, PhaseOther included.
	Phases []results.Phase
}

// StepTime is the time of every run of one step text.
type StepTime struct {
	Text             string
	Count            int
	Total, Mean, Max time.Duration
}

// scenarioOrder is the order of a scenario's phases.
var scenarioOrder = []string{
	results.PhaseReset, results.PhaseContext, results.PhaseFixtures, results.PhaseSignIn,
	results.PhaseSteps, results.PhaseA11y, results.PhaseEvidence, results.PhaseTeardown,
}

// Summarize works out where run's time went, listing the top slowest
// scenarios and steps (DefaultTop when top ≤ 0).
func Summarize(run *results.Run, top int) Summary {
	if top <= 0 {
		top = DefaultTop
	}
	sum := Summary{Run: slices.Clone(run.Phases)}
	totals := map[string]time.Duration{}
	var scenarios []ScenarioTime
	steps := map[string]*StepTime{}
	for _, f := range run.Features {
		if f == nil {
			continue
		}
		for _, s := range f.Scenarios {
			if s == nil {
				continue
			}
			for _, st := range s.Steps {
				if st == nil || st.Status == results.Skipped {
					continue
				}
				t := steps[st.Text]
				if t == nil {
					t = &StepTime{Text: st.Text}
					steps[st.Text] = t
				}
				t.Count++
				t.Total += st.Duration
				t.Max = max(t.Max, st.Duration)
			}
			phases := scenarioPhases(s)
			if s.Duration <= 0 && len(phases) == 0 {
				continue
			}
			sum.Scenarios++
			sum.Total += s.Duration
			for _, p := range phases {
				totals[p.Name] += p.Duration
			}
			scenarios = append(scenarios, ScenarioTime{ID: s.ID, Name: s.Name, Status: s.Status, Duration: s.Duration, Phases: phases})
		}
	}
	for _, name := range phaseNames(totals) {
		pt := PhaseTotal{Name: name, Total: totals[name]}
		if sum.Total > 0 {
			pt.Share = float64(pt.Total) / float64(sum.Total)
		}
		sum.Phases = append(sum.Phases, pt)
	}
	slices.SortStableFunc(scenarios, func(a, b ScenarioTime) int {
		return cmp.Or(cmp.Compare(b.Duration, a.Duration), strings.Compare(a.ID, b.ID))
	})
	sum.Slowest = scenarios[:min(top, len(scenarios))]
	for _, t := range steps {
		t.Mean = t.Total / time.Duration(t.Count)
		sum.Steps = append(sum.Steps, *t)
	}
	slices.SortFunc(sum.Steps, func(a, b StepTime) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Text, b.Text))
	})
	sum.Steps = sum.Steps[:min(top, len(sum.Steps))]
	return sum
}

// scenarioPhases is s's phases in order, PhaseOther added for the time
// they leave unaccounted; the steps' total stands in for phases not
// recorded.
func scenarioPhases(s *results.Scenario) []results.Phase {
	byName := map[string]time.Duration{}
	var accounted time.Duration
	if len(s.Phases) == 0 {
		for _, st := range s.Steps {
			if st != nil {
				byName[results.PhaseSteps] += st.Duration
				accounted += st.Duration
			}
		}
	}
	for _, p := range s.Phases {
		if p.Duration > 0 {
			byName[p.Name] += p.Duration
			accounted += p.Duration
		}
	}
	if other := s.Duration - accounted; other >= time.Millisecond { // less is clock noise
		byName[PhaseOther] += other
	}
	var out []results.Phase
	for _, name := range phaseNames(byName) {
		if d := byName[name]; d > 0 {
			out = append(out, results.Phase{Name: name, Duration: d})
		}
	}
	return out
}

// phaseNames orders the names of m with time: a scenario's phases first,
// in order, then the others by name, then PhaseOther.
func phaseNames(m map[string]time.Duration) []string {
	var out, rest []string
	for _, name := range scenarioOrder {
		if m[name] > 0 {
			out = append(out, name)
		}
	}
	for name, d := range m {
		if d > 0 && !slices.Contains(scenarioOrder, name) && name != PhaseOther {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	out = append(out, rest...)
	if m[PhaseOther] > 0 {
		out = append(out, PhaseOther)
	}
	return out
}

// Duration puts a duration the way profiles show it: to the millisecond.
func Duration(d time.Duration) string {
	return d.Round(time.Millisecond).String()
}

// Percent puts a share (0..1) as a percentage with one decimal: "12.5%".
func Percent(share float64) string {
	return fmt.Sprintf("%.1f%%", share*100)
}

// Split puts a scenario's phase split in one line:
// "reset 120ms · context 80ms · steps 2.1s".
func Split(phases []results.Phase) string {
	parts := make([]string, len(phases))
	for i, p := range phases {
		parts[i] = p.Name + " " + Duration(p.Duration)
	}
	return strings.Join(parts, " · ")
}

// RunLine puts the run's own phases in one line: "browser 1.2s · backends
// 3.4s · first step after 5.6s"; "" when the run recorded none.
func RunLine(phases []results.Phase) string {
	parts := make([]string, 0, len(phases))
	for _, p := range phases {
		if p.Name == results.PhaseFirstStep {
			parts = append(parts, "first step after "+Duration(p.Duration))
			continue
		}
		parts = append(parts, p.Name+" "+Duration(p.Duration))
	}
	return strings.Join(parts, " · ")
}

// Write writes where run's time went as text to w.
func Write(w io.Writer, run *results.Run, cfg Config) error {
	if run == nil {
		return errors.New("profile: nil run")
	}
	sum := Summarize(run, cfg.Top)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "eprharness: where the time went in run %s\n", run.ID)
	if line := RunLine(sum.Run); line != "" {
		fmt.Fprintf(&buf, "  run: %s\n", line)
	}
	if sum.Scenarios == 0 {
		fmt.Fprintln(&buf, "  no scenario took any time")
		_, err := w.Write(buf.Bytes())
		return err
	}
	fmt.Fprintf(&buf, "\n  scenario time by phase (%d scenario(s), %s in all):\n", sum.Scenarios, Duration(sum.Total))
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "    phase\ttotal\tshare")
	for _, p := range sum.Phases {
		fmt.Fprintf(tw, "    %s\t%s\t%s\n", p.Name, Duration(p.Total), Percent(p.Share))
	}
	tw.Flush()
	fmt.Fprintf(&buf, "\n  slowest %d scenario(s):\n", len(sum.Slowest))
	for _, s := range sum.Slowest {
		fmt.Fprintf(&buf, "    %9s  %s  %s (%s)\n", Duration(s.Duration), s.ID, s.Name, s.Status)
		fmt.Fprintf(&buf, "    %9s  %s\n", "", Split(s.Phases))
	}
	if len(sum.Steps) > 0 {
		fmt.Fprintf(&buf, "\n  slowest %d step(s), by total time:\n", len(sum.Steps))
		tw = tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "    total\tcount\tmean\tmax\tstep")
		for _, s := range sum.Steps {
			fmt.Fprintf(tw, "    %s\t%d\t%s\t%s\t%s\n", Duration(s.Total), s.Count, Duration(s.Mean), Duration(s.Max), s.Text)
		}
		tw.Flush()
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("profile: write: %w", err)
	}
	return nil
}

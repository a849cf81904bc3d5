package check

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/safety"
	"github.com/eprharness/eprharness/harness/scenario"
)

// HazardLogFile is the name of the hazard log the checker names when it
// finds none; safety.Find also takes hazards.yml and hazards.csv.
const HazardLogFile = "hazards.yaml"

// HazardTagPrefix starts a tag naming the clinical-safety hazard whose
// controls a scenario verifies: @hazard:H-004.
const HazardTagPrefix = results.HazardTagPrefix

// ControlTagPrefix starts a tag naming the one control of a hazard a
// scenario verifies: @control:C-004.
const ControlTagPrefix = results.ControlTagPrefix

// HazardLog is a suite's hazard log, as safety.Read reads it (simple or
// DCB0129 form, YAML or CSV).
type HazardLog struct {
	*results.HazardLog
}

// Has reports whether the log lists the hazard id.
func (l *HazardLog) Has(id string) bool { return l.hazard(id) != nil }

func (l *HazardLog) hazard(id string) *results.Hazard {
	for i := range l.Hazards {
		if l.Hazards[i].ID == id {
			return &l.Hazards[i]
		}
	}
	return nil
}

// control returns the control with the id and its hazard.
func (l *HazardLog) control(id string) (*results.Hazard, *results.Control) {
	for i := range l.Hazards {
		for j := range l.Hazards[i].Controls {
			if l.Hazards[i].Controls[j].ID == id {
				return &l.Hazards[i], &l.Hazards[i].Controls[j]
			}
		}
	}
	return nil, nil
}

// ReadHazardLog reads and checks a hazard log with safety.Read. Its
// problems (safety.LogError) come back as Problems of kind BadHazardLog
// naming the file, line and field, with the entries that could be read in
// the log; the error is for a file that cannot be read.
func ReadHazardLog(file string) (*HazardLog, []Problem, error) {
	log, err := safety.Read(file)
	var le *safety.LogError
	switch {
	case errors.As(err, &le):
	case err != nil:
		return nil, nil, err
	}
	if log == nil {
		log = &results.HazardLog{File: file}
	}
	var problems []Problem
	if le != nil {
		for _, p := range le.Problems {
			msg := p.Msg
			if p.Field != "" {
				msg = p.Field + ": " + msg
			}
			problems = append(problems, Problem{File: p.File, Line: p.Line, Kind: BadHazardLog, Msg: msg})
		}
	}
	return &HazardLog{log}, problems, nil
}

// FindHazardLog returns the hazard log nearest to a feature file: in its
// folder or the closest folder above it; "" when there is none (see
// safety.Find).
func FindHazardLog(featureFile string) string { return safety.Find(featureFile) }

// hazards tracks the hazard logs of one check and which controls the
// scenarios verify.
type hazards struct {
	logs    map[string]*HazardLog // by file; nil entry: unreadable
	covered map[string]map[string]bool
}

// logFor loads (once) the hazard log for a feature file; nil when none.
func (c *Checker) logFor(r *Report, hz *hazards, featureFile string) *HazardLog {
	file := c.hazardLog
	if file == "" {
		file = FindHazardLog(featureFile)
	}
	if file == "" {
		return nil
	}
	file = filepath.Clean(file)
	if l, ok := hz.logs[file]; ok {
		return l
	}
	l, problems, err := ReadHazardLog(file)
	if err != nil {
		r.Problems = append(r.Problems, Problem{File: file, Kind: BadHazardLog, Msg: err.Error()})
	}
	r.Problems = append(r.Problems, problems...)
	hz.logs[file] = l
	hz.covered[file] = map[string]bool{}
	return l
}

func newHazards() *hazards {
	return &hazards{logs: map[string]*HazardLog{}, covered: map[string]map[string]bool{}}
}

// tagRefs checks the @hazard:, @control: and @patient: tags of one feature
// file, and notes which controls its scenarios verify.
func (c *Checker) tagRefs(r *Report, hz *hazards, add func(Problem), file string, f *messages.Feature, keep func(*messages.Tag) bool) {
	log := c.logFor(r, hz, file)
	for _, t := range featureset.Tags(f) {
		if keep != nil && !keep(t) {
			continue
		}
		line := int(t.Location.Line)
		switch {
		case strings.HasPrefix(t.Name, HazardTagPrefix):
			id := strings.TrimPrefix(t.Name, HazardTagPrefix)
			if !safety.ValidHazardID(id) {
				add(Problem{File: file, Line: line, Kind: UnknownHazard, Msg: fmt.Sprintf("%s: want %sH- and three or more digits (%sH-004)", t.Name, HazardTagPrefix, HazardTagPrefix)})
				continue
			}
			if log == nil {
				add(noLog(file, line, t.Name))
				continue
			}
			if !log.Has(id) {
				var ids []string
				for _, h := range log.Hazards {
					ids = append(ids, h.ID)
				}
				add(Problem{File: file, Line: line, Kind: UnknownHazard, Msg: fmt.Sprintf("%s is not in the hazard log %s", t.Name, log.File),
					Hints: []string{"hazards in the log: " + strings.Join(ids, ", "), "(add the hazard with its title and control to the log, or correct the tag)"}})
			}
		case strings.HasPrefix(t.Name, ControlTagPrefix):
			id := strings.TrimPrefix(t.Name, ControlTagPrefix)
			if log == nil {
				add(noLog(file, line, t.Name))
				continue
			}
			if _, ctl := log.control(id); ctl == nil {
				add(Problem{File: file, Line: line, Kind: UnknownHazard, Msg: fmt.Sprintf("%s is not a control in the hazard log %s", t.Name, log.File), Hints: controlHints(log, id)})
			}
		case strings.HasPrefix(t.Name, scenario.PatientTagPrefix) && c.fixtures != nil:
			if _, _, err := scenario.PatientForTag(c.fixtures, t.Name); err != nil {
				add(Problem{File: file, Line: line, Kind: UnknownPatient, Msg: err.Error()})
			}
		}
	}
	if log != nil && keep == nil {
		for _, tags := range scenarioTags(f) {
			for _, h := range log.Hazards {
				for _, ctl := range h.Controls {
					if verifies(tags, &h, ctl.ID) {
						hz.covered[log.File][ctl.ID] = true
					}
				}
			}
		}
	}
}

// controlHints suggests what a @control: tag that names no control of the
// log should name.
func controlHints(log *HazardLog, id string) []string {
	if log.Form == safety.FormSimple {
		return []string{"the log " + log.File + " is in the simple form, whose controls have no ids of their own: tag the scenario " + HazardTagPrefix + "H-NNN, or write the log in the DCB0129 form (docs/safety.md)"}
	}
	var hints []string
	if h := log.hazard(id); h != nil {
		hints = append(hints, fmt.Sprintf("%s is a hazard, not a control: tag %s%s, or one of its controls", id, HazardTagPrefix, id))
	}
	var ids []string
	for _, h := range log.Hazards {
		for _, c := range h.Controls {
			ids = append(ids, c.ID+" ("+h.ID+")")
		}
	}
	return append(hints, "controls in the log: "+strings.Join(ids, ", "), "(add the control to its hazard in the log, or correct the tag)")
}

func noLog(file string, line int, tag string) Problem {
	return Problem{File: file, Line: line, Kind: UnknownHazard, Msg: fmt.Sprintf("%s: no hazard log (%s) in the feature file's folder or above it", tag, strings.Join(safety.Names, ", ")),
		Hints: []string{"list every hazard with its id, title and controls in " + HazardLogFile + " next to the feature files (docs/safety.md)"}}
}

// verifies is safety.Evaluate's rule: a scenario verifies control C of
// hazard H when tagged @control:C, or tagged @hazard:H with no @control:
// tag of a control of H.
func verifies(tags map[string]bool, h *results.Hazard, control string) bool {
	if tags[ControlTagPrefix+control] {
		return true
	}
	if !tags[HazardTagPrefix+h.ID] {
		return false
	}
	for _, c := range h.Controls {
		if tags[ControlTagPrefix+c.ID] {
			return false
		}
	}
	return true
}

// scenarioTags returns the tag set of each scenario (each Examples block of
// an outline) of the feature: its own tags with those it inherits from the
// feature and its rule.
func scenarioTags(f *messages.Feature) []map[string]bool {
	if f == nil {
		return nil
	}
	var out []map[string]bool
	set := func(lists ...[]*messages.Tag) map[string]bool {
		m := map[string]bool{}
		for _, l := range lists {
			for _, t := range l {
				m[t.Name] = true
			}
		}
		return m
	}
	addScenario := func(inherited []*messages.Tag, sc *messages.Scenario) {
		if sc == nil {
			return
		}
		if len(sc.Examples) == 0 {
			out = append(out, set(inherited, sc.Tags))
		}
		for _, ex := range sc.Examples {
			out = append(out, set(inherited, sc.Tags, ex.Tags))
		}
	}
	for _, ch := range f.Children {
		addScenario(f.Tags, ch.Scenario)
		if ch.Rule != nil {
			inherited := append(append([]*messages.Tag(nil), f.Tags...), ch.Rule.Tags...)
			for _, rc := range ch.Rule.Children {
				addScenario(inherited, rc.Scenario)
			}
		}
	}
	return out
}

// untested reports, for every log whose whole folder was checked, each
// control that must be verified by test and that no scenario verifies. A
// log's controls are what the suite claims to verify, so one without a
// scenario is a gap in the safety case.
func (hz *hazards) untested(r *Report, roots []string) {
	files := make([]string, 0, len(hz.logs))
	for f := range hz.logs {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		l := hz.logs[f]
		if l == nil || !covered(filepath.Dir(f), roots) {
			continue
		}
		for _, h := range l.Hazards {
			for _, c := range h.Controls {
				if !c.VerifyByTest || hz.covered[f][c.ID] {
					continue
				}
				if l.Form == safety.FormSimple {
					r.Problems = append(r.Problems, Problem{File: f, Line: h.Line, Kind: UntestedHazard,
						Msg:   fmt.Sprintf("%s (%s) has no scenario tagged %s%s", h.ID, h.Title, HazardTagPrefix, h.ID),
						Hints: []string{"tag the scenario that verifies its control (" + c.Description + "), or remove the hazard from the log"}})
					continue
				}
				r.Problems = append(r.Problems, Problem{File: f, Line: c.Line, Kind: UntestedHazard,
					Msg: fmt.Sprintf("control %s of hazard %s (%s) must be verified by test, but no scenario is tagged %s%s or %s%s", c.ID, h.ID, h.Title, ControlTagPrefix, c.ID, HazardTagPrefix, h.ID),
					Hints: []string{"tag the scenario that verifies it (" + c.Description + ")",
						"(or, if it is verified another way, say so in the log: verify: other)"}})
			}
		}
	}
}

// covered reports whether dir is one of the checked folders or inside one.
func covered(dir string, roots []string) bool {
	d, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for _, root := range roots {
		info, err := os.Stat(root)
		if err != nil || !info.IsDir() {
			continue
		}
		ra, err := filepath.Abs(root)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(ra, d); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// WithHazardLog checks the scenarios against this hazard log (the
// hazard-log setting) instead of the one nearest each feature file.
func WithHazardLog(file string) Option { return func(c *Checker) { c.hazardLog = file } }

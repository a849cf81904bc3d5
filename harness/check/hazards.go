package check

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	messages "github.com/cucumber/messages/go/v34"
	"gopkg.in/yaml.v3"

	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/scenario"
)

// HazardLogFile is the name of the hazard log the checker looks for next
// to the feature files (in their folder or a folder above it).
const HazardLogFile = "hazards.yaml"

// HazardTagPrefix starts a tag naming the clinical-safety hazard whose
// control a scenario verifies: @hazard:H-004.
const HazardTagPrefix = results.HazardTagPrefix

var hazardID = regexp.MustCompile(`^H-\d{3,}$`)

// Hazard is one entry of a hazard log.
type Hazard struct {
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	Control string `yaml:"control"`
	// Line is the entry's line in the log.
	Line int `yaml:"-"`
}

// HazardLog is a suite's hazard log: the clinical-safety hazards whose
// controls its scenarios verify.
type HazardLog struct {
	File    string
	Hazards []Hazard
}

// Has reports whether the log lists the hazard id.
func (l *HazardLog) Has(id string) bool {
	for _, h := range l.Hazards {
		if h.ID == id {
			return true
		}
	}
	return false
}

// ReadHazardLog reads and checks a hazard log: a YAML document with a
// "hazards" list of entries with id (H-NNN, unique), title and control.
// Problems come back as Problems naming the file and line.
func ReadHazardLog(file string) (*HazardLog, []Problem, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("read hazard log: %w", err)
	}
	log := &HazardLog{File: file}
	bad := func(line int, msg string) Problem {
		return Problem{File: file, Line: line, Kind: BadHazardLog, Msg: msg}
	}
	var doc struct {
		Hazards []yaml.Node `yaml:"hazards"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return log, []Problem{bad(yamlLine(err), strings.TrimPrefix(err.Error(), "yaml: "))}, nil
	}
	var problems []Problem
	seen := map[string]int{}
	for i, n := range doc.Hazards {
		var h Hazard
		if err := n.Decode(&h); err != nil {
			problems = append(problems, bad(n.Line, fmt.Sprintf("hazards[%d]: %s", i, strings.TrimPrefix(err.Error(), "yaml: "))))
			continue
		}
		h.Line = n.Line
		switch {
		case !hazardID.MatchString(h.ID):
			problems = append(problems, bad(n.Line, fmt.Sprintf("hazards[%d].id: want H- and three or more digits (H-004), got %q", i, h.ID)))
			continue
		case seen[h.ID] > 0:
			problems = append(problems, bad(n.Line, fmt.Sprintf("hazards[%d].id: %s is also listed at line %d", i, h.ID, seen[h.ID])))
			continue
		case strings.TrimSpace(h.Title) == "":
			problems = append(problems, bad(n.Line, fmt.Sprintf("hazards[%d].title: is required (%s)", i, h.ID)))
		case strings.TrimSpace(h.Control) == "":
			problems = append(problems, bad(n.Line, fmt.Sprintf("hazards[%d].control: is required (%s)", i, h.ID)))
		}
		seen[h.ID] = n.Line
		log.Hazards = append(log.Hazards, h)
	}
	if len(doc.Hazards) == 0 && len(problems) == 0 {
		problems = append(problems, bad(0, "hazards: no hazards listed"))
	}
	return log, problems, nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

// FindHazardLog returns the hazards.yaml nearest to a feature file: in its
// folder or the closest folder above it; "" when there is none.
func FindHazardLog(featureFile string) string {
	dir, err := filepath.Abs(filepath.Dir(featureFile))
	if err != nil {
		return ""
	}
	rel := filepath.Dir(featureFile)
	for {
		if _, err := os.Stat(filepath.Join(dir, HazardLogFile)); err == nil {
			return filepath.Join(rel, HazardLogFile)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir, rel = parent, filepath.Join(rel, "..")
	}
}

// hazards tracks the hazard logs of one check and which hazards the
// scenarios name.
type hazards struct {
	logs map[string]*HazardLog // by file; nil entry: unreadable
	used map[string]map[string]bool
}

// logFor loads (once) the hazard log for a feature file; nil when none.
func (c *Checker) logFor(r *Report, hz *hazards, featureFile string) *HazardLog {
	file := FindHazardLog(featureFile)
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
	hz.used[file] = map[string]bool{}
	return l
}

func newHazards() *hazards {
	return &hazards{logs: map[string]*HazardLog{}, used: map[string]map[string]bool{}}
}

// tagRefs checks the @hazard: and @patient: tags of one feature file.
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
			if !hazardID.MatchString(id) {
				add(Problem{File: file, Line: line, Kind: UnknownHazard, Msg: fmt.Sprintf("%s: want %sH- and three or more digits (%sH-004)", t.Name, HazardTagPrefix, HazardTagPrefix)})
				continue
			}
			if log == nil {
				add(Problem{File: file, Line: line, Kind: UnknownHazard, Msg: fmt.Sprintf("%s: no hazard log (%s) in the feature file's folder or above it", t.Name, HazardLogFile),
					Hints: []string{"list every hazard with its id, title and control in " + HazardLogFile + " next to the feature files"}})
				continue
			}
			hz.used[log.File][id] = true
			if !log.Has(id) {
				var ids []string
				for _, h := range log.Hazards {
					ids = append(ids, h.ID)
				}
				add(Problem{File: file, Line: line, Kind: UnknownHazard, Msg: fmt.Sprintf("%s is not in the hazard log %s", t.Name, log.File),
					Hints: []string{"hazards in the log: " + strings.Join(ids, ", "), "(add the hazard with its title and control to the log, or correct the tag)"}})
			}
		case strings.HasPrefix(t.Name, scenario.PatientTagPrefix) && c.fixtures != nil:
			if _, _, err := scenario.PatientForTag(c.fixtures, t.Name); err != nil {
				add(Problem{File: file, Line: line, Kind: UnknownPatient, Msg: err.Error()})
			}
		}
	}
}

// untested reports the hazards of every log whose whole folder was checked
// that no scenario names. A log's hazards are the controls the suite claims
// to verify, so one without a scenario is a gap in the safety case.
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
			if !hz.used[f][h.ID] {
				r.Problems = append(r.Problems, Problem{File: f, Line: h.Line, Kind: UntestedHazard,
					Msg:   fmt.Sprintf("%s (%s) has no scenario tagged %s%s", h.ID, h.Title, HazardTagPrefix, h.ID),
					Hints: []string{"tag the scenario that verifies its control (" + h.Control + "), or remove the hazard from the log"}})
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

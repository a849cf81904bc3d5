package html

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// The view model: everything the template shows, worked out in Go so that
// the template only lays it out.

type report struct {
	Title       string
	Verdict     verdict
	Counts      results.Counts
	Quarantined quarantine
	Kinds       []kindCount
	Started     string
	Finished    string
	Duration    string
	Run         *results.Run
	Target      string
	Adapter     string
	Images      []imageTable
	Defects     string
	Machine     string
	TagFilter   string
	Retries     string
	Features    []*featureView
	// NotRun are the planned scenarios that never ran.
	NotRun      []results.PlannedScenario
	Hazards     []hazardView
	HazardTitle bool
	// Controls is true when Hazards lists the controls of the run's
	// hazard log (one row each) rather than hazards by their tags.
	Controls bool
	// Accessibility is the run's accessibility section; nil when it
	// checked nothing.
	Accessibility *a11yRunView
	FilterTags    []string
	Domains       []string
	Groups        []groupOption
	// Time is where the run's time went.
	Time *timeView
}

type verdict struct {
	// Word is the one-word outcome ("Failed", "Passed", ...).
	Word string
	// Class is the CSS class of the verdict banner.
	Class string
	// Lines explain it in sentences, most important first.
	Lines []string
}

type quarantine struct {
	Total, NotPassed int
}

type kindCount struct {
	Kind        string
	Count       int
	Explanation string
}

// imageTable lists container images: the Compose services' or the
// backend's images by role.
type imageTable struct {
	Caption, Head string
	Rows          []image
}

type image struct {
	Role, Name, Digest string
}

type identityView struct {
	Fixture, Name, NHSNumber string
}

type groupOption struct {
	Value, Label string
	Count        int
}

type featureView struct {
	Anchor      string
	Name        string
	URI         string
	Domain      string
	Description string
	Tags        []string
	Counts      string
	Duration    string
	Scenarios   []*scenarioView
}

type scenarioView struct {
	Anchor      string
	Name        string
	Where       string
	ID          string
	Status      statusView
	Group       string
	Open        bool
	Tags        []string
	FilterTags  string
	Duration    string
	Quarantined bool
	Kind        *kindCount
	Flaky       string
	Retried     string
	Steps       []stepView
	// HookError is the scenario's error when no step failed (it failed
	// while being set up or torn down).
	HookError string
	// Evidence shown after the steps when no step carries it.
	Evidence *evidence
	Attempts []attemptView
	Repro    string
	History  *historyView
	// Blocked are the hosts the browser was stopped from reaching.
	Blocked    []string
	Identities []identityView
	// Accessibility lists the checks that found violations.
	Accessibility []a11yCheckView
	// Messages lists the messages exchanged with the EPR's interfaces;
	// MessagesAnchor is their table's id.
	Messages       []messageView
	MessagesAnchor string
}

type statusView struct {
	Word, Class, Glyph string
}

type stepView struct {
	Keyword, Text string
	Line          int
	Status        statusView
	Duration      string
	Error         string
	// Evidence is set on the failing step.
	Evidence *evidence
	Failing  bool
	// Messages links to the messages the step sent or received.
	Messages *stepMessages
}

type attemptView struct {
	Number   int
	Status   statusView
	Kind     *kindCount
	Duration string
	Started  string
	Step     string
	Error    string
	Evidence *evidence
}

type evidence struct {
	Images []imageView
	Links  []linkView
	Traces []traceView
}

type imageView struct {
	Caption string
	Src     template.URL
	Href    string
	Inline  bool
}

type linkView struct {
	Label, Href, Info string
}

type traceView struct {
	Label, Href, Path string
}

type historyView struct {
	Summary string
	Points  []historyPoint
	Spark   *sparkline
}

type historyPoint struct {
	Title   string
	Status  statusView
	Current bool
}

type sparkline struct {
	Width, Height int
	Points        string
	LastX, LastY  string
	Label         string
}

type hazardView struct {
	ID, Title string
	// Hazard names the control's hazard, when the rows are controls.
	Hazard    string
	Verified  bool
	Untested  bool
	Result    string
	Scenarios []hazardScenario
}

type hazardScenario struct {
	Anchor, Name, Feature string
	Status                statusView
	Quarantined           bool
}

// Words for statuses and failure kinds, in the analyst's language.

var statusWords = map[results.Status]statusView{
	results.Passed:    {"passed", "passed", "✓"},
	results.Failed:    {"failed", "failed", "✗"},
	results.Flaky:     {"flaky", "flaky", "!"},
	results.Skipped:   {"skipped", "skipped", "–"},
	results.Undefined: {"undefined step", "other", "?"},
	results.Pending:   {"pending", "other", "?"},
	results.Ambiguous: {"ambiguous step", "other", "?"},
	// In flight when the run was stopped: not tested, never a failure.
	results.Interrupted: {"interrupted", "other", "‖"},
}

var kindWords = map[results.FailureKind]kindCount{
	results.KindNone:      {Kind: "unclassified", Explanation: "The failure was not classified; read the error to see whether the EPR or the test environment is at fault."},
	results.KindAssertion: {Kind: "assertion", Explanation: "The EPR did not do what the scenario expected."},
	results.KindTimeout:   {Kind: "timeout", Explanation: "The EPR did not respond, or did not show what was expected, in the time allowed."},
	results.KindBackend:   {Kind: "backend", Explanation: "The test environment failed (database, containers or test data); the EPR was not tested."},
	results.KindHarness:   {Kind: "harness", Explanation: "The test harness itself failed (browser, an undefined or ambiguous step, an interrupted run); the EPR was not tested."},
}

var kindOrder = []results.FailureKind{results.KindAssertion, results.KindTimeout, results.KindBackend, results.KindHarness, results.KindNone}

// group is the filter and count group of a status: passed, failed, flaky,
// skipped or other.
func group(st results.Status) string {
	switch st {
	case results.Passed, results.Failed, results.Flaky, results.Skipped:
		return string(st)
	}
	return "other"
}

// notPassed reports whether a scenario with status st failed or did not
// finish (flaky and skipped excluded): the scenarios that make a verdict.
func notPassed(st results.Status) bool {
	return st != results.Passed && st != results.Skipped && st != results.Flaky
}

func build(run *results.Run, cfg Config) *report {
	r := &report{
		Title:  cfg.Title,
		Run:    run,
		Counts: run.Counts(),
	}
	if r.Title == "" {
		r.Title = "eprharness run " + run.ID
	}
	r.Started, r.Finished = when(run.StartedAt), when(run.FinishedAt)
	r.Duration = runDuration(run)
	r.Verdict = judge(run)
	r.NotRun = run.NotRun()
	r.Kinds = kinds(run)
	r.Target = run.Target.Describe()
	r.Adapter = adapter(run.Target)
	r.Images = images(run.Target)
	r.Defects = "none reported"
	if len(run.Target.Defects) > 0 {
		r.Defects = strings.Join(run.Target.Defects, ", ")
	}
	r.Machine = machine(run.Machine)
	r.TagFilter = "none: every scenario selected"
	if run.Tags != "" {
		r.TagFilter = run.Tags
	}
	r.Retries = retries(run)

	tags := map[string]bool{}
	domains := map[string]bool{}
	groups := map[string]int{}
	anchors := map[string]string{}
	for fi, f := range run.Features {
		fv := &featureView{
			Anchor:      fmt.Sprintf("feature-%d", fi+1),
			Name:        f.Name,
			URI:         f.URI,
			Domain:      f.Domain(),
			Description: dedent(f.Description),
			Tags:        f.Tags,
			Counts:      featureCounts(f.Counts()),
			Duration:    human(f.Duration()),
		}
		domains[fv.Domain] = true
		for si, s := range f.Scenarios {
			sv := scenario(f, s, cfg, fmt.Sprintf("scenario-%d-%d", fi+1, si+1))
			for _, t := range strings.Fields(sv.FilterTags) {
				tags[t] = true
			}
			groups[sv.Group]++
			if _, seen := anchors[s.ID]; !seen {
				anchors[s.ID] = sv.Anchor
			}
			if s.Quarantined {
				r.Quarantined.Total++
				if notPassed(s.Status) {
					r.Quarantined.NotPassed++
				}
			}
			fv.Scenarios = append(fv.Scenarios, sv)
		}
		r.Features = append(r.Features, fv)
	}
	r.FilterTags = sortedKeys(tags)
	r.Domains = sortedKeys(domains)
	notPassedCount := groups["failed"] + groups["flaky"] + groups["other"]
	r.Groups = []groupOption{
		{"all", "All", r.Counts.Scenarios},
		{"notpassed", "Not passed", notPassedCount},
		{"failed", "Failed", groups["failed"]},
		{"flaky", "Flaky", groups["flaky"]},
		{"other", "Other", groups["other"]},
		{"skipped", "Skipped", groups["skipped"]},
		{"passed", "Passed", groups["passed"]},
	}
	if run.HazardLog != nil {
		r.Hazards, r.HazardTitle, r.Controls = controls(r.Features, run), true, true
	} else {
		r.Hazards, r.HazardTitle = hazards(r.Features, run, cfg.Hazards)
	}
	r.Accessibility = a11yRun(run)
	r.Time = timeSpent(run, anchors)
	return r
}

func scenario(f *results.Feature, s *results.Scenario, cfg Config, anchor string) *scenarioView {
	sv := &scenarioView{
		Anchor:      anchor,
		Name:        s.Name,
		ID:          s.ID,
		Where:       fmt.Sprintf("%s, line %d", s.Keyword, s.Line),
		Status:      statusWords[s.Status],
		Group:       group(s.Status),
		Open:        s.Status != results.Passed && s.Status != results.Skipped,
		Tags:        s.Tags,
		FilterTags:  strings.Join(slices.Concat(f.Tags, s.Tags), " "),
		Duration:    human(s.Duration),
		Quarantined: s.Quarantined,
	}
	if s.Keyword == "Scenario Outline" {
		sv.Where = fmt.Sprintf("example row at line %d", s.Line)
	}
	for _, h := range s.Blocked {
		sv.Blocked = append(sv.Blocked, clean(h))
	}
	for _, id := range s.Identities {
		sv.Identities = append(sv.Identities, identityView{Fixture: clean(id.Fixture), Name: clean(id.Name), NHSNumber: nhsNumber(id.NHSNumber)})
	}
	sv.Accessibility = a11yChecks(s, cfg)
	if notPassed(s.Status) {
		k := kindWords[s.FailureKind]
		sv.Kind = &k
		sv.Repro = s.Repro
	}
	if s.Status == results.Flaky {
		sv.Repro = s.Repro
		sv.Flaky = flakyWords(len(s.Attempts))
	} else if len(s.Attempts) > 0 {
		sv.Retried = fmt.Sprintf("Ran %d times (retried after failing); every attempt is shown below, the last one first.", len(s.Attempts)+1)
	}
	ev := attachments(s.Attachments, cfg, !notPassed(s.Status))
	failing := s.FailedStep()
	var markers map[int]*stepMessages
	sv.Messages, markers = messages(s, anchor)
	sv.MessagesAnchor = anchor + "-messages"
	for i, st := range s.Steps {
		v := stepView{
			Keyword:  strings.TrimSpace(st.Keyword),
			Text:     st.Text,
			Line:     st.Line,
			Status:   statusWords[st.Status],
			Duration: human(st.Duration),
			Messages: markers[i],
		}
		if st == failing {
			v.Failing = true
			v.Error = clean(cmp.Or(st.Error, s.Error))
			v.Evidence = ev
		}
		sv.Steps = append(sv.Steps, v)
	}
	if failing == nil {
		if notPassed(s.Status) {
			sv.HookError = clean(s.Error)
		}
		sv.Evidence = ev
	}
	for i, a := range s.Attempts {
		av := attemptView{
			Number:   i + 1,
			Status:   statusWords[a.Status],
			Duration: human(a.Duration),
			Started:  when(a.StartedAt),
			Error:    clean(a.Error),
			Evidence: attachments(a.Attachments, cfg, false),
		}
		if a.Status != results.Passed {
			k := kindWords[a.FailureKind]
			av.Kind = &k
		}
		for _, st := range a.Steps {
			if st.Status == results.Failed || st.Status == results.Undefined || st.Status == results.Ambiguous || st.Status == results.Pending {
				av.Step = fmt.Sprintf("%s %s (line %d)", strings.TrimSpace(st.Keyword), st.Text, st.Line)
				av.Error = clean(cmp.Or(st.Error, a.Error))
				break
			}
		}
		sv.Attempts = append(sv.Attempts, av)
	}
	if h, ok := cfg.History[s.ID]; ok && len(h) > 0 {
		sv.History = history(h, s)
	}
	return sv
}

// flakyWords says which attempts failed and which passed, for a scenario
// that passed after failed earlier attempts.
func flakyWords(failed int) string {
	if failed == 0 {
		return "Flaky: it did not pass reliably."
	}
	nums := make([]string, failed)
	for i := range nums {
		nums[i] = fmt.Sprint(i + 1)
	}
	which := "attempt " + nums[0]
	if failed > 1 {
		which = "attempts " + strings.Join(nums[:failed-1], ", ") + " and " + nums[failed-1]
	}
	return fmt.Sprintf("Flaky: failed on %s, passed on attempt %d", which, failed+1)
}

// attachments sorts a scenario's attachments into inline images, links and
// traces. When quiet (the scenario passed), images are linked, not shown.
func attachments(atts []results.Attachment, cfg Config, quiet bool) *evidence {
	if len(atts) == 0 {
		return nil
	}
	ev := &evidence{}
	for _, a := range atts {
		href := link(cfg.AttachmentBase, a.Path)
		switch {
		case strings.HasPrefix(a.MediaType, "image/") && !quiet:
			iv := imageView{Caption: caption(a), Href: href, Src: template.URL(href)}
			if data, ok := inline(cfg.AttachmentDir, a); ok {
				iv.Src, iv.Inline = data, true
			}
			ev.Images = append(ev.Images, iv)
			continue
		case isTrace(a):
			p := href
			if cfg.AttachmentDir != "" {
				p = filepath.Join(cfg.AttachmentDir, filepath.FromSlash(a.Path))
			} else if u, err := url.PathUnescape(href); err == nil {
				p = u
			}
			ev.Traces = append(ev.Traces, traceView{Label: caption(a), Href: href, Path: p})
			continue
		}
		ev.Links = append(ev.Links, linkView{Label: caption(a), Href: href, Info: info(a)})
	}
	return ev
}

// caption names an attachment for an analyst.
func caption(a results.Attachment) string {
	window, name := "", a.Name
	if i := strings.LastIndex(a.Name, " "); i > 0 {
		window, name = a.Name[:i], a.Name[i+1:]
	}
	words := map[string]string{
		"screenshot": "Screenshot of the page",
		"page":       "Page HTML (the page as the browser had it)",
		"console":    "Browser console log",
		"trace":      "Playwright trace (every action, replayable step by step)",
	}
	c, ok := words[name]
	if !ok {
		c = a.Name
		window = ""
	}
	if window != "" {
		c += " (" + window + ")"
	}
	return c
}

func info(a results.Attachment) string {
	var parts []string
	if a.MediaType != "" {
		parts = append(parts, a.MediaType)
	}
	if a.Size > 0 {
		parts = append(parts, size(a.Size))
	}
	return strings.Join(parts, ", ")
}

func size(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

func isTrace(a results.Attachment) bool {
	return a.Name == "trace" || strings.HasSuffix(a.Name, " trace") || path.Base(a.Path) == "trace.zip"
}

// link joins base and an attachment path, escaping the path's segments.
func link(base, p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	esc := strings.Join(segs, "/")
	switch {
	case base == "":
		if strings.Contains(segs[0], ":") {
			// Not to be read as a URL scheme.
			return "./" + esc
		}
		return esc
	case strings.HasSuffix(base, "/"):
		return base + esc
	}
	return base + "/" + esc
}

// inline reads an image attachment under dir as a data URI.
func inline(dir string, a results.Attachment) (template.URL, bool) {
	if dir == "" || !filepath.IsLocal(filepath.FromSlash(a.Path)) {
		return "", false
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(a.Path)))
	if err != nil {
		return "", false
	}
	media := a.MediaType
	if strings.ContainsAny(media, ";,\"' ") {
		return "", false
	}
	// A data URI built from a known image type and base64 is safe.
	return template.URL("data:" + media + ";base64," + base64.StdEncoding.EncodeToString(data)), true
}

func history(points []results.HistoryPoint, s *results.Scenario) *historyView {
	if len(points) > MaxHistory {
		points = points[len(points)-MaxHistory:]
	}
	all := append(slices.Clone(points), results.HistoryPoint{RunID: "this run", Status: s.Status, Duration: s.Duration, StartedAt: s.StartedAt})
	hv := &historyView{}
	passed := 0
	for i, p := range all {
		st := statusWords[p.Status]
		if p.Status == results.Passed {
			passed++
		}
		title := p.RunID
		if !p.StartedAt.IsZero() {
			title += " · " + p.StartedAt.UTC().Format("2 Jan 2006 15:04 UTC")
		}
		title += " · " + st.Word
		if p.Duration > 0 {
			title += " · " + human(p.Duration)
		}
		hv.Points = append(hv.Points, historyPoint{Title: title, Status: st, Current: i == len(all)-1})
	}
	hv.Summary = fmt.Sprintf("Passed in %d of the last %d runs (this run included).", passed, len(all))
	hv.Spark = spark(all)
	return hv
}

// spark draws the durations of the runs that took time as a polyline, the
// last point (this run) marked.
func spark(points []results.HistoryPoint) *sparkline {
	var ds []time.Duration
	for _, p := range points {
		if p.Duration > 0 {
			ds = append(ds, p.Duration)
		}
	}
	if len(ds) < 2 {
		return nil
	}
	const w, h, pad = 160, 32, 3
	lo, hi := slices.Min(ds), slices.Max(ds)
	var pts []string
	var x, y float64
	for i, d := range ds {
		x = pad + float64(i)*float64(w-2*pad)/float64(len(ds)-1)
		y = float64(h) / 2
		if hi > lo {
			y = pad + float64(h-2*pad)*(1-float64(d-lo)/float64(hi-lo))
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	return &sparkline{
		Width: w, Height: h,
		Points: strings.Join(pts, " "),
		LastX:  fmt.Sprintf("%.1f", x), LastY: fmt.Sprintf("%.1f", y),
		Label: fmt.Sprintf("Duration over %d runs: shortest %s, longest %s, this run %s.",
			len(ds), human(lo), human(hi), human(ds[len(ds)-1])),
	}
}

func hazards(features []*featureView, run *results.Run, titles map[string]string) ([]hazardView, bool) {
	byID := map[string][]hazardScenario{}
	for id := range titles {
		byID[id] = nil
	}
	for fi, f := range run.Features {
		for si, s := range f.Scenarios {
			for _, id := range s.Hazards() {
				if slices.ContainsFunc(byID[id], func(h hazardScenario) bool { return h.Anchor == features[fi].Scenarios[si].Anchor }) {
					continue
				}
				byID[id] = append(byID[id], hazardScenario{
					Anchor:      features[fi].Scenarios[si].Anchor,
					Name:        s.Name,
					Feature:     f.Name,
					Status:      statusWords[s.Status],
					Quarantined: s.Quarantined,
				})
			}
		}
	}
	var out []hazardView
	for _, id := range sortedKeys(byID) {
		hv := hazardView{ID: id, Title: titles[id], Scenarios: byID[id]}
		if _, ok := titles[id]; !ok && titles != nil {
			hv.Title = "(not in the hazard log)"
		}
		bad := 0
		for _, s := range hv.Scenarios {
			if s.Status.Word != "passed" {
				bad++
			}
		}
		switch {
		case len(hv.Scenarios) == 0:
			hv.Untested = true
			hv.Result = "Not tested in this run"
		case bad == 0:
			hv.Verified = true
			hv.Result = "Verified: " + plural(len(hv.Scenarios), "scenario") + " passed"
			if len(hv.Scenarios) > 1 {
				hv.Result = fmt.Sprintf("Verified: all %d scenarios passed", len(hv.Scenarios))
			}
		case len(hv.Scenarios) == 1:
			hv.Result = "Not verified: its scenario did not pass"
		default:
			hv.Result = fmt.Sprintf("Not verified: %d of %d scenarios did not pass", bad, len(hv.Scenarios))
		}
		out = append(out, hv)
	}
	return out, len(titles) > 0
}

// judge puts the run's outcome in words.
func judge(run *results.Run) verdict {
	var epr, env, flaky, qBad, skipped, interrupted, total int
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			total++
			switch {
			case s.Status == results.Skipped:
				skipped++
			case s.Status == results.Interrupted:
				interrupted++
			case s.Status == results.Flaky:
				if s.Gates() {
					flaky++
				}
			case !notPassed(s.Status):
			case !s.Gates():
				qBad++
			case s.Status == results.Failed && (s.FailureKind == results.KindAssertion || s.FailureKind == results.KindTimeout):
				epr++
			default:
				env++
			}
		}
	}
	v := verdict{}
	notRun := len(run.NotRun())
	switch {
	case run.Unfinished() && total+notRun > 0:
		v.Lines = append(v.Lines, fmt.Sprintf("The run is unfinished: it never recorded its end (it was killed, or is still running); only the %s that finished are reported.", plural(total-interrupted, "scenario")))
	case run.Interrupted:
		v.Lines = append(v.Lines, fmt.Sprintf("The run was interrupted: only the %s that finished are reported.", plural(total-interrupted, "scenario")))
	}
	if notRun > 0 {
		v.Lines = append(v.Lines, fmt.Sprintf("%d of the %d planned scenarios never ran: they were not tested.", notRun, len(run.Planned)))
	}
	if interrupted > 0 {
		v.Lines = append(v.Lines, fmt.Sprintf("%s interrupted while it ran: not tested, and not a failure of the EPR.", plural(interrupted, "scenario")+map[bool]string{true: " was", false: " were"}[interrupted == 1]))
	}
	total -= interrupted
	switch {
	case epr > 0:
		v.Word, v.Class = "Failed", "failed"
		v.Lines = append(v.Lines, fmt.Sprintf("%s failed — the release candidate has regressions.", plural(epr, "scenario")))
		if env > 0 {
			v.Lines = append(v.Lines, fmt.Sprintf("%d more could not be tested: the test environment or the harness failed, so the EPR was not tested there.", env))
		}
	case env > 0:
		v.Word, v.Class = "Not tested", "other"
		v.Lines = append(v.Lines, fmt.Sprintf("%s could not be tested — the test environment or the harness failed, so the EPR was not fully tested.", plural(env, "scenario")))
	case flaky > 0 && run.FailOnFlaky:
		v.Word, v.Class = "Failed", "failed"
		v.Lines = append(v.Lines, fmt.Sprintf("%s only after a retry — flaky scenarios fail this run.", passedWord(flaky)))
	case total == 0:
		v.Word, v.Class = "Nothing ran", "other"
		v.Lines = append(v.Lines, "No scenarios were run.")
	case total == skipped:
		v.Word, v.Class = "Nothing ran", "other"
		v.Lines = append(v.Lines, fmt.Sprintf("All %s were skipped; nothing was tested.", plural(total, "scenario")))
	default:
		v.Word, v.Class = "Passed", "passed"
		ran := total - skipped
		switch {
		case flaky > 0:
			line := fmt.Sprintf("No scenario failed: %d passed at the first attempt and %d only after a retry", ran-flaky, flaky)
			if skipped > 0 {
				line += fmt.Sprintf(" (%d skipped)", skipped)
			}
			v.Lines = append(v.Lines, line+".")
		case skipped > 0:
			v.Lines = append(v.Lines, fmt.Sprintf("All %s that ran passed (%d skipped).", plural(ran, "scenario"), skipped))
		case ran == 1:
			v.Lines = append(v.Lines, "The 1 scenario passed.")
		default:
			v.Lines = append(v.Lines, fmt.Sprintf("All %s passed.", plural(ran, "scenario")))
		}
	}
	switch {
	case run.Unfinished() && total+interrupted+notRun > 0:
		v.Word, v.Class = "Unfinished", "other"
	case run.Interrupted || interrupted > 0 || notRun > 0:
		v.Word, v.Class = "Incomplete", "other"
	}
	if flaky > 0 && !run.FailOnFlaky {
		v.Lines = append(v.Lines, fmt.Sprintf("%s only after a retry (flaky): something in the EPR or the environment is unreliable.", passedWord(flaky)))
		if v.Word == "Passed" {
			v.Word, v.Class = "Passed, with flaky scenarios", "flaky"
		}
	}
	if qBad > 0 {
		v.Lines = append(v.Lines, fmt.Sprintf("%s did not pass; quarantined scenarios do not change the verdict.", plural(qBad, "quarantined scenario")))
	}
	return v
}

func passedWord(n int) string {
	if n == 1 {
		return "1 scenario passed"
	}
	return fmt.Sprintf("%d scenarios passed", n)
}

func kinds(run *results.Run) []kindCount {
	n := map[results.FailureKind]int{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if notPassed(s.Status) && s.Status != results.Interrupted {
				n[s.FailureKind]++
			}
		}
	}
	var out []kindCount
	for _, k := range kindOrder {
		if k == results.KindNone && n[k] == 0 {
			continue
		}
		kc := kindWords[k]
		kc.Count = n[k]
		out = append(out, kc)
	}
	return out
}

// images lists the Compose services' images (a compose target's Images
// when it has no Services), then the images by role, each with its digest. A digest of neither goes with the services when
// there are any, else with the roles.
func images(t results.Target) []imageTable {
	if t.Backend == "compose" && len(t.Services) == 0 {
		// A compose backend that names its images by service only.
		t.Services, t.Images = t.Images, nil
	}
	services, roles := map[string]bool{}, map[string]bool{}
	for k := range t.Services {
		services[k] = true
	}
	for k := range t.Images {
		roles[k] = true
	}
	for k := range t.Digests {
		switch {
		case services[k] || roles[k]:
		case len(t.Services) > 0:
			services[k] = true
		default:
			roles[k] = true
		}
	}
	var out []imageTable
	if len(services) > 0 {
		caption := "Compose services"
		if t.Compose != "" {
			caption += " (project " + t.Compose + ")"
		}
		tb := imageTable{Caption: caption, Head: "Service"}
		for _, k := range sortedKeys(services) {
			tb.Rows = append(tb.Rows, image{Role: k, Name: t.Services[k], Digest: t.Digests[k]})
		}
		out = append(out, tb)
	}
	if len(roles) > 0 {
		tb := imageTable{Caption: "Container images", Head: "Role"}
		for _, k := range sortedKeys(roles) {
			tb.Rows = append(tb.Rows, image{Role: k, Name: t.Images[k], Digest: t.Digests[k]})
		}
		out = append(out, tb)
	}
	return out
}

// adapter names the target adapter and its screen map, "" when not
// recorded.
func adapter(t results.Target) string {
	switch {
	case t.ScreenMap == "":
		return t.Adapter
	case t.Adapter == "":
		return "screen map " + t.ScreenMap
	}
	return t.Adapter + ", screen map " + t.ScreenMap
}

// nhsNumber writes a ten-digit NHS number the way the NHS shows it,
// "999 402 1567"; anything else as it is.
func nhsNumber(n string) string {
	n = clean(n)
	if len(n) != 10 || strings.Trim(n, "0123456789") != "" {
		return n
	}
	return n[:3] + " " + n[3:6] + " " + n[6:]
}

func machine(m results.Machine) string {
	var parts []string
	if m.Hostname != "" {
		parts = append(parts, m.Hostname)
	}
	if m.OS != "" || m.Arch != "" {
		parts = append(parts, strings.Trim(m.OS+"/"+m.Arch, "/"))
	}
	if m.CPUs > 0 {
		parts = append(parts, plural(m.CPUs, "CPU"))
	}
	s := strings.Join(parts, ", ")
	if m.Harness != "" {
		s += "; eprharness " + m.Harness
		if m.Go != "" {
			s += " built with " + m.Go
		}
	}
	return strings.TrimPrefix(s, "; ")
}

func retries(run *results.Run) string {
	if run.Retries == 0 {
		return "none: a failing scenario is not rerun"
	}
	s := fmt.Sprintf("a failing scenario is rerun up to %s", plural(run.Retries, "time"))
	if run.FailOnFlaky {
		return s + "; a scenario that passes only on a rerun (flaky) fails the run"
	}
	return s + "; a scenario that passes only on a rerun is reported as flaky and does not fail the run"
}

func featureCounts(c results.Counts) string {
	parts := []string{plural(c.Scenarios, "scenario")}
	for _, p := range []struct {
		n    int
		word string
	}{{c.Passed, "passed"}, {c.Failed, "failed"}, {c.Flaky, "flaky"}, {c.Skipped, "skipped"}, {c.Other, "other"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	return parts[0] + ": " + strings.Join(parts[1:], ", ")
}

func runDuration(run *results.Run) string {
	if !run.StartedAt.IsZero() && run.FinishedAt.After(run.StartedAt) {
		return human(run.FinishedAt.Sub(run.StartedAt))
	}
	var d time.Duration
	for _, f := range run.Features {
		d += f.Duration()
	}
	return human(d)
}

// human writes a duration the way a person reads it: "912 ms", "7.2 s",
// "1 min 5 s", "1 h 2 min".
func human(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 s"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04:05 UTC")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func dedent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

// clean makes an error message fit to show: valid UTF-8, no ANSI colour
// codes, no control characters other than newline and tab.
func clean(s string) string {
	s = ansi.ReplaceAllString(strings.ToValidUTF8(s, "\uFFFD"), "")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

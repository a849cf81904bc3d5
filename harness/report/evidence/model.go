package evidence

import (
	"cmp"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/safety"
)

// doc is what the template renders.
type doc struct {
	Title, RunID, Generated string
	Provenance              []fact
	Images                  []image
	Summary                 summary
	Unverified              []control
	Hazards                 []hazard
	Signers                 []Signer
	// N is the most earlier runs a history strip shows.
	N int
}

// fact is one row of the provenance table; Missing shows Value as "not
// recorded".
type fact struct {
	Label, Value string
	Code         bool
	Missing      bool
}

type image struct {
	Role, Image, Digest string
}

type summary struct {
	Hazards, Controls, MustVerify, Verified, Unverified, NotByTest int
	// Verdict is one sentence on the controls that must be verified.
	Verdict    string
	AllGood    bool
	Scenarios  []count
	OpenItems  []openItem
	Incomplete string
}

type count struct {
	Status status
	N      int
}

type openItem struct {
	Anchor, Text string
}

type hazard struct {
	ID, Title, Anchor, Description, Effect, Status string
	Causes                                         []string
	Initial, Residual                              string
	Controls                                       []control
	// Verdict sums up its controls ("2 of 3 controls verified").
	Verdict string
	AllGood bool
}

type control struct {
	ID, Description, Anchor, Reason string
	HazardID, HazardTitle           string
	HazardAnchor                    string
	MustVerify, Verified            bool
	Verdict                         status
	Scenarios                       []scenario
	// Rows is the control's rowspan in its hazard table.
	Rows int
}

type scenario struct {
	ID, Name, Feature string
	Status            status
	Quarantined       bool
	// Why is the kind of failure and the first line of the error, for a
	// scenario that did not pass.
	Kind, Error string
	History     []point
	HistoryText string
	Evidence    []link
	// Messages are the HL7 v2 and FHIR messages the scenario exchanged
	// with the EPR's interfaces, one line each (results.Message.Line).
	Messages []string
}

type point struct {
	Title   string
	Status  status
	Current bool
}

type link struct {
	Label, Href, Info string
	Missing           bool
}

// status is a status in words, a symbol that reads in black and white,
// and a CSS class for colour.
type status struct {
	Word, Glyph, Class string
}

var statusWords = map[results.Status]status{
	results.Passed:      {"passed", "✓", "passed"},
	results.Failed:      {"failed", "✗", "failed"},
	results.Flaky:       {"flaky", "!", "flaky"},
	results.Skipped:     {"skipped", "–", "skipped"},
	results.Undefined:   {"undefined step", "?", "other"},
	results.Pending:     {"pending", "?", "other"},
	results.Ambiguous:   {"ambiguous step", "?", "other"},
	results.Interrupted: {"interrupted", "‖", "other"},
}

var (
	notRun     = status{"not run", "○", "other"}
	verified   = status{"verified", "✓", "passed"}
	unverified = status{"unverified", "✗", "failed"}
	notByTest  = status{"not verified by test", "–", "skipped"}
)

var kindWords = map[results.FailureKind]string{
	results.KindAssertion: "assertion: the EPR did not do what the scenario expected",
	results.KindTimeout:   "timeout: the EPR did not respond, or not in time",
	results.KindBackend:   "backend: the test environment failed; the EPR was not tested",
	results.KindHarness:   "harness: the test harness failed; the EPR was not tested",
}

func build(run *results.Run, log *results.HazardLog, v *safety.Verification, cfg Config) *doc {
	n := cfg.N
	if n == 0 {
		n = DefaultHistory
	}
	d := &doc{
		Title:     cmp.Or(cfg.Title, "Clinical safety verification evidence: run "+cmp.Or(run.ID, "(no id)")),
		RunID:     cmp.Or(run.ID, "(no id)"),
		Generated: cmp.Or(when(cfg.Generated), "not recorded"),
		Signers:   cfg.Signers,
		N:         n,
	}
	if d.Signers == nil {
		d.Signers = []Signer{{Role: "Clinical Safety Officer"}}
	}
	d.Provenance, d.Images = provenance(run, log)
	d.Provenance = append(d.Provenance, fact{Label: "Appendix generated", Value: d.Generated, Missing: cfg.Generated.IsZero()})

	for _, hr := range v.Hazards {
		h := hazard{
			ID:          hr.Hazard.ID,
			Title:       hr.Hazard.Title,
			Anchor:      anchor("hazard", hr.Hazard.ID),
			Description: hr.Hazard.Description,
			Causes:      hr.Hazard.Causes,
			Effect:      hr.Hazard.Effect,
			Status:      hr.Hazard.Status,
			Initial:     risk(hr.Hazard.Initial),
			Residual:    risk(hr.Hazard.Residual),
		}
		must, good := 0, 0
		for _, cr := range hr.Controls {
			c := buildControl(run, cr, cfg, n)
			h.Controls = append(h.Controls, c)
			if c.MustVerify {
				must++
				if c.Verified {
					good++
				}
			}
		}
		h.AllGood = good == must
		switch {
		case len(hr.Controls) == 0:
			h.Verdict = "This hazard has no controls in the log."
			h.AllGood = false
		case must == 0:
			h.Verdict = "None of its controls is verified by test."
		default:
			h.Verdict = fmt.Sprintf("%d of %d %s that must be verified by test %s verified.", good, must, noun(must, "control"), wasWere(must))
		}
		d.Hazards = append(d.Hazards, h)
	}
	for _, cr := range v.Unverified {
		d.Unverified = append(d.Unverified, buildControl(run, cr, cfg, n))
	}

	s := summary{
		Hazards:    len(v.Hazards),
		Controls:   v.Controls,
		MustVerify: v.MustVerify,
		Verified:   v.Verified,
		Unverified: len(v.Unverified),
		NotByTest:  v.Controls - v.MustVerify,
	}
	switch {
	case s.MustVerify == 0:
		s.Verdict = "No control of this hazard log must be verified by test."
	case s.Unverified == 0 && s.MustVerify == 1:
		s.Verdict = "The one control that must be verified by test was verified in this run."
		s.AllGood = true
	case s.Unverified == 0:
		s.Verdict = fmt.Sprintf("All %d controls that must be verified by test were verified in this run.", s.MustVerify)
		s.AllGood = true
	default:
		s.Verdict = fmt.Sprintf("%d of %d %s that must be verified by test %s unverified in this run.", s.Unverified, s.MustVerify, noun(s.MustVerify, "control"), isAre(s.Unverified))
	}
	counts := run.Counts()
	for _, c := range []struct {
		st results.Status
		n  int
	}{
		{results.Passed, counts.Passed}, {results.Failed, counts.Failed}, {results.Flaky, counts.Flaky},
		{results.Skipped, counts.Skipped}, {results.Undefined, counts.Other}, {results.Interrupted, counts.Interrupted},
	} {
		st := statusWords[c.st]
		if c.st == results.Undefined {
			st.Word = "undefined, pending or ambiguous"
		}
		s.Scenarios = append(s.Scenarios, count{Status: st, N: c.n})
	}
	if counts.NotRun > 0 || len(run.Planned) > 0 {
		s.Scenarios = append(s.Scenarios, count{Status: notRun, N: counts.NotRun})
	}
	for _, c := range d.Unverified {
		s.OpenItems = append(s.OpenItems, openItem{Anchor: c.Anchor, Text: fmt.Sprintf("Control %s of hazard %s (%s) is unverified: %s.", c.ID, c.HazardID, c.HazardTitle, c.Reason)})
	}
	if why := run.IncompleteReason(); why != "" {
		s.Incomplete = why
		s.OpenItems = append(s.OpenItems, openItem{Text: "The run did not test everything it set out to: " + why + "."})
	}
	var untagged []string
	for _, p := range run.NotRun() {
		if _, ok := cfg.PlannedTags[p.ID]; !ok {
			untagged = append(untagged, p.ID)
		}
	}
	if len(untagged) > 0 {
		s.OpenItems = append(s.OpenItems, openItem{Text: fmt.Sprintf(
			"%s never ran and no earlier run tells which controls %s: %s. A control counted as verified may depend on %s.",
			plural(len(untagged), "planned scenario"), itThey(len(untagged), "it verifies", "they verify"), strings.Join(untagged, ", "), itThey(len(untagged), "it", "them"))})
	}
	if rl := run.HazardLog; rl != nil && log != rl && (rl.File != log.File || rl.SHA256 != log.SHA256) {
		s.OpenItems = append(s.OpenItems, openItem{Text: fmt.Sprintf(
			"This appendix judges the run against %s (SHA-256 %s), not the hazard log the run recorded, %s (SHA-256 %s).",
			log.File, cmp.Or(log.SHA256, "not recorded"), rl.File, cmp.Or(rl.SHA256, "not recorded"))})
	}
	for _, h := range v.Hazards {
		if len(h.Controls) == 0 {
			s.OpenItems = append(s.OpenItems, openItem{Anchor: anchor("hazard", h.Hazard.ID), Text: fmt.Sprintf("Hazard %s (%s) has no controls in the log.", h.Hazard.ID, h.Hazard.Title)})
		}
	}
	d.Summary = s
	return d
}

func buildControl(run *results.Run, cr safety.ControlResult, cfg Config, n int) control {
	c := control{
		ID:           cr.Control.ID,
		Description:  cr.Control.Description,
		Anchor:       anchor("control", cr.HazardID+"-"+cr.Control.ID),
		HazardID:     cr.HazardID,
		HazardTitle:  cr.HazardTitle,
		HazardAnchor: anchor("hazard", cr.HazardID),
		MustVerify:   cr.Control.VerifyByTest,
		Verified:     cr.Verified,
		Reason:       cr.Reason,
	}
	switch {
	case !c.MustVerify:
		c.Verdict = notByTest
	case c.Verified:
		c.Verdict = verified
	default:
		c.Verdict = unverified
	}
	for _, sr := range cr.Scenarios {
		c.Scenarios = append(c.Scenarios, buildScenario(run, sr, cfg, n))
	}
	c.Rows = max(1, len(c.Scenarios))
	return c
}

func buildScenario(run *results.Run, sr safety.ScenarioResult, cfg Config, n int) scenario {
	s := scenario{ID: sr.ID, Name: sr.Name, Feature: sr.Feature, Quarantined: sr.Quarantined}
	if sr.NotRun {
		s.Status = notRun
	} else if st, ok := statusWords[sr.Status]; ok {
		s.Status = st
	} else {
		s.Status = status{Word: cmp.Or(string(sr.Status), "no result"), Glyph: "?", Class: "other"}
	}
	_, sc, found := run.Scenario(sr.ID)
	if found && sc.Status != results.Passed {
		s.Kind = kindWords[sc.FailureKind]
		s.Error = firstLine(sc.Error)
	}
	for _, a := range sr.Attachments {
		s.Evidence = append(s.Evidence, evidenceLink(a, "", cfg))
	}
	if found {
		for i, at := range sc.Attempts {
			for _, a := range at.Attachments {
				s.Evidence = append(s.Evidence, evidenceLink(a, fmt.Sprintf("attempt %d (%s): ", i+1, statusWords[at.Status].Word), cfg))
			}
		}
	}
	if found {
		for _, m := range sc.Messages {
			s.Messages = append(s.Messages, m.Line())
		}
	}
	s.History, s.HistoryText = history(cfg.History[sr.ID], s.Status, n)
	return s
}

// history is the strip of the last n earlier outcomes, oldest first, and
// this run's.
func history(points []results.HistoryPoint, now status, n int) ([]point, string) {
	if len(points) > n {
		points = points[len(points)-n:]
	}
	var out []point
	passed := 0
	for _, p := range points {
		st := statusWords[p.Status]
		if p.Status == results.Passed {
			passed++
		}
		title := p.RunID
		if !p.StartedAt.IsZero() {
			title += " · " + p.StartedAt.UTC().Format("2 Jan 2006 15:04 UTC")
		}
		out = append(out, point{Title: title + " · " + st.Word, Status: st})
	}
	if now.Word == statusWords[results.Passed].Word {
		passed++
	}
	out = append(out, point{Title: "this run · " + now.Word, Status: now, Current: true})
	var text string
	if len(points) == 0 {
		text = "No earlier runs in the store."
	} else {
		text = fmt.Sprintf("Passed in %d of the last %d runs, this one included.", passed, len(points)+1)
	}
	return out, text
}

func evidenceLink(a results.Attachment, prefix string, cfg Config) link {
	l := link{Label: prefix + caption(a), Href: href(cfg.AttachmentBase, a.Path)}
	var info []string
	if a.SHA256 != "" {
		info = append(info, "SHA-256 "+a.SHA256)
	}
	if a.Size > 0 {
		info = append(info, size(a.Size))
	}
	l.Info = strings.Join(info, ", ")
	if cfg.AttachmentDir != "" {
		p := filepath.FromSlash(a.Path)
		if !filepath.IsLocal(p) {
			l.Missing = true
		} else if _, err := os.Stat(filepath.Join(cfg.AttachmentDir, p)); err != nil {
			l.Missing = true
		}
	}
	return l
}

func caption(a results.Attachment) string {
	window, name := "", a.Name
	if i := strings.LastIndex(a.Name, " "); i > 0 {
		window, name = a.Name[:i], a.Name[i+1:]
	}
	words := map[string]string{
		"screenshot": "Screenshot",
		"page":       "Page HTML",
		"console":    "Browser console log",
		"trace":      "Playwright trace",
	}
	c, ok := words[name]
	if !ok {
		return a.Name
	}
	if window != "" {
		c += " (" + window + ")"
	}
	return c
}

func provenance(run *results.Run, log *results.HazardLog) ([]fact, []image) {
	t := run.Target
	add := func(out []fact, label, value string, code bool) []fact {
		return append(out, fact{Label: label, Value: cmp.Or(value, "not recorded"), Code: code, Missing: value == ""})
	}
	var f []fact
	f = add(f, "Run", run.ID, true)
	f = add(f, "Started", when(run.StartedAt), false)
	finished := when(run.FinishedAt)
	if run.Unfinished() {
		finished = ""
	}
	f = add(f, "Finished", finished, false)
	if run.Unfinished() {
		f[len(f)-1].Value = "never recorded its end (killed, or still running)"
	}
	if run.Interrupted {
		f[len(f)-1].Value += " (interrupted)"
	}
	f = add(f, "EPR version", t.Version, false)
	f = add(f, "Backend", t.Backend, true)
	f = add(f, "EPR address", t.BaseURL, true)
	adapter := t.Adapter
	if adapter != "" && t.ScreenMap != "" {
		adapter += " (screen map " + t.ScreenMap + ")"
	}
	f = add(f, "Adapter", adapter, false)
	if t.Compose != "" {
		f = add(f, "Compose project", t.Compose, true)
	}
	if len(t.Defects) > 0 {
		f = add(f, "Active defects (reference EPR)", strings.Join(t.Defects, ", "), true)
	}
	f = add(f, "Feature commit", run.Commit, true)
	if run.Tags != "" {
		f = add(f, "Scenarios selected by tags", run.Tags, true)
	}
	if run.Shard != "" {
		f = add(f, "Shard", run.Shard, false)
	}
	if len(run.Shards) > 0 {
		f = add(f, "Merged from shards", strings.Join(run.Shards, ", "), false)
	}
	f = add(f, "Browser", run.Browser, false)
	harness := run.Machine.Harness
	if harness != "" && run.Machine.Go != "" {
		harness += " (" + run.Machine.Go + ")"
	}
	f = add(f, "Harness version", harness, false)
	var machine []string
	if run.Machine.Hostname != "" {
		machine = append(machine, run.Machine.Hostname)
	}
	if run.Machine.OS != "" || run.Machine.Arch != "" {
		machine = append(machine, strings.Trim(run.Machine.OS+"/"+run.Machine.Arch, "/"))
	}
	if run.Machine.CPUs > 0 {
		machine = append(machine, plural(run.Machine.CPUs, "CPU"))
	}
	f = add(f, "Machine", strings.Join(machine, ", "), false)
	f = add(f, "Ran by", run.RanBy, false)
	if run.Retries > 0 {
		f = add(f, "Retries of a failing scenario", fmt.Sprint(run.Retries), false)
	}
	f = add(f, "Hazard log", log.File, true)
	f = add(f, "Hazard log SHA-256", log.SHA256, true)
	if log.Form != "" {
		form := log.Form
		switch log.Form {
		case "simple":
			form = "simple (one control per hazard)"
		case "dcb0129":
			form = "DCB0129 hazard log"
		}
		f = add(f, "Hazard log form", form, false)
	}
	if rl := run.HazardLog; rl != nil && log != rl && (rl.File != log.File || rl.SHA256 != log.SHA256) {
		f = add(f, "Hazard log the run recorded", rl.File+" (SHA-256 "+cmp.Or(rl.SHA256, "not recorded")+")", true)
	} else if rl == nil && log != nil {
		f = add(f, "Hazard log the run recorded", "", true)
		f[len(f)-1].Value = "none: the log above was given afterwards"
	}

	var imgs []image
	for _, name := range sortedKeys(t.Services) {
		imgs = append(imgs, image{Role: "service " + name, Image: t.Services[name], Digest: cmp.Or(t.Digests[name], "not recorded")})
	}
	for _, role := range sortedKeys(t.Images) {
		imgs = append(imgs, image{Role: role, Image: t.Images[role], Digest: cmp.Or(t.Digests[role], "not recorded")})
	}
	return f, imgs
}

func risk(r results.Risk) string {
	var parts []string
	if r.Severity != "" {
		parts = append(parts, "severity "+r.Severity)
	}
	if r.Likelihood != "" {
		parts = append(parts, "likelihood "+r.Likelihood)
	}
	if r.Rating != "" {
		parts = append(parts, "risk rating "+r.Rating)
	}
	return strings.Join(parts, ", ")
}

// anchor makes an element id from a kind and a log id ("H-001" ->
// "hazard-H-001"), keeping only characters safe in a fragment.
func anchor(kind, id string) string {
	var b strings.Builder
	b.WriteString(kind + "-")
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "_%x", r)
		}
	}
	return b.String()
}

// href joins base and an attachment path, escaping the path's segments.
func href(base, p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	esc := strings.Join(segs, "/")
	switch {
	case base == "":
		if strings.Contains(segs[0], ":") {
			return "./" + esc // not to be read as a URL scheme
		}
		return esc
	case strings.HasSuffix(base, "/"):
		return base + esc
	}
	return base + "/" + esc
}

func firstLine(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	line, _, _ := strings.Cut(s, "\n")
	line = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, line)
	if len([]rune(line)) > 300 {
		line = string([]rune(line)[:300]) + "…"
	}
	return line
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04:05 UTC")
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

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// noun is word in the plural unless n is 1.
func noun(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func itThey(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

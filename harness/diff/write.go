package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// InterfaceNote says, above the interface changes in Markdown and HTML,
// what they are.
const InterfaceNote = "Messages the scenarios exchanged with the EPR's interfaces (HL7 v2, FHIR), compared by direction, " +
	"protocol, type and answer (ids, timestamps and order ignored). Not gating: no scenario asserted them."

// Formats are the output formats of Write, by name.
var Formats = []string{"text", "markdown", "html", "json"}

// Config says how a diff is written.
type Config struct {
	// Title heads the HTML and Markdown output; empty means
	// "eprharness diff".
	Title string
	// Base and Candidate say where each run's attachments are.
	Base, Candidate SideConfig
	// ScenarioLink, when set, gives the URL of a scenario's page (the
	// dashboard's history page); HTML output links scenario ids to it.
	ScenarioLink func(id string) string
	// RunLink, when set, gives the URL of a run's page; HTML output links
	// run ids to it.
	RunLink func(id string) string
}

// SideConfig says where one run's attachments are.
type SideConfig struct {
	// AttachmentBase is put in front of every attachment path for links (a
	// folder such as "out" or a URL prefix such as "/artifacts"). Empty
	// means attachment paths as they are.
	AttachmentBase string
	// AttachmentDir, when set, is the folder on disk the attachment paths
	// are relative to; the HTML output embeds screenshots found there as
	// data URIs, so it is readable on its own.
	AttachmentDir string
}

// link is the attachment's path behind the side's AttachmentBase.
func (c SideConfig) link(p string) string {
	if c.AttachmentBase == "" {
		return p
	}
	return strings.TrimSuffix(c.AttachmentBase, "/") + "/" + p
}

// Write writes d in the named format (see Formats).
func Write(w io.Writer, d *Diff, format string, cfg Config) error {
	switch format {
	case "text", "":
		return WriteText(w, d, cfg)
	case "markdown", "md":
		return WriteMarkdown(w, d, cfg)
	case "html":
		return WriteHTML(w, d, cfg)
	case "json":
		return WriteJSON(w, d, cfg)
	}
	return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// WriteText writes d for a terminal: the verdict, then each non-empty
// category with one block per scenario. Attachment paths are shown behind
// the side's AttachmentBase.
func WriteText(w io.Writer, d *Diff, cfg Config) error {
	ew := &errWriter{w: w}
	ew.printf("eprharness diff: candidate %s against base %s\n", runLabel(d.Candidate), runLabel(d.Base))
	ew.printf("Gate: %s: %s\n", verdict(d), d.Summary())
	if d.Incomplete != "" {
		ew.printf("Not tested: %s\n", d.Incomplete)
	}
	for _, w := range d.Warnings {
		ew.printf("Warning: %s\n", w)
	}
	if d.Safety != nil {
		ew.printf("Safety: %s\n", d.Safety)
	}
	if len(d.Unverified) > 0 {
		ew.printf("\nUnverified safety controls (%d)\n", len(d.Unverified))
		for _, c := range d.Unverified {
			ew.printf("  %s\n", c.Message)
			ew.printf("    control: %s\n", oneLine(c.Description))
			for _, sc := range c.Scenarios {
				ew.printf("    scenario: %s  %s  %s\n", sc.ID, controlStatus(sc), sc.Name)
			}
		}
	}
	violationSection := func(title string, vs []Violation, found string) {
		if len(vs) == 0 {
			return
		}
		ew.printf("\n%s (%d)\n", title, len(vs))
		for _, v := range vs {
			ew.printf("  %s\n", v.Words())
			ew.printf("    %s: %s\n", found, strings.Join(v.Scenarios, ", "))
			if v.Screenshot != "" && found == "found by" {
				ew.printf("    screenshot: %s\n", cfg.Candidate.link(v.Screenshot))
			}
		}
	}
	violationSection("New accessibility violations", d.Accessibility, "found by")

	section := func(title string, es []Entry, body func(e Entry)) {
		if len(es) == 0 {
			return
		}
		ew.printf("\n%s (%d)\n", title, len(es))
		for _, e := range es {
			ew.printf("  %s  %s\n", e.ID, e.Name)
			body(e)
		}
	}
	failure := func(e Entry) {
		if e.Base == nil {
			ew.printf("    new scenario, %s\n", status(e.Candidate))
		} else {
			ew.printf("    %s -> %s\n", status(e.Base), status(e.Candidate))
		}
		if st := e.Candidate.FailedStep; st != nil {
			ew.printf("    step: %s\n", st)
		}
		if l := e.Candidate.ErrorLine(); l != "" {
			ew.printf("    error: %s\n", l)
		}
		if a, ok := e.Candidate.Screenshot(); ok {
			ew.printf("    screenshot: %s\n", cfg.Candidate.link(a.Path))
		}
		if e.Repro != "" {
			ew.printf("    repro: %s\n", e.Repro)
		}
	}
	section("Regressions", d.Regressions, failure)
	section("Not run (never started by the candidate run)", d.NotRun, func(e Entry) {
		if e.Base != nil {
			ew.printf("    %s -> not run\n", status(e.Base))
		} else {
			ew.printf("    not run\n")
		}
	})
	section("Interrupted (not tested)", d.Interrupted, func(e Entry) {
		ew.printf("    %s -> %s\n", status(e.Base), status(e.Candidate))
		if l := e.Candidate.ErrorLine(); l != "" {
			ew.printf("    %s\n", l)
		}
	})
	section("Quarantined failures (not gating)", d.Quarantined, failure)
	if len(d.Interface) > 0 {
		ew.printf("\nInterface changes (not gating) (%d)\n", len(d.Interface))
		for _, ic := range d.Interface {
			ew.printf("  %s  %s\n", ic.ID, ic.Name)
			ew.printf("    %s -> %s", ic.BaseStatus, ic.CandidateStatus)
			if ic.UpTo != nil {
				ew.printf("; compared up to: %s", ic.UpTo)
			}
			ew.printf("\n")
			for _, c := range ic.Changes {
				ew.printf("    %s\n", c.Message)
			}
		}
	}
	section("Still failing", d.StillFailing, func(e Entry) {
		ew.printf("    %s -> %s\n", status(e.Base), status(e.Candidate))
		if e.Change != "" {
			ew.printf("    changed: %s\n", e.Change)
		} else {
			ew.printf("    same failure\n")
		}
		if l := e.Candidate.ErrorLine(); l != "" {
			ew.printf("    error: %s\n", l)
		}
	})
	section("Fixed", d.Fixed, func(e Entry) {
		ew.printf("    %s -> %s\n", status(e.Base), status(e.Candidate))
	})
	violationSection("Fixed accessibility violations", d.AccessibilityFixed, "was found by")
	section("Flaky", d.Flaky, func(e Entry) {
		ew.printf("    %s -> %s\n", status(e.Base), status(e.Candidate))
	})
	section("New", d.New, func(e Entry) {
		ew.printf("    %s\n", status(e.Candidate))
	})
	section("Removed", d.Removed, func(e Entry) {
		ew.printf("    was %s\n", status(e.Base))
	})
	section("Slower", d.Slower, func(e Entry) {
		ew.printf("    %s -> %s (x%.1f, +%s)\n", dur(e.Base.Duration), dur(e.Candidate.Duration), e.Ratio, dur(e.Delta))
	})
	if d.Clean() {
		ew.printf("\nNo changes between the runs.\n")
	}
	return ew.err
}

// WriteMarkdown writes d as GitHub-flavoured Markdown for a pull-request
// comment: a summary line, a table of the two runs, then one table per
// non-empty category. Each regression row names its failing step, the
// first line of its error and a link to its screenshot; the repro command
// lines follow the regressions table in a shell block.
func WriteMarkdown(w io.Writer, d *Diff, cfg Config) error {
	ew := &errWriter{w: w}
	title := cfg.Title
	if title == "" {
		title = "eprharness diff"
	}
	ew.printf("**%s: %s**: %s.\n\n", mdText(title), verdict(d), mdText(d.Summary()))
	if d.Incomplete != "" {
		ew.printf("> **Not tested:** %s.\n\n", mdText(d.Incomplete))
	}
	for _, w := range d.Warnings {
		ew.printf("> **Warning:** %s.\n\n", mdText(w))
	}
	if d.Safety != nil {
		ew.printf("Safety: %s.\n\n", mdText(d.Safety.String()))
	}
	ew.printf("| | run | version | commit | started | scenarios |\n|---|---|---|---|---|---|\n")
	for _, r := range []struct {
		label string
		info  RunInfo
	}{{"base", d.Base}, {"candidate", d.Candidate}} {
		ew.printf("| %s | `%s` | %s | %s | %s | %s |\n", r.label, mdCode(r.info.ID), mdText(r.info.Version),
			mdCommit(r.info.Commit), when(r.info.StartedAt), mdText(counts(r.info)))
	}

	failures := func(title string, es []Entry) {
		if len(es) == 0 {
			return
		}
		ew.printf("\n### %s (%d)\n\n", title, len(es))
		ew.printf("| scenario | base | candidate | failing step | error | screenshot |\n|---|---|---|---|---|---|\n")
		var repro []Entry
		for _, e := range es {
			step := ""
			if st := e.Candidate.FailedStep; st != nil {
				step = mdText(st.String())
			}
			shot := ""
			if a, ok := e.Candidate.Screenshot(); ok {
				l := cfg.Candidate.link(a.Path)
				shot = fmt.Sprintf("[screenshot](%s)", mdURL(l))
			}
			ew.printf("| %s | %s | %s | %s | %s | %s |\n", mdScenario(e), status(e.Base), status(e.Candidate),
				step, mdText(e.Candidate.ErrorLine()), shot)
			if e.Repro != "" {
				repro = append(repro, e)
			}
		}
		if len(repro) > 0 {
			ew.printf("\nReproduce:\n\n```sh\n")
			for _, e := range repro {
				ew.printf("# %s\n%s\n", oneLine(e.Name), oneLine(e.Repro))
			}
			ew.printf("```\n")
		}
	}
	if len(d.Unverified) > 0 {
		ew.printf("\n### Unverified safety controls (%d)\n\n", len(d.Unverified))
		for _, c := range d.Unverified {
			ew.printf("- %s\n", mdText(c.Message))
		}
		ew.printf("\n| control | hazard | scenario | candidate |\n|---|---|---|---|\n")
		for _, c := range d.Unverified {
			if len(c.Scenarios) == 0 {
				ew.printf("| `%s` %s | `%s` %s | none | |\n", mdCode(c.ID), mdText(c.Description), mdCode(c.Hazard), mdText(c.HazardTitle))
			}
			for _, sc := range c.Scenarios {
				ew.printf("| `%s` %s | `%s` %s | `%s` %s | %s |\n", mdCode(c.ID), mdText(c.Description), mdCode(c.Hazard), mdText(c.HazardTitle),
					mdCode(sc.ID), mdText(sc.Name), mdText(controlStatus(sc)))
			}
		}
	}
	mdViolations := func(title string, vs []Violation, cfg SideConfig) {
		if len(vs) == 0 {
			return
		}
		ew.printf("\n### %s (%d)\n\n| page | rule | impact | elements | help | scenarios | screenshot |\n|---|---|---|---|---|---|---|\n", title, len(vs))
		for _, v := range vs {
			impact := v.Impact
			if len(v.Criteria) > 0 {
				impact += " (WCAG " + strings.Join(v.Criteria, ", ") + ")"
			}
			var sc []string
			for _, id := range v.Scenarios {
				sc = append(sc, "`"+mdCode(id)+"`")
			}
			shot := ""
			if v.Screenshot != "" {
				shot = fmt.Sprintf("[screenshot](%s)", mdURL(cfg.link(v.Screenshot)))
			}
			ew.printf("| `%s` | `%s` | %s | `%s` | %s | %s | %s |\n", mdCode(v.Page), mdCode(v.Rule), mdText(impact),
				mdCode(strings.Join(v.Targets, ", ")), mdText(v.Help), strings.Join(sc, " "), shot)
		}
	}
	mdViolations("New accessibility violations", d.Accessibility, cfg.Candidate)
	failures("Regressions", d.Regressions)
	if len(d.NotRun) > 0 {
		ew.printf("\n### Not run (%d)\n\nPlanned by the candidate run, never started: not tested.\n\n| scenario | base | candidate |\n|---|---|---|\n", len(d.NotRun))
		for _, e := range d.NotRun {
			ew.printf("| %s | %s | not run |\n", mdScenario(e), status(e.Base))
		}
	}
	if len(d.Interrupted) > 0 {
		ew.printf("\n### Interrupted (%d)\n\nIn flight when the candidate run was stopped: not tested.\n\n| scenario | base | candidate |\n|---|---|---|\n", len(d.Interrupted))
		for _, e := range d.Interrupted {
			ew.printf("| %s | %s | %s |\n", mdScenario(e), status(e.Base), status(e.Candidate))
		}
	}
	failures("Quarantined failures (not gating)", d.Quarantined)
	if len(d.Interface) > 0 {
		ew.printf("\n### Interface changes (%d)\n\n%s\n\n| scenario | base | candidate | change |\n|---|---|---|---|\n", len(d.Interface), mdText(InterfaceNote))
		for _, ic := range d.Interface {
			sc := mdScenario(Entry{ID: ic.ID, Name: ic.Name})
			if ic.UpTo != nil {
				sc += " (compared up to: " + mdText(ic.UpTo.String()) + ")"
			}
			for i, c := range ic.Changes {
				if i == 0 {
					ew.printf("| %s | %s | %s | %s |\n", sc, ic.BaseStatus, ic.CandidateStatus, mdText(c.Message))
				} else {
					ew.printf("| | | | %s |\n", mdText(c.Message))
				}
			}
		}
	}

	table := func(title, head string, es []Entry, row func(e Entry) string) {
		if len(es) == 0 {
			return
		}
		cols := strings.Count(head, "|") - 1
		ew.printf("\n### %s (%d)\n\n%s\n|%s\n", title, len(es), head, strings.Repeat("---|", cols))
		for _, e := range es {
			ew.printf("%s\n", row(e))
		}
	}
	table("Still failing", "| scenario | base | candidate | change | error |", d.StillFailing, func(e Entry) string {
		ch := e.Change
		if ch == "" {
			ch = "same failure"
		}
		return fmt.Sprintf("| %s | %s | %s | %s | %s |", mdScenario(e), status(e.Base), status(e.Candidate), mdText(ch), mdText(e.Candidate.ErrorLine()))
	})
	table("Fixed", "| scenario | base | candidate |", d.Fixed, func(e Entry) string {
		return fmt.Sprintf("| %s | %s | %s |", mdScenario(e), status(e.Base), status(e.Candidate))
	})
	mdViolations("Fixed accessibility violations", d.AccessibilityFixed, cfg.Base)
	table("Flaky", "| scenario | base | candidate |", d.Flaky, func(e Entry) string {
		return fmt.Sprintf("| %s | %s | %s |", mdScenario(e), status(e.Base), status(e.Candidate))
	})
	table("New", "| scenario | candidate |", d.New, func(e Entry) string {
		return fmt.Sprintf("| %s | %s |", mdScenario(e), status(e.Candidate))
	})
	table("Removed", "| scenario | base |", d.Removed, func(e Entry) string {
		return fmt.Sprintf("| %s | %s |", mdScenario(e), status(e.Base))
	})
	table("Slower", "| scenario | base | candidate | ratio | added |", d.Slower, func(e Entry) string {
		return fmt.Sprintf("| %s | %s | %s | x%.1f | +%s |", mdScenario(e), dur(e.Base.Duration), dur(e.Candidate.Duration), e.Ratio, dur(e.Delta))
	})
	if d.Clean() {
		ew.printf("\nNo changes between the runs.\n")
	}
	return ew.err
}

// JSON is the document WriteJSON writes. Its field names are stable:
// fields may be added, never renamed or removed. Every category is an
// array (empty, never null), sorted by scenario id. Durations are integer
// nanoseconds (as in results.json); attachment paths are relative to each
// run's attachment folder, as in the runs themselves. An entry's "base" or
// "candidate" is null when the scenario is absent from that run.
//
//	{
//	  "gate": true,            // true: the candidate is blocked
//	  "exit_code": 1,          // 1 when blocked, else 0
//	  "summary": "1 regression, ...",
//	  "unverified": [control], // controls to verify by test the candidate did not (gating)
//	  "safety": {"log", "form", "controls", "must_verify", "verified"}, // only with a hazard log
//	  "accessibility": [violation],       // failing in the candidate, not in the base (gating)
//	  "accessibility_fixed": [violation], // failing in the base, gone from the candidate
//	  "interface_changes": [interface],   // scenarios whose interface messages changed (not gating)
//	  "base": {"id", "started_at", "backend", "version", "commit", "interrupted", "counts"},
//	  "candidate": {...},
//	  "slow_ratio": 1.5, "slow_min_ns": 2000000000,
//	  "regressions": [entry], "quarantined": [...], "fixed": [...],
//	  "still_failing": [...], "flaky": [...], "new": [...], "removed": [...],
//	  "slower": [...],
//	  "not_run": [...],        // planned by the candidate, never run ("candidate": null)
//	  "interrupted": [...],    // in flight when the candidate was stopped
//	  "incomplete": "candidate run X is unfinished: ...", // only when it is
//	  "warnings": ["baseline run Y is unfinished: ..."]   // only when any
//	}
//
// A run's "unfinished" (true when it never recorded its end) and
// "planned" (how many scenarios it set out to run) are left out when
// false or 0; its counts hold "interrupted" and "not_run" when not 0.
//
// entry: {"id", "name", "feature", "base": side|null, "candidate":
// side|null, "repro", "change", "ratio", "delta_ns"}; side: {"status",
// "failure_kind", "error", "failed_step": {"keyword", "text", "line"},
// "duration_ns", "attachments": [{"name", "media_type", "path", "sha256",
// "size"}], "quarantined"}. Empty optional fields are left out.
//
// control: {"id", "description", "hazard", "hazard_title", "scenarios":
// [{"id", "name", "status" ("not run" when never run), "quarantined"}],
// "reason", "message"}; violation: {"key", "page", "rule", "impact",
// "help", "help_url", "criteria", "targets", "scenarios": [id],
// "screenshot"}; interface: {"id", "name", "feature", "base_status",
// "candidate_status", "up_to": {"keyword", "text", "line"} (only when a
// side stopped at a failing step), "changes": [{"kind" ("gone", "new",
// "answer"), "direction", "protocol", "type", "base_answer",
// "candidate_answer", "count", "base_count", "candidate_count",
// "message"}]}.
type JSON struct {
	Gate     bool   `json:"gate"`
	ExitCode int    `json:"exit_code"`
	Summary  string `json:"summary"`
	*Diff
}

// WriteJSON writes d as the indented JSON document described by JSON.
// cfg is not used: paths stay as they are in the runs.
func WriteJSON(w io.Writer, d *Diff, _ Config) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(JSON{Gate: d.Gate(), ExitCode: int(d.ExitCode()), Summary: d.Summary(), Diff: d}); err != nil {
		return fmt.Errorf("write diff json: %w", err)
	}
	return nil
}

func verdict(d *Diff) string {
	if d.Gate() {
		return "FAIL"
	}
	return "PASS"
}

func runLabel(r RunInfo) string {
	id := r.ID
	if id == "" {
		id = "(empty run)"
	}
	var extra []string
	if r.Version != "" {
		extra = append(extra, r.Version)
	}
	if r.Commit != "" {
		extra = append(extra, "commit "+short(r.Commit))
	}
	if len(extra) == 0 {
		return id
	}
	return id + " (" + strings.Join(extra, ", ") + ")"
}

func counts(r RunInfo) string {
	c := r.Counts
	s := fmt.Sprintf("%d: %d passed, %d failed, %d flaky, %d skipped", c.Scenarios, c.Passed, c.Failed, c.Flaky, c.Skipped)
	if c.Other > 0 {
		s += fmt.Sprintf(", %d other", c.Other)
	}
	if c.Interrupted > 0 {
		s += fmt.Sprintf(", %d interrupted", c.Interrupted)
	}
	if c.NotRun > 0 {
		s += fmt.Sprintf(", %d of %d planned not run", c.NotRun, r.Planned)
	}
	switch {
	case r.Unfinished:
		s += " (unfinished)"
	case r.Interrupted:
		s += " (interrupted)"
	}
	return s
}

// controlStatus renders a control's scenario: "failed", "not run",
// "passed, quarantined".
func controlStatus(s ControlScenario) string {
	if s.Quarantined {
		return s.Status + ", quarantined"
	}
	return s.Status
}

// status renders a side: "passed", "failed (assertion)", "-" when absent.
func status(s *Side) string {
	if s == nil {
		return "-"
	}
	out := string(s.Status)
	if s.FailureKind != "" && fails(s.Status) {
		out += " (" + string(s.FailureKind) + ")"
	}
	if s.Quarantined {
		out += ", quarantined"
	}
	return out
}

func dur(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func short(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	return commit
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// mdText makes s safe in a Markdown table cell: one line, no pipes or
// markup characters that would change the table.
func mdText(s string) string { return mdTextEscaper.Replace(oneLine(s)) }

// mdCode makes s safe inside a `code span` in a table cell.
func mdCode(s string) string { return mdCodeEscaper.Replace(oneLine(s)) }

// The escapers of mdText and mdCode, built once (they run per table cell).
var (
	mdTextEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)
	mdCodeEscaper = strings.NewReplacer("`", "'", "|", `\|`)
)

func mdCommit(c string) string {
	if c == "" {
		return ""
	}
	return "`" + mdCode(short(c)) + "`"
}

func mdScenario(e Entry) string {
	return fmt.Sprintf("`%s` %s", mdCode(e.ID), mdText(e.Name))
}

// mdURL escapes what would end a Markdown link destination.
func mdURL(s string) string {
	u := url.URL{Path: s}
	return strings.NewReplacer("(", "%28", ")", "%29").Replace(u.EscapedPath())
}

// errWriter keeps the first write error so writers can print freely.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}

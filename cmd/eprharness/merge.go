package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/report"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/runner"
	"github.com/eprharness/eprharness/harness/store"
)

// mergeCmd combines the output folders of the shards of one run (each
// `eprharness run --shard I/N --out DIR`) into one run, as Playwright's
// merge-reports does:
//
//	eprharness merge [--out DIR] [--store S|off] DIR...
//
// Each DIR must hold a shard's results.json (and its shard-plan.json,
// which every sharded run writes). The shards must be of one plan: the
// same N, each I once, the same tag expression and commit, and the same
// selection; anything else is refused with exit 2 before anything is
// written. The merged run has a new id, lists its shards (Run.Shards),
// starts when the first shard started and finishes when the last one
// finished, and is interrupted when any shard was (or never recorded its
// end). Its plan is the whole selection: a shard whose folder is missing
// leaves its scenarios planned and not run, so the merged run is
// incomplete and never green (exit 130, as for any run that did not test
// everything). Evidence files are copied into --out at the same relative
// paths (under shard-I/ when two shards hold different files at one path),
// so the merged reports' links work. The run is recorded in the results
// store as one run (unless the store is off), one set of reports is
// written into --out, and the exit code is the merged run's
// (exitcode.ForRun).
func mergeCmd(args []string, stdout, stderr io.Writer) exitcode.Code {
	fset := flag.NewFlagSet("eprharness merge", flag.ContinueOnError)
	fset.SetOutput(stderr)
	out := fset.String("out", "", "folder for the merged run's reports and evidence (default: OUT/merged, OUT being the configured out)")
	sf := addStoreFlags(fset)
	fset.Usage = func() {
		fmt.Fprint(stderr, `usage: eprharness merge [--out DIR] [--store S|off] DIR...

Combines the output folders of the shards of one run (eprharness run --shard I/N
--out DIR) into one run: one entry in the results store, one set of reports,
one exit code. A missing shard leaves its scenarios not run: the merged run is
then incomplete and never green.

`)
		fset.PrintDefaults()
	}
	if err := parseFlags(fset, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.Pass
		}
		return exitcode.Usage
	}
	if fset.NArg() == 0 {
		fmt.Fprintln(stderr, "eprharness merge: want the output folder of at least one shard (DIR...)")
		fset.Usage()
		return exitcode.Usage
	}
	wd, _ := os.Getwd()
	cfg, err := config.Load(config.Source{Env: os.Environ(), Dir: wd, Usage: io.Discard, NoPaths: true})
	if err != nil {
		fmt.Fprintf(stderr, "eprharness merge: %v\n", err)
		return exitcode.Usage
	}
	if *sf.store != "" {
		cfg.Store = *sf.store
	}
	if *sf.artifacts != "" {
		cfg.Artifacts = *sf.artifacts
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(cfg.Out, "merged")
	}

	shards, err := readShards(fset.Args(), dir)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness merge: %v\n", err)
		return exitcode.Usage
	}
	merged, warnings := mergeShards(shards, runner.NewRunID(time.Now()))
	for _, w := range warnings {
		fmt.Fprintf(stderr, "eprharness merge: warning: %s\n", w)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "eprharness merge: create output folder: %v\n", err)
		return exitcode.Harness
	}
	for _, w := range copyEvidence(shards, merged, dir) {
		fmt.Fprintf(stderr, "eprharness merge: warning: %s\n", w)
	}

	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "eprharness merge: %v\n", err)
		return exitcode.Harness
	}
	rcfg := report.Config{AttachmentDir: dir, Hazards: report.HazardTitles(cfg.Paths)}
	code := exitcode.ForRun(merged)
	if code == exitcode.Pass && merged.Incomplete() {
		code = exitcode.Interrupted // not everything was tested: never green
	}
	recorded := false
	if st != nil {
		defer st.Close()
		if err := recordMerged(ctx, st, merged, dir); err != nil {
			fmt.Fprintf(stderr, "eprharness merge: record run %s in the results store: %v\n", merged.ID, err)
			code = exitcode.Harness
		} else {
			recorded = true
		}
		rcfg.History, _ = store.RunHistory(ctx, st, merged, 20) // a store that cannot answer gives no history; the reports are still written
	}
	if err := report.WriteAll(dir, merged, rcfg); err != nil {
		fmt.Fprintf(stderr, "eprharness merge: %v\n", err)
		return exitcode.Harness
	}

	c := merged.Counts()
	fmt.Fprintf(stderr, "eprharness merge: run %s from shard(s) %s: %d scenario(s): %d passed, %d failed, %d flaky, %d skipped, %d other in %s\n",
		merged.ID, strings.Join(merged.Shards, ", "), c.Scenarios, c.Passed, c.Failed, c.Flaky, c.Skipped, c.Other,
		merged.FinishedAt.Sub(merged.StartedAt).Round(time.Millisecond))
	if why := merged.IncompleteReason(); why != "" {
		fmt.Fprintf(stderr, "eprharness merge: %s\n", why)
	}
	for _, s := range merged.Failures() {
		fmt.Fprintf(stderr, "  FAILED (%s) %s  %s\n", s.FailureKind, s.ID, s.Name)
	}
	if recorded {
		fmt.Fprintf(stderr, "eprharness merge: recorded as run %s; compare with: eprharness diff last-green %s\n", merged.ID, merged.ID)
	}
	fmt.Fprintf(stdout, "reports of run %s in %s\n", merged.ID, dir)
	if code != exitcode.Pass {
		fmt.Fprintf(stderr, "eprharness merge: exit %d (%s)\n", code, code)
	}
	return code
}

// shardOutput is one shard's output folder as merge reads it.
type shardOutput struct {
	dir          string
	run          *results.Run
	index, total int
	// plan is the shard's shard-plan.json; nil when the folder has none.
	plan *runner.ShardPlan
}

// readShards reads each folder's results.json and shard-plan.json and
// checks that they are shards of one plan (see mergeCmd); the shards come
// back by index. out, the merge's own folder, may not be one of them.
func readShards(dirs []string, out string) ([]shardOutput, error) {
	var shards []shardOutput
	for _, d := range dirs {
		if same(d, out) {
			return nil, fmt.Errorf("%s: the merged run's --out may not be one of the shard folders", d)
		}
		run, err := readResultsFile(filepath.Join(d, "results.json"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no results.json: not the output folder (--out) of an eprharness run", d)
		}
		if err != nil {
			return nil, err
		}
		if run.Shard == "" {
			return nil, fmt.Errorf("%s: run %s ran the whole selection, not a shard (--shard I/N): there is nothing to merge it with", d, run.ID)
		}
		i, n, err := config.ParseShard(run.Shard)
		if err != nil {
			return nil, fmt.Errorf("%s: run %s: shard: %w", d, run.ID, err)
		}
		s := shardOutput{dir: d, run: run, index: i, total: n}
		data, err := os.ReadFile(filepath.Join(d, runner.ShardPlanFile))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("%s: %w", d, err)
		default:
			var p runner.ShardPlan
			if err := json.Unmarshal(data, &p); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", d, runner.ShardPlanFile, err)
			}
			if p.Shard != fmt.Sprintf("%d/%d", i, n) {
				return nil, fmt.Errorf("%s: %s is of shard %s but results.json of shard %s", d, runner.ShardPlanFile, p.Shard, run.Shard)
			}
			s.plan = &p
		}
		shards = append(shards, s)
	}
	slices.SortStableFunc(shards, func(a, b shardOutput) int { return a.index - b.index })
	first := shards[0]
	for k, s := range shards[1:] {
		prev := shards[k]
		switch {
		case s.total != first.total:
			return nil, fmt.Errorf("not shards of one run: %s is shard %d/%d but %s is shard %d/%d; merge the N shards of one run", first.dir, first.index, first.total, s.dir, s.index, s.total)
		case s.index == prev.index:
			return nil, fmt.Errorf("shard %d/%d given twice (%s and %s); give each shard's folder once", s.index, s.total, prev.dir, s.dir)
		case s.run.Tags != first.run.Tags:
			return nil, fmt.Errorf("not shards of one run: %s selected --tags %q but %s --tags %q", first.dir, first.run.Tags, s.dir, s.run.Tags)
		case s.run.Commit != "" && first.run.Commit != "" && s.run.Commit != first.run.Commit:
			return nil, fmt.Errorf("not shards of one run: %s ran commit %s but %s commit %s", first.dir, first.run.Commit, s.dir, s.run.Commit)
		}
	}
	// The selection must be the same: a plan that differs only in the
	// shares is merged (see mergeShards), another selection is not.
	var ref *shardOutput
	for k := range shards {
		s := &shards[k]
		if s.plan == nil {
			continue
		}
		if ref == nil {
			ref = s
			continue
		}
		if !slices.Equal(planIDs(ref.plan), planIDs(s.plan)) {
			return nil, fmt.Errorf("not shards of one run: %s and %s selected different scenarios (%d and %d); shards must run the same paths and --tags", ref.dir, s.dir, len(ref.plan.Plan), len(s.plan.Plan))
		}
	}
	return shards, nil
}

func planIDs(p *runner.ShardPlan) []string {
	ids := make([]string, len(p.Plan))
	for i, s := range p.Plan {
		ids[i] = s.ID
	}
	slices.Sort(ids)
	return ids
}

// same reports whether two paths name the same folder.
func same(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && filepath.Clean(aa) == filepath.Clean(bb)
}

// mergeShards combines checked shards (readShards) into one run with the
// given id, and says what the caller should warn about: missing shards,
// shards planned differently, a scenario run by two shards.
func mergeShards(shards []shardOutput, id string) (*results.Run, []string) {
	var warnings []string
	first := shards[0].run
	m := &results.Run{
		ID: id, Target: first.Target, Tags: first.Tags, Browser: first.Browser, Commit: first.Commit,
		Machine: first.Machine, Retries: first.Retries, FailOnFlaky: first.FailOnFlaky,
		RanBy: first.RanBy, HazardLog: first.HazardLog,
	}
	for _, s := range shards[1:] {
		if h := s.run.HazardLog; (h == nil) != (first.HazardLog == nil) || (h != nil && h.SHA256 != first.HazardLog.SHA256) {
			warnings = append(warnings, fmt.Sprintf("shard %d/%d was run against another hazard log than the first shard: the merged run keeps the first shard's", s.index, s.total))
		}
	}
	total := shards[0].total
	present := map[int]bool{}
	plannedSeen := map[string]bool{}
	plan := func(p results.PlannedScenario) {
		if !plannedSeen[p.ID] {
			plannedSeen[p.ID] = true
			m.Planned = append(m.Planned, p)
		}
	}
	// The whole selection first, in its plan order, from the shard plans.
	var shares map[string]int
	for _, s := range shards {
		if s.plan == nil {
			continue
		}
		mine := map[string]int{}
		for _, p := range s.plan.Plan {
			plan(p.PlannedScenario)
			mine[p.ID] = p.Share
		}
		if shares == nil {
			shares = mine
		} else if !mapsEqual(shares, mine) {
			warnings = append(warnings, fmt.Sprintf("shard %d/%d shared the scenarios out differently from the shard before it (the durations in the results store changed while the shards started): a scenario may have run twice or not at all; every scenario that did not run is reported as not run", s.index, s.total))
		}
	}
	features := map[string]*results.Feature{}
	from := map[string]int{} // scenario id -> shard that ran it
	for _, s := range shards {
		r := s.run
		present[s.index] = true
		m.Shards = append(m.Shards, fmt.Sprintf("%d/%d", s.index, s.total))
		if m.StartedAt.IsZero() || (!r.StartedAt.IsZero() && r.StartedAt.Before(m.StartedAt)) {
			m.StartedAt = r.StartedAt
		}
		if r.FinishedAt.After(m.FinishedAt) {
			m.FinishedAt = r.FinishedAt
		}
		if r.Unfinished() {
			warnings = append(warnings, fmt.Sprintf("shard %s (%s) never recorded its end: the merged run counts as interrupted", r.Shard, s.dir))
		}
		m.Interrupted = m.Interrupted || r.Interrupted || r.Unfinished()
		m.Retries = max(m.Retries, r.Retries)
		m.FailOnFlaky = m.FailOnFlaky || r.FailOnFlaky
		for _, p := range r.Planned {
			plan(p)
		}
		for _, f := range r.Features {
			mf := features[f.URI]
			if mf == nil {
				cp := *f
				cp.Scenarios = nil
				mf = &cp
				features[f.URI] = mf
				m.Features = append(m.Features, mf)
			}
			for _, sc := range f.Scenarios {
				i := slices.IndexFunc(mf.Scenarios, func(o *results.Scenario) bool { return o.ID == sc.ID })
				if i < 0 {
					mf.Scenarios = append(mf.Scenarios, sc)
					from[sc.ID] = s.index
					continue
				}
				warnings = append(warnings, fmt.Sprintf("%s ran in shard %d/%d and in shard %d/%d; the merged run keeps the one that did not pass", sc.ID, from[sc.ID], total, s.index, total))
				if passedish(mf.Scenarios[i].Status) && !passedish(sc.Status) {
					mf.Scenarios[i] = sc
					from[sc.ID] = s.index
				}
			}
		}
	}
	m.Accessibility = mergeAccessibility(m, shards)
	for i := 1; i <= total; i++ {
		if present[i] {
			continue
		}
		n := 0
		for id, share := range shares {
			if share == i && plannedSeen[id] {
				n++
			}
		}
		if shares == nil {
			// No shard plan tells what it held: the merged run still
			// must not be green.
			plan(results.PlannedScenario{ID: fmt.Sprintf("shard %d/%d", i, total), Name: fmt.Sprintf("every scenario of shard %d/%d (its results are missing)", i, total)})
			warnings = append(warnings, fmt.Sprintf("shard %d/%d is missing and no shard plan says which scenarios it held: the merged run is incomplete", i, total))
			continue
		}
		warnings = append(warnings, fmt.Sprintf("shard %d/%d is missing: its %d scenario(s) are reported as not run", i, total, n))
	}
	m.Sort()
	return m, warnings
}

func passedish(s results.Status) bool { return s == results.Passed || s == results.Skipped }

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// copyEvidence copies every attachment of the merged run (its scenarios'
// and their earlier attempts') from the folder of the shard that ran it
// into out, re-pathing it when two shards hold different files at one
// path; an attachment that cannot be copied (missing, or a path leading
// out of its folder) is dropped from the run with a warning.
func copyEvidence(shards []shardOutput, m *results.Run, out string) []string {
	var warnings []string
	dirOf := map[*results.Scenario]shardOutput{}
	for _, s := range shards {
		for _, f := range s.run.Features {
			for _, sc := range f.Scenarios {
				dirOf[sc] = s
			}
		}
	}
	written := map[string][]byte{} // path in out -> sha256 of what was written there
	copyOne := func(s shardOutput, a results.Attachment) (results.Attachment, bool) {
		rel := filepath.FromSlash(a.Path)
		if !filepath.IsLocal(rel) {
			warnings = append(warnings, fmt.Sprintf("%s: attachment %q leads out of the shard's folder; left out", s.dir, a.Path))
			return a, false
		}
		root, err := os.OpenRoot(s.dir)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: %v", s.dir, err))
			return a, false
		}
		defer root.Close()
		data, err := root.ReadFile(rel)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: attachment %s: %v; left out", s.dir, a.Path, err))
			return a, false
		}
		dest := a.Path
		if prev, ok := written[dest]; ok && !bytes.Equal(prev, data) {
			dest = path.Join(fmt.Sprintf("shard-%d", s.index), a.Path)
		}
		p := filepath.Join(out, filepath.FromSlash(dest))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			warnings = append(warnings, fmt.Sprintf("attachment %s: %v; left out", dest, err))
			return a, false
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			warnings = append(warnings, fmt.Sprintf("attachment %s: %v; left out", dest, err))
			return a, false
		}
		written[dest] = data
		a.Path = dest
		return a, true
	}
	copyAll := func(s shardOutput, atts []results.Attachment) []results.Attachment {
		var kept []results.Attachment
		for _, a := range atts {
			if c, ok := copyOne(s, a); ok {
				kept = append(kept, c)
			}
		}
		return kept
	}
	for _, f := range m.Features {
		for _, sc := range f.Scenarios {
			s := dirOf[sc]
			for _, at := range sc.Attempts {
				at.Attachments = copyAll(s, at.Attachments)
			}
			sc.Attachments = copyAll(s, sc.Attachments)
		}
	}
	return warnings
}

// recordMerged records the merged run in the store as one run: its plan,
// every scenario (attachments copied from out), its end.
func recordMerged(ctx context.Context, st store.Store, m *results.Run, out string) error {
	head := *m
	head.Features = nil
	if err := st.Begin(ctx, &head); err != nil {
		return err
	}
	var missing []string
	for _, f := range m.Features {
		for _, sc := range f.Scenarios {
			err := st.Record(ctx, m.ID, f, sc, out)
			var ma *store.MissingAttachmentsError
			switch {
			case errors.As(err, &ma):
				missing = append(missing, sc.ID)
			case err != nil:
				return fmt.Errorf("%s: %w", sc.ID, err)
			}
		}
	}
	if err := st.Finish(ctx, m); err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("attachments missing for %s", strings.Join(missing, ", "))
	}
	return nil
}

// mergeAccessibility combines the shards' accessibility summaries: the
// pages any shard checked, every expired baseline entry, and as fixed the
// entries some shard found fixed that no violation of the merged run
// matched (another shard may have met the violation). Nil when no shard
// checked anything.
func mergeAccessibility(m *results.Run, shards []shardOutput) *results.AccessibilitySummary {
	var sum *results.AccessibilitySummary
	checked, expired, fixed := map[string]bool{}, map[string]bool{}, map[string]bool{}
	entry := func(e results.BaselineEntry) string { return fmt.Sprintf("%s:%d", e.File, e.Line) }
	for _, s := range shards {
		a := s.run.Accessibility
		if a == nil {
			continue
		}
		if sum == nil {
			sum = &results.AccessibilitySummary{Scan: a.Scan, Tags: a.Tags, Engine: a.Engine, Baseline: a.Baseline}
		}
		for _, p := range a.Checked {
			if !checked[p] {
				checked[p] = true
				sum.Checked = append(sum.Checked, p)
			}
		}
		for _, e := range a.Expired {
			if !expired[entry(e)] {
				expired[entry(e)] = true
				sum.Expired = append(sum.Expired, e)
			}
		}
		for _, e := range a.Fixed {
			if !fixed[entry(e)] {
				fixed[entry(e)] = true
				sum.Fixed = append(sum.Fixed, e)
			}
		}
	}
	if sum == nil {
		return nil
	}
	slices.Sort(sum.Checked)
	sum.Pages = len(sum.Checked)
	// A page one shard only passed through is unchecked only if no shard
	// checked it.
	for _, s := range shards {
		if a := s.run.Accessibility; a != nil {
			for _, p := range a.Unchecked {
				if !checked[p] && !slices.Contains(sum.Unchecked, p) {
					sum.Unchecked = append(sum.Unchecked, p)
				}
			}
		}
	}
	slices.Sort(sum.Unchecked)
	matched := map[string]bool{}
	for _, f := range m.Features {
		for _, sc := range f.Scenarios {
			for _, c := range sc.Accessibility {
				for _, v := range c.Violations {
					if b := v.Baselined; b != nil {
						matched[fmt.Sprintf("%s:%d", b.File, b.Line)] = true
					}
				}
			}
		}
	}
	sum.Fixed = slices.DeleteFunc(sum.Fixed, func(e results.BaselineEntry) bool { return matched[entry(e)] })
	return sum
}

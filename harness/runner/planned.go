package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/featureset"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/schedule"
)

// planned lists every scenario of sel (one per example row) in run order,
// with the ids the collector gives them (Scenario.ID, "<uri>:<line>"), for
// results.Run.Planned. It parses the selected files as Godog will see
// them, so scenarios the selection left out are not planned.
func planned(sel *featureset.Selection) ([]results.PlannedScenario, error) {
	var out []results.PlannedScenario
	for _, path := range sel.Paths {
		src, err := fs.ReadFile(sel.FS, path)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", path, err)
		}
		doc, errs := featureset.Parse(path, src)
		if errs != nil {
			return nil, fmt.Errorf("plan: %w", errs)
		}
		if doc.Gherkin == nil || doc.Gherkin.Feature == nil {
			continue
		}
		nodes := docNodes(doc.Gherkin.Feature)
		file := sel.File(path)
		for _, p := range doc.Pickles {
			_, line := scenarioLine(nodes, p.AstNodeIds)
			var tags []string
			for _, t := range p.Tags {
				tags = append(tags, t.Name)
			}
			out = append(out, results.PlannedScenario{ID: fmt.Sprintf("%s:%d", file, line), Name: p.Name, Feature: file, Tags: tags})
		}
	}
	return out, nil
}

// Scheduling. A run reads its scenarios' typical durations from the
// results store (the median of each one's last durationWindow runs) and
// uses them twice, through harness/schedule:
//
//   - --shard I/N keeps the run's share of the selection (balanced by the
//     durations, or by count when the store knows none). A sharded run
//     reads the store but records nothing in it: `eprharness merge` records
//     the shards as one run. So the durations every shard of a pipeline
//     reads stay the same while the shards run, and so do the shares. The
//     run writes ShardPlanFile (every shard's scenarios) beside its
//     results.json, from which merge learns what a missing shard should
//     have run. A share with no scenarios (more shards than scenarios) is a
//     successful run of nothing: its reports say so and it exits 0.
//   - With more than one worker and any known duration, Godog is handed
//     the scenarios longest first (featureset.Selection.Ordered), so the
//     long ones start first and do not leave the other workers idle at the
//     end.

// durationWindow is how many recent runs of each scenario its typical
// duration is the median of.
const durationWindow = 10

// ShardPlanFile is the file a sharded run writes into its output folder
// beside results.json: the plan of every shard (see ShardPlan).
const ShardPlanFile = "shard-plan.json"

// ShardPlan is how the selection was shared out, as one shard computed it.
// Every shard of one plan writes the same Plan; `eprharness merge` reads it
// to know the scenarios of shards whose results are missing, and to notice
// shards that were planned differently.
type ShardPlan struct {
	// Shard is this run's share, "I/N".
	Shard string `json:"shard"`
	// Plan is every selected scenario, in plan order, with the share
	// (1..N) that runs it.
	Plan []ShardedScenario `json:"plan"`
}

// ShardedScenario is one scenario of a ShardPlan.
type ShardedScenario struct {
	results.PlannedScenario
	Share int `json:"share"`
}

// durations reads the scenarios' typical durations from the store
// (store.Store.Durations); nil without a store, or when it cannot answer
// (said on stderr: the run goes on, balanced by count).
func (r *Runner) durations(ctx context.Context) schedule.Durations {
	if r.opts.store == nil || (!r.sharded() && r.cfg.Workers < 2) {
		return nil // nothing to schedule: one worker runs the files in order
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	d, err := r.opts.store.Durations(ctx, durationWindow)
	if err != nil {
		fmt.Fprintf(r.opts.stderr, "eprharness: warning: read scenario durations from the results store: %v (scheduling by count)\n", err)
		return nil
	}
	return d
}

// sharded reports whether the run is one share of its selection.
func (r *Runner) sharded() bool { return r.cfg.Shard != "" }

// shard cuts sel and plan to the run's share (config Shard) and writes
// ShardPlanFile into the output folder; sel and plan come back unchanged
// when the run is not sharded (and a ShardPlanFile of an earlier run is
// removed). The share is selected again by its scenario ids, so it is
// exactly the scenarios planned for it. An empty share gives a nil
// selection.
func (r *Runner) shard(sel *featureset.Selection, plan []results.PlannedScenario, known schedule.Durations) (*featureset.Selection, []results.PlannedScenario, error) {
	planFile := filepath.Join(r.cfg.Out, ShardPlanFile)
	if err := os.Remove(planFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("remove %s: %w", planFile, err)
	}
	if !r.sharded() {
		return sel, plan, nil
	}
	index, total, err := config.ParseShard(r.cfg.Shard)
	if err != nil {
		return nil, nil, fmt.Errorf("shard: %w", err)
	}
	shares, err := schedule.Shares(plan, known, total)
	if err != nil {
		return nil, nil, fmt.Errorf("shard: %w", err)
	}
	sp := ShardPlan{Shard: fmt.Sprintf("%d/%d", index, total)}
	for i, share := range shares {
		for _, p := range share {
			sp.Plan = append(sp.Plan, ShardedScenario{PlannedScenario: p, Share: i + 1})
		}
	}
	order := map[string]int{}
	for i, p := range plan {
		order[p.ID] = i
	}
	// Plan order, as the run lists it.
	sortByPlan(sp.Plan, order)
	data, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("shard plan: %w", err)
	}
	if err := os.WriteFile(planFile, append(data, '\n'), 0o644); err != nil {
		return nil, nil, fmt.Errorf("write shard plan: %w", err)
	}
	mine := shares[index-1]
	how := "by count (the results store has no durations for them)"
	if schedule.Known(plan, known) {
		how = fmt.Sprintf("by their durations in the results store (about %s of %s)",
			schedule.Total(mine, schedule.Estimate(plan, known)).Round(time.Second), schedule.Total(plan, schedule.Estimate(plan, known)).Round(time.Second))
	}
	fmt.Fprintf(r.opts.stderr, "eprharness: shard %s: %d of the %d selected scenario(s), shared %s\n", sp.Shard, len(mine), len(plan), how)
	if len(mine) == 0 {
		return nil, nil, nil
	}
	ids := make([]string, len(mine))
	for i, p := range mine {
		ids[i] = p.ID
	}
	cut, err := featureset.Select(ids, "")
	if err != nil {
		return nil, nil, fmt.Errorf("select shard %s: %w", sp.Shard, err)
	}
	cutPlan, err := planned(cut)
	if err != nil {
		return nil, nil, err
	}
	if len(cutPlan) != len(mine) {
		return nil, nil, fmt.Errorf("select shard %s: %d scenario(s) planned, %d selected", sp.Shard, len(mine), len(cutPlan))
	}
	return cut, cutPlan, nil
}

func sortByPlan(ps []ShardedScenario, order map[string]int) {
	slices.SortStableFunc(ps, func(a, b ShardedScenario) int { return cmp.Compare(order[a.ID], order[b.ID]) })
}

// order hands Godog the scenarios of sel longest first when more than one
// worker runs them (see featureset.Selection.Ordered); sel is returned
// unchanged for one worker, where the order changes nothing but the
// progress output, and when the store knows none of the durations (file
// order then).
func (r *Runner) order(sel *featureset.Selection, plan []results.PlannedScenario, known schedule.Durations) (*featureset.Selection, error) {
	if r.workers < 2 || len(plan) < 2 || !schedule.Known(plan, known) {
		return sel, nil
	}
	ordered := schedule.Order(plan, known)
	ids := make([]string, len(ordered))
	for i, p := range ordered {
		ids[i] = p.ID
	}
	out, err := sel.Ordered(ids)
	if err != nil {
		return nil, fmt.Errorf("order scenarios: %w", err)
	}
	return out, nil
}

// coresWarning is the warning for more workers than CPU cores; "" when
// there are not.
func coresWarning(workers, cpus int) string {
	if workers <= cpus {
		return ""
	}
	return fmt.Sprintf("eprharness: warning: %d workers on a machine with %d CPU core(s): each worker drives its own browser context and backend, so they will compete for the cores and scenarios will take longer (and may reach their timeouts); the run goes on", workers, cpus)
}

// emptyShard ends a sharded run whose share holds no scenario: nothing
// starts, its reports (and results.json, for merge) say so, and it passes.
func (r *Runner) emptyShard(ctx context.Context, run *results.Run, selected int) Outcome {
	run.FinishedAt = r.opts.now()
	fmt.Fprintf(r.opts.stderr, "eprharness: shard %s got none of the %d selected scenario(s) (more shards than scenarios): nothing to run\n", run.Shard, selected)
	if err := r.writeReports(ctx, run); err != nil {
		return Outcome{Run: run, Code: exitcode.Harness, Err: err}
	}
	fmt.Fprintf(r.opts.stderr, "eprharness: reports in %s\n", r.cfg.Out)
	return Outcome{Run: run, Code: exitcode.Pass}
}

// alias tells the collector which feature file each path of sel stands
// for (see featureset.Selection.Ordered).
func (c *collector) alias(sel *featureset.Selection) {
	for _, p := range sel.Paths {
		if f := sel.File(p); f != p {
			c.files.Store(p, f)
		}
	}
}

// file is the feature file behind a URI Godog reports.
func (c *collector) file(uri string) string {
	if f, ok := c.files.Load(uri); ok {
		return f.(string)
	}
	return uri
}

// shardName is the run's shard as "I/N" (config Shard, normalised).
func (r *Runner) shardName() string {
	i, n, err := config.ParseShard(r.cfg.Shard)
	if err != nil || n == 0 {
		return r.cfg.Shard
	}
	return fmt.Sprintf("%d/%d", i, n)
}

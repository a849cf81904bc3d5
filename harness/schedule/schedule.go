// Package schedule decides in which order a run's scenarios start and how
// the scenarios of one selection are shared out between machines (shards).
//
// Both decisions read the scenarios' typical durations (Durations, by
// scenario id, from the results store: the median of each scenario's
// recent runs) and nothing else: no clock, no randomness, no map order.
// The same plan and the same durations give the same answer on every
// machine, which is what makes shards of one selection disjoint and
// complete without the machines talking to each other.
//
//   - Estimate fills in the scenarios the store has no history for: each
//     counts as the median of the known durations, or as Default when none
//     is known.
//   - Order puts the plan longest first (ties keep plan order), the order in
//     which workers should pick scenarios so that the long ones do not start
//     last and leave the other workers idle (longest-processing-time first).
//   - Shares cuts the plan into N shares: with durations, greedy
//     longest-processing-time (each scenario, longest first, ties by
//     scenario id, goes to the share with the least total so far, ties by
//     the lowest share); without any duration, round robin over the sorted
//     scenario ids. Every scenario is in exactly one share, and the shares'
//     totals differ by at most one scenario's duration. Each share keeps
//     plan order. Shard returns one of them.
//
// Everything here is a pure function, safe for concurrent use; inputs are
// never modified.
package schedule

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// Durations are scenarios' typical durations by scenario id
// (results.Scenario.ID).
type Durations map[string]time.Duration

// Default is the duration a scenario counts as when no scenario of the plan
// has a known duration (balancing is then by count).
const Default = 2 * time.Second

// Estimate returns a duration for every scenario of plan: its known
// duration when it has a positive one, else the median of the plan's known
// durations, else Default.
func Estimate(plan []results.PlannedScenario, known Durations) Durations {
	var have []time.Duration
	for _, p := range plan {
		if d, ok := known[p.ID]; ok && d > 0 {
			have = append(have, d)
		}
	}
	fill := Default
	if len(have) > 0 {
		fill = median(have)
	}
	out := make(Durations, len(plan))
	for _, p := range plan {
		if d, ok := known[p.ID]; ok && d > 0 {
			out[p.ID] = d
		} else {
			out[p.ID] = fill
		}
	}
	return out
}

// Known reports whether any scenario of plan has a known positive duration.
func Known(plan []results.PlannedScenario, known Durations) bool {
	for _, p := range plan {
		if known[p.ID] > 0 {
			return true
		}
	}
	return false
}

// median is the median of ds (the lower middle one of an even count, so it
// is always a duration that was measured).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// Order returns plan longest first by Estimate(plan, known); scenarios of
// equal duration keep their plan order.
func Order(plan []results.PlannedScenario, known Durations) []results.PlannedScenario {
	est := Estimate(plan, known)
	out := slices.Clone(plan)
	slices.SortStableFunc(out, func(a, b results.PlannedScenario) int {
		return cmp.Compare(est[b.ID], est[a.ID])
	})
	return out
}

// Shares cuts plan into total shares (see the package doc). Share i (0-based)
// is out[i], in plan order; a share may be empty when there are fewer
// scenarios than shares. A scenario listed twice in plan is shared once.
func Shares(plan []results.PlannedScenario, known Durations, total int) ([][]results.PlannedScenario, error) {
	if total < 1 {
		return nil, fmt.Errorf("shares: want at least 1 share, got %d", total)
	}
	ids := make([]string, 0, len(plan))
	seen := make(map[string]bool, len(plan))
	for _, p := range plan {
		if !seen[p.ID] {
			seen[p.ID] = true
			ids = append(ids, p.ID)
		}
	}
	slices.Sort(ids)
	share := make(map[string]int, len(ids))
	if !Known(plan, known) {
		for i, id := range ids {
			share[id] = i % total
		}
	} else {
		est := Estimate(plan, known)
		slices.SortStableFunc(ids, func(a, b string) int { return cmp.Compare(est[b], est[a]) }) // ids are sorted: ties by id
		load := make([]time.Duration, total)
		for _, id := range ids {
			least := 0
			for i := 1; i < total; i++ {
				if load[i] < load[least] {
					least = i
				}
			}
			share[id] = least
			load[least] += est[id]
		}
	}
	out := make([][]results.PlannedScenario, total)
	placed := make(map[string]bool, len(ids))
	for _, p := range plan {
		if placed[p.ID] {
			continue
		}
		placed[p.ID] = true
		out[share[p.ID]] = append(out[share[p.ID]], p)
	}
	return out, nil
}

// Shard returns share index of total (1 ≤ index ≤ total, as in "--shard
// 2/4"), in plan order.
func Shard(plan []results.PlannedScenario, known Durations, index, total int) ([]results.PlannedScenario, error) {
	if total < 1 || index < 1 || index > total {
		return nil, fmt.Errorf("shard %d/%d: want 1 ≤ I ≤ N", index, total)
	}
	shares, err := Shares(plan, known, total)
	if err != nil {
		return nil, err
	}
	return shares[index-1], nil
}

// Total is the sum of the estimated durations of the scenarios of share.
func Total(share []results.PlannedScenario, est Durations) time.Duration {
	var d time.Duration
	for _, p := range share {
		d += est[p.ID]
	}
	return d
}

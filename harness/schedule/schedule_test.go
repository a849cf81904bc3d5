package schedule

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"testing/quick"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

func plan(ids ...string) []results.PlannedScenario {
	out := make([]results.PlannedScenario, len(ids))
	for i, id := range ids {
		out[i] = results.PlannedScenario{ID: id, Name: "scenario " + id, Feature: "features/x.feature"}
	}
	return out
}

func ids(ps []results.PlannedScenario) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestEstimateFillsUnknownWithTheMedianOfTheKnown(t *testing.T) {
	p := plan("a:1", "a:2", "a:3", "a:4", "a:5")
	got := Estimate(p, Durations{"a:1": 1 * time.Second, "a:2": 9 * time.Second, "a:3": 4 * time.Second, "other:1": time.Hour, "a:5": 0})
	assert.Equal(t, Durations{"a:1": time.Second, "a:2": 9 * time.Second, "a:3": 4 * time.Second, "a:4": 4 * time.Second, "a:5": 4 * time.Second}, got,
		"a:4 has no history and a:5 a useless one: both count as the median of the plan's known durations (4 s); other:1 is not planned")

	got = Estimate(p, nil)
	for _, id := range ids(p) {
		assert.Equal(t, Default, got[id], "no history at all: every scenario counts the same")
	}
	// An even count takes the lower middle: a duration that was measured.
	assert.Equal(t, 2*time.Second, Estimate(plan("a", "b", "c", "d", "e"), Durations{"a": time.Second, "b": 2 * time.Second, "c": 3 * time.Second, "d": 4 * time.Second})["e"])
}

func TestOrderIsLongestFirstAndKeepsPlanOrderOnTies(t *testing.T) {
	p := plan("f:3", "f:7", "g:1", "g:9", "h:2")
	known := Durations{"f:3": 2 * time.Second, "f:7": 10 * time.Second, "g:1": 2 * time.Second, "h:2": 30 * time.Second}
	// g:9 is unknown: the median of 2, 2, 10, 30 (lower middle) is 2 s.
	assert.Equal(t, []string{"h:2", "f:7", "f:3", "g:1", "g:9"}, ids(Order(p, known)))
	assert.Equal(t, ids(p), ids(Order(p, nil)), "without durations the plan order stands")
	assert.Equal(t, []string{"f:3", "f:7", "g:1", "g:9", "h:2"}, ids(p), "the plan is not modified")
}

func TestSharesWithoutDurationsAreRoundRobinOverSortedIDs(t *testing.T) {
	p := plan("b:1", "a:2", "c:5", "a:10", "b:4")
	shares, err := Shares(p, nil, 2)
	require.NoError(t, err)
	// sorted: a:10 a:2 b:1 b:4 c:5 -> share 1: a:10 b:1 c:5, share 2: a:2 b:4; each in plan order
	assert.Equal(t, []string{"b:1", "c:5", "a:10"}, ids(shares[0]))
	assert.Equal(t, []string{"a:2", "b:4"}, ids(shares[1]))
}

func TestSharesWithDurationsAreLongestProcessingTimeFirst(t *testing.T) {
	p := plan("s:1", "s:2", "s:3", "s:4", "s:5", "s:6")
	known := Durations{"s:1": 8 * time.Second, "s:2": 7 * time.Second, "s:3": 6 * time.Second, "s:4": 5 * time.Second, "s:5": 4 * time.Second, "s:6": 3 * time.Second}
	shares, err := Shares(p, known, 2)
	require.NoError(t, err)
	// 8->A, 7->B, 6->B(13), 5->A(13), 4->A(17) (tie: lowest share), 3->B(16)
	assert.Equal(t, []string{"s:1", "s:4", "s:5"}, ids(shares[0]))
	assert.Equal(t, []string{"s:2", "s:3", "s:6"}, ids(shares[1]))
	est := Estimate(p, known)
	assert.Equal(t, 17*time.Second, Total(shares[0], est))
	assert.Equal(t, 16*time.Second, Total(shares[1], est))

	// Round robin would have put 8+6+4 against 7+5+3 too; a skewed suite
	// shows the difference: one long scenario gets a share to itself.
	p = plan("a", "b", "c", "d", "e")
	shares, err = Shares(p, Durations{"a": 60 * time.Second, "b": 5 * time.Second, "c": 5 * time.Second, "d": 5 * time.Second, "e": 5 * time.Second}, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, ids(shares[0]))
	assert.Equal(t, []string{"b", "c", "d", "e"}, ids(shares[1]))
}

func TestShardIsOneShareAndRefusesBadIndexes(t *testing.T) {
	p := plan("x:1", "x:2", "x:3")
	got, err := Shard(p, nil, 3, 3)
	require.NoError(t, err)
	assert.Equal(t, []string{"x:3"}, ids(got))
	got, err = Shard(p, nil, 4, 4)
	require.NoError(t, err)
	assert.Empty(t, got, "more shards than scenarios: the last ones are empty")
	for _, bad := range [][2]int{{0, 2}, {3, 2}, {1, 0}, {-1, 3}} {
		_, err := Shard(p, nil, bad[0], bad[1])
		assert.Error(t, err, "%d/%d", bad[0], bad[1])
	}
	_, err = Shares(p, nil, 0)
	assert.Error(t, err)
}

// Stability: the shares depend on the set of scenarios and their
// durations, never on the order the machine listed them in.
func TestSharesDoNotDependOnPlanOrderOrMapOrder(t *testing.T) {
	p := plan("k:1", "k:2", "k:3", "l:1", "l:2", "m:1", "m:2", "m:3", "m:4")
	known := Durations{"k:1": 3 * time.Second, "k:3": 9 * time.Second, "l:2": 3 * time.Second, "m:1": time.Second, "m:4": 7 * time.Second}
	want, err := Shares(p, known, 3)
	require.NoError(t, err)
	rng := rand.New(rand.NewSource(1))
	for range 50 {
		q := slices.Clone(p)
		rng.Shuffle(len(q), func(i, j int) { q[i], q[j] = q[j], q[i] })
		got, err := Shares(q, known, 3)
		require.NoError(t, err)
		for i := range want {
			assert.ElementsMatch(t, ids(want[i]), ids(got[i]), "share %d", i+1)
		}
	}
}

// The property every CI matrix relies on: for any plan, durations and
// share count, the shares are disjoint, their union is the plan, each
// keeps plan order, and the totals differ by at most the longest
// scenario's duration.
func TestSharesProperty(t *testing.T) {
	check := func(n uint8, total uint8, seed int64, withDurations bool) bool {
		rng := rand.New(rand.NewSource(seed))
		count := int(n)
		shards := int(total%12) + 1
		var p []results.PlannedScenario
		known := Durations{}
		for i := range count {
			id := fmt.Sprintf("features/f%d.feature:%d", rng.Intn(5), i+1)
			p = append(p, results.PlannedScenario{ID: id})
			if withDurations && rng.Intn(4) > 0 {
				known[id] = time.Duration(rng.Intn(120_000)+1) * time.Millisecond
			}
		}
		shares, err := Shares(p, known, shards)
		if err != nil || len(shares) != shards {
			t.Logf("shares: %v", err)
			return false
		}
		est := Estimate(p, known)
		var longest time.Duration
		for _, d := range est {
			longest = max(longest, d)
		}
		where := map[string]int{}
		var lo, hi time.Duration = -1, 0
		for i, s := range shares {
			pos := -1
			for _, sc := range s {
				if _, dup := where[sc.ID]; dup {
					t.Logf("%s is in shares %d and %d", sc.ID, where[sc.ID]+1, i+1)
					return false
				}
				where[sc.ID] = i
				at := slices.IndexFunc(p, func(q results.PlannedScenario) bool { return q.ID == sc.ID })
				if at < pos {
					t.Logf("share %d is not in plan order", i+1)
					return false
				}
				pos = at
			}
			tot := Total(s, est)
			if lo < 0 || tot < lo {
				lo = tot
			}
			hi = max(hi, tot)
		}
		for _, q := range p {
			if _, ok := where[q.ID]; !ok {
				t.Logf("%s is in no share", q.ID)
				return false
			}
		}
		if hi-lo > longest {
			t.Logf("unbalanced: %v..%v with the longest scenario %v", lo, hi, longest)
			return false
		}
		// Count balance without durations: sizes differ by at most one.
		if !Known(p, known) {
			small, big := len(shares[0]), len(shares[0])
			for _, s := range shares {
				small, big = min(small, len(s)), max(big, len(s))
			}
			if big-small > 1 {
				t.Logf("by count: sizes %d..%d", small, big)
				return false
			}
		}
		// Every machine computes the same: Shard agrees with Shares.
		for i := range shards {
			one, err := Shard(p, known, i+1, shards)
			if err != nil || !slices.Equal(ids(one), ids(shares[i])) {
				return false
			}
		}
		return true
	}
	require.NoError(t, quick.Check(check, &quick.Config{MaxCount: 500, Rand: rand.New(rand.NewSource(12))}))
}

func BenchmarkShares(b *testing.B) {
	var p []results.PlannedScenario
	known := Durations{}
	for i := range 2000 {
		id := fmt.Sprintf("features/f%d.feature:%d", i%40, i+1)
		p = append(p, results.PlannedScenario{ID: id})
		known[id] = time.Duration(i%97+1) * 100 * time.Millisecond
	}
	for b.Loop() {
		if _, err := Shares(p, known, 8); err != nil {
			b.Fatal(err)
		}
	}
}

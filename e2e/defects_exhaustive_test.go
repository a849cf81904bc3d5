//go:build defects

package e2e

import (
	"context"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/sut/refepr/defects"
)

// TestEachDefectFailsExactlyItsScenariosExhaustively is the brute-force
// form of TestDefectsAreCaughtExactlyWhereTheyApply (e2e tier): it turns
// each release-candidate defect of the reference EPR on alone and runs the
// whole example suite, with no reliance on the defect trace, and checks that
// the scenarios that fail are exactly those tagged @defect:<name>. It takes
// about 45 minutes on two cores (make test-defects).
func TestEachDefectFailsExactlyItsScenariosExhaustively(t *testing.T) {
	requireBrowser(t)
	for _, d := range defects.Names() {
		t.Run(string(d), func(t *testing.T) {
			r := harness(t, context.Background(), "run", "--backend", "embedded", "--workers", "2", "--epr-defects", string(d))
			run := readResults(t, r.out)
			var failed, expected, wrongKind []string
			for _, f := range run.Features {
				for _, s := range f.Scenarios {
					tagged := false
					for _, tag := range s.Tags {
						if tag == "@defect:"+string(d) {
							tagged = true
						}
					}
					if tagged {
						expected = append(expected, s.ID)
					}
					if s.Status != results.Passed {
						failed = append(failed, s.ID)
						if s.FailureKind != results.KindAssertion && s.FailureKind != results.KindTimeout {
							wrongKind = append(wrongKind, s.ID+" ("+string(s.FailureKind)+": "+firstLineOf(s.Error)+")")
						}
					}
				}
			}
			sort.Strings(failed)
			sort.Strings(expected)
			require.NotEmpty(t, expected, "no scenario is tagged @defect:%s", d)
			if !assert.Equal(t, expected, failed, "with only %s on, exactly the @defect:%s scenarios must fail", d, d) {
				r.dump(t)
			}
			assert.Empty(t, wrongKind, "a defect in the EPR must show as an assertion or timeout failure, not a harness or backend fault")
			assert.Equal(t, 1, r.code, "scenario failures give exit code 1")
		})
	}
}

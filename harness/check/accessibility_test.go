package check

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The baseline file is checked with the features: a bad entry is a
// problem at its line that stops a run; an expired one fails the check
// but does not stop the run from starting.
func TestA11yBaselineProblems(t *testing.T) {
	dir := t.TempDir()
	feature := filepath.Join(dir, "a.feature")
	require.NoError(t, os.WriteFile(feature, []byte("@access\nFeature: A\n  Scenario: S\n    Given I am signed in as a nurse\n"), 0o644))
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("accepted:\n  - rule: label\n    page: /x\n    owner: me\n    expires: 2027-01-01\n"), 0o644))
	r, err := checker(t).withOpts(WithA11yBaseline(bad)).Paths([]string{feature})
	require.NoError(t, err)
	require.Len(t, r.Problems, 1, "%v", r.Problems)
	p := r.Problems[0]
	assert.Equal(t, BadA11yBaseline, p.Kind)
	assert.Equal(t, bad, p.File)
	assert.Equal(t, 2, p.Line)
	assert.Contains(t, p.Msg, "reason")
	assert.True(t, p.StopsRun())

	old := filepath.Join(dir, "old.yaml")
	require.NoError(t, os.WriteFile(old, []byte("accepted:\n  - rule: label\n    page: /x\n    reason: supplier fix\n    owner: Digital lead\n    expires: 2026-01-31\n"), 0o644))
	now := func() time.Time { return time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC) }
	r, err = checker(t).withOpts(WithA11yBaseline(old), WithClock(now)).Paths([]string{feature})
	require.NoError(t, err)
	require.Len(t, r.Problems, 1, "%v", r.Problems)
	p = r.Problems[0]
	assert.Equal(t, ExpiredA11yBaseline, p.Kind)
	assert.Equal(t, 2, p.Line)
	assert.Contains(t, p.Msg, "expired on 2026-01-31")
	assert.False(t, p.StopsRun())

	now = func() time.Time { return time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC) }
	r, err = checker(t).withOpts(WithA11yBaseline(old), WithClock(now)).Paths([]string{feature})
	require.NoError(t, err)
	assert.Empty(t, r.Problems, "valid through its expiry day")
}

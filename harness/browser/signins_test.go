package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadPid is a process id no process can have: above the largest pid_max
// Linux allows (2^22).
const deadPid = 1<<22 + 1

func TestNewSignInsIsPrivateAndNamedAfterItsProcess(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	s, err := NewSignIns()
	require.NoError(t, err)
	st, err := os.Stat(s.Dir())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
	assert.True(t, strings.HasPrefix(filepath.Base(s.Dir()), fmt.Sprintf("eprharness-signins-%d-", os.Getpid())), s.Dir())
	pid, ok := signInsPid(filepath.Base(s.Dir()))
	assert.True(t, ok)
	assert.Equal(t, os.Getpid(), pid)

	removed, err := SweepSignIns("")
	require.NoError(t, err)
	assert.Empty(t, removed, "a live run's folder stays")
	require.NoError(t, s.Close())
	assert.NoDirExists(t, s.Dir())
}

func TestSweepSignIns(t *testing.T) {
	tmp := t.TempDir()
	old := time.Now().Add(-SignInsMaxAge - time.Hour)
	mk := func(name string, mtime time.Time) string {
		p := filepath.Join(tmp, name)
		require.NoError(t, os.Mkdir(p, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(p, "0123abcd.json"), []byte(`{"cookies":[{"name":"sid"}]}`), 0o600))
		require.NoError(t, os.Chtimes(p, mtime, mtime))
		return p
	}
	now := time.Now()
	dead := mk(fmt.Sprintf("eprharness-signins-%d-123456", deadPid), now)
	mine := mk(fmt.Sprintf("eprharness-signins-%d-1", os.Getpid()), old)
	live := mk(fmt.Sprintf("eprharness-signins-%d-2", os.Getppid()), now)
	liveButIdle := mk(fmt.Sprintf("eprharness-signins-%d-3", os.Getppid()), old)
	legacy := mk("eprharness-signins-21335393", now)
	legacyOld := mk("eprharness-signins-2356012134", old)
	badPid := mk("eprharness-signins-x-1", old)
	other := mk("eprharness-e2e-1", old)
	file := filepath.Join(tmp, "eprharness-signins-1-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))

	removed, err := SweepSignIns(tmp)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{dead, liveButIdle, legacyOld, badPid}, removed)
	for _, p := range removed {
		assert.NoDirExists(t, p)
	}
	for _, p := range []string{mine, live, legacy, other} {
		assert.DirExists(t, p)
	}
	assert.FileExists(t, file, "only folders are swept")

	removed, err = SweepSignIns(tmp)
	require.NoError(t, err)
	assert.Empty(t, removed, "nothing more")

	_, err = SweepSignIns(filepath.Join(tmp, "missing"))
	assert.ErrorContains(t, err, "sweep sign-ins:")
}

func TestProcessAlive(t *testing.T) {
	assert.True(t, processAlive(os.Getpid()))
	assert.False(t, processAlive(deadPid))
}

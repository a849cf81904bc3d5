package browser

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fakeExecutable(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755))
	return p
}

func TestFindOrder(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)

	// Nothing installed: the error says what was tried and how to install.
	_, _, err := Find("", nil, false)
	var nf *NotFoundError
	require.True(t, errors.As(err, &nf), "%v", err)
	assert.Contains(t, err.Error(), "chromium-browser")
	assert.Contains(t, err.Error(), "eprharness install")
	assert.Contains(t, err.Error(), "--browser-path")

	// A system Chromium on PATH is found; google-chrome only when no
	// chromium comes first.
	chrome := fakeExecutable(t, dir, "google-chrome")
	path, source, err := Find("", nil, false)
	require.NoError(t, err)
	assert.Equal(t, chrome, path)
	assert.Equal(t, "system", source)
	chromium := fakeExecutable(t, dir, "chromium")
	path, _, err = Find("", nil, false)
	require.NoError(t, err)
	assert.Equal(t, chromium, path)

	// Headless, the headless shell comes first; headed, it is never used.
	shell := fakeExecutable(t, dir, "chromium-headless-shell")
	path, _, err = Find("", nil, true)
	require.NoError(t, err)
	assert.Equal(t, shell, path)
	path, _, err = Find("", nil, false)
	require.NoError(t, err)
	assert.Equal(t, chromium, path)
	require.NoError(t, os.Remove(chromium))
	require.NoError(t, os.Remove(chrome))
	_, _, err = Find("", nil, false)
	require.True(t, errors.As(err, &nf), "headed with only a headless shell: %v", err)

	// An explicit path wins, and must exist.
	explicit := fakeExecutable(t, t.TempDir(), "my-chrome")
	path, source, err = Find(explicit, nil, true)
	require.NoError(t, err)
	assert.Equal(t, explicit, path)
	assert.Equal(t, "explicit", source)
	_, _, err = Find(filepath.Join(dir, "missing"), nil, false)
	assert.ErrorContains(t, err, "browser path")
}

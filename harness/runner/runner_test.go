package runner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/results"
)

func TestCleanPreviousRemovesOnlyWhatTheLastRunRecorded(t *testing.T) {
	out := t.TempDir()
	write := func(rel string) {
		p := filepath.Join(out, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
	}
	write("search/finding-L12/screenshot.png")
	write("search/finding-L12/trace.zip")
	write("search/keep-me.txt")
	write("junit.xml")
	write("notes.md")
	prev := results.Run{Features: []*results.Feature{{Scenarios: []*results.Scenario{{Attachments: []results.Attachment{
		{Name: "screenshot", Path: "search/finding-L12/screenshot.png"},
		{Name: "trace", Path: "search/finding-L12/trace.zip"},
		{Name: "outside", Path: "../escape.txt"},
	}}}}}}
	data, _ := json.Marshal(prev)
	require.NoError(t, os.WriteFile(filepath.Join(out, "results.json"), data, 0o644))
	outside := filepath.Join(filepath.Dir(out), "escape.txt")
	require.NoError(t, os.WriteFile(outside, []byte("x"), 0o644))
	t.Cleanup(func() { os.Remove(outside) })

	cleanPrevious(out)

	assert.NoDirExists(t, filepath.Join(out, "search", "finding-L12"))
	assert.FileExists(t, filepath.Join(out, "search", "keep-me.txt"), "files the run did not record stay")
	assert.FileExists(t, filepath.Join(out, "notes.md"))
	assert.NoFileExists(t, filepath.Join(out, "junit.xml"))
	assert.NoFileExists(t, filepath.Join(out, "results.json"))
	assert.FileExists(t, outside, "a path leading outside the folder is never followed")
}

func TestReproCommand(t *testing.T) {
	cfg := config.Default()
	cfg.Backend = config.BackendDocker
	cfg.PostgresImage = "eprharness/postgres:15"
	cfg.Clock = "2026-06-01"
	r := New(cfg)
	got := r.ReproCommand(&results.Scenario{ID: "features/patient_banner.feature:12"})
	assert.Equal(t, "eprharness run features/patient_banner.feature:12 --backend docker --epr-image eprharness/refepr:dev --postgres-image eprharness/postgres:15 --clock 2026-06-01 --headed --trace always --keep-backends", got)

	// On real time, the scenario's start fixes the repro's clock, so it
	// shows the same dates; defects and fixtures go along.
	cfg = config.Default()
	cfg.EPRDefects = "double-booking"
	cfg.Fixtures = "testdata/fixtures"
	got = New(cfg).ReproCommand(&results.Scenario{ID: "features/appointments.feature:30", StartedAt: time.Date(2026, 11, 29, 8, 15, 42, 500, time.UTC)})
	assert.Equal(t, "eprharness run features/appointments.feature:30 --backend embedded --epr-defects double-booking --fixtures testdata/fixtures --clock 2026-11-29T08:15:42Z --headed --trace always --keep-backends", got)
}

// A repro names the real target: a URL target is never "--backend embedded".
func TestReproCommandNamesTheRealTarget(t *testing.T) {
	cfg := config.Default()
	cfg.Backend = config.BackendURL
	cfg.BaseURL = "https://epr.test.example.nhs.uk"
	cfg.AllowedHosts = []string{"*.test.example.nhs.uk"}
	cfg.Adapter = config.AdapterDeclarative
	cfg.ScreenMap = "screens.yaml"
	cfg.Reset = config.ResetUnique
	got := New(cfg).ReproCommand(&results.Scenario{ID: "features/x.feature:3"})
	assert.Equal(t, "eprharness run features/x.feature:3 --backend url --adapter declarative --screen-map screens.yaml --base-url https://epr.test.example.nhs.uk --allowed-hosts *.test.example.nhs.uk --reset unique --headed --trace always --keep-backends", got)

	cfg = config.Default()
	cfg.Backend = config.BackendCompose
	cfg.File = "examples/orthanc/eprharness.yaml"
	cfg.ComposeFiles = []string{"examples/orthanc/compose.yaml"}
	cfg.ComposeService, cfg.ComposePort = "orthanc", 8042
	got = New(cfg).ReproCommand(&results.Scenario{ID: "examples/orthanc/features/find.feature:5"})
	assert.Equal(t, "eprharness run examples/orthanc/features/find.feature:5 --config examples/orthanc/eprharness.yaml --backend compose --compose-file examples/orthanc/compose.yaml --compose-service orthanc --compose-port 8042 --headed --trace always --keep-backends", got)
}

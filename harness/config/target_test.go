package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What a new user tries first, as the issue reports it: each way of naming
// a running EPR by URL works.
func TestURLTargetFromEverySource(t *testing.T) {
	dir := workdir(t, "")
	cfg, err := Load(Source{Dir: dir, Args: []string{"--backend", "external", "--base-url", "http://127.0.0.1:8042"}})
	require.NoError(t, err)
	assert.Equal(t, BackendURL, cfg.Backend)
	assert.Equal(t, ResetNone, cfg.EffectiveReset())

	cfg, err = Load(Source{Dir: dir, Env: []string{"EPRHARNESS_BACKEND=url", "EPRHARNESS_BASE_URL=http://localhost:9000"}})
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:9000", cfg.BaseURL)
	assert.Empty(t, cfg.Warnings)

	dir = workdir(t, "backend: url\nbase-url: http://localhost:9000\n")
	cfg, err = Load(Source{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:9000", cfg.BaseURL)
}

func TestTargetErrorsNameWhereTheSettingWasMade(t *testing.T) {
	cases := []struct {
		name, yaml string
		args       []string
		want       string
	}{
		{"url without base-url", "backend: url\n", nil, "eprharness.yaml:1: backend: the url backend needs base-url"},
		{"a live host", "backend: url\nbase-url: https://epr.live.example.nhs.uk\n", nil, `eprharness.yaml:2: base-url: https://epr.live.example.nhs.uk is not on the allowed hosts`},
		{"allowed by wildcard", "backend: url\nbase-url: https://epr.test.example.nhs.uk\nallowed-hosts: ['*.test.example.nhs.uk']\n", nil, ""},
		{"base-url on embedded", "", []string{"--base-url", "http://localhost:1"}, "--base-url: base-url: is only for backend url"},
		{"declarative without map", "adapter: declarative\n", nil, "eprharness.yaml:1: adapter: the declarative adapter needs screen-map"},
		{"missing map", "adapter: declarative\nscreen-map: nowhere.yaml\n", nil, "eprharness.yaml:2: screen-map: no file at nowhere.yaml"},
		{"compose without service", "backend: compose\ncompose-file: compose.yaml\n", nil, "backend: the compose backend needs compose-service and compose-port"},
		{"bad wait", "compose-wait: [orthanc=tcp:80]\n", nil, "eprharness.yaml:1: compose-wait: orthanc: want http:/PATH, log:TEXT or healthy"},
		{"builtin reset on url", "backend: url\nbase-url: http://localhost:1\nreset: builtin\n", nil, "eprharness.yaml:3: reset: builtin is the reference EPR's own reset"},
		{"http reset without url", "backend: url\nbase-url: http://localhost:1\nreset: http\n", nil, "eprharness.yaml:3: reset: the http reset needs reset-url"},
		{"dicom without url", "fixture-loader: dicom\n", nil, "eprharness.yaml:1: fixture-loader: the dicom loader needs fixture-url"},
		{"bad allowed host", "allowed-hosts: [http://x]\n", nil, "eprharness.yaml:1: allowed-hosts: want a host name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := workdir(t, c.yaml)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {}\n"), 0o644))
			_, err := Load(Source{Dir: dir, Args: c.args})
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// Paths in a configuration file are relative to the file, so an example
// suite's file works from the repository root.
func TestFilePathsAreRelativeToTheFile(t *testing.T) {
	dir := workdir(t, "")
	ex := filepath.Join(dir, "examples", "x")
	require.NoError(t, os.MkdirAll(filepath.Join(ex, "features"), 0o755))
	for _, f := range []string{"screens.yaml", "reset.sql", "body.json", "a11y.yaml", "hazards.csv", "axe.min.js"} {
		require.NoError(t, os.WriteFile(filepath.Join(ex, f), []byte("x"), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(ex, "eprharness.yaml"), []byte(
		"paths: [features]\nfixtures: fixtures\nadapter: declarative\nscreen-map: screens.yaml\nreset-body: \"@body.json\"\n"+
			"a11y-baseline: a11y.yaml\nhazard-log: hazards.csv\naxe-script: axe.min.js\n"), 0o644))
	cfg, err := Load(Source{Dir: dir, Args: []string{"--config", filepath.Join("examples", "x", "eprharness.yaml")}})
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join("examples", "x", "features")}, cfg.Paths)
	assert.Equal(t, filepath.Join("examples", "x", "fixtures"), cfg.Fixtures)
	assert.Equal(t, filepath.Join("examples", "x", "screens.yaml"), cfg.ScreenMap)
	assert.Equal(t, "@"+filepath.Join("examples", "x", "body.json"), cfg.ResetBody)
	assert.Equal(t, filepath.Join("examples", "x", "a11y.yaml"), cfg.A11yBaseline)
	assert.Equal(t, filepath.Join("examples", "x", "hazards.csv"), cfg.HazardLog)
	assert.Equal(t, filepath.Join("examples", "x", "axe.min.js"), cfg.AxeScript)
}

func TestWorkersOnOneURLNeedUniqueData(t *testing.T) {
	dir := workdir(t, "backend: url\nbase-url: http://localhost:1\nreset: http\nreset-url: /reset\n")
	_, err := Load(Source{Dir: dir, Args: []string{"--workers", "2"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--workers: workers: 2 workers share the one EPR")
	_, err = Load(Source{Dir: dir, Args: []string{"--workers", "2", "--reset", "unique"}})
	require.NoError(t, err)
}

// The default fixtures folder may be absent (an EPR tested without
// fixtures); a folder that was named must exist, so FixturesDir keeps it
// and fixtures.Open reports it.
func TestFixturesDirOnlyForgivesTheDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.Mkdir("features", 0o755))
	cfg, err := Load(Source{Dir: "."})
	require.NoError(t, err)
	assert.Equal(t, "", cfg.FixturesDir(), "default, absent: no fixtures")

	require.NoError(t, os.Mkdir("fixtures", 0o755))
	assert.Equal(t, "fixtures", cfg.FixturesDir(), "default, present")

	cfg, err = Load(Source{Dir: ".", Args: []string{"--fixtures", "fixturez"}})
	require.NoError(t, err)
	assert.Equal(t, "fixturez", cfg.FixturesDir(), "named, absent: kept, so opening it fails")
}

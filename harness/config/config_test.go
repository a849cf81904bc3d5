package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// workdir makes a folder with a features/ folder and, when yaml is not
// empty, an eprharness.yaml.
func workdir(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "features"), 0o755))
	if yaml != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, DefaultFile), []byte(yaml), 0o644))
	}
	t.Chdir(dir)
	return dir
}

func TestDefaults(t *testing.T) {
	dir := workdir(t, "")
	cfg, err := Load(Source{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, Default().Backend, cfg.Backend)
	assert.Equal(t, []string{"features"}, cfg.Paths)
	assert.Equal(t, 10*time.Second, cfg.Timeout)
	assert.Empty(t, cfg.File)
}

func TestPrecedence(t *testing.T) {
	dir := workdir(t, "backend: docker\ntags: \"@file\"\nout: from-file\ntimeout: 20s\nclock: 2026-01-01\n")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "other"), 0o755))

	// File over defaults.
	cfg, err := Load(Source{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, "docker", cfg.Backend)
	assert.Equal(t, "@file", cfg.Tags)
	assert.Equal(t, 20*time.Second, cfg.Timeout)
	assert.Equal(t, filepath.Join(dir, DefaultFile), cfg.File)

	// Environment over file.
	env := []string{"EPRHARNESS_TAGS=@env", "EPRHARNESS_OUT=from-env", "EPRHARNESS_HEADED=true", "UNRELATED=x"}
	cfg, err = Load(Source{Dir: dir, Env: env})
	require.NoError(t, err)
	assert.Equal(t, "@env", cfg.Tags)
	assert.Equal(t, "from-env", cfg.Out)
	assert.True(t, cfg.Headed)
	assert.Equal(t, "docker", cfg.Backend, "file value kept where env is silent")
	assert.Empty(t, cfg.Warnings)

	cfg, err = Load(Source{Dir: dir, Env: []string{"EPRHARNESS_BAKEND=docker", "EPRHARNESS_REQUIRE_DOCKER=1"}})
	require.NoError(t, err)
	require.Len(t, cfg.Warnings, 1)
	assert.Contains(t, cfg.Warnings[0], "EPRHARNESS_BAKEND is not an eprharness setting")

	// Flags over environment; positional paths replace paths.
	cfg, err = Load(Source{Dir: dir, Env: env, Args: []string{"--tags", "@flag", "--backend=embedded", "--headed=false", "other"}})
	require.NoError(t, err)
	assert.Equal(t, "@flag", cfg.Tags)
	assert.Equal(t, "embedded", cfg.Backend)
	assert.False(t, cfg.Headed)
	assert.Equal(t, "from-env", cfg.Out)
	assert.Equal(t, []string{"other"}, cfg.Paths)
}

func TestFlagsAfterPaths(t *testing.T) {
	dir := workdir(t, "")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "more"), 0o755))
	cfg, err := Load(Source{Dir: dir, Args: []string{"features", "--headed", "more", "--tags", "@smoke"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"features", "more"}, cfg.Paths)
	assert.True(t, cfg.Headed)
	assert.Equal(t, "@smoke", cfg.Tags)

	require.NoError(t, os.MkdirAll(filepath.Join(dir, "--odd"), 0o755))
	cfg, err = Load(Source{Dir: dir, Args: []string{"--headed", "--", "--odd"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"--odd"}, cfg.Paths, "after -- everything is a path")
}

func TestExplicitConfigFile(t *testing.T) {
	dir := workdir(t, "tags: \"@default-file\"\n")
	alt := filepath.Join(dir, "ci.yaml")
	require.NoError(t, os.WriteFile(alt, []byte("tags: \"@ci\"\n"), 0o644))

	cfg, err := Load(Source{Dir: dir, Env: []string{"EPRHARNESS_CONFIG=" + alt}})
	require.NoError(t, err)
	assert.Equal(t, "@ci", cfg.Tags)

	_, err = Load(Source{Dir: dir, Args: []string{"--config", filepath.Join(dir, "missing.yaml")}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.yaml: cannot read configuration file")
}

func TestErrorsNameTheSourceAndField(t *testing.T) {
	cases := []struct {
		name, yaml string
		env, args  []string
		want       string
	}{
		{"unknown key", "backend: embedded\nbakend: docker\n", nil, nil, "eprharness.yaml:2: bakend: unknown setting"},
		{"bad value in file", "\n\nbackend: dokker\n", nil, nil, `eprharness.yaml:3: backend: must be one of embedded, docker, url, compose, got "dokker"`},
		{"bad duration in file", "timeout: soon\n", nil, nil, "eprharness.yaml:1: timeout: want a duration"},
		{"yaml syntax", "backend: [\n", nil, nil, "eprharness.yaml: line"},
		{"bad env", "", []string{"EPRHARNESS_TIMEOUT=-3s"}, nil, "EPRHARNESS_TIMEOUT: must be positive"},
		{"bad bool env", "", []string{"EPRHARNESS_HEADED=maybe"}, nil, `EPRHARNESS_HEADED: want true or false, got "maybe"`},
		{"bad flag", "", nil, []string{"--clock", "tomorrow"}, `--clock: want a date`},
		{"unknown flag", "", nil, []string{"--bakend", "docker"}, "flag provided but not defined: -bakend"},
		{"missing path", "", nil, []string{"nowhere/x.feature"}, "paths: no feature file or folder at nowhere/x.feature"},
		{"bad line", "", nil, []string{"features/x.feature:abc"}, "the part after the colon must be a line number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := workdir(t, c.yaml)
			_, err := Load(Source{Dir: dir, Env: c.env, Args: c.args})
			require.Error(t, err)
			var ce *Error
			require.True(t, errors.As(err, &ce), "want *config.Error, got %T", err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestHelp(t *testing.T) {
	dir := workdir(t, "")
	var out strings.Builder
	_, err := Load(Source{Dir: dir, Args: []string{"-h"}, Usage: &out})
	assert.ErrorIs(t, err, ErrHelp)
	assert.Contains(t, out.String(), "-backend")
}

func TestSplitPathLine(t *testing.T) {
	f, l, err := SplitPathLine("features/a.feature:12")
	require.NoError(t, err)
	assert.Equal(t, "features/a.feature", f)
	assert.Equal(t, 12, l)
	f, l, err = SplitPathLine("C:/x/features")
	require.NoError(t, err)
	assert.Equal(t, "C:/x/features", f)
	assert.Zero(t, l)
}

// The README's configuration reference is generated from the settings
// table; it must not drift from the code.
func TestReadmeReferenceIsCurrent(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	var ref strings.Builder
	Reference(&ref)
	assert.Contains(t, string(readme), ref.String(),
		"README.md's configuration reference is stale: paste the output of `go run ./cmd/eprharness config`")
}

func TestRequiredTags(t *testing.T) {
	dir := workdir(t, "required-tags:\n  - \"@search\"\n  - \"@banner\"\n")
	cfg, err := Load(Source{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, []string{"@search", "@banner"}, cfg.RequiredTags)

	cfg, err = Load(Source{Dir: dir, Env: []string{"EPRHARNESS_REQUIRED_TAGS="}})
	require.NoError(t, err)
	assert.Empty(t, cfg.RequiredTags, "empty: no rule")

	cfg, err = Load(Source{Dir: dir, Args: []string{"--required-tags", "@a, @b"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"@a", "@b"}, cfg.RequiredTags)

	_, err = Load(Source{Dir: dir, Args: []string{"--required-tags", "@a,b c"}})
	require.Error(t, err)
	assert.Equal(t, `--required-tags: want tags such as @search, got "b c"`, err.Error())

	dir = workdir(t, "")
	cfg, err = Load(Source{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, DefaultRequiredTags, cfg.RequiredTags)
	cfg.RequiredTags[0] = "@changed"
	assert.Equal(t, "@access", Default().RequiredTags[0], "Default returns a copy")
}

func TestNHSTestRanges(t *testing.T) {
	dir := workdir(t, "nhs-test-ranges:\n  - 9434000000-9434999999\n  - 943 500 0000 - 943 500 9999\n")
	cfg, err := Load(Source{Dir: dir})
	require.NoError(t, err)
	require.Len(t, cfg.NHSTestRanges, 2)
	assert.Equal(t, "9434000000", cfg.NHSTestRanges[0].First)
	assert.Equal(t, "9435009999", cfg.NHSTestRanges[1].Last)

	cfg, err = Load(Source{Dir: dir, Env: []string{"EPRHARNESS_NHS_TEST_RANGES=4000000000-4000000099"}})
	require.NoError(t, err)
	assert.Equal(t, "4000000000-4000000099", FormatNHSRanges(cfg.NHSTestRanges))

	assert.Empty(t, Default().NHSTestRanges, "only the 999 range is allowed by default")

	for args, want := range map[string]string{
		"9434000000":            "want FIRST-LAST with ten-digit bounds",
		"9434000000-94349":      "want FIRST-LAST with ten-digit bounds",
		"9434999999-9434000000": `range "9434999999-9434000000": the first number is after the last`,
	} {
		_, err := Load(Source{Dir: workdir(t, ""), Args: []string{"--nhs-test-ranges", args}})
		require.Error(t, err, args)
		assert.Contains(t, err.Error(), "--nhs-test-ranges: "+want)
	}
	_, err = Load(Source{Dir: workdir(t, "\nnhs-test-ranges: 1-2\n")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "eprharness.yaml:2: nhs-test-ranges: want FIRST-LAST")
}

func TestParseClock(t *testing.T) {
	got, err := ParseClock("")
	require.NoError(t, err)
	assert.True(t, got.IsZero(), "empty: not fixed")
	got, err = ParseClock("2026-06-01")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), got)
	got, err = ParseClock("2026-06-01T09:30:00+01:00")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 6, 1, 8, 30, 0, 0, time.UTC), got.UTC())
	_, err = ParseClock("tomorrow")
	assert.ErrorContains(t, err, `want a date (2026-06-01) or an RFC 3339 time, got "tomorrow"`)
}

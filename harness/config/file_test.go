package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFileRefusesDuplicateKeys(t *testing.T) {
	dir := workdir(t, "backend: docker\ntimeout: 5s\nworkers: 2\ntimeout: 20s\n")
	_, err := Load(Source{Dir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "eprharness.yaml:4: timeout: duplicate key: already set at line 2")
}

func TestFileProblemsNameFileLineAndField(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"backend: docker\nheadless: true\n", "eprharness.yaml:2: headless: unknown setting"},
		{"workers: many\n", `eprharness.yaml:1: workers: want a whole number, got "many"`},
		{"workers: [1, 2]\n", "eprharness.yaml:1: workers: want a single value"},
		{"headed: sometimes\n", `eprharness.yaml:1: headed: want true or false, got "sometimes"`},
		{"out: x\ntimeout: 10 seconds\n", `eprharness.yaml:2: timeout: want a duration such as 10s or 2m, got "10 seconds"`},
		{"backend: kubernetes\n", `eprharness.yaml:1: backend: must be one of embedded, docker, url, compose, got "kubernetes"`},
		{"base-url: http://localhost:8080\n", "eprharness.yaml:1: base-url: is only for backend url"},
		{"tags: \"@smoke and\"\n", `eprharness.yaml:1: tags: tag expression "@smoke and", column 11`},
		{"nhs-test-ranges: 943-944\n", "eprharness.yaml:1: nhs-test-ranges: want FIRST-LAST with ten-digit bounds"},
		{"- backend\n", "eprharness.yaml:1: want a mapping of setting: value"},
		{"backend: docker\n---\nout: x\n", "eprharness.yaml:3: a second YAML document"},
		{"backend: [docker\n", "eprharness.yaml: "},
	} {
		dir := workdir(t, c.yaml)
		_, err := Load(Source{Dir: dir})
		require.Error(t, err, c.yaml)
		assert.Contains(t, err.Error(), c.want, c.yaml)
	}
}

func TestFileEmptyDocumentsAreDefaults(t *testing.T) {
	for _, y := range []string{"# nothing yet\n", "---\n", "---\nbackend: docker\n...\n", "backend: docker\n---\n"} {
		dir := workdir(t, y)
		cfg, err := Load(Source{Dir: dir})
		require.NoError(t, err, y)
		assert.Contains(t, []string{BackendEmbedded, BackendDocker}, cfg.Backend)
	}
}

func TestBadTagsNameTheirSource(t *testing.T) {
	dir := workdir(t, "")
	_, err := Load(Source{Dir: dir, Env: []string{"EPRHARNESS_TAGS=not"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "EPRHARNESS_TAGS: tag expression")
	_, err = Load(Source{Dir: dir, Args: []string{"--tags", "(@a"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--tags: tag expression")
}

// FuzzConfigFile feeds arbitrary bytes to Load as eprharness.yaml: it must
// never panic, and every error must name the file it came from.
func FuzzConfigFile(f *testing.F) {
	for _, seed := range []string{
		"",
		"backend: docker\nworkers: 2\ntimeout: 20s\n",
		"backend: url\nbase-url: http://localhost:8080\nreset: unique\n",
		"timeout: 5s\ntimeout: 6s\n",
		"paths: [features, more]\ntags: \"@smoke and not @slow\"\n",
		"nhs-test-ranges: 9434000000-9434999999\n",
		"backend: compose\ncompose-file: [x.yaml]\n",
		"adapter: declarative\n",
		"&a x: *a\n",
		"<<: {backend: docker}\n",
		"---\n- 1\n---\n",
		"headed: !!binary aGVsbG8=\n",
		"\xef\xbb\xbfbackend: docker\n",
		"clock: 2026-13-40\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, DefaultFile)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(Source{Dir: dir, NoPaths: true})
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), DefaultFile) {
			t.Fatalf("error does not name the file: %v", err)
		}
		if !utf8.ValidString(err.Error()) && utf8.Valid(data) {
			t.Fatalf("error is not valid UTF-8: %q", err.Error())
		}
	})
}

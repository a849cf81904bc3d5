package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// These run the command line in-process up to the point where a browser or
// backend would start: bad input must give exit code 2 and a message that
// names the file, line and field, with no panic and no stack trace.
func TestBadInputExitsWithUsage(t *testing.T) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no command", nil, nil, "usage: eprharness"},
		{"unknown command", []string{"rnu"}, nil, `unknown command "rnu"`},
		{"bad backend", []string{"run", "--backend", "dokker"}, nil, `--backend: must be one of embedded, docker, url, compose, got "dokker"`},
		{"url without base-url", []string{"run", "--backend", "url"}, nil, "--backend: backend: the url backend needs base-url"},
		{"url on a live host", []string{"run", "--backend", "url", "--base-url", "https://epr.live.example.nhs.uk"}, nil, "is not on the allowed hosts"},
		{"compose: unknown service", []string{"run", "--backend", "compose", "--compose-file", "examples/orthanc/compose.yaml", "--compose-service", "web", "--compose-port", "80"}, nil, `--compose-file: compose-file: examples/orthanc/compose.yaml has no service "web"; its services are orthanc`},
		{"compose: not a Compose file", []string{"run", "--backend", "compose", "--compose-file", "go.mod", "--compose-service", "web", "--compose-port", "80"}, nil, "compose-file: read go.mod"},
		{"unknown adapter", []string{"run", "--adapter", "cerner"}, nil, `--adapter: adapter: unknown adapter "cerner"; registered adapters are declarative, refepr`},
		{"check: unknown adapter", []string{"check", "--adapter", "cerner"}, nil, `unknown adapter "cerner"`},
		{"bad env", []string{"run"}, map[string]string{"EPRHARNESS_TIMEOUT": "soon"}, "EPRHARNESS_TIMEOUT: want a duration"},
		{"missing path", []string{"run", "features/nope.feature"}, nil, "no feature file or folder at features/nope.feature"},
		{"malformed feature", []string{"run", "cmd/eprharness/testdata/broken.feature"}, nil, "cmd/eprharness/testdata/broken.feature:4: syntax error: unexpected line"},
		{"no scenario at line", []string{"run", "features/sign_in.feature:2"}, nil, "features/sign_in.feature:2: no scenario at this line"},
		{"bad tag expression", []string{"run", "--tags", "@smoke and"}, nil, `tag expression "@smoke and", column 11`},
		{"no scenario matches", []string{"run", "--tags", "@no-such-tag"}, nil, "no scenario in features matches"},
		{"bad fixtures folder", []string{"run", "--fixtures", "cmd/eprharness/testdata"}, nil, "cmd/eprharness/testdata: not a fixtures folder: it has neither patients/ nor users.yaml"},
		{"show-trace without file", []string{"show-trace"}, nil, "usage: eprharness show-trace"},
		{"check: bad required tag", []string{"check", "--required-tags", "search"}, nil, `--required-tags: want tags such as @search, got "search"`},
		{"check: missing path", []string{"check", "features/nope.feature"}, nil, "no feature file or folder at features/nope.feature"},
		{"check: bad fixtures", []string{"check", "--fixtures", "cmd/eprharness/testdata"}, nil, "users.yaml"},
		{"steps: extra argument", []string{"steps", "features"}, nil, `unexpected argument "features"`},
		{"sweep: extra argument", []string{"sweep", "all"}, nil, `sweep: unexpected argument "all"`},
		{"sweep: run and kept", []string{"sweep", "--run", "r1", "--kept"}, nil, "give --run or --kept, not both"},
		{"sweep: unknown flag", []string{"sweep", "--force"}, nil, "flag provided but not defined: -force"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(repo)
			t.Setenv("EPRHARNESS_STORE", filepath.Join(t.TempDir(), "results.db"))
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := Main(c.args, &stdout, &stderr)
			assert.Equal(t, exitcode.Usage, code, "stderr: %s", stderr.String())
			// Messages go to stderr; check's findings to stdout.
			assert.Contains(t, stderr.String()+stdout.String(), c.want)
			assert.NotContains(t, stderr.String(), "goroutine ", "no stack traces")
		})
	}
}

func TestConfigAndVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.Pass, Main([]string{"config"}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "EPRHARNESS_BACKEND")
	stdout.Reset()
	assert.Equal(t, exitcode.Pass, Main([]string{"version"}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "eprharness ")
}

// docs/steps.md is the step catalogue as `eprharness steps --format
// markdown` prints it; `make docs` or `go test ./cmd/eprharness -update`
// regenerates it.
func TestDocsStepsUpToDate(t *testing.T) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitcode.Pass, Main([]string{"steps", "--format", "markdown"}, &stdout, &stderr), stderr.String())
	assert.Empty(t, stderr.String())
	if resultstest.Update() {
		require.NoError(t, os.WriteFile("docs/steps.md", stdout.Bytes(), 0o644))
	}
	want, err := os.ReadFile("docs/steps.md")
	require.NoError(t, err)
	assert.Equal(t, string(want), stdout.String(), "docs/steps.md is stale: run `make docs`")
}

func TestStepsFormats(t *testing.T) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	for format, want := range map[string]string{
		"text":     "  the patient \"{patient}\" has a restricted record\n",
		"markdown": "**`the patient \"{patient}\" has a restricted record`**",
		"json":     `"pattern": "^the patient \"([^\"]*)\" has a restricted record$"`,
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, exitcode.Pass, Main([]string{"steps", "--format", format}, &stdout, &stderr), stderr.String())
		assert.Contains(t, stdout.String(), want, format)
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.Usage, Main([]string{"steps", "--format", "yaml"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `unknown format "yaml"`)
}

func TestCheck(t *testing.T) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.Pass, Main([]string{"check"}, &stdout, &stderr), stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "eprharness check: no problems")

	stdout.Reset()
	assert.Equal(t, exitcode.Usage, Main([]string{"check", "harness/check/testdata/problems.feature"}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), `harness/check/testdata/problems.feature:9: undefined step: When I serch for "Amy Pond"`)

	// The required tags are configuration: with none required, the
	// untagged scenario passes.
	stdout.Reset()
	assert.Equal(t, exitcode.Usage, Main([]string{"check", "harness/check/testdata/untagged.feature"}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "missing tag")
	stdout.Reset()
	assert.Equal(t, exitcode.Pass, Main([]string{"check", "--required-tags", "", "harness/check/testdata/untagged.feature"}, &stdout, &stderr), stdout.String())
}

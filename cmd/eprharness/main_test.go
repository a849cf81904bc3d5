package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/exitcode"
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
		{"bad backend", []string{"run", "--backend", "dokker"}, nil, `--backend: must be one of embedded, docker, got "dokker"`},
		{"bad env", []string{"run"}, map[string]string{"EPRHARNESS_TIMEOUT": "soon"}, "EPRHARNESS_TIMEOUT: want a duration"},
		{"missing path", []string{"run", "features/nope.feature"}, nil, "no feature file or folder at features/nope.feature"},
		{"malformed feature", []string{"run", "cmd/eprharness/testdata/broken.feature"}, nil, "cmd/eprharness/testdata/broken.feature:4: expected:"},
		{"no scenario at line", []string{"run", "features/sign_in.feature:2"}, nil, "features/sign_in.feature:2: no scenario at this line"},
		{"bad tag expression", []string{"run", "--tags", "@smoke and"}, nil, `tag expression "@smoke and", column 11`},
		{"no scenario matches", []string{"run", "--tags", "@no-such-tag"}, nil, "no scenario in features matches"},
		{"bad fixtures folder", []string{"run", "--fixtures", "cmd/eprharness/testdata"}, nil, "users.yaml"},
		{"show-trace without file", []string{"show-trace"}, nil, "usage: eprharness show-trace"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(repo)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := Main(c.args, &stdout, &stderr)
			assert.Equal(t, exitcode.Usage, code, "stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), c.want)
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

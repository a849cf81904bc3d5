package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

func TestParseFlagsAfterPositionals(t *testing.T) {
	fs := flag.NewFlagSet("eprharness diff", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "")
	out := fs.String("out", "", "")
	kept := fs.Bool("kept", false, "")
	require.NoError(t, parseFlags(fs, []string{"last-green", "latest", "--format", "markdown", "--kept", "--out=diff.md"}))
	assert.Equal(t, []string{"last-green", "latest"}, fs.Args())
	assert.Equal(t, "markdown", *format)
	assert.Equal(t, "diff.md", *out)
	assert.True(t, *kept)
}

// The README's and docs' own command lines, with flags after the
// positional arguments, work as written.
func TestReadmeCommandLinesParse(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EPRHARNESS_STORE", "off")
	run := resultstest.Sample()
	runFile := writeRun(t, filepath.Join(dir, "run"), run)

	// eprharness diff last-green latest --format markdown (here on files),
	// and eprharness diff out-2.3.1/results.json out-2.4.0/results.json --format json.
	var stdout, stderr bytes.Buffer
	code := Main([]string{"diff", runFile, runFile, "--format", "json"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	var j map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &j), "--format after the runs is applied: %s", stdout.String())

	md := filepath.Join(dir, "diff.md")
	stdout.Reset()
	code = Main([]string{"diff", runFile, runFile, "--format", "markdown", "--out", md}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	assert.FileExists(t, md)

	// eprharness report latest --out out/latest-again
	storeFile := filepath.Join(dir, "store", "results.db")
	storeRun(t, storeFile, run, resultstest.AttachmentDir(t, run))
	out := filepath.Join(dir, "latest-again")
	code = Main([]string{"report", "latest", "--out", out, "--store", storeFile}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	assert.FileExists(t, filepath.Join(out, "report.html"))

	// eprharness fixtures generate --count 10000 --seed 7, flags in any order.
	gen := filepath.Join(dir, "gen")
	stdout.Reset()
	code = Main([]string{"fixtures", "generate", "--out", gen, "--count", "3", "--seed", "7"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	files, _ := filepath.Glob(filepath.Join(gen, "*.json"))
	assert.Len(t, files, 3)

	// eprharness steps --format markdown
	stdout.Reset()
	code = Main([]string{"steps", "--format", "markdown"}, &stdout, &stderr)
	require.Equal(t, exitcode.Pass, code, stderr.String())
	assert.Contains(t, stdout.String(), "|")

	// A flag-like positional after "--" is an argument, and refused as one.
	stderr.Reset()
	code = Main([]string{"sweep", "--", "--kept"}, &stdout, &stderr)
	assert.Equal(t, exitcode.Usage, code)
	assert.Contains(t, stderr.String(), `unexpected argument "--kept"`)
	_ = os.Remove(md)
}

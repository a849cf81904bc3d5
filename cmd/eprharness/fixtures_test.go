package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/sut/refepr"
)

func TestFixturesBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"fixtures"}, "usage:"},
		{[]string{"fixtures", "make"}, `unknown command "make"`},
		{[]string{"fixtures", "generate"}, "--count: want a number of patients from 1 to"},
		{[]string{"fixtures", "generate", "--count", "2", "--as-of", "June"}, `--as-of: want a date such as 2026-06-01, got "June"`},
		{[]string{"fixtures", "generate", "--count", "2", "--per-bundle", "0", "--out", dir}, "patients per bundle must be at least 1"},
		{[]string{"fixtures", "import", "--from", dir}, "--from and --to are required"},
		{[]string{"fixtures", "import", "--from", dir, "--to", "http://127.0.0.1:1", "--nhs-test-ranges", "1-2"}, "--nhs-test-ranges: want FIRST-LAST"},
		{[]string{"fixtures", "import", "--from", filepath.Join(dir, "nope"), "--to", "http://127.0.0.1:1"}, "no such file or directory"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(c.args, &stdout, &stderr)
		assert.Equal(t, exitcode.Usage, code, "%v: %s", c.args, stderr.String())
		assert.Contains(t, stderr.String(), c.want, c.args)
	}
}

func TestFixturesGenerateAndImport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gen")
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitcode.Pass, Main([]string{"fixtures", "generate", "--count", "12", "--seed", "9", "--per-bundle", "4", "--out", dir}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "wrote 12 patient(s) in 3 bundle(s)")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	assert.Len(t, files, 3)

	srv, err := refepr.New(context.Background(), refepr.Config{})
	require.NoError(t, err)
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	stdout.Reset()
	require.Equal(t, exitcode.Pass, Main([]string{"fixtures", "import", "--from", dir, "--to", ts.URL, "--strict"}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "imported 3 file(s), 12 patient(s)")
	assert.Regexp(t, `created: [^;]*Observation 12`, stdout.String(), "one vital-signs panel per patient is created")
	assert.NotContains(t, stdout.String(), "skipped", "the reference EPR takes every entry the generator writes")

	// A bundle with a real NHS number is refused, naming file and field.
	bad := filepath.Join(t.TempDir(), "real.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient",
		"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"name":[{"family":"X"}]},"request":{"method":"POST","url":"Patient"}}]}`), 0o644))
	stderr.Reset()
	assert.Equal(t, exitcode.Usage, Main([]string{"fixtures", "import", "--from", bad, "--to", ts.URL}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "real.json: entry[0].resource.identifier[0].value: NHS number 943 476 5919 is not in a reserved test range")
}

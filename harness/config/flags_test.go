package config

import (
	"errors"
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testFlagSet() (*flag.FlagSet, *string, *bool) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "")
	headed := fs.Bool("headed", false, "")
	return fs, out, headed
}

func TestParseFlagsInterspersed(t *testing.T) {
	for _, c := range []struct {
		name       string
		args       []string
		positional []string
		out        string
		headed     bool
	}{
		{"flags first", []string{"--out", "dir", "latest"}, []string{"latest"}, "dir", false},
		{"flags after", []string{"latest", "--out", "dir"}, []string{"latest"}, "dir", false},
		{"between", []string{"a", "--out=dir", "b"}, []string{"a", "b"}, "dir", false},
		{"single dash", []string{"a", "-out", "dir", "-headed", "b"}, []string{"a", "b"}, "dir", true},
		{"bool takes no value", []string{"--headed", "features/x.feature"}, []string{"features/x.feature"}, "", true},
		{"bool with value", []string{"x", "--headed=false"}, []string{"x"}, "", false},
		{"value looks like a flag", []string{"--out", "-dir", "x"}, []string{"x"}, "-dir", false},
		{"value is a double dash", []string{"--out", "--", "x", "--headed"}, []string{"x"}, "--", true},
		{"double dash ends flags", []string{"a", "--", "--headed", "-x"}, []string{"a", "--headed", "-x"}, "", false},
		{"lone dash is positional", []string{"-", "--headed"}, []string{"-"}, "", true},
		{"none", nil, nil, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs, out, headed := testFlagSet()
			require.NoError(t, ParseFlags(fs, c.args))
			assert.Equal(t, c.positional, nilIfEmpty(fs.Args()))
			assert.Equal(t, c.out, *out)
			assert.Equal(t, c.headed, *headed)
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestParseFlagsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"latest", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"latest", "--out"}, "flag needs an argument: -out"},
		{[]string{"latest", "--headed=maybe"}, "invalid boolean value"},
		{[]string{"---out", "x"}, "bad flag syntax"},
	} {
		fs, _, _ := testFlagSet()
		err := ParseFlags(fs, c.args)
		require.Error(t, err, c.args)
		assert.Contains(t, err.Error(), c.want, c.args)
	}
	fs, _, _ := testFlagSet()
	assert.True(t, errors.Is(ParseFlags(fs, []string{"x", "-h"}), flag.ErrHelp))
}

// run and check read their flags through Load: paths and flags in any order.
func TestLoadFlagsAfterPaths(t *testing.T) {
	dir := workdir(t, "")
	cfg, err := Load(Source{Dir: dir, Args: []string{"features", "--headed", "--tags", "@smoke", "features", "--workers=2"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"features", "features"}, cfg.Paths)
	assert.True(t, cfg.Headed)
	assert.Equal(t, "@smoke", cfg.Tags)
	assert.Equal(t, 2, cfg.Workers)
	assert.Equal(t, "--workers", cfg.Origin("workers"))

	_, err = Load(Source{Dir: dir, Args: []string{"features", "--", "--headed"}})
	require.Error(t, err, "after -- a flag-like argument is a path")
	assert.Contains(t, err.Error(), "no feature file or folder at --headed")
}

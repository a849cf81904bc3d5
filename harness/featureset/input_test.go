package featureset

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// write puts a feature file in a temp folder and returns its path.
func write(t *testing.T, name, src string) string {
	t.Helper()
	file := filepath.ToSlash(filepath.Join(t.TempDir(), name))
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
	return file
}

// selectErrors runs Select on one path and returns its Errors.
func selectErrors(t *testing.T, path string) Errors {
	t.Helper()
	_, err := Select([]string{path}, "")
	require.Error(t, err)
	var es Errors
	require.True(t, errors.As(err, &es), "%T: %v", err, err)
	return es
}

// A line of 64 KiB or more crashed the Gherkin parser (a nil line from its
// bufio.Scanner); it is refused with its line and the limit.
func TestLongLineIsRefused(t *testing.T) {
	long := `Feature: Long
  Scenario: A long step
    Given the patient "` + strings.Repeat("A", 70000) + `" is registered
`
	file := write(t, "long.feature", long)
	es := selectErrors(t, file)
	require.Len(t, es, 1)
	assert.Equal(t, 3, es[0].Line)
	assert.Equal(t, TooLong, es[0].Kind)
	assert.Contains(t, es[0].Error(), file+":3: the line is 70038 bytes long; a Gherkin line may be at most 32768 bytes (32 KiB)")

	// Just under the limit parses.
	ok := "Feature: Long\n  Scenario: S\n    Given \"" + strings.Repeat("A", MaxLineBytes-20) + "\"\n"
	_, errs := Parse("ok.feature", []byte(ok))
	assert.Nil(t, errs)
}

func TestLargeFileIsRefused(t *testing.T) {
	big := "Feature: Big\n  Scenario: S\n" + strings.Repeat("    Given a step\n", MaxFileBytes/16+1)
	file := write(t, "big.feature", big)
	es := selectErrors(t, file)
	assert.Equal(t, TooLong, es[0].Kind)
	assert.Contains(t, es[0].Error(), "larger than 8388608 bytes (8 MiB)")
}

// A UTF-8 byte-order mark is dropped: the file parses, its first tag
// counts, and Godog is handed the file without it.
func TestByteOrderMarkIsStripped(t *testing.T) {
	file := write(t, "bom.feature", "\xef\xbb\xbf@session\nFeature: BOM\n  Scenario: S\n    Given a step\n")
	sel, err := Select([]string{file}, "@session")
	require.NoError(t, err)
	assert.Equal(t, 1, sel.Scenarios)
	out, err := fs.ReadFile(sel.FS, file)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(out), "@session\n"), "%q", out)
}

func TestNotUTF8IsRefusedAtItsLine(t *testing.T) {
	file := write(t, "latin1.feature", "Feature: Latin-1\n  Scenario: S\n    Given the patient \"Ren\xe9e\" is registered\n    And caf\xe9\n")
	es := selectErrors(t, file)
	require.Len(t, es, 1, "one is enough")
	assert.Equal(t, Encoding, es[0].Kind)
	assert.Equal(t, file+`:3: the file is not UTF-8 text: byte 0xE9 at column 27; save the file as UTF-8`, es[0].Error())

	file = write(t, "utf16.feature", "\xff\xfeF\x00e\x00a\x00")
	es = selectErrors(t, file)
	assert.Equal(t, file+":1: the file is UTF-16 text; save it as UTF-8", es[0].Error())
}

// An outline whose <placeholder> no Examples column provides, or without
// Examples rows, would run with the literal "<nhs number>" (or not run).
func TestOutlineErrors(t *testing.T) {
	file := write(t, "outline.feature", `Feature: Outlines

  Scenario Outline: A missing column, written <how>
    When I search for the patient with NHS number "<nhs number>"
    Then the results show:
      | <how> | <count> |

    Examples:
      | how    | count |
      | spaces | 1     |

  Scenario Outline: No Examples
    Given step <n>

  Scenario Outline: Examples without rows
    Given step <n>

    Examples:
      | n |

  Scenario: A plain scenario with <angle brackets> is literal
    Given I see "<b>"
`)
	es := selectErrors(t, file)
	var got []string
	for _, e := range es {
		assert.Equal(t, Outline, e.Kind)
		got = append(got, e.Error())
	}
	assert.Equal(t, []string{
		file + ":4: <nhs number> is not a column of the Examples at line 8 (columns: how, count), so the step would run with the literal text <nhs number>",
		file + `:12: scenario outline "No Examples" has no Examples, so it would never run; add an Examples table with a column for each <placeholder>`,
		file + `:18: the Examples of scenario outline "Examples without rows" have no rows, so they would never run; add a row of values under the header`,
	}, got)
}

// Each Examples table must provide the placeholder, not just one of them.
func TestOutlinePlaceholderInEveryExamples(t *testing.T) {
	_, errs := Parse("x.feature", []byte(`Feature: F
  Scenario Outline: O
    Given step <n> of <m>

    Examples: both
      | n | m |
      | 1 | 2 |

    Examples: one
      | n |
      | 3 |
`))
	require.Len(t, errs, 1)
	assert.Equal(t, "x.feature:3: <m> is not a column of the Examples at line 9 (columns: n), so the step would run with the literal text <m>", errs[0].Error())
}

func TestEmptyInputIsNamed(t *testing.T) {
	for name, src := range map[string]string{
		"empty.feature":    "",
		"comments.feature": "# only a comment\n",
		"noscen.feature":   "Feature: Nothing yet\n  Background:\n    Given a step\n",
	} {
		file := write(t, name, src)
		es := selectErrors(t, file)
		require.Len(t, es, 1, name)
		assert.Equal(t, file+": no scenarios", es[0].Error(), name)
		assert.Equal(t, Empty, es[0].Kind)
	}
	dir := t.TempDir()
	es := selectErrors(t, dir)
	assert.Equal(t, filepath.ToSlash(dir)+"/: no .feature files", es[0].Error())
	_, err := Files([]string{dir})
	assert.ErrorContains(t, err, "no .feature files")
}

// When no row of one Examples table is selected, the whole table goes from
// the file Godog gets, so that it does not read as an Examples without rows.
func TestUnselectedExamplesTableGoesWhole(t *testing.T) {
	got := selected(t, mustSelect(t, sample+":22", ""))
	assert.NotContains(t, got, "Examples: large")
	assert.NotContains(t, got, "@big")
	assert.Contains(t, got, "Examples: small")
	_, errs := Parse("x.feature", []byte(got))
	assert.Nil(t, errs)
}

func mustSelect(t *testing.T, path, tags string) *Selection {
	t.Helper()
	sel, err := Select([]string{path}, tags)
	require.NoError(t, err)
	return sel
}

// Pick gives check the scenarios a run would run and the same errors.
func TestPick(t *testing.T) {
	src, err := os.ReadFile(sample)
	require.NoError(t, err)
	doc, picked, errs := Pick(sample, src, all(t), []int{22})
	require.Nil(t, errs)
	require.NotNil(t, doc)
	require.Len(t, picked, 1)
	assert.Equal(t, "Second 2", picked[0].Name)
	_, picked, errs = Pick(sample, src, all(t), []int{2})
	assert.Empty(t, picked)
	require.Len(t, errs, 1)
	assert.Equal(t, BadSelection, errs[0].Kind)
}

// Godog runs exactly the selection when one Examples table goes whole
// (sample.feature:22 keeps row 2 of "small" and drops "large"), and a file
// with a byte-order mark.
func TestGodogRunsTheRewrittenSelection(t *testing.T) {
	bom := write(t, "bom.feature", "\xef\xbb\xbf@session\nFeature: BOM\n  Scenario: S\n    Given the BOM step\n")
	for _, c := range []struct {
		path string
		want []string
	}{
		{sample + ":22", []string{"a background step", "step 2"}},
		{bom, []string{"the BOM step"}},
	} {
		sel := mustSelect(t, c.path, "")
		ran := runGodog(t, sel)
		assert.Equal(t, c.want, ran, c.path)
	}
}

// A panic in the Gherkin parser is the file's error, never a crash.
func TestParserPanicIsAnError(t *testing.T) {
	parseGherkin = func(io.Reader, func() string) (*messages.GherkinDocument, error) {
		panic("index out of range [3] with length 3")
	}
	t.Cleanup(func() { parseGherkin = gherkin.ParseGherkinDocument })
	file := write(t, "x.feature", "Feature: F\n  Scenario: S\n    Given a step\n")
	es := selectErrors(t, file)
	require.Len(t, es, 1)
	assert.Equal(t, file+": the Gherkin parser failed on this file (index out of range [3] with length 3)", es[0].Error())
}

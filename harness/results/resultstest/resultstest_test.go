package resultstest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

func TestSampleIsDeterministicAndFresh(t *testing.T) {
	a, b := Sample(), Sample()
	require.Equal(t, a, b)
	a.Features[0].Scenarios[0].Name = "changed"
	assert.NotEqual(t, a.Features[0].Scenarios[0].Name, b.Features[0].Scenarios[0].Name,
		"Sample must return a new run each call")
}

func TestSampleCoverage(t *testing.T) {
	run := Sample()
	assert.Equal(t, Start, run.StartedAt)
	assert.True(t, run.FinishedAt.After(run.StartedAt))
	assert.Equal(t, results.Counts{Scenarios: 8, Passed: 3, Failed: 3, Skipped: 1, Other: 1}, run.Counts())

	kinds := map[results.FailureKind]*results.Scenario{}
	for _, s := range run.Failures() {
		kinds[s.FailureKind] = s
	}
	require.Contains(t, kinds, results.KindAssertion)
	require.Contains(t, kinds, results.KindBackend)
	require.Contains(t, kinds, results.KindTimeout)
	require.Contains(t, kinds, results.KindHarness)

	as := kinds[results.KindAssertion]
	fs := as.FailedStep()
	require.NotNil(t, fs)
	assert.Equal(t, 15, fs.Line)
	for _, c := range []string{"<", "&", `"`, "\n"} {
		assert.Contains(t, fs.Error, c)
	}
	assert.Equal(t, results.Skipped, as.Steps[len(as.Steps)-1].Status)
	for _, name := range []string{"screenshot", "page", "trace"} {
		_, ok := as.Attachment(name)
		assert.True(t, ok, name)
	}
	assert.Equal(t, results.Undefined, kinds[results.KindHarness].Status)

	var prev = run.StartedAt
	for _, f := range run.Features {
		assert.NotEmpty(t, f.Tags)
		for _, s := range f.Scenarios {
			assert.True(t, s.StartedAt.After(prev), "%s starts after the previous scenario", s.Name)
			prev = s.StartedAt
		}
	}
}

func TestWriteAttachments(t *testing.T) {
	dir := t.TempDir()
	run := Sample()
	WriteAttachments(t, dir, run)

	n := 0
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			for _, a := range s.Attachments {
				n++
				assert.False(t, strings.Contains(a.Path, `\`), "paths use forward slashes")
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(a.Path)))
				require.NoError(t, err)
				sum := sha256.Sum256(data)
				assert.Equal(t, a.SHA256, hex.EncodeToString(sum[:]), a.Path)
				assert.Equal(t, a.Size, int64(len(data)), a.Path)

				switch a.MediaType {
				case "image/png":
					img, err := png.Decode(bytes.NewReader(data))
					require.NoError(t, err)
					assert.Equal(t, 2, img.Bounds().Dx())
				case "application/zip":
					zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
					require.NoError(t, err)
					require.Len(t, zr.File, 1)
					rc, err := zr.File[0].Open()
					require.NoError(t, err)
					body, err := io.ReadAll(rc)
					require.NoError(t, err)
					assert.Contains(t, string(body), a.Path)
				case "text/html":
					assert.Contains(t, string(data), "<html>")
				}
			}
		}
	}
	assert.Equal(t, 6, n)
}

func TestContentIsStable(t *testing.T) {
	a := results.Attachment{MediaType: "application/zip", Path: "x/trace.zip"}
	assert.Equal(t, Content(a), Content(a))
	p := PNG()
	p[0] = 0
	assert.Equal(t, byte(0x89), PNG()[0], "PNG returns a copy")
}

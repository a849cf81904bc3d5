package phrasebook

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The listings of `eprharness steps` (text, Markdown, JSON) against
// golden files; -update rewrites them.
func TestWriteGolden(t *testing.T) {
	b, err := Parse("phrasebook.yaml", []byte(goodBook))
	require.NoError(t, err)
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"phrases.txt", func(w *bytes.Buffer) error { return WriteText(w, b) }},
		{"phrases.md", func(w *bytes.Buffer) error { return WriteMarkdown(w, b) }},
		{"phrases.json", func(w *bytes.Buffer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(JSON(b))
		}},
	} {
		var out bytes.Buffer
		require.NoError(t, c.write(&out), c.name)
		golden := filepath.Join("testdata", c.name+".golden")
		if *update {
			require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err, "run go test ./harness/phrasebook -run TestWriteGolden -update")
		assert.Equal(t, string(want), out.String(), c.name)
	}
}

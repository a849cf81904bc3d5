package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// The merged run keeps every scenario's messages, whichever shard ran
// it, and its reports show them.
func TestMergeKeepsMessages(t *testing.T) {
	root := t.TempDir()
	messaging := resultstest.Messaging()
	withMessages := func(r *results.Run) {
		// Two scenarios of different shards get the messaging sample's.
		r.Features[0].Scenarios[0].Messages = messaging.Features[0].Scenarios[0].Messages
		r.Features[0].Scenarios[1].Messages = messaging.Features[0].Scenarios[1].Messages
	}
	dirs, whole := splitSample(t, root, 2, withMessages)
	out := filepath.Join(root, "merged")
	var stdout, stderr bytes.Buffer
	Main(append([]string{"merge", "--store", "off", "--out", out}, dirs...), &stdout, &stderr)
	m := readMerged(t, out)
	for _, id := range []string{whole.Features[0].Scenarios[0].ID, whole.Features[0].Scenarios[1].ID} {
		_, want, ok := whole.Scenario(id)
		require.True(t, ok)
		_, got, ok := m.Scenario(id)
		require.True(t, ok, id)
		assert.Equal(t, want.Messages, got.Messages, id)
		assert.NotEmpty(t, got.Messages)
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	require.NoError(t, err)
	assert.Equal(t, 2, bytes.Count(page, []byte(`<table class="messages"`)), "the merged report shows them")
	cj, err := os.ReadFile(filepath.Join(out, "cucumber.json"))
	require.NoError(t, err)
	assert.Contains(t, string(cj), `"name": "HL7v2 sent ADT^A08 (AE)"`)
}

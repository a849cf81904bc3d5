//go:build e2e

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/exitcode"
	"github.com/eprharness/eprharness/harness/results"
)

const messagingFeature = `@admissions
Feature: Messaging end to end

  Scenario: The PAS feeds the EPR and the EPR feeds the GP system
    Given the patient "Amy Pond" is registered
    When the PAS sends an "ADT^A08" message for "Amy Pond" with:
      | PID-11 | 1 Leadworth Lane^^Leadworth^^GL1 1AA |
    Then the EPR accepts the message
    When the PAS sends an "ADT^A08" message for "Rory Williams"
    Then the EPR rejects the message with "AE"
    And the acknowledgement's "ERR-3.1" is "204"
    Given I am signed in as a receptionist
    When I admit "Amy Pond" to ward "Ward 7" bed "3"
    Then the GP system receives an "ADT^A01" message for "Amy Pond" with:
      | PV1-3.1 | Ward 7 |
`

// A feature with messaging steps runs end to end on the embedded
// reference EPR: HL7 v2 sent to its MLLP port and acknowledged, its
// outbound feed received on the worker's own listener, and every exchange
// recorded with the scenario.
func TestMessagingFeatureEndToEnd(t *testing.T) {
	phrasebookNeedsBrowser(t)
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(repo)
	dir := t.TempDir()
	feature := filepath.Join(dir, "messaging.feature")
	require.NoError(t, os.WriteFile(feature, []byte(messagingFeature), 0o644))
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := Main([]string{"run", feature, "--out", out, "--store", "off", "--workers", "1", "--backend", "embedded",
		"--fixtures", filepath.Join(repo, "fixtures"), "--message-timeout", "15s"}, &stdout, &stderr)
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, err, "exit %d\nstderr:\n%s", code, stderr.String())
	var run results.Run
	require.NoError(t, json.Unmarshal(data, &run))
	require.Equal(t, exitcode.Pass, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Len(t, run.Features, 1)
	sc := run.Features[0].Scenarios[0]

	var sent, received []results.Message
	for _, m := range sc.Messages {
		switch m.Direction {
		case results.Sent:
			sent = append(sent, m)
		case results.Received:
			received = append(received, m)
		}
	}
	require.Len(t, sent, 2)
	assert.Equal(t, "ADT^A08", sent[0].Type)
	assert.Equal(t, "AA", sent[0].Outcome)
	assert.Equal(t, 1, sent[0].Step)
	assert.Contains(t, sent[0].Text, "PID|1||9990000018^^^NHS^NH")
	assert.Contains(t, sent[0].Answer, "MSA|AA")
	assert.Equal(t, "AE", sent[1].Outcome)
	require.NotEmpty(t, received)
	var a01 *results.Message
	for i := range received {
		if received[i].Type == "ADT^A01" {
			a01 = &received[i]
		}
	}
	require.NotNil(t, a01, "the EPR's A01 is evidence: %+v", received)
	assert.Equal(t, 8, a01.Step, "recorded with the step that found it")
	assert.Equal(t, "AA", a01.Outcome, "the harness acknowledged it")
}

//go:build e2e

package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

// The compose backend's worked example, examples/refepr-compose, runs as a
// user would run it (--config and nothing else about the target), on two
// workers, each with its own Compose project: the reference EPR's HL7 v2
// interface is reached through mllp-service (the epr service's port 2575,
// published on a free host port per project), its outbound feed reaches a
// harness listener of the project's own through the variable the harness
// gives the Compose file, and its Subscription notifications reach the
// harness at host.docker.internal. ACK errors, the ADT/MDM and SIU feeds
// and a plain UI scenario pass, every message is in the results, and no
// container or network of the run is left.
func TestComposeExample(t *testing.T) {
	requireBrowser(t)
	requireDocker(t)
	ids := []string{
		"features/messaging.feature:15",      // A08 in, the banner shows it
		"features/messaging.feature:81",      // AE 204, unknown patient
		"features/messaging.feature:89",      // AR 100, broken segment
		"features/messaging.feature:106",     // ADT A01/A02/A03 and MDM^T02 out
		"features/referrals.feature:25",      // FHIR referral, notification, SIU^S12 out
		"features/patient_search.feature:22", // a plain UI scenario
	}
	r := harness(t, context.Background(), append([]string{"run", "--config", "examples/refepr-compose/eprharness.yaml",
		"--workers", "2"}, ids...)...)
	if r.code != 0 {
		r.dump(t)
	}
	require.Equal(t, 0, r.code)
	assert.NotContains(t, r.stderr, "listening for the EPR's HL7 v2 feed at", "no shared listener: each project has its own")

	run := readResults(t, r.out)
	assert.Equal(t, "compose", run.Target.Backend)
	mapped := regexp.MustCompile(`^(localhost|127\.0\.0\.1):\d+$`)
	var scenarios, sent, errs, received, notes int
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			scenarios++
			assert.Equal(t, results.Passed, s.Status, s.ID)
			for _, m := range s.Messages {
				switch {
				case m.Protocol == results.ProtocolHL7v2 && m.Direction == results.Sent:
					sent++
					assert.Regexp(t, mapped, m.Peer, "%s: sent to the epr service's published MLLP port", s.ID)
					if m.Outcome == "AE" || m.Outcome == "AR" {
						errs++
					}
				case m.Protocol == results.ProtocolHL7v2 && m.Direction == results.Received:
					received++
					assert.NotEqual(t, -1, m.Step, "%s: %s was asked for by a step", s.ID, m.Type)
				case m.Protocol == results.ProtocolFHIR && m.Direction == results.Received:
					notes++
					assert.True(t, strings.Contains(m.Text, `"booked"`), "%s: the notification carries the booked Appointment: %s", s.ID, m.Text)
				}
			}
		}
	}
	assert.Equal(t, len(ids), scenarios, "every scenario asked for ran")
	assert.Equal(t, 3, sent, "A08, the unknown patient's A08, the broken message")
	assert.Equal(t, 2, errs, "the AE and the AR")
	assert.GreaterOrEqual(t, received, 5, "A01, A02, A03, MDM^T02 and SIU^S12 from the EPR's feed")
	assert.GreaterOrEqual(t, notes, 1, "the booking's Subscription notification")

	runID := runIDOf(t, r.stderr)
	assert.Empty(t, labelled(t, "eprharness.run="+runID), "no container of the run may remain")
	assert.Empty(t, networksLabelled(t, "eprharness.run="+runID), "no network of the run may remain")
}

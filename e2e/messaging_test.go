//go:build e2e

package e2e

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

// freeAddr returns a loopback address no one listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// The messaging steps work against an EPR the harness did not start and
// knows only by configuration, as a trust's test environment: the reference
// EPR runs as a program of its own, its inbound MLLP interface at an
// address the harness is told (mllp-address), its outbound feed configured
// to the harness's listener (mllp-listen). HL7 v2 in and out, acknowledgement errors, the FHIR referral
// and its Subscription notification all pass, and every message is in the
// results.
func TestMessagingOnAnEPRByConfiguration(t *testing.T) {
	requireBrowser(t)
	inbound, feed := freeAddr(t), freeAddr(t)
	base := startRefEPR(t, "EPR_MLLP_ADDR="+inbound, "EPR_MLLP_OUTBOUND="+feed)
	ids := []string{
		"features/messaging.feature:15",  // A08 in, banner
		"features/messaging.feature:81",  // AE 204, unknown patient
		"features/messaging.feature:89",  // AR 100, broken segment
		"features/messaging.feature:106", // the ADT feed out on admit, transfer, discharge
		"features/referrals.feature:15",  // the referral on the worklist
		"features/referrals.feature:25",  // booked, notified, SIU^S12 out
	}
	r := harness(t, context.Background(), append([]string{"run", "--store", "off",
		"--backend", "url", "--base-url", base,
		"--reset", "http", "--reset-url", "/_test/reset",
		"--mllp-address", inbound, "--mllp-listen", feed}, ids...)...)
	if r.code != 0 {
		r.dump(t)
	}
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stderr, "listening for the EPR's HL7 v2 feed at "+feed)

	run := readResults(t, r.out)
	var sent, received, errs, notes int
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			assert.Equal(t, results.Passed, s.Status, s.ID)
			for _, m := range s.Messages {
				switch {
				case m.Protocol == results.ProtocolHL7v2 && m.Direction == results.Sent:
					sent++
					assert.Equal(t, inbound, m.Peer, "%s: sent to the configured address", s.ID)
					if m.Outcome == "AE" || m.Outcome == "AR" {
						errs++
					}
				case m.Protocol == results.ProtocolHL7v2 && m.Direction == results.Received:
					received++
				case m.Protocol == results.ProtocolFHIR && m.Direction == results.Received:
					notes++
					assert.True(t, strings.Contains(m.Text, `"booked"`), "%s: the notification carries the booked Appointment: %s", s.ID, m.Text)
				}
			}
		}
	}
	assert.GreaterOrEqual(t, sent, 3, "A08, the unknown patient's A08, the broken message")
	assert.Equal(t, 2, errs, "the AE and the AR")
	assert.GreaterOrEqual(t, received, 5, "A01, A02, A03, MDM^T02 and SIU^S12 from the EPR's feed")
	assert.GreaterOrEqual(t, notes, 1, "the booking's Subscription notification")
}

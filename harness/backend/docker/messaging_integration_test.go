//go:build integration

package docker

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
)

// TestMLLPBothWays: the EPR container's MLLP port answers on MLLPAddr, and
// its outbound feed reaches a listener on this host through
// host.docker.internal (CallbackHost): an enhanced-mode ADT^A28 gets CA on
// the connection and its application acknowledgement over the feed.
func TestMLLPBothWays(t *testing.T) {
	requireDocker(t)
	epr, pg := images()
	ctx := context.Background()
	gp, err := mllp.Listen(ctx, "0.0.0.0:0") // the container comes in through the host gateway, not loopback
	require.NoError(t, err)
	defer gp.Close()
	_, port, err := net.SplitHostPort(gp.Addr())
	require.NoError(t, err)

	b, err := Run(ctx, WithEPRImage(epr), WithPostgresImage(pg), WithRunID(fmt.Sprintf("it-mllp-%d", time.Now().UnixNano())),
		WithMLLPOutbound(net.JoinHostPort(CallbackHost, port)))
	t.Cleanup(func() { _ = b.Terminate(context.Background()) })
	require.NoError(t, err)
	require.NotEmpty(t, b.MLLPAddr())

	msg := "MSH|^~\\&|PAS|RXX|REFEPR|RHQ|20260601||ADT^A28^ADT_A05|DOCK1|P|2.5|||AL|AL||UNICODE UTF-8\r" +
		"EVN|A28\rPID|1||9990000018^^^NHS^NH||Pond^Zoë||19870315|F\r"
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	raw, err := mllp.Send(sctx, b.MLLPAddr(), []byte(msg))
	require.NoError(t, err, "the container's MLLP port answers")
	ack, err := hl7.Parse(raw)
	require.NoError(t, err)
	v, _ := ack.Text("MSA-1")
	assert.Equal(t, "CA", v, "%s", ack)

	app, err := gp.Wait(sctx, func(m *hl7.Message) bool { v, _ := m.Text("MSA-2"); return v == "DOCK1" })
	require.NoError(t, err, "the feed reaches this host via %s", b.CallbackHost())
	v, _ = app.Text("MSA-1")
	assert.Equal(t, "AA", v)
	require.NoError(t, b.Reset(ctx))
}

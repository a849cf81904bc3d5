package harnesstarget

import (
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
)

// TestEmbeddedWiresMLLP: the embedded reference EPR has an MLLP endpoint
// the backend names, and sends its feed to the port the runner's
// callbacks give.
func TestEmbeddedWiresMLLP(t *testing.T) {
	gp, err := mllp.Listen(context.Background(), "")
	require.NoError(t, err)
	defer gp.Close()
	_, p, err := net.SplitHostPort(gp.Addr())
	require.NoError(t, err)
	port, err := strconv.Atoi(p)
	require.NoError(t, err)

	factory, err := Embedded(config.Config{}, "t", io.Discard)
	require.NoError(t, err)
	ctx := backend.WithCallbacks(context.Background(), backend.Callbacks{MLLPPort: port})
	b, err := factory(ctx, "run")
	require.NoError(t, err)
	defer b.Terminate(context.Background())
	m, ok := b.(backend.Messaging)
	require.True(t, ok, "the embedded backend is a backend.Messaging")
	assert.Equal(t, "127.0.0.1", m.CallbackHost())
	require.NotEmpty(t, m.MLLPAddr())

	msg := "MSH|^~\\&|PAS|RXX|REFEPR|RHQ|20260601||ADT^A28^ADT_A05|HT1|P|2.5|||AL|AL\rEVN|A28\rPID|1||9990000018^^^NHS^NH||Pond^Amy||19870315|F\r"
	raw, err := mllp.Send(ctx, m.MLLPAddr(), []byte(msg))
	require.NoError(t, err)
	ack, err := hl7.Parse(raw)
	require.NoError(t, err)
	v, _ := ack.Text("MSA-1")
	assert.Equal(t, "CA", v)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = gp.Wait(wctx, func(m *hl7.Message) bool { v, _ := m.Text("MSA-2"); return v == "HT1" })
	require.NoError(t, err, "the feed goes to the callback port")

	// Without callbacks there is no feed: the endpoint still answers.
	b2, err := factory(context.Background(), "run")
	require.NoError(t, err)
	defer b2.Terminate(context.Background())
	require.NotEmpty(t, b2.(backend.Messaging).MLLPAddr())
}

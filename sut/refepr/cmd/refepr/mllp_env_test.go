package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
)

func TestParseConfigMLLP(t *testing.T) {
	c, err := parseConfig(env(nil))
	require.NoError(t, err)
	assert.Empty(t, c.epr.MLLPAddr, "no endpoint unless asked")
	assert.Empty(t, c.epr.MLLPOutbound, "no feed unless asked")

	c, err = parseConfig(env(map[string]string{"EPR_MLLP_ADDR": ":2575", "EPR_MLLP_OUTBOUND": "host.docker.internal:41234"}))
	require.NoError(t, err)
	assert.Equal(t, ":2575", c.epr.MLLPAddr)
	assert.Equal(t, "host.docker.internal:41234", c.epr.MLLPOutbound)

	for _, bad := range []map[string]string{
		{"EPR_MLLP_ADDR": "2575"},
		{"EPR_MLLP_OUTBOUND": "gp-system"},
		{"EPR_MLLP_OUTBOUND": ":2575"},
		{"EPR_MLLP_OUTBOUND": "gp:0"},
	} {
		_, err := parseConfig(env(bad))
		var ce configError
		assert.True(t, errors.As(err, &ce), "%v gives a config error, got %v", bad, err)
	}
}

// TestRunServesMLLPAndFeed starts the program with both HL7 settings: an
// enhanced-mode ADT^A28 sent to EPR_MLLP_ADDR is accepted (CA) on the
// connection and its application acknowledgement arrives at
// EPR_MLLP_OUTBOUND.
func TestRunServesMLLPAndFeed(t *testing.T) {
	gp, err := mllp.Listen(context.Background(), "")
	require.NoError(t, err)
	defer gp.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, env(map[string]string{"EPR_ADDR": "127.0.0.1:0", "EPR_MLLP_ADDR": "127.0.0.1:0", "EPR_MLLP_OUTBOUND": gp.Addr()}), pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var mllpAddr string
	for mllpAddr == "" && lines.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(lines.Bytes(), &rec), "JSON log line: %s", lines.Text())
		if rec["msg"] == "refepr listening" {
			mllpAddr, _ = rec["mllp_addr"].(string)
			assert.Equal(t, gp.Addr(), rec["mllp_outbound"])
		}
	}
	require.NotEmpty(t, mllpAddr, "the 'refepr listening' line names the MLLP address")
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	msg := "MSH|^~\\&|PAS|RXX|REFEPR|RHQ|20260601||ADT^A28^ADT_A05|ENV1|P|2.5|||AL|AL\rEVN|A28\rPID|1||9990000018^^^NHS^NH||Pond^Amy||19870315|F\r"
	raw, err := mllp.Send(ctx, mllpAddr, []byte(msg))
	require.NoError(t, err)
	ack, err := hl7.Parse(raw)
	require.NoError(t, err)
	v, _ := ack.Text("MSA-1")
	assert.Equal(t, "CA", v)
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	app, err := gp.Wait(wctx, func(m *hl7.Message) bool { v, _ := m.Text("MSA-2"); return v == "ENV1" })
	require.NoError(t, err, "the application acknowledgement reaches EPR_MLLP_OUTBOUND")
	v, _ = app.Text("MSA-1")
	assert.Equal(t, "AA", v)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

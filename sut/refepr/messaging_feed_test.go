package refepr_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/sut/refepr"
)

// TestUIAdmissionsReachTheHL7Feed: admitting, transferring and discharging
// through the screens sends ADT^A01, A02, A03 and the MDM^T02 discharge
// summary, in that order, to Config.MLLPOutbound.
func TestUIAdmissionsReachTheHL7Feed(t *testing.T) {
	gp, err := mllp.Listen(context.Background(), "")
	require.NoError(t, err)
	defer gp.Close()
	srv, ts := newServer(t, refepr.Config{MLLPAddr: "127.0.0.1:0", MLLPOutbound: gp.Addr()})
	require.NotEmpty(t, srv.MLLPAddr())
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	clerk := newBrowser(t, ts)
	clerk.signInReceptionist()
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/patients/" + amy + "/admission", url.Values{"bed": {"ward-7-bed-3"}}},
		{"/patients/" + amy + "/admission/transfer", url.Values{"bed": {"ward-7-bed-3"}}}, // the same bed: nothing changes
		{"/patients/" + amy + "/admission/transfer", url.Values{"bed": {"ward-12-bed-1"}}},
		{"/patients/" + amy + "/admission/discharge", nil},
	} {
		p := clerk.post(step.path, step.form)
		require.Equal(t, http.StatusSeeOther, p.status, p.body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(gp.Received()) < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := gp.Received()
	var types, where []string
	for _, r := range got {
		require.NoError(t, r.Err)
		v, _ := r.Message.Text("MSH-9")
		types = append(types, v)
		pv1, _ := r.Message.Text("PV1-3")
		where = append(where, pv1)
		nhs, _ := hl7.NHSNumber(r.Message)
		assert.Equal(t, "9990000018", nhs)
	}
	assert.Equal(t, []string{"ADT^A01^ADT_A01", "ADT^A02^ADT_A02", "ADT^A03^ADT_A03", "MDM^T02^MDM_T02"}, types)
	assert.Equal(t, []string{"Ward 7^^3^RHQ", "Ward 12^^1^RHQ", "Ward 12^^1^RHQ", "Ward 12^^1^RHQ"}, where)
	by, _ := got[0].Message.Text("EVN-5")
	assert.Equal(t, "rec.jones", by)
}

// TestResetDropsTheQueuedFeed: what was queued for a feed that cannot be
// reached is gone after Reset, so it never reaches the next scenario's
// listener.
func TestResetDropsTheQueuedFeed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	srv, ts := newServer(t, refepr.Config{MLLPOutbound: addr})
	assert.Empty(t, srv.MLLPAddr(), "no endpoint without Config.MLLPAddr")
	amy := seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	clerk := newBrowser(t, ts)
	clerk.signInReceptionist()
	require.Equal(t, http.StatusSeeOther, clerk.post("/patients/"+amy+"/admission", url.Values{"bed": {"ward-7-bed-3"}}).status)
	require.NoError(t, srv.Reset(context.Background()))
	gp, err := mllp.Listen(context.Background(), addr)
	require.NoError(t, err)
	defer gp.Close()
	time.Sleep(300 * time.Millisecond) // longer than the feed's first retries
	assert.Empty(t, gp.Received())
}

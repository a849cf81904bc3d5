package browser

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A browser server's URL is logged and recorded without what grids put in
// it to authenticate.
func TestRemoteName(t *testing.T) {
	for in, want := range map[string]string{
		"ws://127.0.0.1:3000/":                             "ws://127.0.0.1:3000/",
		"ws://127.0.0.1:3000":                              "ws://127.0.0.1:3000",
		"wss://user:secret@grid.test/pw?token=t0k3n":       "wss://grid.test/pw",
		"wss://grid.test:443/playwright?launch-options={}": "wss://grid.test:443/playwright",
		"::not a url":                                      "(unparsable browser server URL)",
	} {
		assert.Equal(t, want, RemoteName(in), in)
	}
}

// The server is asked for a headless Chromium with the harness's
// arguments, and for an executable only when one was named.
func TestLaunchOptionsHeader(t *testing.T) {
	h, err := launchOptionsHeader("")
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(h), &got))
	assert.Equal(t, true, got["headless"])
	assert.NotContains(t, got, "executablePath")
	assert.Contains(t, got["args"], "--disable-background-networking")

	h, err = launchOptionsHeader("/usr/bin/chromium")
	require.NoError(t, err)
	got = nil
	require.NoError(t, json.Unmarshal([]byte(h), &got))
	assert.Equal(t, "/usr/bin/chromium", got["executablePath"])
}

// A remote browser cannot be headed: refused before the server is dialled
// (there is no driver here at all), and the Browser says what it is.
func TestConnectRefusesHeaded(t *testing.T) {
	b := &Browser{opts: options{ws: "wss://u:p@grid.test/?token=t0k3n", headed: true}, gone: make(chan struct{})}
	err := b.connect()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "headed cannot show the window of a remote browser")
	assert.NotContains(t, err.Error(), "t0k3n")
	assert.True(t, b.Remote())
	assert.Equal(t, "remote", b.Source)
	assert.Equal(t, "wss://grid.test/", b.Path)
	assert.Empty(t, b.Version())
	assert.False(t, b.Crashed())
	assert.NoError(t, b.Close())
}

// A connection error that quotes the server's URL does not quote its
// token, and is still the error it wraps.
func TestHideURL(t *testing.T) {
	full := "wss://grid.test/pw?token=t0k3n"
	cause := errors.New("WebSocket error: 401 at " + full)
	err := hideURL(cause, full, RemoteName(full))
	assert.Equal(t, "WebSocket error: 401 at wss://grid.test/pw", err.Error())
	assert.ErrorIs(t, err, cause)
	plain := errors.New("connect ECONNREFUSED")
	assert.Same(t, plain, hideURL(plain, full, RemoteName(full)))
}

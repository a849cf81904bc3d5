package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browser-ws takes a Playwright browser server's WebSocket URL from every
// source, and a remote browser cannot be headed.
func TestBrowserWS(t *testing.T) {
	dir := workdir(t, "")
	cfg, err := Load(Source{Dir: dir, Args: []string{"--browser-ws", "ws://127.0.0.1:3000/"}})
	require.NoError(t, err)
	assert.Equal(t, "ws://127.0.0.1:3000/", cfg.BrowserWS)

	cfg, err = Load(Source{Dir: dir, Env: []string{"EPRHARNESS_BROWSER_WS=wss://grid.test/playwright?token=t0k3n"}})
	require.NoError(t, err)
	assert.Equal(t, "wss://grid.test/playwright?token=t0k3n", cfg.BrowserWS)

	_, err = Load(Source{Dir: dir, Args: []string{"--browser-ws", "http://grid.test:4444/wd/hub"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "browser-ws: want a ws:// or wss:// URL")

	// Headed and remote, from any pair of sources: refused, naming headed
	// where it was set, and never echoing the URL (its query may hold a
	// grid's token).
	cases := []struct {
		name, yaml string
		env, args  []string
		want       string
	}{
		{"flags", "", nil, []string{"--headed", "--browser-ws", "wss://grid.test/?token=t0k3n"}, "--headed: headed: cannot show the window of a remote browser"},
		{"file and flag", "browser-ws: ws://127.0.0.1:3000/\n", nil, []string{"--headed"}, "--headed: headed: cannot show the window of a remote browser"},
		{"env and file", "headed: true\n", []string{"EPRHARNESS_BROWSER_WS=ws://127.0.0.1:3000/"}, nil, "eprharness.yaml:1: headed: cannot show the window of a remote browser"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := workdir(t, c.yaml)
			_, err := Load(Source{Dir: dir, Env: c.env, Args: c.args})
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), "leave out headed or browser-ws")
			assert.NotContains(t, err.Error(), "t0k3n")
		})
	}

	// Headed without browser-ws, and headed=false with it, are fine.
	_, err = Load(Source{Dir: dir, Args: []string{"--headed"}})
	require.NoError(t, err)
	_, err = Load(Source{Dir: dir, Args: []string{"--headed=false", "--browser-ws", "ws://127.0.0.1:3000/"}})
	require.NoError(t, err)
}

// browser-expose-network takes Playwright's exposeNetwork rules, and only
// with browser-ws.
func TestBrowserExposeNetwork(t *testing.T) {
	dir := workdir(t, "")
	cfg, err := Load(Source{Dir: dir, Args: []string{"--browser-ws", "ws://127.0.0.1:3000/", "--browser-expose-network", "<loopback>,*.test.internal,epr.test:8080"}})
	require.NoError(t, err)
	assert.Equal(t, "<loopback>,*.test.internal,epr.test:8080", cfg.BrowserExposeNetwork)

	_, err = Load(Source{Dir: dir, Args: []string{"--browser-ws", "ws://127.0.0.1:3000/", "--browser-expose-network", "http://epr.test/"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "browser-expose-network: want comma-separated hosts")

	_, err = Load(Source{Dir: dir, Env: []string{"EPRHARNESS_BROWSER_EXPOSE_NETWORK=<loopback>"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "EPRHARNESS_BROWSER_EXPOSE_NETWORK")
	assert.Contains(t, err.Error(), "browser-ws names none")
}

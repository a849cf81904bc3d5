//go:build e2e

package browser

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A scenario's window holds its page and nothing else: the full Chromium's
// per-window omnibox popup WebUIs (hidden renderers, see DisabledFeatures)
// are not started.
func TestWindowsHoldOnlyTheScenarioPage(t *testing.T) {
	b := launchWith(t)
	srv := slowServer(t, 0)
	s, err := b.NewSession(srv.URL, "one window", nil)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Page.Goto(srv.URL + "/home")
	require.NoError(t, err)

	cdp, err := b.browser.NewBrowserCDPSession()
	require.NoError(t, err)
	res, err := cdp.Send("Target.getTargets", map[string]any{})
	require.NoError(t, err)
	var pages, browserUI []string
	for _, ti := range res.(map[string]any)["targetInfos"].([]any) {
		m := ti.(map[string]any)
		switch m["type"] {
		case "page":
			pages = append(pages, m["url"].(string))
		case "browser_ui":
			browserUI = append(browserUI, m["url"].(string))
		}
	}
	assert.Equal(t, []string{srv.URL + "/home"}, pages)
	assert.Empty(t, browserUI, "hidden browser UI pages cost a renderer each per scenario")

}

//go:build e2e

package html

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// An analyst reads why the EPR rejected a message: the failed scenario's
// step links to the message, whose row says it was rejected, and its
// details show the message and the ACK one segment a line.
func TestAnalystReadsTheMessages(t *testing.T) {
	b, err := browser.Launch(context.Background(), browser.WithDriverInstall(true))
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	require.NoError(t, Write(f, resultstest.Messaging(), Config{}))
	require.NoError(t, f.Close())
	s, err := b.NewSession("file://"+dir+"/", "html report", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.Page.Goto("file://" + filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	p, expect := s.Page, s.Expect

	sc := scenarioByName(p, "A demographics update for an unknown patient is rejected")
	require.NoError(t, expect.Locator(sc).ToBeVisible())
	table := sc.GetByRole(*playwright.AriaRoleTable, playwright.LocatorGetByRoleOptions{Name: "Messages exchanged with the EPR's interfaces"})
	require.NoError(t, expect.Locator(table).ToBeVisible())
	row := table.GetByRole(*playwright.AriaRoleRow, playwright.LocatorGetByRoleOptions{Name: "ADT^A08"})
	for _, want := range []string{"Sent to EPR", "MSG00001", "✗ AE"} {
		assert.NoError(t, expect.Locator(row).ToContainText(want))
	}

	require.NoError(t, sc.GetByRole(*playwright.AriaRoleLink, playwright.LocatorGetByRoleOptions{Name: "1 message"}).Click())
	assert.NoError(t, expect.Locator(row).ToBeInViewport(), "the step's link leads to its message")
	ack := sc.GetByText("MSA|AE|MSG00001|Unknown key identifier")
	assert.NoError(t, expect.Locator(ack).ToBeHidden(), "the message is folded away until asked for")
	require.NoError(t, sc.GetByText("ADT^A08 MSG00001: the message and its answer").Click())
	assert.NoError(t, expect.Locator(ack).ToBeVisible())
	assert.NoError(t, expect.Locator(sc.GetByText("PID|1||9990000018^^^NHS^NH||POND^AMY", playwright.LocatorGetByTextOptions{Exact: playwright.Bool(false)})).ToBeVisible())
}

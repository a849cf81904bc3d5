//go:build e2e

package evidence

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
)

// openAppendix writes the test run's appendix into a temporary folder and
// opens it from disk in headless Chromium (the headless shell prints PDF).
func openAppendix(t *testing.T) (*browser.Session, string) {
	t.Helper()
	b, err := browser.Launch(context.Background(), browser.WithDriverInstall(true))
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "evidence.html"))
	require.NoError(t, err)
	require.NoError(t, Write(f, testRun(), testConfig()))
	require.NoError(t, f.Close())

	s, err := b.NewSession("file://"+dir+"/", "evidence appendix", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.Page.Goto("file://" + filepath.Join(dir, "evidence.html"))
	require.NoError(t, err)
	return s, dir
}

// assertReadable checks what a clinical safety officer reads first: the
// unverified controls, then a hazard's table of controls and scenarios.
func assertReadable(t *testing.T, s *browser.Session) {
	t.Helper()
	p, expect := s.Page, s.Expect
	unverified := p.GetByRole(*playwright.AriaRoleRegion, playwright.PageGetByRoleOptions{Name: "Unverified controls"})
	require.NoError(t, expect.Locator(unverified).ToBeVisible())
	rows := unverified.GetByRole(*playwright.AriaRoleRow)
	require.NoError(t, expect.Locator(rows).ToHaveCount(4), "a header row and three unverified controls")
	assert.NoError(t, expect.Locator(rows.Filter(playwright.LocatorFilterOptions{HasText: "C-003"})).ToContainText("no scenario verifies it"))
	assert.NoError(t, expect.Locator(rows.Filter(playwright.LocatorFilterOptions{HasText: "C-004"})).ToContainText("features/allergies.feature:12 failed"))
	assert.NoError(t, expect.Locator(rows.Filter(playwright.LocatorFilterOptions{HasText: "C-005"})).ToContainText("is flaky"))

	table := p.GetByRole(*playwright.AriaRoleTable, playwright.PageGetByRoleOptions{Name: "Controls of H-002"})
	require.NoError(t, expect.Locator(table).ToBeVisible())
	assert.NoError(t, expect.Locator(table.GetByRole(*playwright.AriaRoleColumnheader, playwright.LocatorGetByRoleOptions{Name: "History"})).ToBeVisible())
	assert.NoError(t, expect.Locator(table.GetByRole(*playwright.AriaRoleLink, playwright.LocatorGetByRoleOptions{Name: "Screenshot"})).
		ToHaveAttribute("href", "../store/artifacts/allergies/recording/screenshot.png"))
	assert.NoError(t, expect.Locator(table.GetByRole(*playwright.AriaRoleImg, playwright.LocatorGetByRoleOptions{Name: "Passed in 2 of the last 3 runs, this one included."})).
		ToHaveText("✓✓✗"), "the history strip reads as symbols")

	// The unverified section comes before the hazards on the page.
	ub, err := unverified.BoundingBox()
	require.NoError(t, err)
	tb, err := table.BoundingBox()
	require.NoError(t, err)
	assert.Less(t, ub.Y, tb.Y)
}

// The appendix reads on screen and in print media, and prints to an A4
// PDF that holds the hazard table.
func TestAppendixRendersAndPrints(t *testing.T) {
	s, dir := openAppendix(t)
	p := s.Page
	assertReadable(t, s)
	scripts, err := p.Locator("script").Count()
	require.NoError(t, err)
	assert.Zero(t, scripts)

	require.NoError(t, p.EmulateMedia(playwright.PageEmulateMediaOptions{Media: playwright.MediaPrint}))
	assertReadable(t, s)
	// The print stylesheet applies: evidence links print their target, and
	// the hazards start a new page.
	after, err := p.GetByRole(*playwright.AriaRoleLink, playwright.PageGetByRoleOptions{Name: "Screenshot"}).First().
		Evaluate(`a => getComputedStyle(a, "::after").content`, nil)
	require.NoError(t, err)
	assert.Equal(t, `" <../store/artifacts/allergies/recording/screenshot.png>"`, after)
	brk, err := p.Locator("#hazards").Evaluate(`e => getComputedStyle(e).breakBefore`, nil)
	require.NoError(t, err)
	assert.Equal(t, "page", brk)

	out := filepath.Join(dir, "evidence.pdf")
	pdf, err := p.PDF(playwright.PagePdfOptions{
		Format:            playwright.String("A4"),
		PreferCSSPageSize: playwright.Bool(true),
		PrintBackground:   playwright.Bool(true),
		Outline:           playwright.Bool(true),
		Tagged:            playwright.Bool(true),
		Path:              playwright.String(out),
	})
	require.NoError(t, err, "page.PDF needs headless Chromium")
	require.NotEmpty(t, pdf)
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")), "a PDF file: %q", pdf[:min(len(pdf), 16)])
	saved, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, pdf, saved)

	pages := regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1)
	assert.GreaterOrEqual(t, len(pages), 2, "the hazards start on a page of their own")
	// A4 is 595 x 842 points.
	boxes := regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]`).FindAllSubmatch(pdf, -1)
	require.Len(t, boxes, len(pages), "each page has its size")
	for _, b := range boxes {
		w, _ := strconv.ParseFloat(string(b[1]), 64)
		h, _ := strconv.ParseFloat(string(b[2]), 64)
		assert.InDelta(t, 595.3, w, 1, "A4 width in points")
		assert.InDelta(t, 841.9, h, 1, "A4 height in points")
	}

	// The outline (bookmarks) holds the headings: the hazard's table is
	// under its heading in the PDF. The tagged structure holds tables.
	text := pdfText(t, pdf)
	for _, heading := range []string{"Unverified controls", "Hazards and their controls", "H-002 A known allergy is not seen by the clinician", "H-010 Two patients booked into one appointment slot"} {
		assert.True(t, strings.Contains(text, heading), "the PDF outline names %q", heading)
	}
	assert.False(t, strings.Contains(text, "H-003"), "and nothing that is not in the log")
	assert.True(t, regexp.MustCompile(`/S\s*/Table`).MatchString(text), "the tagged PDF has tables")
	assert.True(t, regexp.MustCompile(`/S\s*/TH`).MatchString(text), "with header cells")
}

// pdfText is the PDF's bytes with its Flate streams inflated and its
// UTF-16 hex strings decoded, good enough to find outline titles and
// structure tags.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	var b strings.Builder
	b.Write(pdf)
	streams := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	for _, m := range streams.FindAllSubmatch(pdf, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		data, _ := io.ReadAll(r)
		b.Write(data)
	}
	all := b.String()
	hexes := regexp.MustCompile(`<FEFF([0-9A-Fa-f]+)>`)
	for _, m := range hexes.FindAllStringSubmatch(all, -1) {
		raw, err := hex.DecodeString(m[1])
		if err != nil || len(raw)%2 != 0 {
			continue
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
		}
		all += "\n" + string(utf16.Decode(u))
	}
	return all
}

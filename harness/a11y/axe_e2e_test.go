//go:build e2e

package a11y

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
)

// Synthetic pages. NHS numbers are from the test range.
var pages = map[string]string{
	// An input with no label: axe-core's "label" rule (WCAG 4.1.2).
	"/patients/9990000018/search": `<!doctype html><html lang="en"><head><title>Find a patient</title></head>
<body><main><h1>Find a patient</h1>
<form><input id="nhs" name="nhs" type="text"><button type="submit">Search</button></form>
</main><script>window.inlineRan = true</script></body></html>`,
	// Everything in landmarks, every control labelled.
	"/good": `<!doctype html><html lang="en"><head><title>Patient record</title></head>
<body><header><p>Reference EPR</p></header><main><h1>POND, Amy</h1>
<form><label for="nhs">NHS number</label><input id="nhs" name="nhs" type="text"><button type="submit">Search</button></form>
</main><footer><p>Synthetic data</p></footer></body></html>`,
	// A labelled dialog, and an unlabelled input outside it.
	"/dialog": `<!doctype html><html lang="en"><head><title>Record</title></head>
<body><main><h1>Record</h1><input id="outside" type="text">
<div role="dialog" aria-modal="true" aria-labelledby="dlg-title" id="dlg"><h2 id="dlg-title">Record an allergy</h2>
<label for="allergen">Allergen</label><input id="allergen" type="text"><button>Save</button></div>
</main></body></html>`,
	// Content outside landmarks: best-practice "region", not WCAG.
	"/region": `<!doctype html><html lang="en"><head><title>Ward list</title></head>
<body><p>Ward 7 has 3 patients.</p><main><h1>Ward list</h1></main></body></html>`,
	// A page with an iframe holding the unlabelled input.
	"/framed": `<!doctype html><html lang="en"><head><title>Framed</title></head>
<body><main><h1>Framed</h1><iframe title="Search" src="/patients/9990000018/search"></iframe></main></body></html>`,
}

func init() {
	// A patient list of 60 rows: about the size of the reference EPR's
	// busiest pages.
	var rows strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&rows, `<tr><td><a href="/patients/%d">PATIENT %d, Test</a></td><td>999 000 %04d</td><td>01-Jan-1980</td><td><button>Open</button></td></tr>`, i, i, i)
	}
	pages["/typical"] = `<!doctype html><html lang="en"><head><title>Patients</title></head><body>
<header><nav aria-label="Main"><ul><li><a href="/">Home</a></li><li><a href="/patients">Patients</a></li><li><a href="/clinics">Clinics</a></li></ul></nav></header>
<main><h1>Patients</h1><form><label for="q">Name or NHS number</label><input id="q"><button>Search</button></form>
<table><caption>Results</caption><thead><tr><th>Name</th><th>NHS number</th><th>Born</th><th>Action</th></tr></thead><tbody>` + rows.String() + `</tbody></table></main>
<footer><p>Synthetic data</p></footer></body></html>`
}

func site(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		// A strict policy, as an EPR may send: no inline or eval'd script
		// and no inline style. axe-core must still run.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var (
	installOnce sync.Once
	installErr  error
)

// engine loads axe-core from the machine's cache, installing it there
// from the npm registry the first time.
func engine(t testing.TB) *Engine {
	t.Helper()
	installOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, installErr = Install(ctx)
	})
	require.NoError(t, installErr, "install axe-core (needs the npm registry once)")
	e, err := Load()
	require.NoError(t, err)
	return e
}

func launch(t testing.TB) *browser.Browser {
	t.Helper()
	b, err := browser.Launch(context.Background(), browser.WithDriverInstall(true), browser.WithTimeout(10*time.Second))
	t.Cleanup(func() { _ = b.Close() })
	if err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
			t.Fatalf("Chromium is required (EPRHARNESS_REQUIRE_BROWSER=1): %v", err)
		}
		t.Skipf("SKIPPED: no browser: %v", err)
	}
	return b
}

func open(t testing.TB, b *browser.Browser, base, path string) playwright.Page {
	t.Helper()
	s, err := b.NewSession(base, t.Name(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.Page.Goto(path)
	require.NoError(t, err)
	return s.Page
}

func rules(c *results.AccessibilityCheck) []string {
	var out []string
	for _, v := range c.Violations {
		out = append(out, v.Rule)
	}
	return out
}

func find(c *results.AccessibilityCheck, rule string) *results.Violation {
	for i := range c.Violations {
		if c.Violations[i].Rule == rule {
			return &c.Violations[i]
		}
	}
	return nil
}

// Install fetches the pinned tarball from the real registry and its
// checksums hold: the pins in install.go are right.
func TestInstallFromRegistry(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path, err := Install(ctx, WithCacheDir(dir))
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(data, []byte("/*! axe v"+Version)), "the cached file is axe-core %s", Version)
	e, err := Load(WithCacheDir(dir))
	require.NoError(t, err)
	assert.Equal(t, "axe-core 4.14.1", e.Version())
}

func TestCheck(t *testing.T) {
	e := engine(t)
	b := launch(t)
	srv := site(t)
	ctx := context.Background()

	t.Run("unlabelled input", func(t *testing.T) {
		page := open(t, b, srv.URL, "/patients/9990000018/search?tab=1")
		c, err := e.Check(ctx, page, WithStep(12))
		require.NoError(t, err, "axe-core runs despite the page's Content-Security-Policy")
		inline, err := page.Evaluate(`() => window.inlineRan === true`)
		require.NoError(t, err)
		require.Equal(t, false, inline, "the page's policy is in force: its inline script did not run")
		assert.Equal(t, "/patients/{id}/search", c.Page)
		assert.Equal(t, srv.URL+"/patients/9990000018/search?tab=1", c.URL)
		assert.Equal(t, DefaultTags, c.Tags)
		assert.Equal(t, "step", c.By)
		assert.Equal(t, 12, c.Step)
		assert.Equal(t, "axe-core 4.14.1", c.Engine)
		assert.Greater(t, c.Passes, 0, "rules that passed are counted")
		assert.Greater(t, c.Duration, time.Duration(0))
		v := find(c, "label")
		require.NotNil(t, v, "a label violation; got %v", rules(c))
		assert.Contains(t, v.Criteria, "4.1.2")
		assert.Equal(t, "critical", v.Impact)
		assert.Contains(t, v.HelpURL, "dequeuniversity.com/rules/axe/4.14/label")
		assert.Contains(t, v.Tags, "wcag2a")
		require.Len(t, v.Nodes, 1)
		assert.Equal(t, "#nhs", v.Nodes[0].Target)
		assert.Equal(t, `<input id="nhs" name="nhs" type="text">`, v.Nodes[0].HTML)
		assert.Contains(t, v.Nodes[0].Summary, "Fix any of the following")
	})

	t.Run("well-formed page", func(t *testing.T) {
		page := open(t, b, srv.URL, "/good")
		c, err := e.Check(ctx, page, WithBy("scan"))
		require.NoError(t, err)
		assert.Empty(t, c.Violations)
		assert.Equal(t, "scan", c.By)
		c, err = e.Check(ctx, page, WithTags("best-practice"))
		require.NoError(t, err, "a second check reuses the injected axe-core")
		assert.Empty(t, c.Violations)
	})

	t.Run("scope", func(t *testing.T) {
		page := open(t, b, srv.URL, "/dialog")
		whole, err := e.Check(ctx, page)
		require.NoError(t, err)
		v := find(whole, "label")
		require.NotNil(t, v, "the whole page has the unlabelled input; got %v", rules(whole))
		assert.Equal(t, "#outside", v.Nodes[0].Target)

		dlg := page.GetByRole("dialog", playwright.PageGetByRoleOptions{Name: "Record an allergy"})
		c, err := e.Check(ctx, page, WithScope(dlg, `dialog "Record an allergy"`))
		require.NoError(t, err)
		assert.Equal(t, `dialog "Record an allergy"`, c.Scope)
		assert.Empty(t, c.Violations, "the input outside the dialog is not checked")
	})

	t.Run("best-practice finds region, the WCAG tags do not", func(t *testing.T) {
		page := open(t, b, srv.URL, "/region")
		c, err := e.Check(ctx, page)
		require.NoError(t, err)
		assert.Nil(t, find(c, "region"), "region is not a WCAG rule")
		c, err = e.Check(ctx, page, WithTags("best-practice"))
		require.NoError(t, err)
		v := find(c, "region")
		require.NotNil(t, v, "got %v", rules(c))
		assert.Empty(t, v.Criteria, "best-practice rules name no WCAG criterion")
		assert.Equal(t, []string{"best-practice"}, c.Tags)
	})

	t.Run("frames", func(t *testing.T) {
		page := open(t, b, srv.URL, "/framed")
		require.NoError(t, page.FrameLocator("iframe").Locator("#nhs").WaitFor())
		c, err := e.Check(ctx, page)
		require.NoError(t, err)
		v := find(c, "label")
		require.NotNil(t, v, "the input in the frame is checked; got %v", rules(c))
		assert.Equal(t, "iframe >>> #nhs", v.Nodes[0].Target)
	})

	t.Run("cross-origin frame", func(t *testing.T) {
		// localhost and 127.0.0.1 are different origins.
		other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		require.NotEqual(t, srv.URL, other)
		outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Viewer</title></head><body><main><h1>Viewer</h1><iframe title="Search" src="%s/patients/9990000018/search"></iframe></main></body></html>`, other)
		}))
		t.Cleanup(outer.Close)
		page := open(t, b, outer.URL, "/")
		require.NoError(t, page.FrameLocator("iframe").Locator("#nhs").WaitFor())
		c, err := e.Check(ctx, page)
		require.NoError(t, err)
		v := find(c, "label")
		require.NotNil(t, v, "the input in the other origin's frame is checked; got %v", rules(c))
		assert.Equal(t, "iframe >>> #nhs", v.Nodes[0].Target)
	})

	t.Run("different pages at once", func(t *testing.T) {
		paths := []string{"/patients/9990000018/search", "/good", "/region"}
		checks := make([]*results.AccessibilityCheck, len(paths))
		errs := make([]error, len(paths))
		pgs := make([]playwright.Page, len(paths))
		for i, p := range paths {
			pgs[i] = open(t, b, srv.URL, p)
		}
		var wg sync.WaitGroup
		for i := range paths {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				checks[i], errs[i] = e.Check(ctx, pgs[i])
			}(i)
		}
		wg.Wait()
		for i := range paths {
			require.NoError(t, errs[i], paths[i])
		}
		assert.NotNil(t, find(checks[0], "label"))
		assert.Empty(t, checks[1].Violations)
		assert.Empty(t, checks[2].Violations)
	})

	t.Run("closed page is an error", func(t *testing.T) {
		page := open(t, b, srv.URL, "/good")
		require.NoError(t, page.Close())
		_, err := e.Check(ctx, page)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "check accessibility of /good")
		var marked *failure.Error
		require.ErrorAs(t, err, &marked)
		assert.Equal(t, results.KindHarness, marked.Kind, "the harness's fault, not a violation")
	})

	t.Run("ended context is an error", func(t *testing.T) {
		page := open(t, b, srv.URL, "/good")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := e.Check(cctx, page)
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestOutline(t *testing.T) {
	e := engine(t)
	b := launch(t)
	srv := site(t)
	ctx := context.Background()
	page := open(t, b, srv.URL, "/framed")
	require.NoError(t, page.FrameLocator("iframe").Locator("#nhs").WaitFor())
	c, err := e.Check(ctx, page)
	require.NoError(t, err)
	v := find(c, "label")
	require.NotNil(t, v)

	dom := func() string {
		html, err := page.Evaluate(`() => document.documentElement.outerHTML + "|" + document.querySelector("iframe").contentDocument.documentElement.outerHTML`)
		require.NoError(t, err)
		return html.(string)
	}
	outlined := func() string {
		s, err := page.Evaluate(`() => getComputedStyle(document.querySelector("iframe").contentDocument.querySelector("#nhs")).outlineColor`)
		require.NoError(t, err)
		return s.(string)
	}
	before, colourBefore := dom(), outlined()

	// What Outline does around the screenshot: the element in the frame
	// is outlined red, despite the page's style-src policy.
	_, err = page.Evaluate(outlineJS, [][]string{strings.Split(v.Nodes[0].Target, TargetSeparator)})
	require.NoError(t, err)
	assert.Equal(t, "rgb(212, 53, 28)", outlined(), "outlined while the screenshot is taken")
	_, err = page.Evaluate(unoutlineJS)
	require.NoError(t, err)
	assert.Equal(t, before, dom())

	file := t.TempDir() + "/label.png"
	require.NoError(t, e.Outline(ctx, page, *v, file))
	png, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Greater(t, len(png), 1000)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "a PNG")
	assert.Equal(t, before, dom(), "the DOM is as it was")
	assert.Equal(t, colourBefore, outlined(), "the outline is gone")
}

// How long a check takes (the package documentation quotes it): a small
// form, and a patient list of 60 rows, about the size of the reference
// EPR's busiest pages.
func TestCheckTiming(t *testing.T) {
	e := engine(t)
	b := launch(t)
	srv := site(t)
	ctx := context.Background()
	for _, path := range []string{"/good", "/typical"} {
		page := open(t, b, srv.URL, path)
		first, err := e.Check(ctx, page)
		require.NoError(t, err)
		var total, best time.Duration
		const n = 5
		for i := 0; i < n; i++ {
			c, err := e.Check(ctx, page)
			require.NoError(t, err)
			total += c.Duration
			if best == 0 || c.Duration < best {
				best = c.Duration
			}
		}
		t.Logf("%s: first check (with injection) %v; later checks %v on average, %v at best",
			path, first.Duration.Round(time.Millisecond), (total / n).Round(time.Millisecond), best.Round(time.Millisecond))
	}
}

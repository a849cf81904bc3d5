package a11y

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mxschmitt/playwright-go"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
)

// OutlineStyle is how Outline marks the failing elements (GOV.UK's error
// red, clear of the element's own border).
const OutlineStyle = "outline: 3px solid #d4351c !important; outline-offset: 2px !important"

// outlineAttr marks the outlined elements while the screenshot is taken.
const outlineAttr = "data-eprharness-outline"

// outlineJS marks the elements of the targets (each a list of selectors:
// one per frame or shadow root) and adds a constructed style sheet that
// outlines them to each document or shadow root involved. Constructed
// sheets are CSSOM, which a page's Content-Security-Policy does not
// block (a <style> element would be); neither they nor the removed
// attribute leave a trace in the DOM afterwards.
const outlineJS = `(targets) => {
	const css = "[` + outlineAttr + `] { ` + OutlineStyle + ` }";
	const sheets = new Map();
	const els = [];
	for (const parts of targets) {
		let root = document, el = null;
		for (let i = 0; i < parts.length; i++) {
			try { el = root.querySelector(parts[i]); } catch (e) { el = null; }
			if (!el) break;
			if (i === parts.length - 1) break;
			let next = null;
			if (el.shadowRoot) next = el.shadowRoot;
			else { try { next = el.contentDocument; } catch (e) { next = null; } }
			if (!next) { el = null; break; }
			root = next;
		}
		if (!el) continue;
		if (!sheets.has(root)) {
			const doc = root.ownerDocument || root;
			const sheet = new doc.defaultView.CSSStyleSheet();
			sheet.replaceSync(css);
			root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
			sheets.set(root, sheet);
		}
		el.setAttribute("` + outlineAttr + `", "");
		els.push(el);
	}
	window.__eprharnessOutline = { sheets: [...sheets], els };
	return els.length;
}`

// unoutlineJS undoes outlineJS.
const unoutlineJS = `() => {
	const s = window.__eprharnessOutline;
	if (!s) return 0;
	for (const el of s.els) el.removeAttribute("` + outlineAttr + `");
	for (const [root, sheet] of s.sheets) root.adoptedStyleSheets = root.adoptedStyleSheets.filter(x => x !== sheet);
	delete window.__eprharnessOutline;
	return s.els.length;
}`

// Outline saves a full-page PNG screenshot to file with the violation's
// elements outlined in red, then takes the outline away so the page is as
// it was. Elements that can no longer be found (the page changed since
// the check) or that sit in cross-origin frames are not outlined; the
// screenshot is taken all the same. Errors are marked failure.Harness.
func (e *Engine) Outline(ctx context.Context, page playwright.Page, v results.Violation, file string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("outline %s: %w", v.Rule, err)
	}
	targets := make([][]string, 0, len(v.Nodes))
	for _, n := range v.Nodes {
		targets = append(targets, strings.Split(n.Target, TargetSeparator))
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("outline %s: %w", v.Rule, err)
	}
	_, err := await(ctx, func() (any, error) {
		if _, err := page.Evaluate(outlineJS, targets); err != nil {
			_, _ = page.Evaluate(unoutlineJS)
			return nil, err
		}
		_, shotErr := page.Screenshot(playwright.PageScreenshotOptions{
			Path:     playwright.String(file),
			FullPage: playwright.Bool(true),
			Type:     playwright.ScreenshotTypePng,
			// Playwright hides the caret by styling inputs, which leaves
			// an empty style="" on each: keep the caret, keep the DOM.
			Caret: playwright.ScreenshotCaretInitial,
		})
		_, undoErr := page.Evaluate(unoutlineJS)
		if shotErr != nil {
			return nil, shotErr
		}
		return nil, undoErr
	})
	if err != nil {
		return failure.Harness(fmt.Errorf("outline %s on %s: %w", v.Rule, PageKey(page.URL()), err))
	}
	return nil
}

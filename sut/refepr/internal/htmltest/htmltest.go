// Package htmltest queries parsed HTML in tests the way an accessibility
// tree or Playwright locator would: by tag, role, label and text. It is
// pure; nodes belong to the caller.
package htmltest

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Parse parses an HTML document, failing t on error.
func Parse(t testing.TB, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// Pred selects elements.
type Pred func(*html.Node) bool

// Tag selects elements by tag name.
func Tag(name string) Pred {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == name }
}

// HasAttr selects elements whose attribute key equals value.
func HasAttr(key, value string) Pred {
	return func(n *html.Node) bool {
		v, ok := attr(n, key)
		return n.Type == html.ElementNode && ok && v == value
	}
}

// Role selects elements with an explicit role attribute.
func Role(role string) Pred { return HasAttr("role", role) }

// TextIs selects elements whose normalised text equals s.
func TextIs(s string) Pred { return func(n *html.Node) bool { return Text(n) == s } }

// And selects elements matching every predicate.
func And(ps ...Pred) Pred {
	return func(n *html.Node) bool {
		for _, p := range ps {
			if !p(n) {
				return false
			}
		}
		return true
	}
}

// All returns the elements under root (root included) matching p, in
// document order.
func All(root *html.Node, p Pred) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && p(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

// One returns the single element matching p, failing t unless there is
// exactly one.
func One(t testing.TB, root *html.Node, p Pred, what string) *html.Node {
	t.Helper()
	all := All(root, p)
	if len(all) != 1 {
		t.Fatalf("want exactly one %s, found %d", what, len(all))
	}
	return all[0]
}

// Attr returns an attribute's value, or "".
func Attr(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// Text returns n's text with runs of white space collapsed to one space.
func Text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// ByID returns the element with the id, or nil.
func ByID(root *html.Node, id string) *html.Node {
	all := All(root, HasAttr("id", id))
	if len(all) == 0 {
		return nil
	}
	return all[0]
}

// ByLabel returns the elements labelled text, as Playwright's exact
// getByLabel does: controls named by a <label for>, or elements whose
// aria-labelledby points at elements with that text, or with that
// aria-label.
func ByLabel(root *html.Node, text string) []*html.Node {
	var out []*html.Node
	for _, l := range All(root, And(Tag("label"), TextIs(text))) {
		if c := ByID(root, Attr(l, "for")); c != nil {
			out = append(out, c)
		}
	}
	for _, n := range All(root, func(n *html.Node) bool { _, ok := attr(n, "aria-labelledby"); return ok }) {
		var parts []string
		for _, id := range strings.Fields(Attr(n, "aria-labelledby")) {
			if l := ByID(root, id); l != nil {
				parts = append(parts, Text(l))
			}
		}
		if strings.Join(parts, " ") == text {
			out = append(out, n)
		}
	}
	out = append(out, All(root, HasAttr("aria-label", text))...)
	return out
}

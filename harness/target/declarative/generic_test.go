package declarative

import "testing"

// goto loads the page again only when the browser would not: a fragment
// navigation within the document already shown.
func TestSameDocument(t *testing.T) {
	for _, c := range []struct {
		before, after string
		want          bool
	}{
		{"http://epr.test/app/explorer.html#patient?uuid=1", "http://epr.test/app/explorer.html#find-patients", true},
		{"http://epr.test/app/explorer.html", "http://epr.test/app/explorer.html#find-patients", true},
		{"http://epr.test/app/explorer.html#find-patients", "http://epr.test/app/explorer.html#find-patients", true},
		{"about:blank", "http://epr.test/app/explorer.html#find-patients", false},
		{"http://epr.test/login", "http://epr.test/app/explorer.html#find-patients", false},
		{"http://epr.test/search?q=1#top", "http://epr.test/search?q=2#top", false},
		{"http://epr.test/search", "http://epr.test/search", false}, // a full load already
	} {
		if got := sameDocument(c.before, c.after); got != c.want {
			t.Errorf("sameDocument(%q, %q) = %v, want %v", c.before, c.after, got, c.want)
		}
	}
}

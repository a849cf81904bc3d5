package a11y

import (
	"net/url"
	"regexp"
	"strings"
)

// idSegment matches a path segment that names a record rather than a
// page: digits (row ids, 10-digit NHS numbers, also written 999 000 0000
// or 999-000-0000), UUIDs, hex strings of 16 or more digits (hashes,
// Mongo ids) and Orthanc-style ids (SHA-1 in dash-separated groups of 8
// hex digits).
var idSegment = regexp.MustCompile(`(?i)^(` +
	`[0-9]+` +
	`|[0-9]{3}[ -][0-9]{3}[ -][0-9]{4}` +
	`|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}` +
	`|[0-9a-f]{16,}` +
	`|[0-9a-f]{8}(-[0-9a-f]{4,})+` +
	`)$`)

// PageKey is the page's address without what varies between visits of
// the same page: the origin, the query and ids in the path. "Each distinct
// page once per run" and baseline entries use it.
//
//	https://epr.example/patients/9990000018/record?tab=2 → /patients/{id}/record
//	http://orthanc:8042/app/explorer.html#patient?uuid=… → /app/explorer.html#patient
//	https://epr.example/#/encounters/3fa85f64-5717-4562-b3fc-2c963f66afa6 → /#/encounters/{id}
//
// A fragment is kept (single-page applications route by it) without its
// own ?parameters, and its segments lose ids the same way; a trailing
// slash is dropped (except the root's).
func PageKey(rawURL string) string {
	path, fragment := rawURL, ""
	if u, err := url.Parse(rawURL); err == nil {
		path, fragment = u.Path, u.Fragment
		if u.Opaque != "" { // about:blank, data:…
			path = u.Scheme + ":" + u.Opaque
		}
	} else {
		// Not a URL: cut what would be its origin, query and fragment by hand.
		if i := strings.Index(path, "#"); i >= 0 {
			path, fragment = path[:i], path[i+1:]
		}
		if i := strings.Index(path, "://"); i >= 0 {
			path = path[i+3:]
			if j := strings.Index(path, "/"); j >= 0 {
				path = path[j:]
			} else {
				path = "/"
			}
		}
		if i := strings.Index(path, "?"); i >= 0 {
			path = path[:i]
		}
	}
	key := replaceIDs(path)
	if key == "" {
		key = "/"
	}
	if i := strings.Index(fragment, "?"); i >= 0 {
		fragment = fragment[:i]
	}
	if fragment != "" {
		key += "#" + replaceIDs(fragment)
	}
	return key
}

// replaceIDs replaces id segments of a slash-separated path with {id} and
// drops a trailing slash.
func replaceIDs(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s != "" && idSegment.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	out := strings.Join(segs, "/")
	if len(out) > 1 && strings.HasSuffix(out, "/") {
		out = strings.TrimRight(out, "/")
		if out == "" {
			out = "/"
		}
	}
	return out
}

package results

import (
	"cmp"
	"sort"
	"strings"
)

// Describe names the real target in one line, for the terminal and the
// reports: what served the EPR and, when it is not implied, the adapter
// that drove it. For example:
//
//	refepr on embedded
//	refepr on docker (epr: ghcr.io/eprharness/refepr:1 sha256:0a1b2c3d4e5f…)
//	url https://epr.test.trust.nhs.uk via declarative (screens.yaml)
//	compose project eprharness-x (orthanc: eprharness/orthanc:1 sha256:abcd…) via declarative (screens.yaml)
//
// The backend "embedded:<app>" names the app it serves; "embedded" alone
// and "docker" run the reference EPR, refepr; "url" (or its alias "external") names the base
// URL; "compose" the Compose project and its services' images (Services,
// else Images) with their digests shortened to 12 hex digits. The adapter
// is left out when it is the app itself ("refepr on embedded"), and the
// screen map follows it in brackets.
func (t Target) Describe() string {
	kind, app, _ := strings.Cut(t.Backend, ":")
	var s string
	switch kind {
	case "embedded":
		app = cmp.Or(app, "refepr")
		s = app + " on embedded"
	case "docker":
		app = cmp.Or(app, "refepr")
		s = app + " on docker" + imageList(t.Images, t.Digests)
	case "url", "external":
		s = strings.TrimSpace("url " + t.BaseURL)
	case "compose":
		s = "compose"
		if t.Compose != "" {
			s += " project " + t.Compose
		}
		images := t.Services
		if len(images) == 0 {
			images = t.Images
		}
		s += imageList(images, t.Digests)
	case "":
		s = cmp.Or(t.BaseURL, "unknown target")
	default:
		s = strings.TrimSpace(t.Backend + " " + t.BaseURL)
	}
	if t.Adapter != "" && t.Adapter != app {
		s += " via " + t.Adapter
	}
	if t.ScreenMap != "" {
		s += " (" + t.ScreenMap + ")"
	}
	return s
}

// imageList is " (name: image digest, …)" over the names of images and
// digests, sorted, or "" when both are empty.
func imageList(images, digests map[string]string) string {
	names := map[string]bool{}
	for n := range images {
		names[n] = true
	}
	for n := range digests {
		names[n] = true
	}
	if len(names) == 0 {
		return ""
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	parts := make([]string, 0, len(sorted))
	for _, n := range sorted {
		img, d := images[n], digests[n]
		// "image@digest" (pinned) shows the digest once.
		if d != "" {
			img = strings.TrimSuffix(img, "@"+d)
		}
		parts = append(parts, strings.TrimSpace(n+": "+strings.TrimSpace(img+" "+ShortDigest(d))))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// ShortDigest shortens an image digest or id to its algorithm and first 12
// hex digits, followed by "…" ("sha256:0a1b2c3d4e5f…"); a shorter value is
// returned as it is.
func ShortDigest(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok {
		algo, hex = "", d
	}
	if len(hex) <= 12 {
		return d
	}
	if algo != "" {
		algo += ":"
	}
	return algo + hex[:12] + "…"
}

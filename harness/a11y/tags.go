package a11y

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// DefaultTags are the rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA:
// what "WCAG 2.2 AA" asks for, and what UK public-sector bodies must meet.
// axe-core 4.14 has no wcag22a tag (WCAG 2.2 added no level A criterion
// it tests).
var DefaultTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// knownTags are the rule tags of axe-core 4.14.1, read from its axe.min.js
// (every tags:[…] list of its rules). Standard accepts exactly these.
var knownTags = []string{
	// WCAG versions and levels.
	"wcag2a", "wcag2aa", "wcag2aaa", "wcag21a", "wcag21aa", "wcag22aa", "wcag2a-obsolete",
	// Other groups.
	"best-practice", "ACT", "experimental", "deprecated", "review-item",
	"section508", "EN-301-549", "EN-301-549v4", "TTv5", "RGAAv4",
	// Categories.
	"cat.aria", "cat.color", "cat.forms", "cat.keyboard", "cat.language",
	"cat.name-role-value", "cat.parsing", "cat.semantics",
	"cat.sensory-and-visual-cues", "cat.structure", "cat.tables",
	"cat.text-alternatives", "cat.time-and-media",
	// WCAG success criteria.
	"wcag111", "wcag121", "wcag122", "wcag131", "wcag134", "wcag135",
	"wcag141", "wcag142", "wcag143", "wcag144", "wcag146", "wcag1412",
	"wcag211", "wcag213", "wcag221", "wcag222", "wcag224", "wcag241",
	"wcag242", "wcag244", "wcag249", "wcag253", "wcag258", "wcag311",
	"wcag312", "wcag325", "wcag332", "wcag411", "wcag412",
	// Section 508 paragraphs.
	"section508.22.a", "section508.22.f", "section508.22.g", "section508.22.i",
	"section508.22.j", "section508.22.n", "section508.22.o",
	// EN 301 549 clauses.
	"EN-9.1.1.1", "EN-9.1.2.1", "EN-9.1.2.2", "EN-9.1.3.1", "EN-9.1.3.4",
	"EN-9.1.3.5", "EN-9.1.4.1", "EN-9.1.4.12", "EN-9.1.4.2", "EN-9.1.4.3",
	"EN-9.1.4.4", "EN-9.2.1.1", "EN-9.2.1.3", "EN-9.2.2.1", "EN-9.2.2.2",
	"EN-9.2.4.1", "EN-9.2.4.2", "EN-9.2.4.4", "EN-9.2.5.3", "EN-9.2.5.8",
	"EN-9.3.1.1", "EN-9.3.1.2", "EN-9.3.3.2", "EN-9.4.1.2",
	// Trusted Tester v5 tests.
	"TT11.a", "TT11.b", "TT12.a", "TT12.d", "TT13.a", "TT13.c", "TT14.b",
	"TT17.a", "TT2.a", "TT2.b", "TT4.a", "TT5.c", "TT6.a", "TT7.a", "TT7.b",
	"TT8.a", "TT9.a",
	// RGAA v4 criteria.
	"RGAA-1.1.1", "RGAA-1.1.2", "RGAA-1.1.3", "RGAA-1.1.4", "RGAA-1.1.5",
	"RGAA-1.1.6", "RGAA-10.4.2", "RGAA-10.6.1", "RGAA-10.8.1", "RGAA-11.1.1",
	"RGAA-11.13.1", "RGAA-11.2.1", "RGAA-11.9.1", "RGAA-12.7.1", "RGAA-12.8.1",
	"RGAA-13.1.2", "RGAA-13.8.1", "RGAA-13.9.1", "RGAA-2.1.1", "RGAA-2.2.1",
	"RGAA-3.2.1", "RGAA-4.10.1", "RGAA-4.3.1", "RGAA-5.2.1", "RGAA-5.4.1",
	"RGAA-5.7.1", "RGAA-5.7.4", "RGAA-6.1.5", "RGAA-6.2.1", "RGAA-7.1.1",
	"RGAA-7.3.2", "RGAA-8.2.1", "RGAA-8.3.1", "RGAA-8.4.1", "RGAA-8.5.1",
	"RGAA-8.8.1", "RGAA-9.1.3", "RGAA-9.2.1", "RGAA-9.3.1", "RGAA-9.3.3",
}

// known maps a lower-cased tag to its spelling in axe-core.
var known = func() map[string]string {
	m := make(map[string]string, len(knownTags))
	for _, t := range knownTags {
		m[strings.ToLower(t)] = t
	}
	return m
}()

var standardRE = regexp.MustCompile(`^wcag\s*(2\.0|2\.1|2\.2|2)\s+(a|aa|aaa)$`)

// Standard turns what a user writes into axe-core tags. It accepts a
// WCAG version and level, "WCAG 2.2 AA", "WCAG 2.1 A", "WCAG 2.0 AAA"
// (case-insensitive; a level includes the levels below it, a version the
// versions before it), or a comma-separated list of axe-core 4.14 tags
// ("wcag2a, best-practice", "cat.forms", "wcag143"), each checked against
// the tags axe-core knows. An unknown tag is an error that lists the
// known ones.
func Standard(s string) ([]string, error) {
	norm := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if norm == "" {
		return nil, fmt.Errorf("accessibility standard: empty (want \"WCAG 2.2 AA\" or axe-core tags such as \"wcag2a, best-practice\")")
	}
	if m := standardRE.FindStringSubmatch(norm); m != nil {
		versions := map[string]int{"2": 0, "2.0": 0, "2.1": 1, "2.2": 2}[m[1]]
		levels := map[string]int{"a": 1, "aa": 2, "aaa": 3}[m[2]]
		var tags []string
		for v, prefix := range []string{"wcag2", "wcag21", "wcag22"} {
			if v > versions {
				break
			}
			for l, suffix := range []string{"a", "aa", "aaa"} {
				if l >= levels {
					break
				}
				tag := prefix + suffix
				if _, ok := known[tag]; ok {
					tags = append(tags, tag)
				}
			}
		}
		return tags, nil
	}
	var tags, unknown []string
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tag, ok := known[strings.ToLower(part)]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", part))
			continue
		}
		if !seen[tag] {
			seen[tag] = true
			tags = append(tags, tag)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("accessibility standard %q: unknown axe-core tag %s; want \"WCAG 2.2 AA\" (or 2.0/2.1, A/AA/AAA) or axe-core 4.14 tags: %s",
			s, strings.Join(unknown, ", "), knownList())
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("accessibility standard %q: no tags (want \"WCAG 2.2 AA\" or axe-core tags such as \"wcag2a, best-practice\")", s)
	}
	return tags, nil
}

// knownList is the known tags in a readable order: the families first,
// then the criteria, with the long per-standard families summarised.
func knownList() string {
	var main, criteria []string
	var other []string
	for _, t := range knownTags {
		switch {
		case criterionRE.MatchString(t):
			criteria = append(criteria, t)
		case strings.HasPrefix(t, "section508.") || strings.HasPrefix(t, "EN-9.") ||
			strings.HasPrefix(t, "TT") && t != "TTv5" || strings.HasPrefix(t, "RGAA-"):
			other = append(other, t)
		default:
			main = append(main, t)
		}
	}
	sort.Strings(criteria)
	return strings.Join(main, ", ") + "; criteria " + strings.Join(criteria, ", ") +
		"; and " + fmt.Sprint(len(other)) + " clause tags of Section 508, EN 301 549, Trusted Tester and RGAA (section508.22.a, EN-9.1.1.1, TT2.a, RGAA-1.1.1, …)"
}

// criterionRE matches a WCAG success criterion tag: wcag, the principle,
// the guideline and the criterion (wcag111, wcag1410, wcag2411).
var criterionRE = regexp.MustCompile(`^wcag([1-4])([1-9])([0-9]{1,2})$`)

// Criteria maps the success criterion tags among tags to WCAG numbers,
// in order and without repeats: wcag111 → 1.1.1, wcag1410 → 1.4.10,
// wcag2411 → 2.4.11. Level tags (wcag2aa, wcag21a) and other tags are
// ignored.
func Criteria(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		m := criterionRE.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		c := m[1] + "." + m[2] + "." + m[3]
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

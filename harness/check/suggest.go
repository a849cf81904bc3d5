package check

import (
	"regexp"
	"sort"
	"strings"

	"github.com/eprharness/eprharness/harness/catalogue"
)

// How many suggestions an undefined step gets, and how alike a catalogue
// example must be (0..1) to be suggested at all.
const (
	maxSuggestions = 3
	minSimilarity  = 0.4
	relativeCut    = 0.2
)

// typographic maps word processors' quotes to the ASCII ones steps use.
var typographic = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`)

// suggest returns hints for an undefined step: the closest catalogue steps,
// each shown by its most similar example as an analyst would write it.
func (c *Checker) suggest(text string) []string {
	var hints []string
	if plain := typographic.Replace(text); plain != text {
		if len(c.cat.Matching(plain)) > 0 {
			hints = append(hints, `it uses typographic quotes or apostrophes (’ “ ”): write ' and " instead`)
		}
		text = plain
	}
	type scored = suggestion
	var best []scored
	for _, s := range c.cat.Steps {
		top := scored{}
		for _, ex := range s.Examples {
			if sc := similarity(text, catalogue.StepText(ex)); sc > top.score {
				top = scored{strings.SplitN(ex, "\n", 2)[0], sc}
			}
		}
		if sc := similarity(text, s.Text); sc > top.score && len(s.Examples) > 0 {
			top = scored{strings.SplitN(s.Examples[0], "\n", 2)[0], sc}
		}
		if top.score >= minSimilarity {
			best = append(best, top)
		}
	}
	best = append(best, c.phraseSuggestions(text)...) // the team's own phrases (phrases.go)
	sort.SliceStable(best, func(i, j int) bool { return best[i].score > best[j].score })
	// Keep the close ones: within relativeCut of the best.
	for i := range best {
		if i == maxSuggestions || best[i].score < best[0].score-relativeCut {
			best = best[:i]
			break
		}
	}
	if len(best) == 0 {
		return append(hints, "no step is like it: `eprharness steps` lists every step")
	}
	hints = append(hints, "did you mean:")
	for _, b := range best {
		hints = append(hints, "  "+b.example)
	}
	return hints
}

var (
	quoted = regexp.MustCompile(`"[^"]*"`)
	number = regexp.MustCompile(`\d+(?:\.\d+)?`)
	words  = regexp.MustCompile(`[\p{L}\p{N}'"{}#-]+`)
)

// normalise lower-cases text and masks values, so that a step is compared
// by its wording rather than by its patient names or numbers.
func normalise(s string) string {
	s = strings.ToLower(s)
	s = quoted.ReplaceAllString(s, `"v"`)
	s = number.ReplaceAllString(s, " # ")
	return s
}

// similarity scores two step texts from 0 (unrelated) to 1 (equal): the
// weighted mean of the overlap of their content words (Dice coefficient)
// and their edit similarity.
func similarity(a, b string) float64 {
	a, b = normalise(a), normalise(b)
	if a == b {
		return 1
	}
	ta, tb := contentWords(a), contentWords(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	// Words in common, each used once; a typo ("serch") still counts.
	used := make([]bool, len(ta))
	common := 0
	for _, t := range tb {
		for i, u := range ta {
			if !used[i] && sameWord(t, u) {
				used[i] = true
				common++
				break
			}
		}
	}
	dice := 2 * float64(common) / float64(len(ta)+len(tb))
	ra, rb := []rune(a), []rune(b)
	longest := len(ra)
	if len(rb) > longest {
		longest = len(rb)
	}
	edit := 1 - float64(levenshtein(a, b))/float64(longest)
	return 0.6*dice + 0.4*edit
}

// sameWord reports whether two words are equal or one typo apart (for
// words of five letters or more).
func sameWord(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) < 5 || len(b) < 5 {
		return false
	}
	return levenshtein(a, b) <= 1
}

// stopWords carry no meaning of their own in a step.
var stopWords = map[string]bool{"i": true, "the": true, "a": true, "an": true, "to": true, "of": true,
	"is": true, "am": true, "are": true, "for": true, "with": true, "and": true, "user": true}

func contentWords(s string) []string {
	var out []string
	for _, w := range words.FindAllString(s, -1) {
		if !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// levenshtein is the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

package phrasebook

import (
	"fmt"
	"io"
	"strings"
)

// JSONPhrase is a phrase in `eprharness steps --format json`.
type JSONPhrase struct {
	// Phrase is the Cucumber Expression or the regex as written.
	Phrase string `json:"phrase"`
	// Kind is "cucumber-expression" or "regex".
	Kind string `json:"kind"`
	// Pattern is the regular expression the phrase matches with.
	Pattern string `json:"pattern"`
	Doc     string `json:"doc,omitempty"`
	// Steps are what it expands to, as written ({1}, {name}).
	Steps []string `json:"steps"`
	// At is "file:line".
	At string `json:"at"`
}

// JSON lists the book's phrases for a JSON document.
func JSON(b *Book) []JSONPhrase {
	out := []JSONPhrase{}
	for _, p := range b.Phrases {
		kind := "cucumber-expression"
		if p.Regex != "" {
			kind = "regex"
		}
		var steps []string
		for _, t := range p.Steps {
			steps = append(steps, t.Text)
		}
		out = append(out, JSONPhrase{Phrase: p.Source(), Kind: kind, Pattern: p.re.String(), Doc: p.Doc, Steps: steps, At: p.At()})
	}
	return out
}

// WriteText writes the book's phrases for a terminal, after the
// catalogue: each phrase, what it expands to and where it is written.
func WriteText(w io.Writer, b *Book) error {
	var s strings.Builder
	fmt.Fprintf(&s, "\nYour phrasebook (%s): your own wording, run as the catalogue steps below it\n", count(len(b.Phrases), "phrase"))
	for _, p := range b.Phrases {
		fmt.Fprintf(&s, "  %s\n", p.Source())
		if p.Doc != "" {
			fmt.Fprintf(&s, "      %s\n", p.Doc)
		}
		for _, t := range p.Steps {
			fmt.Fprintf(&s, "      → %s\n", t.Text)
		}
		fmt.Fprintf(&s, "      (%s)\n", p.At())
	}
	if _, err := io.WriteString(w, s.String()); err != nil {
		return fmt.Errorf("write phrasebook: %w", err)
	}
	return nil
}

// WriteMarkdown writes the book's phrases as a Markdown section.
func WriteMarkdown(w io.Writer, b *Book) error {
	var s strings.Builder
	fmt.Fprintf(&s, "\n## Your phrasebook\n\n")
	fmt.Fprintf(&s, "Your own step wording (%s), each run as the catalogue steps it expands to.\n", count(len(b.Phrases), "phrase"))
	for _, p := range b.Phrases {
		fmt.Fprintf(&s, "\n**`%s`**  \n", p.Source())
		if p.Doc != "" {
			fmt.Fprintf(&s, "%s  \n", p.Doc)
		}
		fmt.Fprintf(&s, "Written at `%s`; expands to:\n\n```gherkin\n", p.At())
		for _, t := range p.Steps {
			fmt.Fprintf(&s, "%s\n", t.Text)
		}
		fmt.Fprintf(&s, "```\n")
	}
	if _, err := io.WriteString(w, s.String()); err != nil {
		return fmt.Errorf("write phrasebook: %w", err)
	}
	return nil
}

func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

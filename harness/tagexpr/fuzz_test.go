package tagexpr

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzTagExpr: no expression makes Parse or Match panic; an error is an
// *Error with a column inside the expression (or just after it); a parsed
// expression prints (String) as an expression that parses back to the same
// expression, matching the same tags.
func FuzzTagExpr(f *testing.F) {
	for _, s := range []string{
		"", "@smoke", "@smoke and not @slow", "@a or @b and @c", "(@a or @b) and @c",
		"not not @a", `@with\ space`, `@x\(y\)`, "@hazard:H-004", "@a and", "smoke", "(@a or @b",
		"@a @b", "and @a", `@a\`, "@a or or @b", "not", "()", "((@a))", "@a\tand\t@b", `@a\	b`,
		`\and`, `@a \and @b`, "not @wip and (@search or @banner)", "@patient:amy-pond",
	} {
		f.Add(s, "@a @b")
	}
	// The tags the example suite uses.
	files, _ := filepath.Glob(filepath.Join("..", "..", "features", "*.feature"))
	tagRE := regexp.MustCompile(`@[^\s#]+`)
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		tags := tagRE.FindAllString(string(src), -1)
		if len(tags) > 0 {
			f.Add(strings.Join(tags, " or "), strings.Join(tags, " "))
			f.Add("not "+tags[0]+" and ("+tags[len(tags)-1]+" or @x)", tags[0])
		}
	}
	f.Fuzz(func(t *testing.T, expr, tagList string) {
		tags := strings.Fields(tagList)
		e, err := Parse(expr)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("Parse(%q): error is %T, not *Error: %v", expr, err, err)
			}
			if te.Column < 1 || te.Column > len(expr)+1 {
				t.Fatalf("Parse(%q): column %d outside 1..%d", expr, te.Column, len(expr)+1)
			}
			if !strings.Contains(err.Error(), "column") {
				t.Fatalf("Parse(%q): %q names no column", expr, err)
			}
			return
		}
		got := e.Match(tags)
		printed := e.String()
		again, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", expr, printed, err)
		}
		if again.String() != printed {
			t.Fatalf("Parse(%q): %q prints again as %q", expr, printed, again.String())
		}
		if again.Match(tags) != got {
			t.Fatalf("Parse(%q) and its print %q disagree on %v", expr, printed, tags)
		}
	})
}

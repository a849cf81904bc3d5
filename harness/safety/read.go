package safety

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/eprharness/eprharness/harness/results"
)

var (
	hazardIDRE  = regexp.MustCompile(`^H-\d{3,}$`)
	controlIDRE = regexp.MustCompile(`^C-\d{3,}$`)
)

// ValidHazardID and ValidControlID report whether an id has the form the
// tags need: H- or C- and three or more digits (H-004, C-012).
func ValidHazardID(id string) bool  { return hazardIDRE.MatchString(id) }
func ValidControlID(id string) bool { return controlIDRE.MatchString(id) }

// Severities, Likelihoods and Statuses are the words of the DCB0129 risk
// matrix and of a hazard's status, in order.
var (
	Severities  = []string{"Minor", "Significant", "Considerable", "Major", "Catastrophic"}
	Likelihoods = []string{"Very low", "Low", "Medium", "High", "Very high"}
	Statuses    = []string{"open", "transferred", "closed"}
)

// matrix is the DCB0129 risk matrix: matrix[likelihood][severity] is the
// clinical risk rating, 1 (acceptable) to 5 (unacceptable).
var matrix = [5][5]int{
	{1, 1, 2, 2, 3}, // Very low
	{1, 2, 2, 3, 4}, // Low
	{2, 2, 3, 3, 4}, // Medium
	{2, 3, 3, 4, 5}, // High
	{3, 4, 4, 5, 5}, // Very high
}

// RiskRating is the DCB0129 risk matrix's rating (1–5) for a severity and
// a likelihood in its words (any case); 0 when either is not one of them.
func RiskRating(severity, likelihood string) int {
	s, l := indexFold(Severities, severity), indexFold(Likelihoods, likelihood)
	if s < 0 || l < 0 {
		return 0
	}
	return matrix[l][s]
}

func indexFold(words []string, w string) int {
	w = strings.Join(strings.Fields(w), " ")
	for i, x := range words {
		if strings.EqualFold(x, w) {
			return i
		}
	}
	return -1
}

// Read reads a hazard log by its extension: .yaml/.yml (the simple form
// of today's features/hazards.yaml: id, title, control; or the DCB0129
// form) or .csv. Problems come back as *LogError listing every problem
// with file, line and field; the log returned with it holds the entries
// that could be read (nil when none could), so a checker can go on.
// Other errors (the file cannot be read) are plain.
func Read(file string) (*results.HazardLog, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read hazard log: %w", err)
	}
	return Parse(file, data)
}

// Parse reads a hazard log from data, by file's extension, as Read does.
func Parse(file string, data []byte) (*results.HazardLog, error) {
	sum := sha256.Sum256(data)
	var (
		log      *results.HazardLog
		problems []Problem
	)
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".yaml", ".yml":
		log, problems = parseYAML(file, data)
	case ".csv":
		log, problems = parseCSV(file, data)
	default:
		return nil, &LogError{Problems: []Problem{{File: file, Msg: fmt.Sprintf("want a .yaml, .yml or .csv file, got %q", ext)}}}
	}
	if log != nil {
		log.File = file
		log.SHA256 = hex.EncodeToString(sum[:])
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return log, &LogError{Problems: problems}
	}
	return log, nil
}

func sortProblems(ps []Problem) {
	// Stable insertion sort by line: problems are few.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Line < ps[j-1].Line; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// fieldVal is one field's text and its line (0: not given).
type fieldVal struct {
	val  string
	line int
}

// checkRisk checks one risk's severity, likelihood and rating, and puts the
// words in the matrix's case; field and sep make the problems' fields
// ("hazards[0].initial" "." "risk", "initial" "_" "risk"); entry is the
// line for a value not given.
func checkRisk(file, field, sep string, sev, like, rating fieldVal, entry int, add func(Problem)) results.Risk {
	var r results.Risk
	if sev.val == "" && like.val == "" && rating.val == "" {
		return r
	}
	at := func(f fieldVal) int {
		if f.line > 0 {
			return f.line
		}
		return entry
	}
	// pick is the word of words that v names (any case), else "" and a
	// problem naming the field.
	pick := func(words []string, v fieldVal, name, others string) string {
		if i := indexFold(words, v.val); i >= 0 {
			return words[i]
		}
		msg := fmt.Sprintf("want one of %s, got %q", strings.Join(words, ", "), v.val)
		if v.val == "" {
			msg = "is required with " + others + " (" + strings.Join(words, ", ") + ")"
		}
		add(Problem{File: file, Line: at(v), Field: field + sep + name, Msg: msg})
		return ""
	}
	r.Severity = pick(Severities, sev, "severity", "a likelihood or a risk")
	r.Likelihood = pick(Likelihoods, like, "likelihood", "a severity or a risk")
	n, err := strconv.Atoi(strings.TrimSpace(rating.val))
	switch {
	case rating.val == "":
		add(Problem{File: file, Line: at(rating), Field: field + sep + "risk", Msg: "is required with a severity or a likelihood (1 to 5)"})
	case err != nil || n < 1 || n > 5:
		add(Problem{File: file, Line: at(rating), Field: field + sep + "risk", Msg: fmt.Sprintf("want a risk rating from 1 to 5, got %q", rating.val)})
	default:
		r.Rating = strconv.Itoa(n)
		if want := RiskRating(r.Severity, r.Likelihood); want > 0 && want != n {
			add(Problem{File: file, Line: at(rating), Field: field + sep + "risk",
				Msg: fmt.Sprintf("%d does not match the DCB0129 risk matrix: %s severity with %s likelihood is %d", n, r.Severity, strings.ToLower(r.Likelihood), want)})
		}
	}
	return r
}

func checkStatus(file, field string, v fieldVal, entry int, add func(Problem)) string {
	if v.val == "" {
		return ""
	}
	if i := indexFold(Statuses, v.val); i >= 0 {
		return Statuses[i]
	}
	line := v.line
	if line == 0 {
		line = entry
	}
	add(Problem{File: file, Line: line, Field: field, Msg: fmt.Sprintf("want one of %s, got %q", strings.Join(Statuses, ", "), v.val)})
	return ""
}

// verifyByTest reads a control's "verify" value: test (the default when
// empty) or other; yes/no and true/false as spreadsheets write them.
func verifyByTest(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "test", "by test", "yes", "y", "true":
		return true, true
	case "other", "no", "n", "false":
		return false, true
	}
	return false, false
}

const verifyWords = `test or other (yes/no also do)`

// textOK rejects text that is not UTF-8: a spreadsheet saved as UTF-16 or
// a legacy code page.
func textOK(file string, data []byte) []Problem {
	if utf8.Valid(data) {
		return nil
	}
	line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
	return []Problem{{File: file, Line: line, Msg: "is not UTF-8 text (save the hazard log as UTF-8; from a spreadsheet, as \"CSV UTF-8\")"}}
}

func firstInvalid(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

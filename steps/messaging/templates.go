package messaging

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/nhsnumber"
)

// Placeholders are the {names} a message template or a table value may
// use, with what each becomes.
var Placeholders = [][2]string{
	{"nhs_number", "the patient's NHS number, ten digits"},
	{"given", "the patient's given name"},
	{"family", "the patient's family name"},
	{"birth_date", "the patient's date of birth, YYYYMMDD"},
	{"gender", "the patient's administrative sex: M, F, O or U"},
	{"now", "the current time as an HL7 timestamp (YYYYMMDDHHMMSS+ZZZZ)"},
	{"today", "the clinical day (the run's clock, if fixed), YYYYMMDD"},
	{"control_id", "a fresh, unique message control id (MSH-10)"},
	{"message_type", "the message type of the step, e.g. ADT^A08"},
	{"trigger", "the trigger event of the step, e.g. A08"},
}

// In a FHIR template (a transaction file) {birth_date} and {today} are
// YYYY-MM-DD, {now} is an RFC 3339 instant and {gender} is FHIR's
// (female, male, other, unknown): see fhirFormats.

// values are the placeholder values for a message of type msgType
// ("ADT^A08") about patient p at now, on clinical day today.
func values(p fixtures.Patient, msgType string, now, today time.Time) map[string]string {
	_, trigger, _ := strings.Cut(msgType, "^")
	if i := strings.IndexByte(trigger, '^'); i >= 0 {
		trigger = trigger[:i]
	}
	return map[string]string{
		"nhs_number":   p.NHSNumber,
		"given":        p.Given,
		"family":       p.Family,
		"birth_date":   strings.ReplaceAll(p.BirthDate, "-", ""),
		"gender":       sex(p.Gender),
		"now":          hl7.Timestamp(now),
		"today":        today.Format("20060102"),
		"control_id":   hl7.NewControlID(),
		"message_type": msgType,
		"trigger":      trigger,
	}
}

// sex is HL7 table 0001 for a FHIR gender.
func sex(g string) string {
	switch strings.ToLower(strings.TrimSpace(g)) {
	case "male", "m":
		return "M"
	case "female", "f":
		return "F"
	case "other", "o":
		return "O"
	}
	return "U"
}

// placeholder is a {name} in a table value.
var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

// fill replaces {names} in an encoded table value with their values,
// escaped; an unknown name is an error naming it.
func fill(v string, vals map[string]string) (string, error) {
	return fillWith(placeholder, v, vals, func(val string) string { return hl7.Escape(val, hl7.DefaultDelimiters) })
}

// fillWith replaces each {name} re matches in text with its value,
// escaped by esc; the first unknown name is an error naming it.
func fillWith(re *regexp.Regexp, text string, vals map[string]string, esc func(string) string) (string, error) {
	var missing string
	out := re.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1 : len(m)-1]
		val, ok := vals[name]
		if !ok {
			if missing == "" {
				missing = name
			}
			return m
		}
		return esc(val)
	})
	if missing != "" {
		return "", unknownPlaceholder(missing)
	}
	return out, nil
}

func unknownPlaceholder(name string) error {
	known := make([]string, len(Placeholders))
	for i, p := range Placeholders {
		known[i] = "{" + p[0] + "}"
	}
	return fmt.Errorf("unknown placeholder {%s}; known: %s", name, strings.Join(known, ", "))
}

// structures are MSH-9.3 for the trigger events the skeleton knows.
var structures = map[string]string{
	"ADT^A01": "ADT_A01", "ADT^A02": "ADT_A02", "ADT^A03": "ADT_A03", "ADT^A04": "ADT_A01",
	"ADT^A08": "ADT_A01", "ADT^A28": "ADT_A05", "ADT^A31": "ADT_A05",
}

// visitTriggers are the events whose skeleton has a PV1 segment, with
// its patient class.
var visitTriggers = map[string]string{"ADT^A01": "I", "ADT^A02": "I", "ADT^A03": "I", "ADT^A08": "O"}

// typeCode is a message type or trigger event code (MSH-9.1, MSH-9.2).
var typeCode = regexp.MustCompile(`^[A-Z0-9]{3}$`)

// checkType checks a message type as steps write it: TYPE^TRIGGER.
func checkType(msgType string) (string, string, error) {
	typ, trigger, ok := strings.Cut(strings.TrimSpace(msgType), "^")
	if !ok || !typeCode.MatchString(typ) || !typeCode.MatchString(trigger) {
		return "", "", fmt.Errorf("message type %q: want TYPE^TRIGGER such as ADT^A08", msgType)
	}
	return typ, trigger, nil
}

// Skeleton builds the default message of type msgType ("ADT^A08") for
// patient p from the PAS, then sets each row's path to its value (table
// values may use placeholders). MSH: sending PAS/RHQ, receiving
// REFEPR/RHQ, version 2.5.1, UTF-8; EVN; PID with PID-3
// NHSNUMBER^^^NHS^NH, name, birth date and sex; PV1 for A01, A02, A03
// and A08.
func Skeleton(msgType string, p fixtures.Patient, rows [][2]string, vals map[string]string) (*hl7.Message, error) {
	typ, trigger, err := checkType(msgType)
	if err != nil {
		return nil, err
	}
	full := typ + "^" + trigger
	mt := full
	if s, ok := structures[full]; ok {
		mt += "^" + s
	}
	e := func(s string) string { return hl7.Escape(s, hl7.DefaultDelimiters) }
	base := [][2]string{
		{"MSH-3", "PAS"}, {"MSH-4", "RHQ"}, {"MSH-5", "REFEPR"}, {"MSH-6", "RHQ"},
		{"MSH-12", "2.5.1"}, {"MSH-18", "UNICODE UTF-8"},
		{"EVN-1", e(trigger)}, {"EVN-2", vals["now"]},
		{"PID-1", "1"}, {"PID-3", e(p.NHSNumber) + "^^^" + hl7.NHSAuthority + "^" + hl7.NHSIdentifierType},
		{"PID-5", e(p.Family) + "^" + e(p.Given)},
		{"PID-7", vals["birth_date"]}, {"PID-8", vals["gender"]},
	}
	if class, ok := visitTriggers[full]; ok {
		base = append(base, [2]string{"PV1-1", "1"}, [2]string{"PV1-2", class})
	}
	for i, r := range rows {
		if _, err := hl7.ParsePath(r[0]); err != nil {
			return nil, fmt.Errorf("table row %d: %w", i+1, err)
		}
		v, err := fill(r[1], vals)
		if err != nil {
			return nil, fmt.Errorf("row %d (%s): %w", i+1, r[0], err)
		}
		base = append(base, [2]string{r[0], v})
	}
	return hl7.FromFields(mt, base, hl7.WithControlID(vals["control_id"]))
}

// FromTemplate fills a template's placeholders and parses it; an unknown
// placeholder is an error naming it and its line.
func FromTemplate(template string, vals map[string]string) (*hl7.Message, error) {
	m, err := hl7.Build(template, vals)
	if err != nil {
		if name, ok := missingName(err); ok {
			return nil, fmt.Errorf("%w (%v)", unknownPlaceholder(name), err)
		}
		return nil, err
	}
	return m, nil
}

var noValue = regexp.MustCompile(`no value for placeholder \{([^}]*)\}`)

func missingName(err error) (string, bool) {
	m := noValue.FindStringSubmatch(err.Error())
	if m == nil {
		return "", false
	}
	return m[1], true
}

// ReadTemplate reads a template file named relative to the feature file,
// as text. A file that is valid UTF-8 is taken as UTF-8 whatever its
// MSH-18 says (the message is encoded in MSH-18's character set when it is
// sent); one that is not, and whose MSH-18 says 8859/1, is decoded from
// ISO 8859-1 (a file saved by a tool that writes Latin-1).
func ReadTemplate(featureFile, name string) (string, error) {
	path := featurePath(featureFile, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return "", failure.Harness(fmt.Errorf("read message template %s (relative to the feature file %s): %w", name, featureFile, err))
	}
	cs := charsetOf(data)
	switch strings.ToUpper(cs) {
	case "8859/1":
		if utf8.Valid(data) {
			return string(data), nil
		}
		r := make([]rune, len(data))
		for i, b := range data {
			r[i] = rune(b)
		}
		return string(r), nil
	case "", "ASCII", "UNICODE UTF-8", "UNICODE":
		return string(data), nil
	}
	return "", failure.Harness(fmt.Errorf("message template %s: MSH-18 %q: templates may be ASCII, UNICODE UTF-8 or 8859/1", path, cs))
}

// featurePath is a file named relative to the feature file (or absolute).
func featurePath(featureFile, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(featureFile), filepath.FromSlash(name))
}

// firstLine is a template's first line, leading blanks and BOM left out.
func firstLine(text string) string {
	line := strings.TrimLeft(text, " \t\r\n\ufeff")
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	return line
}

// charsetOf reads MSH-18 from the first line of raw.
func charsetOf(raw []byte) string {
	line := firstLine(string(raw))
	if len(line) < 4 || !strings.HasPrefix(line, "MSH") {
		return ""
	}
	parts := strings.Split(line, line[3:4])
	if len(parts) < 18 {
		return ""
	}
	rep := parts[17]
	if len(line) > 5 {
		if i := strings.IndexByte(rep, line[5]); i >= 0 { // repetition separator
			rep = rep[:i]
		}
	}
	return strings.TrimSpace(rep)
}

// templateType reads MSH-9's type and trigger ("ADT^A31") from a
// template's first line.
func templateType(text string) (string, error) {
	line := firstLine(text)
	if len(line) < 8 || !strings.HasPrefix(line, "MSH") {
		return "", errors.New("the first line is not an MSH segment")
	}
	parts := strings.Split(line, line[3:4])
	if len(parts) < 9 {
		return "", errors.New("MSH has no MSH-9 (message type)")
	}
	comps := strings.Split(parts[8], line[4:5])
	if len(comps) < 2 {
		return "", fmt.Errorf("MSH-9 %q has no trigger event", parts[8])
	}
	return comps[0] + "^" + comps[1], nil
}

// nhsLike matches ten digits written as an NHS number may be.
var nhsLike = regexp.MustCompile(`\d{3}[ -]?\d{3}[ -]?\d{4}`)

// Guard refuses a message carrying a valid NHS number outside the test
// ranges (999… and the configured ones): scenarios send synthetic data
// only. It is a harness error, raised before anything is sent.
func Guard(m *hl7.Message, ranges []nhsnumber.Range) error {
	bad := outsideRanges(m.String(), ranges)
	if len(bad) > 0 {
		sort.Strings(bad)
		return notSynthetic(strings.Join(bad, ", "))
	}
	return nil
}

// outsideRanges are the valid NHS numbers text carries outside the test
// ranges (999… and ranges), formatted, in the order they appear.
func outsideRanges(text string, ranges []nhsnumber.Range) []string {
	var bad []string
	for _, loc := range nhsLike.FindAllStringIndex(text, -1) {
		if loc[0] > 0 && isDigit(text[loc[0]-1]) || loc[1] < len(text) && isDigit(text[loc[1]]) {
			continue // part of a longer number (a timestamp)
		}
		n, err := nhsnumber.Parse(text[loc[0]:loc[1]])
		if err != nil || nhsnumber.IsTest(n, ranges...) {
			continue
		}
		bad = append(bad, n.Formatted())
	}
	return bad
}

// notSynthetic is the harness error for a message carrying the NHS
// number(s) nhs, outside the test ranges.
func notSynthetic(nhs string) error {
	return failure.Harness(fmt.Errorf("the message carries NHS number %s, which is not in a reserved test range (999…) or a configured one (nhs-test-ranges); scenarios must send synthetic data only", nhs))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// OutsideTestRanges returns a fresh NHS number with a valid check digit
// that is in no test range (not 999… nor any of ranges), made up at run
// time so that it never appears in a file.
func OutsideTestRanges(ranges []nhsnumber.Range) (string, error) {
	for range 1000 {
		n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
		if err != nil {
			return "", err
		}
		nine := fmt.Sprintf("4%08d", n.Int64())
		d, ok := nhsnumber.CheckDigit(nine)
		if !ok {
			continue
		}
		num := nhsnumber.Number(nine + string(rune('0'+d)))
		if !nhsnumber.IsTest(num, ranges...) {
			return string(num), nil
		}
	}
	return "", errors.New("no NHS number outside the test ranges found (do the nhs-test-ranges cover every 4… number?)")
}

// jsonPlaceholder is a {name} in a JSON template.
var jsonPlaceholder = regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_]*\}`)

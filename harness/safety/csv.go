package safety

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/eprharness/eprharness/harness/results"
)

// Columns are the CSV hazard log's columns, by their canonical names (the
// header may write them in any case, with spaces or hyphens for the
// underscores, or by an alias in columnAliases). hazard_id, title,
// control_id and control are required; the others may be left out.
var Columns = []string{
	"hazard_id", "title", "description", "causes", "effect",
	"initial_severity", "initial_likelihood", "initial_risk",
	"residual_severity", "residual_likelihood", "residual_risk",
	"status", "control_id", "control", "verify",
}

var requiredColumns = []string{"hazard_id", "title", "control_id", "control"}

// hazardColumns are a hazard's own columns: repeated or left blank on the
// hazard's following rows.
var hazardColumns = Columns[1:12]

var columnAliases = map[string]string{
	"id":                  "hazard_id",
	"hazard":              "hazard_id",
	"hazard_ref":          "hazard_id",
	"hazard_title":        "title",
	"hazard_name":         "title",
	"hazard_description":  "description",
	"cause":               "causes",
	"effects":             "effect",
	"hazard_status":       "status",
	"control_ref":         "control_id",
	"control_description": "control",
	"verify_by_test":      "verify",
	"verified_by_test":    "verify",
	"by_test":             "verify",
	"verification":        "verify",
}

func columnName(header string) string {
	h := strings.ToLower(strings.TrimSpace(header))
	h = strings.NewReplacer(" ", "_", "-", "_", "(", "", ")", "").Replace(h)
	for strings.Contains(h, "__") {
		h = strings.ReplaceAll(h, "__", "_")
	}
	if a, ok := columnAliases[h]; ok {
		return a
	}
	return h
}

// parseCSV reads the CSV form: a header row, then one row per control.
// A row whose hazard_id is blank, or the same as the row above's, adds a
// control to the hazard above; its hazard columns are blank or repeat the
// hazard's. A spreadsheet's export works: a UTF-8 byte order mark, CRLF
// line ends, quoted fields with commas and line breaks, and ";" as the
// separator when the header has no comma.
func parseCSV(file string, data []byte) (*results.HazardLog, []Problem) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if ps := textOK(file, data); ps != nil {
		return nil, ps
	}
	var problems []Problem
	add := func(p Problem) { problems = append(problems, p) }
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	if first, _, _ := strings.Cut(string(data), "\n"); !strings.Contains(first, ",") && strings.Contains(first, ";") {
		r.Comma = ';'
	}
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []Problem{{File: file, Msg: "is empty: want a header row (" + strings.Join(requiredColumns, ", ") + ", …) and a row per control"}}
		}
		return nil, []Problem{csvProblem(file, err)}
	}
	col := map[string]int{}
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue // a spreadsheet's empty trailing columns
		}
		name := columnName(h)
		switch {
		case !contains(Columns, name):
			add(Problem{File: file, Line: 1, Field: h, Msg: "unknown column: the columns are " + strings.Join(Columns, ", ")})
		case col[name] > 0:
			add(Problem{File: file, Line: 1, Field: h, Msg: fmt.Sprintf("column %s is given twice", name)})
		default:
			col[name] = i + 1 // 0: absent
		}
	}
	for _, c := range requiredColumns {
		if col[c] == 0 {
			add(Problem{File: file, Line: 1, Field: c, Msg: "required column is missing (the columns are " + strings.Join(Columns, ", ") + ")"})
		}
	}
	log := &results.HazardLog{Form: FormDCB0129}
	if len(problems) > 0 {
		return log, problems
	}

	type rowVals map[string]fieldVal
	var (
		cur      *results.Hazard
		skipping bool    // the rows of a hazard whose first row was bad
		curFirst rowVals // the hazard's first row, for repeated columns
		hazLine  = map[string]int{}
		ctlLine  = map[string]int{}
	)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			add(csvProblem(file, err))
			break
		}
		line, _ := r.FieldPos(0)
		row := rowVals{}
		empty := true
		for _, name := range Columns {
			i := col[name] - 1
			if i < 0 || i >= len(rec) {
				continue
			}
			v := strings.TrimSpace(rec[i])
			if v != "" {
				empty = false
			}
			l, _ := r.FieldPos(i)
			row[name] = fieldVal{val: v, line: l}
		}
		if empty {
			continue
		}
		id := row["hazard_id"].val
		switch {
		case id == "" || (cur != nil && id == cur.ID):
			if cur == nil {
				if !skipping {
					add(Problem{File: file, Line: line, Field: "hazard_id", Msg: "is required on a hazard's first row"})
				}
				continue
			}
			for _, name := range hazardColumns {
				v := row[name].val
				if v != "" && v != curFirst[name].val {
					add(Problem{File: file, Line: line, Field: name,
						Msg: fmt.Sprintf("%q differs from %s's %q on line %d: leave it blank or repeat it on a hazard's following rows", v, cur.ID, curFirst[name].val, cur.Line)})
				}
			}
		default:
			if !ValidHazardID(id) {
				add(Problem{File: file, Line: line, Field: "hazard_id", Msg: fmt.Sprintf("want H- and three or more digits (H-004), got %q", id)})
				cur, skipping = nil, true
				continue
			}
			if at, ok := hazLine[id]; ok {
				add(Problem{File: file, Line: line, Field: "hazard_id", Msg: fmt.Sprintf("%s is also listed at line %d (keep a hazard's rows together)", id, at)})
				cur, skipping = nil, true
				continue
			}
			hazLine[id] = line
			log.Hazards = append(log.Hazards, hazardOf(file, line, row, add))
			cur, curFirst = &log.Hazards[len(log.Hazards)-1], row
		}
		cid := row["control_id"]
		if cid.val == "" {
			if row["control"].val != "" || row["verify"].val != "" {
				add(Problem{File: file, Line: line, Field: "control_id", Msg: fmt.Sprintf("is required for the control of %s on this row", cur.ID)})
			}
			continue
		}
		if !ValidControlID(cid.val) {
			add(Problem{File: file, Line: line, Field: "control_id", Msg: fmt.Sprintf("want C- and three or more digits (C-004), got %q", cid.val)})
			continue
		}
		if at, ok := ctlLine[cid.val]; ok {
			add(Problem{File: file, Line: line, Field: "control_id", Msg: fmt.Sprintf("%s is also listed at line %d: control ids are unique across the log", cid.val, at)})
			continue
		}
		ctlLine[cid.val] = line
		c := results.Control{ID: cid.val, Description: row["control"].val, Line: line}
		if c.Description == "" {
			add(Problem{File: file, Line: line, Field: "control", Msg: fmt.Sprintf("is required (%s of %s)", c.ID, cur.ID)})
		}
		byTest, ok := verifyByTest(row["verify"].val)
		if !ok {
			add(Problem{File: file, Line: line, Field: "verify", Msg: fmt.Sprintf("want %s, got %q", verifyWords, row["verify"].val)})
			byTest = true
		}
		c.VerifyByTest = byTest
		cur.Controls = append(cur.Controls, c)
	}
	if len(log.Hazards) == 0 && len(problems) == 0 {
		add(Problem{File: file, Field: "hazard_id", Msg: "no hazards listed: want a row per control under the header"})
	}
	return log, problems
}

func hazardOf(file string, line int, row map[string]fieldVal, add func(Problem)) results.Hazard {
	h := results.Hazard{ID: row["hazard_id"].val, Line: line,
		Title: row["title"].val, Description: row["description"].val, Effect: row["effect"].val}
	if h.Title == "" {
		add(Problem{File: file, Line: line, Field: "title", Msg: fmt.Sprintf("is required (%s)", h.ID)})
	}
	for _, c := range strings.FieldsFunc(row["causes"].val, func(r rune) bool { return r == '\n' || r == ';' }) {
		if c = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(c), "-•*")); c != "" {
			h.Causes = append(h.Causes, c)
		}
	}
	h.Initial = checkRisk(file, "initial", "_", row["initial_severity"], row["initial_likelihood"], row["initial_risk"], line, add)
	h.Residual = checkRisk(file, "residual", "_", row["residual_severity"], row["residual_likelihood"], row["residual_risk"], line, add)
	h.Status = checkStatus(file, "status", row["status"], line, add)
	return h
}

func csvProblem(file string, err error) Problem {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := pe.StartLine
		if line == 0 {
			line = pe.Line
		}
		return Problem{File: file, Line: line, Msg: fmt.Sprintf("is not valid CSV: %v", pe.Err)}
	}
	return Problem{File: file, Msg: fmt.Sprintf("read CSV: %v", err)}
}

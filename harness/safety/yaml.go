package safety

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/eprharness/eprharness/harness/results"
)

// The fields of each form's entries, in the order the docs list them.
var (
	simpleFields  = []string{"id", "title", "control"}
	dcbFields     = []string{"id", "title", "description", "causes", "effect", "initial", "residual", "status", "controls"}
	riskFields    = []string{"severity", "likelihood", "risk"}
	controlFields = []string{"id", "description", "verify"}
)

// parseYAML reads either YAML form. An entry with a "control" is of the
// simple form, one with any other field of the DCB0129 form; the first
// entry that says decides the document's form.
func parseYAML(file string, data []byte) (*results.HazardLog, []Problem) {
	if ps := textOK(file, data); ps != nil {
		return nil, ps
	}
	var problems []Problem
	add := func(p Problem) { problems = append(problems, p) }
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		msg := yamlLinePrefix.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
		if err.Error() == "EOF" {
			msg = "is empty: want a hazards list"
		}
		return nil, []Problem{{File: file, Line: yamlLine(err), Msg: msg}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, []Problem{{File: file, Line: root.Line, Msg: "want a mapping with a hazards list"}}
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value == "hazards" {
			list = v
			continue
		}
		add(Problem{File: file, Line: k.Line, Field: k.Value, Msg: fmt.Sprintf("field %s not found: a hazard log has only a hazards list", k.Value)})
	}
	log := &results.HazardLog{}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		if len(problems) == 0 {
			add(Problem{File: file, Field: "hazards", Msg: "no hazards listed"})
		}
		return log, problems
	}
	if list.Kind != yaml.SequenceNode {
		add(Problem{File: file, Line: list.Line, Field: "hazards", Msg: "want a list of hazards"})
		return log, problems
	}
	if len(list.Content) == 0 {
		add(Problem{File: file, Line: list.Line, Field: "hazards", Msg: "no hazards listed"})
		return log, problems
	}
	for _, n := range list.Content {
		if n.Kind != yaml.MappingNode {
			continue
		}
		if form := entryForm(n); form != "" {
			log.Form = form
			break
		}
	}
	if log.Form == "" {
		log.Form = FormSimple
	}
	seen := map[string]int{}
	controls := map[string]controlAt{}
	for i, n := range list.Content {
		f := fmt.Sprintf("hazards[%d]", i)
		if n.Kind != yaml.MappingNode {
			add(Problem{File: file, Line: n.Line, Field: f, Msg: "want a hazard (id, title, …), got " + kindWords(n)})
			continue
		}
		fields := mapping(n)
		if form := entryForm(n); form != "" && form != log.Form {
			add(Problem{File: file, Line: n.Line, Field: f, Msg: fmt.Sprintf("is in the %s form but the log is in the %s form (entry at line %d): a simple entry has one control, a DCB0129 entry a controls list", formWords(form), formWords(log.Form), firstFormLine(list, log.Form))})
			continue
		}
		var h results.Hazard
		h.Line = n.Line
		id := scalar(file, f+".id", fields["id"], n.Line, add)
		switch {
		case !ValidHazardID(id.val):
			add(Problem{File: file, Line: id.lineOr(n.Line), Field: f + ".id", Msg: fmt.Sprintf("want H- and three or more digits (H-004), got %q", id.val)})
			continue
		case seen[id.val] > 0:
			add(Problem{File: file, Line: id.lineOr(n.Line), Field: f + ".id", Msg: fmt.Sprintf("%s is also listed at line %d", id.val, seen[id.val])})
			continue
		}
		seen[id.val] = n.Line
		h.ID = id.val
		h.Title = scalar(file, f+".title", fields["title"], n.Line, add).val
		if h.Title == "" {
			add(Problem{File: file, Line: n.Line, Field: f + ".title", Msg: fmt.Sprintf("is required (%s)", h.ID)})
		}
		if log.Form == FormSimple {
			unknown(file, f, n, simpleFields, "the simple form has id, title and control; the DCB0129 form has "+strings.Join(dcbFields, ", "), add)
			c := scalar(file, f+".control", fields["control"], n.Line, add)
			if c.val == "" {
				add(Problem{File: file, Line: n.Line, Field: f + ".control", Msg: fmt.Sprintf("is required (%s)", h.ID)})
			}
			h.Controls = []results.Control{{ID: h.ID, Description: c.val, VerifyByTest: true, Line: c.lineOr(n.Line)}}
			log.Hazards = append(log.Hazards, h)
			continue
		}
		unknown(file, f, n, dcbFields, "a hazard has "+strings.Join(dcbFields, ", "), add)
		h.Description = scalar(file, f+".description", fields["description"], n.Line, add).val
		h.Effect = scalar(file, f+".effect", fields["effect"], n.Line, add).val
		h.Causes = texts(file, f+".causes", fields["causes"], add)
		h.Initial = riskOf(file, f+".initial", fields["initial"], n.Line, add)
		h.Residual = riskOf(file, f+".residual", fields["residual"], n.Line, add)
		h.Status = checkStatus(file, f+".status", scalar(file, f+".status", fields["status"], n.Line, add), n.Line, add)
		h.Controls = controlsOf(file, f+".controls", h.ID, fields["controls"], controls, add)
		log.Hazards = append(log.Hazards, h)
	}
	return log, problems
}

// entryForm is the form an entry's fields say: "" when only id and title.
func entryForm(n *yaml.Node) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "id", "title":
		case "control":
			return FormSimple
		default:
			if contains(dcbFields, n.Content[i].Value) {
				return FormDCB0129
			}
		}
	}
	return ""
}

func firstFormLine(list *yaml.Node, form string) int {
	for _, n := range list.Content {
		if n.Kind == yaml.MappingNode && entryForm(n) == form {
			return n.Line
		}
	}
	return 0
}

func formWords(form string) string {
	if form == FormDCB0129 {
		return "DCB0129"
	}
	return form
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mapping returns a mapping node's values by key.
func mapping(n *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

// unknown reports the keys of n that are not in known.
func unknown(file, field string, n *yaml.Node, known []string, hint string, add func(Problem)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if at, ok := seen[k.Value]; ok {
			add(Problem{File: file, Line: k.Line, Field: field + "." + k.Value, Msg: fmt.Sprintf("is given twice (also at line %d)", at)})
			continue
		}
		seen[k.Value] = k.Line
		if !contains(known, k.Value) {
			add(Problem{File: file, Line: k.Line, Field: field + "." + k.Value, Msg: "unknown field: " + hint})
		}
	}
}

func (v fieldVal) lineOr(line int) int {
	if v.line > 0 {
		return v.line
	}
	return line
}

// scalar reads a text field; a missing one is "".
func scalar(file, field string, n *yaml.Node, entry int, add func(Problem)) fieldVal {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return fieldVal{}
	}
	if n.Kind != yaml.ScalarNode {
		add(Problem{File: file, Line: n.Line, Field: field, Msg: "want text, got " + kindWords(n)})
		return fieldVal{line: n.Line}
	}
	return fieldVal{val: strings.TrimSpace(n.Value), line: n.Line}
}

// texts reads a list of texts, or one text as a list of one.
func texts(file, field string, n *yaml.Node, add func(Problem)) []string {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if s := strings.TrimSpace(n.Value); s != "" {
			return []string{s}
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		add(Problem{File: file, Line: n.Line, Field: field, Msg: "want a list of texts, got " + kindWords(n)})
		return nil
	}
	var out []string
	for i, c := range n.Content {
		v := scalar(file, fmt.Sprintf("%s[%d]", field, i), c, n.Line, add)
		if v.val != "" {
			out = append(out, v.val)
		}
	}
	return out
}

func riskOf(file, field string, n *yaml.Node, entry int, add func(Problem)) results.Risk {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return results.Risk{}
	}
	if n.Kind != yaml.MappingNode {
		add(Problem{File: file, Line: n.Line, Field: field, Msg: "want severity, likelihood and risk, got " + kindWords(n)})
		return results.Risk{}
	}
	unknown(file, field, n, riskFields, "a risk has severity, likelihood and risk", add)
	m := mapping(n)
	return checkRisk(file, field, ".",
		scalar(file, field+".severity", m["severity"], n.Line, add),
		scalar(file, field+".likelihood", m["likelihood"], n.Line, add),
		scalar(file, field+".risk", m["risk"], n.Line, add), n.Line, add)
}

// controlAt is where a control id was first seen: its hazard and line.
type controlAt struct {
	hazard string
	line   int
}

// controlsOf reads a hazard's controls; seen holds the log's control ids
// so far, which must be unique across the log.
func controlsOf(file, field, hazard string, n *yaml.Node, seen map[string]controlAt, add func(Problem)) []results.Control {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		add(Problem{File: file, Line: n.Line, Field: field, Msg: "want a list of controls (id, description, verify), got " + kindWords(n)})
		return nil
	}
	var out []results.Control
	for i, cn := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		if cn.Kind != yaml.MappingNode {
			add(Problem{File: file, Line: cn.Line, Field: f, Msg: "want a control (id, description, verify), got " + kindWords(cn)})
			continue
		}
		unknown(file, f, cn, controlFields, "a control has id, description and verify", add)
		m := mapping(cn)
		id := scalar(file, f+".id", m["id"], cn.Line, add)
		switch {
		case !ValidControlID(id.val):
			add(Problem{File: file, Line: id.lineOr(cn.Line), Field: f + ".id", Msg: fmt.Sprintf("want C- and three or more digits (C-004), got %q", id.val)})
			continue
		case seen[id.val].hazard == hazard:
			add(Problem{File: file, Line: id.lineOr(cn.Line), Field: f + ".id", Msg: fmt.Sprintf("%s is also listed at line %d", id.val, seen[id.val].line)})
			continue
		case seen[id.val].hazard != "":
			at := seen[id.val]
			add(Problem{File: file, Line: id.lineOr(cn.Line), Field: f + ".id", Msg: fmt.Sprintf("%s is also a control of %s (line %d): control ids are unique across the log", id.val, at.hazard, at.line)})
			continue
		}
		seen[id.val] = controlAt{hazard, cn.Line}
		c := results.Control{ID: id.val, Line: cn.Line}
		c.Description = scalar(file, f+".description", m["description"], cn.Line, add).val
		if c.Description == "" {
			add(Problem{File: file, Line: cn.Line, Field: f + ".description", Msg: fmt.Sprintf("is required (%s of %s)", c.ID, hazard)})
		}
		v := scalar(file, f+".verify", m["verify"], cn.Line, add)
		byTest, ok := verifyByTest(v.val)
		if !ok {
			add(Problem{File: file, Line: v.lineOr(cn.Line), Field: f + ".verify", Msg: fmt.Sprintf("want %s, got %q", verifyWords, v.val)})
			byTest = true // the safe reading: the gate still asks for a test
		}
		c.VerifyByTest = byTest
		out = append(out, c)
	}
	return out
}

func kindWords(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("%q", n.Value)
}

var (
	yamlLineRE     = regexp.MustCompile(`line (\d+)`)
	yamlLinePrefix = regexp.MustCompile(`^line \d+: `)
)

func yamlLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

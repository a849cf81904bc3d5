package declarative

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/nhsnumber"
)

// Parameters of each action: the snake_case names of the EPR method's
// arguments, a struct argument flattened into its fields. A screen map
// writes them as {name}; a step that uses a parameter its action does not
// have is a map error.
var (
	patientParams     = []string{"given", "family", "nhs_number", "name"}
	appointmentParams = []string{"clinic", "when", "when_date", "when_time", "when_shown", "ref"}
)

// returnsAppointment are the actions that return an appointment, which
// their read steps fill: each must read into when; clinic and ref, when
// not read, are as given (the clinic asked for, the appointment moved).
var returnsAppointment = map[string]bool{
	"choose-first-free-slot": true,
	"reschedule":             true,
	"book-referral":          true,
}

func returnsAppointmentNames() []string {
	return []string{"book-referral", "choose-first-free-slot", "reschedule"}
}

// readIntos are the fields of target.Appointment a read step fills
// (into: clinic), and readParams the parameters each gives the steps after
// the read.
var (
	readIntos  = []string{"clinic", "when", "ref"}
	readParams = map[string][]string{
		"clinic": {"clinic"},
		"when":   {"when", "when_date", "when_time", "when_shown"},
		"ref":    {"ref"},
	}
)

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var actionParams = map[string][]string{
	// Sessions
	"sign-in":                {"username", "password"},
	"expect-signed-in":       {"display_name", "role_title"},
	"resume-sign-in":         {"display_name", "role_title"},
	"expect-sign-in-refused": nil,
	"sign-out":               nil,
	"expect-signed-out":      nil,
	// Search
	"search-by-nhs-number":      {"nhs_number"},
	"search-by-name":            {"name"},
	"expect-result":             patientParams,
	"expect-result-count":       {"count"},
	"expect-no-patient-found":   nil,
	"expect-invalid-nhs-number": nil,
	"open-record":               patientParams,
	// Record
	"expect-banner":          {"field", "value"},
	"expect-clinical-record": {"visible"},
	// Records
	"register-patient": {"nhs_number", "given", "family", "birth_date", "sex", "address_line1",
		"address_line2", "town", "postcode", "gp_practice", "restricted"},
	"expect-new-patient-record":              patientParams,
	"expect-registration-nhs-number-invalid": nil,
	"expect-already-registered":              {"nhs_number"},
	"expect-address-hidden":                  {"hidden"},
	"break-glass":                            {"reason"},
	"write-note":                             {"text"},
	"sign-note":                              nil,
	"amend-note":                             {"text", "reason"},
	"expect-note-text":                       {"text"},
	"expect-note-history":                    {"versions"},
	"expect-notes-denied":                    nil,
	"search-audit-log":                       {"user", "nhs_number", "action"},
	"expect-audit-log-entry":                 {"user", "action"},
	"expect-audit-log-denied":                nil,
	// PatientSearch
	"search-by-name-and-birth-date": {"name", "birth_date"},
	"search-by-nhs-number-within":   {"nhs_number", "within"},
	"expect-results-on-page":        {"count"},
	"expect-results-range":          {"from", "to", "total"},
	"results-page":                  {"next", "direction"},
	"expect-too-many-results":       nil,
	// Operations
	"open-about":             nil,
	"expect-about":           {"fact", "value"},
	"idle-for":               {"duration"},
	"expect-session-warning": {"text"},
	"stay-signed-in":         nil,
	"expect-session-ended":   nil,
	// Scheduling
	"confirm-booking":        nil,
	"expect-booked":          nil,
	"expect-booking-refused": nil,
	"choose-first-free-slot": join(patientParams, []string{"clinic"}),
	"expect-appointment":     join(patientParams, []string{"clinic", "when", "when_date", "when_time", "when_shown", "present"}),
	"reschedule":             join(patientParams, appointmentParams),
	"cancel":                 join(patientParams, appointmentParams),
	"keep-appointment":       join(patientParams, appointmentParams),
	"book-as":                join(patientParams, appointmentParams),
	"admit":                  join(patientParams, []string{"ward", "bed"}),
	"transfer":               join(patientParams, []string{"ward", "bed"}),
	"discharge":              patientParams,
	"expect-bed":             join([]string{"ward", "bed", "occupied"}, patientParams),
	"expect-bed-not-offered": join(patientParams, []string{"ward", "bed"}),
	"expect-cannot-admit":    patientParams,
	// Referrals
	"expect-referral":        join(patientParams, []string{"clinic", "present"}),
	"book-referral":          join(patientParams, []string{"clinic"}),
	"expect-referral-status": join(patientParams, []string{"clinic", "status"}),
	// Clinical
	"record-allergy":                  {"substance", "reaction", "severity"},
	"update-allergy":                  {"substance", "reaction", "severity"},
	"resolve-allergy":                 {"substance"},
	"mark-allergy-entered-in-error":   {"substance"},
	"record-no-known-allergies":       nil,
	"expect-allergy-alert":            {"text"},
	"prescribe":                       {"drug", "dose", "route", "frequency"},
	"expect-allergy-conflict":         {"drug", "allergy"},
	"override-allergy-warning":        {"reason"},
	"expect-override-reason-required": nil,
	"expect-medication":               {"drug", "status"},
	"expect-no-medication":            {"drug"},
	"stop-medication":                 {"drug", "reason"},
	"record-observations": {"respiration_rate", "spo2", "spo2_scale", "oxygen", "systolic", "pulse",
		"consciousness", "temperature"},
	"expect-news2-score":       {"score"},
	"expect-clinical-response": {"band"},
	"expect-can":               {"action", "can"},
}

// outcomeAction is the action that reports an outcome (whether the EPR
// refused it): its binding has exactly one outcome step, and no other
// action has one. It runs in a browser window of its own, signed in
// through sign-in.
const outcomeAction = "book-as"

// unsupported are the actions a screen map cannot perform (audit-entries
// reads an API); the declarative adapter fails them with a harness error.
var unsupported = map[string]bool{
	"audit-entries": true,
}

// Params lists the parameters of an action, in the order of the method's
// arguments; ok is false for an action the declarative adapter cannot
// bind.
func Params(action string) (params []string, ok bool) {
	p, ok := actionParams[action]
	if !ok || unsupported[action] {
		return nil, false
	}
	return append([]string(nil), p...), true
}

// filters are what a parameter may be passed through: {family|upper}.
var filters = map[string]func(string) string{
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	// capitalise: "SEVERE" and "severe" give "Severe".
	"capitalise": func(s string) string {
		s = strings.ToLower(s)
		return sentence(s)
	},
	// sentence: the first letter upper case, the rest as written
	// ("date of birth" gives "Date of birth", "NHS number" stays).
	"sentence": sentence,
	// nhs: an NHS number in the 3-3-4 form banners show ("999 000 0018").
	"nhs": func(s string) string {
		if n, err := nhsnumber.Parse(s); err == nil {
			return n.Formatted()
		}
		return s
	},
	// digits: only the digits ("999 000 0018" gives "9990000018").
	"digits": func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	},
	// plural: "s" unless the value is 1, for "{count} patient{count|plural} found".
	"plural": func(s string) string {
		if strings.TrimSpace(s) == "1" {
			return ""
		}
		return "s"
	},
}

func sentence(s string) string {
	rs := []rune(strings.TrimSpace(s))
	if len(rs) == 0 {
		return ""
	}
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// --- templates ---

var paramRe = regexp.MustCompile(`\{([a-z][a-z0-9_]*)((?:\|[a-z][a-z0-9-]*)*)\}`)

// tmpl is a string of a screen map that may hold {parameters}.
type tmpl struct {
	raw string
	pos string // file:line
}

func (t tmpl) literal() bool { return !paramRe.MatchString(t.raw) }

// uses reports whether t uses the parameter.
func (t tmpl) uses(param string) bool {
	for _, m := range paramRe.FindAllStringSubmatch(t.raw, -1) {
		if m[1] == param {
			return true
		}
	}
	return false
}

// check reports the parameters and filters t uses that do not exist.
func (t tmpl) check(params []string) []string {
	var problems []string
	for _, m := range paramRe.FindAllStringSubmatch(t.raw, -1) {
		if !contains(params, m[1]) {
			have := "has no parameters"
			if len(params) > 0 {
				have = "has {" + strings.Join(params, "} {") + "}"
			}
			problems = append(problems, fmt.Sprintf("unknown parameter {%s}: the action %s", m[1], have))
		}
		for _, f := range strings.Split(strings.TrimPrefix(m[2], "|"), "|") {
			if f == "" {
				continue
			}
			if _, ok := filters[f]; !ok {
				problems = append(problems, fmt.Sprintf("unknown filter %q in {%s%s}; filters are %s", f, m[1], m[2], strings.Join(filterNames(), ", ")))
			}
		}
	}
	return problems
}

func (t tmpl) render(params map[string]string) string {
	return paramRe.ReplaceAllStringFunc(t.raw, func(s string) string {
		m := paramRe.FindStringSubmatch(s)
		v, ok := params[m[1]]
		if !ok {
			return s // Load refuses unknown parameters; keep the text visible
		}
		for _, f := range strings.Split(strings.TrimPrefix(m[2], "|"), "|") {
			if fn := filters[f]; fn != nil {
				v = fn(v)
			}
		}
		return v
	})
}

func filterNames() []string {
	return []string{"capitalise", "digits", "lower", "nhs", "plural", "sentence", "upper"}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// --- the parameters of a call ---

func patient(p target.Patient) map[string]string {
	return map[string]string{
		"given":      p.Given,
		"family":     p.Family,
		"nhs_number": p.NHSNumber,
		"name":       strings.TrimSpace(p.Given + " " + p.Family),
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// whenLayout is how {when} is written.
const whenLayout = "2006-01-02 15:04"

// when gives the parameters of a date and time; {when_shown} is added by
// the adapter, which knows the map's when-format.
func when(t time.Time) map[string]string {
	return map[string]string{
		"when":      t.Format(whenLayout),
		"when_date": t.Format(time.DateOnly),
		"when_time": t.Format("15:04"),
	}
}

func appointment(a target.Appointment) map[string]string {
	return merge(when(a.When), map[string]string{"clinic": a.Clinic, "ref": a.Ref})
}

func boolString(b bool) string { return fmt.Sprint(b) }

package results

import "strings"

// ControlTagPrefix starts the tags that trace a scenario to the control of
// a clinical-safety hazard it verifies, e.g. "@control:C-004".
const ControlTagPrefix = "@control:"

// HazardLog is the clinical-safety hazard log a run was made against (in
// the sense of DCB0129 and DCB0160), as the run read it: kept with the run
// so its evidence and its gate never depend on today's copy of the file.
// harness/safety reads it from YAML or CSV and judges which controls a
// run verified.
type HazardLog struct {
	// File is the log's path as the run found it; SHA256 its content's.
	File   string `json:"file"`
	SHA256 string `json:"sha256,omitempty"`
	// Form is "simple" (id, title and one control in words) or "dcb0129"
	// (the full hazard log).
	Form    string   `json:"form"`
	Hazards []Hazard `json:"hazards"`
}

// Hazard is one entry of a hazard log.
type Hazard struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Causes      []string `json:"causes,omitempty"`
	Effect      string   `json:"effect,omitempty"`
	Initial     Risk     `json:"initial,omitempty"`
	Residual    Risk     `json:"residual,omitempty"`
	// Status is the hazard's status in the log ("open", "transferred",
	// "closed").
	Status   string    `json:"status,omitempty"`
	Controls []Control `json:"controls,omitempty"`
	// Line is the hazard's line in its file.
	Line int `json:"line,omitempty"`
}

// Risk is a hazard's severity, likelihood and the risk they give, in the
// words of the DCB0129 risk matrix ("Major", "Low", "3").
type Risk struct {
	Severity   string `json:"severity,omitempty"`
	Likelihood string `json:"likelihood,omitempty"`
	Rating     string `json:"rating,omitempty"`
}

// Control is one control of a hazard.
type Control struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	// VerifyByTest is true when the control must be verified by a test:
	// the gate blocks a release candidate in which it is unverified.
	VerifyByTest bool `json:"verify_by_test"`
	Line         int  `json:"line,omitempty"`
}

// Controls returns the control ids of the scenario's @control:<id> tags,
// in tag order.
func (s *Scenario) Controls() []string {
	var out []string
	for _, t := range s.Tags {
		if id, ok := strings.CutPrefix(t, ControlTagPrefix); ok && id != "" {
			out = append(out, id)
		}
	}
	return out
}

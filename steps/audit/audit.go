// Package audit holds the steps for the audit log: searching it in the UI
// as an administrator, reading it through the EPR's API, and checking that
// other roles cannot open it.
//
// The API steps call the EPR's audit API as the fixture user of the role
// "admin" (HTTP Basic credentials), whoever is signed in to the browser.
package audit

import (
	"context"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/harness/target"
	"github.com/eprharness/eprharness/steps"
)

// actions maps the step text onto audited actions.
var actions = map[string]target.AuditAction{
	"viewed the record":              target.AuditViewRecord,
	"registered the patient":         target.AuditRegisterPatient,
	"accessed the restricted record": target.AuditBreakGlass,
	"viewed the clinical notes":      target.AuditViewNotes,
	"drafted a note":                 target.AuditDraftNote,
	"signed a note":                  target.AuditSignNote,
	"amended a note":                 target.AuditAmendNote,
}

const actionPattern = `(viewed the record|registered the patient|accessed the restricted record|viewed the clinical notes|drafted a note|signed a note|amended a note)`

// Defs are the audit steps.
var Defs = []steps.Def{
	{
		Pattern:  `^` + steps.Persona + ` search(?:es)? the audit log for (?:the patient )?"([^"]*)"$`,
		Doc:      "Opens the audit log (as an administrator) and searches it for the named patient's NHS number.",
		Examples: []string{`When I search the audit log for "Amy Pond"`},
		Handler:  searchForPatient,
		Uses:     []string{"search-audit-log"},
	},
	{
		Pattern:  `^the audit log shows that "([^"]*)" ` + actionPattern + `$`,
		Doc:      "Checks the audit log's results include an entry by the user (username) for the action.",
		Examples: []string{`Then the audit log shows that "dr.patel" viewed the record`, `Then the audit log shows that "dr.patel" amended a note`},
		Handler:  logShows,
		Uses:     []string{"expect-audit-log-entry"},
	},
	{
		Pattern:  `^the access by "([^"]*)" to the record of "([^"]*)" is audited with (?:the )?reason "([^"]*)"$`,
		Doc:      "Reads the audit log through the EPR's API (as the admin fixture user) and checks the user's break-glass access to the patient is recorded with the reason.",
		Examples: []string{`Then the access by "dr.patel" to the record of "Martha Jones" is audited with reason "emergency"`},
		Handler:  accessAudited,
		Roles:    []string{"admin"}, // entries reads the audit API as the admin
		Uses:     []string{"audit-entries"},
	},
	{
		Pattern:  `^"([^"]*)" ` + actionPattern + ` of "([^"]*)" according to the audit API$`,
		Doc:      "Reads the audit log through the EPR's API (as the admin fixture user) and checks it records the user's action on the patient.",
		Examples: []string{`Then "dr.patel" viewed the record of "Amy Pond" according to the audit API`},
		Handler:  apiShows,
		Roles:    []string{"admin"}, // entries reads the audit API as the admin
		Uses:     []string{"audit-entries"},
	},
	{
		Pattern:  `^` + steps.Persona + ` cannot open the audit log$`,
		Doc:      "Checks the audit log is neither offered nor opened for the signed-in user (\"Access denied\").",
		Examples: []string{"Then the receptionist cannot open the audit log", "Then I cannot open the audit log"},
		Handler:  cannotOpen,
		Uses:     []string{"expect-audit-log-denied"},
	},
}

// Register registers the audit steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func searchForPatient(ctx context.Context, name string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	return s.EPR.SearchAuditLog(s.UI, target.AuditQuery{NHSNumber: p.NHSNumber})
}

func logShows(ctx context.Context, user, action string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectAuditLogEntry(s.UI, user, actions[action])
}

// entries reads the audit log through the API as the admin fixture user.
func entries(ctx context.Context, q target.AuditQuery) ([]target.AuditEntry, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return nil, err
	}
	admin, err := s.UserFor("admin")
	if err != nil {
		return nil, err
	}
	return s.EPR.AuditEntries(target.API{HTTP: s.HTTP, BaseURL: s.BaseURL, Username: admin.Username, Password: admin.Password}, q)
}

func accessAudited(ctx context.Context, user, name, reason string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	got, err := entries(ctx, target.AuditQuery{User: user, NHSNumber: p.NHSNumber, Action: target.AuditBreakGlass})
	if err != nil {
		return err
	}
	var reasons []string
	for _, e := range got {
		if e.Details == reason {
			return nil
		}
		reasons = append(reasons, fmt.Sprintf("%q", e.Details))
	}
	if len(reasons) == 0 {
		return fmt.Errorf("expected the audit log to record the access by %s to the record of %s with reason %q: it records no such access", user, name, reason)
	}
	return fmt.Errorf("expected the audit log to record the access by %s to the record of %s with reason %q: it records reasons %s", user, name, reason, strings.Join(reasons, ", "))
}

func apiShows(ctx context.Context, user, action, name string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	got, err := entries(ctx, target.AuditQuery{User: user, NHSNumber: p.NHSNumber, Action: actions[action]})
	if err != nil {
		return err
	}
	if len(got) == 0 {
		return fmt.Errorf("expected the audit log to record that %s %s of %s: no such entry", user, action, name)
	}
	return nil
}

func cannotOpen(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectAuditLogDenied(s.UI)
}

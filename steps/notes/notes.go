// Package notes holds the steps for clinical notes: writing a draft,
// signing it, amending it with a reason, reading its history, and checking
// who may not open notes at all.
package notes

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/steps"
)

// Defs are the clinical notes steps.
var Defs = []steps.Def{
	{
		Pattern:  `^` + steps.Persona + ` writes? a clinical note "([^"]*)"$`,
		Doc:      "Opens the clinical notes of the open record and saves a draft note.",
		Examples: []string{`When I write a clinical note "Chest clear. Review in 2 weeks."`},
		Handler:  writeNote,
		Uses:     []string{"write-note"},
	},
	{
		Pattern:  `^` + steps.Persona + ` signs? the note$`,
		Doc:      "Signs the most recent note.",
		Examples: []string{"When I sign the note"},
		Handler:  signNote,
		Uses:     []string{"sign-note"},
	},
	{
		Pattern:  `^` + steps.Persona + ` amends? the note to "([^"]*)" because "([^"]*)"$`,
		Doc:      "Amends the most recent (signed) note, giving the reason.",
		Examples: []string{`When I amend the note to "Chest clear. Review in 1 week." because "wrong review interval"`},
		Handler:  amendNote,
		Uses:     []string{"amend-note"},
	},
	{
		Pattern:  `^the note reads "([^"]*)"$`,
		Doc:      "Checks the current text of the most recent note.",
		Examples: []string{`Then the note reads "Chest clear. Review in 1 week."`},
		Handler:  noteReads,
		Uses:     []string{"expect-note-text"},
	},
	{
		Pattern:  `^the note history shows (\d+) versions?$`,
		Doc:      "Checks how many versions the most recent note's history shows (1 plus one per amendment).",
		Examples: []string{"Then the note history shows 2 versions", "Then the note history shows 1 version"},
		Handler:  noteHistory,
		Uses:     []string{"expect-note-history"},
	},
	{
		Pattern:  `^` + steps.Persona + ` cannot open (?:the )?clinical notes$`,
		Doc:      "Checks the open record offers no clinical notes and that their address answers \"Access denied\".",
		Examples: []string{"Then the receptionist cannot open clinical notes", "Then I cannot open the clinical notes"},
		Handler:  cannotOpenNotes,
		Uses:     []string{"expect-notes-denied"},
	},
}

// Register registers the clinical notes steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

func writeNote(ctx context.Context, text string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.WriteNote(s.UI, text)
}

func signNote(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.SignNote(s.UI)
}

func amendNote(ctx context.Context, text, reason string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.AmendNote(s.UI, text, reason)
}

func noteReads(ctx context.Context, text string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectNoteText(s.UI, text)
}

func noteHistory(ctx context.Context, n string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	versions, err := strconv.Atoi(n)
	if err != nil {
		return failure.Harness(fmt.Errorf("versions %q: %w", n, err))
	}
	return s.EPR.ExpectNoteHistory(s.UI, versions)
}

func cannotOpenNotes(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return s.EPR.ExpectNotesDenied(s.UI)
}

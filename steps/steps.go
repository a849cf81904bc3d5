// Package steps holds what every clinical step package shares: the Def
// that describes a step (pattern, one-line description, examples, the
// adapter actions it uses), which is both what Godog registers and the
// source of the step catalogue.
//
// Each clinical domain has its own package under steps/ exporting
// Register(sc *godog.ScenarioContext) and its Defs; steps/library registers
// them all. Step handlers take ctx first and keep per-scenario state in it
// (harness/scenario), so scenarios can run in parallel.
package steps

import (
	"github.com/cucumber/godog"
)

// Def describes one step.
type Def struct {
	// Pattern is the regular expression Godog matches step text against.
	Pattern string
	// Doc says in one line what the step does.
	Doc string
	// Examples are step texts that match, as an analyst writes them.
	Examples []string
	// Handler is the Go function Godog calls.
	Handler any
	// Uses names the target.EPR methods the handler may call on s.EPR
	// (itself or through helpers of its package), as action names
	// (target.ActionName: "search-by-nhs-number"). eprharness check
	// reports a step whose adapter does not bind one of them. Generic
	// steps (steps/web) use none. steps/library's tests compare it with
	// the handler's source, so it cannot go stale silently.
	Uses []string
	// Roles names the fixture roles the handler signs in as whatever the
	// step text says (the audit API steps read the log as "admin"), so
	// eprharness check (and run, before it starts anything) reports a
	// users file without them. Roles named in the step text are checked
	// from the text and are not listed here.
	Roles []string
	// Check, when set, validates what the step is given without running
	// it: a file it names exists and reads, a template in its doc string
	// builds, the paths in its table parse. eprharness check (and run,
	// before anything starts) reports its error at the step's line, so a
	// broken input stops the run with exit 2 instead of failing a
	// scenario half-way. Nil: nothing to check beyond the text.
	Check func(in Input) error
}

// Input is what a step is given, for Def.Check.
type Input struct {
	// FeatureFile is the feature file's path, for files named relative
	// to it.
	FeatureFile string
	// Args are the values of the pattern's capture groups, in order.
	Args []string
	// DocString is the step's doc string ("" when it has none).
	DocString string
	// Table is the step's data table, row by row (nil when it has none).
	Table [][]string
}

// Register registers defs with the scenario context.
func Register(sc *godog.ScenarioContext, defs []Def) {
	for _, d := range defs {
		sc.Step(d.Pattern, d.Handler)
	}
}

// Persona matches how analysts name the actor of a step: "I", "the user",
// or a role persona such as "the receptionist". It captures nothing.
const Persona = `(?:I|the user|the [a-z]+)`

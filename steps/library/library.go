// Package library registers every clinical step package: it is the one place
// that lists them, for the runner and for the step catalogue.
package library

import (
	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/steps"
	"github.com/eprharness/eprharness/steps/banner"
	"github.com/eprharness/eprharness/steps/patients"
	"github.com/eprharness/eprharness/steps/session"
)

// Domain is one clinical domain's steps.
type Domain struct {
	Name string
	Defs []steps.Def
}

// Domains lists every step domain, in catalogue order.
func Domains() []Domain {
	return []Domain{
		{Name: "session", Defs: session.Defs},
		{Name: "patients", Defs: patients.Defs},
		{Name: "banner", Defs: banner.Defs},
	}
}

// Register registers every step with the scenario context.
func Register(sc *godog.ScenarioContext) {
	for _, d := range Domains() {
		steps.Register(sc, d.Defs)
	}
}

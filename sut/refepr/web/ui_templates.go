package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net/http"
	"time"
	_ "time/tzdata" // Europe/London in the FROM scratch image

	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// templateFuncs are the functions every page template may call:
//
//	{{uid "nhs"}}    a fresh element id for this render, e.g. "nhs-3f9a1c2b";
//	                 bind it once ({{$id := uid "nhs"}}) to pair a label and
//	                 its control. Ids are random per render, so tests (and
//	                 page objects) cannot lean on them.
//	{{dob .BirthDate}} a date of birth as shown to people, "15-Mar-1987".
//
// Functions that depend on the request are bound per render by
// requestFuncs; templateFuncs gives them placeholders for parsing.
func (h *Handler) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"uid": newID,
		"dob": func(d patient.Date) string { return h.displayDOB(context.Background(), d) },
	}
}

// requestFuncs are the template functions bound to one request.
func (h *Handler) requestFuncs(r *http.Request) template.FuncMap {
	return template.FuncMap{
		"dob": func(d patient.Date) string { return h.displayDOB(r.Context(), d) },
	}
}

// newID returns prefix, a hyphen and eight random hex digits.
func newID(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return prefix + "-" + hex.EncodeToString(b)
}

// london is the EPR's local time zone.
var london = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded: cannot happen
	}
	return loc
}

// displayDOB shows a date of birth. A date of birth is a calendar date with
// no time zone and is shown as stored.
func (h *Handler) displayDOB(ctx context.Context, d patient.Date) string {
	// Defect: the date is taken as midnight local (UK) time and formatted
	// in UTC, so dates in British Summer Time come out one day early
	// (1990-07-15 00:00 BST is 14 Jul 23:00 UTC).
	wrong := d.Midnight(london).UTC().Format("02-Jan-2006")
	if h.defects.Fires(ctx, defects.DOBClockChange, wrong != d.Display()) {
		return wrong
	}
	return d.Display()
}

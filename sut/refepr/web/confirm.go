package web

// Confirmation of changes that cannot be undone from the screen (cancelling
// an appointment, stopping a medication).
//
// The record page offers each as a POST form with data-confirm: the page's
// script asks in the shared modal (static/refepr.js) and, only when the user
// confirms, posts the form with confirmed=yes. Without JavaScript the form
// posts without it; askFirst then answers with the action's own
// confirmation page, whose form carries confirmed=yes. So the action runs
// only after the user has confirmed it, with or without the script.

import (
	"net/http"

	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

// confirmedField is the form field of a confirmed POST; its value is "yes".
const confirmedField = "confirmed"

// confirmed reports whether the parsed POST form was confirmed.
func confirmed(r *http.Request) bool { return r.PostForm.Get(confirmedField) == "yes" }

// askFirst runs do for a confirmed POST and shows ask (the confirmation
// page) for any other request.
func askFirst(ask, do schedulingHandler) schedulingHandler {
	return func(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient) {
		if !confirmed(r) {
			ask(w, r, u, p)
			return
		}
		do(w, r, u, p)
	}
}

// askFirstClinical is askFirst for the clinical handlers.
func askFirstClinical(ask, do clinicalHandler) clinicalHandler {
	return func(w http.ResponseWriter, r *http.Request, u auth.User, p patient.Patient, b patientBanner) {
		if !confirmed(r) {
			ask(w, r, u, p, b)
			return
		}
		do(w, r, u, p, b)
	}
}

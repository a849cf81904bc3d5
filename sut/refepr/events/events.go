// Package events is the reference EPR's internal notice board: what
// happened to a patient's record (an admission, a booked appointment, a
// referral received), published by the screens and the APIs that did it
// and read by the parts that tell other systems (the HL7 v2 outbound feed,
// FHIR Subscription notifications).
//
// Publish hands each event to every subscriber in the order they
// subscribed, on the publisher's goroutine, after the change is committed.
// Subscribers must not block: each queues its own delivery. A Bus is safe
// for concurrent use; the zero value and a nil *Bus are valid (Publish on
// a nil Bus does nothing).
package events

import (
	"sync"
	"time"
)

// Kind says what happened.
type Kind string

// Kinds of event.
const (
	// Admitted: the patient was admitted to Ward/Bed.
	Admitted Kind = "admitted"
	// Transferred: the admitted patient moved from FromWard/FromBed to
	// Ward/Bed.
	Transferred Kind = "transferred"
	// Discharged: the patient was discharged from Ward/Bed; Summary is the
	// discharge summary's text, when there is one.
	Discharged Kind = "discharged"
	// PatientUpdated: the patient's demographics changed.
	PatientUpdated Kind = "patient-updated"
	// AppointmentBooked, AppointmentRescheduled, AppointmentCancelled: an
	// outpatient appointment (AppointmentID) changed.
	AppointmentBooked      Kind = "appointment-booked"
	AppointmentRescheduled Kind = "appointment-rescheduled"
	AppointmentCancelled   Kind = "appointment-cancelled"
	// ReferralReceived, ReferralCancelled: a referral (ReferralID)
	// arrived or was withdrawn by its sender.
	ReferralReceived  Kind = "referral-received"
	ReferralCancelled Kind = "referral-cancelled"
)

// Source says through what the change was made.
type Source string

// Sources of a change.
const (
	FromUI   Source = "ui"
	FromFHIR Source = "fhir"
	FromHL7  Source = "hl7"
)

// Event is one change to a patient's record.
type Event struct {
	Kind   Kind
	Source Source
	// At is when it happened, by the EPR's clinical clock.
	At time.Time
	// PatientID is the EPR's own id of the patient.
	PatientID string
	// By is the username of whoever made the change ("fhir-api", "hl7").
	By string
	// Ward and Bed are where the patient is (or was, for a discharge);
	// FromWard and FromBed where a transfer moved them from.
	Ward, Bed, FromWard, FromBed string
	// Summary is a discharge summary's text.
	Summary string
	// AppointmentID and ReferralID name what an appointment or referral
	// event is about.
	AppointmentID, ReferralID string
}

// Bus passes events from publishers to subscribers.
type Bus struct {
	mu   sync.RWMutex
	subs []func(Event)
}

// Subscribe adds f, called for each event published after it returns.
func (b *Bus) Subscribe(f func(Event)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs = append(b.subs, f)
}

// Publish hands e to every subscriber.
func (b *Bus) Publish(e Event) {
	if b == nil {
		return
	}
	b.mu.RLock()
	subs := b.subs
	b.mu.RUnlock()
	for _, f := range subs {
		f(e)
	}
}

package messaging

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/clinical/medication"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/scheduling"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// Who the EPR is on the wire, and whom its feed is for.
const (
	SendingApplication   = "REFEPR"
	SendingFacility      = "RHQ" // a made-up hospital ODS code
	ReceivingApplication = "GPSYS"
	ReceivingFacility    = "GPPRACTICE"
	// Version is MSH-12 of the messages the EPR builds.
	Version = "2.5"
	// Charset is MSH-18 of the messages the feed sends.
	Charset = "UNICODE UTF-8"
)

// newMessage starts a message from the EPR to the GP system: MSH only.
func newMessage(msgType string, now time.Time) (*hl7.Message, error) {
	return hl7.FromFields(msgType, [][2]string{
		{"MSH-3", SendingApplication}, {"MSH-4", SendingFacility},
		{"MSH-5", ReceivingApplication}, {"MSH-6", ReceivingFacility},
		{"MSH-12", Version}, {"MSH-18", Charset},
	}, hl7.WithClock(func() time.Time { return now }))
}

// setter collects the first error of a run of SetText calls.
type setter struct {
	m   *hl7.Message
	err error
}

func (s *setter) text(path, v string) {
	if s.err == nil {
		if err := s.m.SetText(path, v); err != nil {
			s.err = fmt.Errorf("%s: %w", path, err)
		}
	}
}

func ts(t time.Time) string { return hl7.Timestamp(t) }

// sexCode is PID-8 (HL7 table 0001) for a gender.
func sexCode(g patient.Gender) string {
	switch g {
	case patient.Female:
		return "F"
	case patient.Male:
		return "M"
	case patient.Other:
		return "O"
	}
	return "U"
}

func (s *setter) evn(trigger string, e events.Event) {
	s.text("EVN-1", trigger)
	s.text("EVN-2", ts(e.At))
	s.text("EVN-5", e.By)
	s.text("EVN-6", ts(e.At))
}

func (s *setter) pid(p patient.Patient) {
	s.text("PID-1", "1")
	s.text("PID-3.1", p.NHSNumber.String())
	s.text("PID-3.4", hl7.NHSAuthority)
	s.text("PID-3.5", hl7.NHSIdentifierType)
	s.text("PID-5.1", p.Family)
	if len(p.Given) > 0 {
		s.text("PID-5.2", p.Given[0])
	}
	if len(p.Given) > 1 {
		s.text("PID-5.3", strings.Join(p.Given[1:], " "))
	}
	if !p.BirthDate.IsZero() {
		s.text("PID-7", strings.ReplaceAll(p.BirthDate.String(), "-", ""))
	}
	s.text("PID-8", sexCode(p.Gender))
	if !p.Address.Empty() {
		if len(p.Address.Lines) > 0 {
			s.text("PID-11.1", p.Address.Lines[0])
		}
		if len(p.Address.Lines) > 1 {
			s.text("PID-11.2", strings.Join(p.Address.Lines[1:], ", "))
		}
		s.text("PID-11.3", p.Address.City)
		s.text("PID-11.5", p.Address.PostalCode)
	}
}

// pv1 writes an inpatient visit at ward/bed; admission may be empty.
func (s *setter) pv1(ward, bed string, a store.Admission) {
	s.text("PV1-1", "1")
	s.text("PV1-2", "I")
	s.location("PV1-3", ward, bed)
	if a.ID != "" {
		s.text("PV1-19", a.ID)
		s.text("PV1-44", ts(a.AdmittedAt))
		if a.DischargedAt != nil {
			s.text("PV1-45", ts(*a.DischargedAt))
		}
	}
}

// location writes a PL: ward^^bed^RHQ.
func (s *setter) location(field, ward, bed string) {
	s.text(field+".1", ward)
	if bed != "" {
		s.text(field+".3", bed)
	}
	s.text(field+".4", SendingFacility)
}

// build makes the message of trigger for e from the store as it is now.
func (f *Feed) build(ctx context.Context, e events.Event, trigger string) (*hl7.Message, error) {
	st := f.cfg.Store
	p, err := st.Patient(ctx, e.PatientID)
	if err != nil {
		return nil, err
	}
	now := f.cfg.Now()
	switch trigger {
	case "A01", "A02", "A03":
		return buildADT(ctx, st, trigger, e, p, now)
	case "T02":
		return buildDischargeSummary(ctx, st, e, p, now)
	case "S12", "S13", "S15":
		return buildSIU(ctx, st, trigger, e, p, now)
	}
	return nil, fmt.Errorf("no message for trigger %q", trigger)
}

func buildADT(ctx context.Context, st *store.Store, trigger string, e events.Event, p patient.Patient, now time.Time) (*hl7.Message, error) {
	m, err := newMessage("ADT^"+trigger+"^ADT_"+trigger, now)
	if err != nil {
		return nil, err
	}
	a, err := st.LastAdmission(ctx, p.ID)
	if err != nil && !errors.Is(err, store.ErrNotAdmitted) {
		return nil, err
	}
	if trigger == "A01" {
		a.DischargedAt = nil // the feed reports the admission as it was
	}
	s := &setter{m: m}
	s.evn(trigger, e)
	s.pid(p)
	s.pv1(e.Ward, e.Bed, a)
	if trigger == "A02" {
		s.location("PV1-6", e.FromWard, e.FromBed)
	}
	if trigger == "A03" && a.DischargedAt == nil {
		s.text("PV1-45", ts(e.At))
	}
	return m, s.err
}

// DischargeSummaryLOINC is OBX-3 of the discharge summary's lines.
const DischargeSummaryLOINC = "18842-5"

// DischargeSummaryLines is the text of the discharge summary, one OBX-5
// line each.
func DischargeSummaryLines(p patient.Patient, a store.Admission, e events.Event, allergies []allergy.Allergy, meds []medication.Prescription) []string {
	lines := []string{
		"Discharge summary",
		fmt.Sprintf("Patient: %s, NHS number %s, born %s", p.DisplayName(), p.NHSNumber.Formatted(), p.BirthDate.Display()),
	}
	if a.ID != "" {
		lines = append(lines, "Admitted: "+scheduling.FormatWhen(a.AdmittedAt))
	}
	discharged := e.At
	if a.DischargedAt != nil {
		discharged = *a.DischargedAt
	}
	lines = append(lines, "Discharged: "+scheduling.FormatWhen(discharged))
	where := e.Ward
	if e.Bed != "" {
		where += ", bed " + e.Bed
	}
	lines = append(lines, "Ward: "+where)
	var al []string
	nka := false
	for _, x := range allergies {
		if x.Status != allergy.Active {
			continue
		}
		if x.Kind == allergy.NoKnownAllergies {
			nka = true
			continue
		}
		d := x.Describe()
		if x.Severity != "" {
			d += ", " + strings.ToLower(x.Severity.Label())
		}
		al = append(al, d)
	}
	switch {
	case len(al) > 0:
		lines = append(lines, "Allergies: "+strings.Join(al, "; "))
	case nka:
		lines = append(lines, "Allergies: no known allergies")
	default:
		lines = append(lines, "Allergies: none recorded")
	}
	var md []string
	for _, x := range meds {
		if x.Status != medication.Active {
			continue
		}
		md = append(md, x.Drug+" "+x.Instruction())
	}
	if len(md) > 0 {
		lines = append(lines, "Current medications: "+strings.Join(md, "; "))
	} else {
		lines = append(lines, "Current medications: none recorded")
	}
	for _, l := range strings.Split(strings.ReplaceAll(e.Summary, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func buildDischargeSummary(ctx context.Context, st *store.Store, e events.Event, p patient.Patient, now time.Time) (*hl7.Message, error) {
	a, err := st.LastAdmission(ctx, p.ID)
	if err != nil && !errors.Is(err, store.ErrNotAdmitted) {
		return nil, err
	}
	allergies, err := st.Allergies(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	meds, err := st.Prescriptions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	m, err := newMessage("MDM^T02^MDM_T02", now)
	if err != nil {
		return nil, err
	}
	s := &setter{m: m}
	s.evn("T02", e)
	s.pid(p)
	s.pv1(e.Ward, e.Bed, a)
	s.text("TXA-1", "1")
	s.text("TXA-2", "DS")
	s.text("TXA-3", "TX")
	s.text("TXA-4", ts(e.At))
	s.text("TXA-5", e.By)
	s.text("TXA-6", ts(e.At))
	s.text("TXA-12", hl7.NewControlID())
	s.text("TXA-17", "AU")
	s.text("TXA-19", "AV")
	for i, line := range DischargeSummaryLines(p, a, e, allergies, meds) {
		k := "OBX[" + strconv.Itoa(i+1) + "]"
		s.text(k+"-1", strconv.Itoa(i+1))
		s.text(k+"-2", "TX")
		s.text(k+"-3.1", DischargeSummaryLOINC)
		s.text(k+"-3.2", "Discharge summary")
		s.text(k+"-3.3", "LN")
		s.text(k+"-5", line)
		s.text(k+"-11", "F")
	}
	return m, s.err
}

var siuReason = map[string]string{"S12": "Appointment booked", "S13": "Appointment rescheduled", "S15": "Appointment cancelled"}

func buildSIU(ctx context.Context, st *store.Store, trigger string, e events.Event, p patient.Patient, now time.Time) (*hl7.Message, error) {
	if e.AppointmentID == "" {
		return nil, fmt.Errorf("%s event without an appointment id", e.Kind)
	}
	a, err := st.Appointment(ctx, e.AppointmentID)
	if err != nil {
		return nil, err
	}
	m, err := newMessage("SIU^"+trigger+"^SIU_S12", now)
	if err != nil {
		return nil, err
	}
	status := "Booked"
	if trigger == "S15" {
		status = "Cancelled"
	}
	minutes := strconv.Itoa(int(a.Slot.End.Sub(a.Slot.Start).Minutes()))
	s := &setter{m: m}
	s.text("SCH-1.1", a.ID)
	s.text("SCH-2.1", a.ID)
	s.text("SCH-2.2", SendingFacility)
	s.text("SCH-6.1", trigger)
	s.text("SCH-6.2", siuReason[trigger])
	s.text("SCH-7.2", a.Slot.Clinic.Name)
	s.text("SCH-9", minutes)
	s.text("SCH-10", "min")
	s.text("SCH-11.3", minutes)
	s.text("SCH-11.4", ts(a.Slot.Start))
	s.text("SCH-11.5", ts(a.Slot.End))
	s.text("SCH-20", e.By)
	s.text("SCH-25", status)
	s.pid(p)
	s.text("RGS-1", "1")
	s.text("AIL-1", "1")
	s.text("AIL-3.1", a.Slot.Clinic.Name)
	s.text("AIL-3.4", SendingFacility)
	s.text("AIL-3.9", a.Slot.Clinic.Location)
	s.text("AIL-4", "Clinic")
	s.text("AIL-6", ts(a.Slot.Start))
	s.text("AIL-9", minutes)
	s.text("AIL-10", "min")
	s.text("AIL-12", status)
	return m, s.err
}

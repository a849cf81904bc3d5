package messaging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// result is the outcome of one message: the application acknowledgement's
// code and errors.
type result struct {
	code string // AA, AE or AR
	errs []hl7.AckError
	// envelope: refused before application processing (MSH-9, MSH-11):
	// CR in enhanced mode, with no application acknowledgement.
	envelope bool
	// internal: the store failed: CE in enhanced mode.
	internal bool
}

func (r result) text() string {
	if len(r.errs) == 0 {
		return ""
	}
	return r.errs[0].Code + " " + r.errs[0].Message
}

func (r result) Error() string { return r.code + " " + r.text() }

func accepted() result { return result{code: "AA"} }

// refuse is an AR: the message is wrong.
func refuse(code, location, format string, args ...any) result {
	return result{code: "AR", errs: []hl7.AckError{{Code: code, Location: location, Message: fmt.Sprintf(format, args...)}}}
}

// notApplied is an AE: the message is understood but cannot be applied.
func notApplied(code, location, format string, args ...any) result {
	return result{code: "AE", errs: []hl7.AckError{{Code: code, Location: location, Message: fmt.Sprintf(format, args...)}}}
}

// Triggers are the ADT events the endpoint applies.
var Triggers = []string{"A01", "A03", "A08", "A28", "A31"}

// process validates m and applies it; it never panics on input.
func (s *Inbound) process(ctx context.Context, m *hl7.Message) result {
	if pid, _ := m.Text("MSH-11.1"); !slices.Contains([]string{"", "P", "T", "D"}, strings.ToUpper(strings.TrimSpace(pid))) {
		r := refuse("202", "MSH-11", "processing id %q is not supported (P, T or D)", pid)
		r.envelope = true
		return r
	}
	if typ := m.Type(); typ != "ADT" {
		r := refuse("200", "MSH-9.1", "message type %q is not supported: this endpoint takes ADT (%s)", typ, strings.Join(Triggers, ", "))
		r.envelope = true
		return r
	}
	trigger := m.Trigger()
	if !slices.Contains(Triggers, trigger) {
		r := refuse("201", "MSH-9.2", "event %q is not supported: this endpoint takes ADT %s", trigger, strings.Join(Triggers, ", "))
		r.envelope = true
		return r
	}
	if _, err := m.Get("PID-1"); err != nil {
		return refuse("100", "PID", "the message has no PID segment")
	}
	n, r := nhsNumberOf(m)
	if r.code != "" {
		return r
	}
	a := applier{s: s, m: m, nhs: n, trigger: trigger}
	switch trigger {
	case "A01":
		r = a.admit(ctx)
	case "A03":
		r = a.discharge(ctx)
	case "A28":
		r = a.register(ctx)
	default: // A08, A31
		r = a.update(ctx)
	}
	if r.code == "AA" {
		for _, e := range a.published {
			s.cfg.Events.Publish(e)
		}
	}
	return r
}

// nhsNumberOf reads and checks the NHS number in PID-3; a non-empty
// result.code is the refusal.
func nhsNumberOf(m *hl7.Message) (nhsnumber.Number, result) {
	id, ok := hl7.NHSNumber(m)
	if !ok {
		return "", refuse("101", "PID-3", "PID-3 has no NHS number (want NHSNUMBER^^^%s^%s)", hl7.NHSAuthority, hl7.NHSIdentifierType)
	}
	n, err := nhsnumber.Parse(id)
	if errors.Is(err, nhsnumber.ErrCheckDigit) {
		return "", refuse("102", "PID-3", "NHS number %s fails the Modulus 11 check", id)
	}
	if err != nil {
		return "", refuse("102", "PID-3", "NHS number %q is not ten digits", id)
	}
	if !nhsnumber.IsTest(n) {
		return "", refuse("102", "PID-3", "NHS number %s is not a test NHS number: this EPR holds synthetic patients only (999 range)", n)
	}
	return n, result{}
}

// applier applies one message in a store transaction.
type applier struct {
	s         *Inbound
	m         *hl7.Message
	nhs       nhsnumber.Number
	trigger   string
	published []events.Event
}

// details names the message in audit details: "HL7 ADT^A08 <control id>".
func (a *applier) details(more string) string {
	d := "HL7 ADT^" + a.trigger + " " + a.m.ControlID()
	if more != "" {
		d += ": " + more
	}
	return d
}

func (a *applier) now() time.Time { return a.s.cfg.Now() }

func (a *applier) audit(ctx context.Context, tx *store.Tx, action audit.Action, p patient.Patient, details string) error {
	return tx.AppendAudit(ctx, &audit.Entry{At: a.now(), Username: AuditUser, Action: action,
		PatientID: p.ID, NHSNumber: p.NHSNumber.String(), Details: a.details(details)})
}

func (a *applier) publish(e events.Event) {
	e.Source, e.At, e.By = events.FromHL7, a.now(), AuditUser
	a.published = append(a.published, e)
}

// inTx runs fn in a transaction; a result returned as fn's error rolls
// back and is the outcome, any other error is a store failure.
func (a *applier) inTx(ctx context.Context, fn func(tx *store.Tx) error) result {
	err := a.s.cfg.Store.InTx(ctx, fn)
	if err == nil {
		return accepted()
	}
	var r result
	if errors.As(err, &r) {
		return r
	}
	a.s.log.Error("hl7 message not applied: store failure", "control_id", a.m.ControlID(), "error", err)
	r = notApplied("207", "", "the EPR could not apply the message (store failure)")
	r.internal = true
	return r
}

// patient finds the message's patient; a missing one is AE 204.
func (a *applier) patient(ctx context.Context, tx *store.Tx) (patient.Patient, error) {
	p, err := tx.PatientByNHSNumber(ctx, a.nhs)
	if errors.Is(err, store.ErrNotFound) {
		return p, notApplied("204", "PID-3", "no patient with NHS number %s is registered", a.nhs.Formatted())
	}
	return p, err
}

func (a *applier) admit(ctx context.Context) result {
	if _, err := a.m.Get("PV1-1"); err != nil {
		return refuse("100", "PV1", "ADT^A01 needs a PV1 segment")
	}
	ward, _ := a.m.Text("PV1-3.1")
	bed, _ := a.m.Text("PV1-3.3")
	if strings.TrimSpace(ward) == "" {
		return refuse("101", "PV1-3", "PV1-3.1 names no ward (want ward^room^bed, e.g. Ward 7^^3)")
	}
	return a.inTx(ctx, func(tx *store.Tx) error {
		p, err := a.patient(ctx, tx)
		if err != nil {
			return err
		}
		b, err := tx.BedByName(ctx, ward, bed)
		switch {
		case errors.Is(err, store.ErrNotFound) && bed != "":
			return notApplied("103", "PV1-3", "there is no bed %q on a ward named %q", bed, ward)
		case errors.Is(err, store.ErrNotFound):
			return notApplied("103", "PV1-3", "there is no ward named %q", ward)
		case errors.Is(err, store.ErrBedOccupied):
			return notApplied("207", "PV1-3", "%s has no free bed", ward)
		case err != nil:
			return err
		}
		adm, err := tx.Admit(ctx, p.ID, b.ID, AuditUser)
		switch {
		case errors.Is(err, store.ErrAlreadyAdmitted):
			return notApplied("207", "PID-3", "the patient is already admitted")
		case errors.Is(err, store.ErrBedOccupied):
			return notApplied("207", "PV1-3", "bed %s on %s is occupied", b.Label, b.WardName)
		case err != nil:
			return err
		}
		a.publish(events.Event{Kind: events.Admitted, PatientID: p.ID, Ward: adm.WardName, Bed: adm.BedLabel})
		return a.audit(ctx, tx, audit.AdmitPatient, p, fmt.Sprintf("%s, bed %s", adm.WardName, adm.BedLabel))
	})
}

func (a *applier) discharge(ctx context.Context) result {
	return a.inTx(ctx, func(tx *store.Tx) error {
		p, err := a.patient(ctx, tx)
		if err != nil {
			return err
		}
		adm, err := tx.Discharge(ctx, p.ID)
		if errors.Is(err, store.ErrNotAdmitted) {
			return notApplied("207", "PID-3", "the patient is not admitted")
		}
		if err != nil {
			return err
		}
		a.publish(events.Event{Kind: events.Discharged, PatientID: p.ID, Ward: adm.WardName, Bed: adm.BedLabel})
		return a.audit(ctx, tx, audit.DischargePatient, p, fmt.Sprintf("%s, bed %s", adm.WardName, adm.BedLabel))
	})
}

func (a *applier) register(ctx context.Context) result {
	d, r := demographicsOf(a.m)
	if r.code != "" {
		return r
	}
	if !d.hasName || d.family == "" {
		return refuse("101", "PID-5", "PID-5.1 (family name) is required to register a patient")
	}
	if !d.hasBirth {
		return refuse("101", "PID-7", "PID-7 (date of birth) is required to register a patient")
	}
	in, r := allergiesOf(a.m)
	if r.code != "" {
		return r
	}
	return a.inTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.PatientByNHSNumber(ctx, a.nhs); err == nil {
			return notApplied("205", "PID-3", "a patient with NHS number %s is already registered", a.nhs.Formatted())
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		p := patient.Patient{NHSNumber: a.nhs, GPPractice: d.gp}
		d.applyTo(&p)
		if err := tx.CreatePatient(ctx, &p); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return notApplied("205", "PID-3", "a patient with NHS number %s is already registered", a.nhs.Formatted())
			}
			return err
		}
		if err := a.audit(ctx, tx, audit.RegisterPatient, p, p.DisplayName()); err != nil {
			return err
		}
		a.publish(events.Event{Kind: events.PatientUpdated, PatientID: p.ID})
		return a.addAllergies(ctx, tx, p, in, nil) // a new patient has none recorded
	})
}

func (a *applier) update(ctx context.Context) result {
	d, r := demographicsOf(a.m)
	if r.code != "" {
		return r
	}
	in, r := allergiesOf(a.m)
	if r.code != "" {
		return r
	}
	return a.inTx(ctx, func(tx *store.Tx) error {
		p, err := a.patient(ctx, tx)
		if err != nil {
			return err
		}
		if changed := d.applyTo(&p); len(changed) > 0 {
			if err := tx.UpdatePatientDetails(ctx, &p); err != nil {
				return err
			}
			if err := a.audit(ctx, tx, audit.UpdatePatient, p, strings.Join(changed, ", ")); err != nil {
				return err
			}
			a.publish(events.Event{Kind: events.PatientUpdated, PatientID: p.ID})
		}
		if a.trigger != "A08" && len(in) == 0 {
			return nil
		}
		existing, err := tx.Allergies(ctx, p.ID)
		if err != nil {
			return err
		}
		if a.trigger == "A08" {
			if err := a.dropAllergies(ctx, tx, p, in, existing); err != nil {
				return err
			}
		}
		return a.addAllergies(ctx, tx, p, in, existing)
	})
}

// dropAllergies is the adt-a08-drops-allergy defect: recorded allergies
// the message does not list are deleted.
func (a *applier) dropAllergies(ctx context.Context, tx *store.Tx, p patient.Patient, in []allergyIn, existing []allergy.Allergy) error {
	listed := map[string]bool{}
	for _, x := range in {
		listed[strings.ToLower(x.substance)] = true
	}
	var drop []string
	for _, x := range existing {
		if x.Kind == allergy.Substance && !listed[strings.ToLower(x.Substance)] {
			drop = append(drop, x.ID)
		}
	}
	if !a.s.cfg.Defects.Fires(ctx, defects.ADTA08DropsAllergy, len(drop) > 0) {
		return nil
	}
	return tx.DeleteAllergies(ctx, p.ID, drop)
}

// addAllergies records the message's allergies that are not already
// recorded as active (existing is the patient's list as read before any
// drop: dropped entries are ones the message does not list, so they never
// match).
func (a *applier) addAllergies(ctx context.Context, tx *store.Tx, p patient.Patient, in []allergyIn, existing []allergy.Allergy) error {
	if len(in) == 0 {
		return nil
	}
	have := map[string]bool{}
	for _, x := range existing {
		if x.Kind == allergy.Substance && x.Status == allergy.Active {
			have[strings.ToLower(x.Substance)] = true
		}
	}
	for _, x := range in {
		key := strings.ToLower(x.substance)
		if have[key] {
			continue
		}
		have[key] = true
		rec := allergy.Allergy{PatientID: p.ID, Kind: allergy.Substance, Substance: x.substance, Reaction: x.reaction,
			Severity: x.severity, RecordedBy: RecordedBy}
		if err := tx.CreateAllergy(ctx, &rec); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, audit.RecordAllergy, p, rec.Describe()); err != nil {
			return err
		}
	}
	return nil
}

// null is HL7's explicit "delete this value".
const null = `""`

// demographics are the PID fields a message gives; has* say which.
type demographics struct {
	hasName    bool
	family     string
	given      []string
	hasBirth   bool
	birth      patient.Date
	hasGender  bool
	gender     patient.Gender
	hasAddress bool
	address    patient.Address
	gp         string
}

func text(m *hl7.Message, path string) string {
	v, _ := m.Text(path)
	return strings.TrimSpace(v)
}

func demographicsOf(m *hl7.Message) (demographics, result) {
	var d demographics
	if family := text(m, "PID-5[1].1.1"); family != "" && family != null {
		d.hasName, d.family = true, family
		for _, g := range []string{text(m, "PID-5[1].2"), text(m, "PID-5[1].3")} {
			if g != "" && g != null {
				d.given = append(d.given, g)
			}
		}
	}
	if b := text(m, "PID-7.1"); b != "" && b != null {
		t, err := time.Parse("20060102", b[:min(len(b), 8)])
		if err != nil || len(b) < 8 {
			return d, refuse("102", "PID-7", "PID-7 %q is not a date (YYYYMMDD)", b)
		}
		d.hasBirth, d.birth = true, patient.DateOf(t)
	}
	if g := strings.ToUpper(text(m, "PID-8")); g != "" && g != null {
		codes := map[string]patient.Gender{"F": patient.Female, "M": patient.Male, "O": patient.Other, "A": patient.Other,
			"U": patient.Unknown, "N": patient.Unknown}
		gender, ok := codes[g]
		if !ok {
			return d, refuse("103", "PID-8", "PID-8 %q is not a sex code of HL7 table 0001 (F, M, O, U, A, N)", g)
		}
		d.hasGender, d.gender = true, gender
	}
	if raw, _ := m.Get("PID-11[1]"); strings.TrimSpace(raw) == null {
		d.hasAddress = true
	} else if strings.TrimSpace(raw) != "" {
		d.hasAddress = true
		for _, l := range []string{text(m, "PID-11[1].1"), text(m, "PID-11[1].2")} {
			if l != "" && l != null {
				d.address.Lines = append(d.address.Lines, l)
			}
		}
		if c := text(m, "PID-11[1].3"); c != null {
			d.address.City = c
		}
		if pc := text(m, "PID-11[1].5"); pc != null {
			d.address.PostalCode = pc
		}
	}
	if gp := text(m, "PD1-3[1].1"); gp != null {
		d.gp = gp
	}
	return d, result{}
}

// applyTo writes the fields the message gave into p and names those that
// changed.
func (d demographics) applyTo(p *patient.Patient) []string {
	var changed []string
	if d.hasName && (p.Family != d.family || strings.Join(p.Given, " ") != strings.Join(d.given, " ")) {
		p.Family, p.Given = d.family, d.given
		changed = append(changed, "name")
	}
	if d.hasBirth && p.BirthDate != d.birth {
		p.BirthDate = d.birth
		changed = append(changed, "date of birth")
	}
	if d.hasGender && p.Gender != d.gender {
		p.Gender = d.gender
		changed = append(changed, "gender")
	}
	if d.hasAddress && strings.Join(p.Address.Parts(), "|") != strings.Join(d.address.Parts(), "|") {
		p.Address = d.address
		changed = append(changed, "address")
	}
	return changed
}

// allergyIn is one AL1 segment.
type allergyIn struct {
	substance, reaction string
	severity            allergy.Severity
}

func allergiesOf(m *hl7.Message) ([]allergyIn, result) {
	n := 0
	for _, seg := range m.Segments() {
		if seg.Name == "AL1" {
			n++
		}
	}
	var out []allergyIn
	for i := 1; i <= n; i++ {
		k := "AL1[" + strconv.Itoa(i) + "]"
		x := allergyIn{substance: text(m, k+"-3.2")}
		if x.substance == "" {
			x.substance = text(m, k+"-3.1")
		}
		if x.substance == "" || x.substance == null {
			return nil, refuse("101", k+"-3", "%s-3 names no allergen", k)
		}
		switch sev := strings.ToUpper(text(m, k+"-4.1")); sev {
		case "SV":
			x.severity = allergy.Severe
		case "MO":
			x.severity = allergy.Moderate
		case "MI":
			x.severity = allergy.Mild
		case "", "U", null:
		default:
			s, err := allergy.ParseSeverity(sev)
			if err != nil {
				return nil, refuse("103", k+"-4", "%s-4 %q is not a severity of HL7 table 0128 (SV, MO, MI, U)", k, sev)
			}
			x.severity = s
		}
		if r := text(m, k+"-5[1]"); r != null {
			x.reaction = r
		}
		out = append(out, x)
	}
	return out, result{}
}

package records

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
)

var today = patient.Date{Year: 2026, Month: time.June, Day: 1}

func valid() Registration {
	return Registration{
		Given: " Sarah  Jane ", Family: "Hidden", BirthDate: "02/04/1990", Sex: "female",
		AddressLine1: "1 Secret Road", Town: "Leadworth", Postcode: "gl7 1ab", GPPractice: "Leadworth Surgery",
		NHSNumber: "999 000 0018", Restricted: true,
	}
}

func TestValidateRegistration(t *testing.T) {
	p, errs := Validate(valid(), today, false)
	require.Empty(t, errs)
	assert.Equal(t, nhsnumber.Number("9990000018"), p.NHSNumber)
	assert.Equal(t, []string{"Sarah", "Jane"}, p.Given)
	assert.Equal(t, "1990-04-02", p.BirthDate.String())
	assert.Equal(t, patient.Female, p.Gender)
	assert.Equal(t, "GL7 1AB", p.Address.PostalCode)
	assert.Equal(t, "Leadworth Surgery", p.GPPractice)
	assert.True(t, p.Sensitive)
}

func TestValidateRegistrationProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Registration)
		field  string
		msg    string
	}{
		{"NHS number missing", func(r *Registration) { r.NHSNumber = "" }, FieldNHSNumber, MsgNHSRequired},
		{"NHS number wrong check digit", func(r *Registration) { r.NHSNumber = "999 000 0019" }, FieldNHSNumber, MsgNHSCheckDigit},
		{"NHS number check digit 10", func(r *Registration) { r.NHSNumber = "9990000000" }, FieldNHSNumber, MsgNHSCheckDigit},
		{"NHS number nine digits", func(r *Registration) { r.NHSNumber = "999000001" }, FieldNHSNumber, MsgNHSFormat},
		{"NHS number with letters", func(r *Registration) { r.NHSNumber = "99900000AB" }, FieldNHSNumber, MsgNHSFormat},
		{"given name missing", func(r *Registration) { r.Given = "  " }, FieldGiven, "Enter the patient's given name"},
		{"family name missing", func(r *Registration) { r.Family = "" }, FieldFamily, "Enter the patient's family name"},
		{"birth date missing", func(r *Registration) { r.BirthDate = "" }, FieldBirthDate, "Enter the patient's date of birth"},
		{"birth date not real", func(r *Registration) { r.BirthDate = "30/02/1990" }, FieldBirthDate, "Date of birth must be a real date, for example 15/03/1987"},
		{"birth date tomorrow", func(r *Registration) { r.BirthDate = "2026-06-02" }, FieldBirthDate, "Date of birth must be today or in the past"},
		{"sex missing", func(r *Registration) { r.Sex = "" }, FieldSex, "Select the patient's sex"},
		{"sex unknown code", func(r *Registration) { r.Sex = "x" }, FieldSex, "Select the patient's sex"},
		{"address missing", func(r *Registration) { r.AddressLine1 = "" }, FieldAddress1, "Enter the patient's address line 1"},
		{"postcode missing", func(r *Registration) { r.Postcode = "" }, FieldPostcode, "Enter the patient's postcode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.change(&r)
			_, errs := Validate(r, today, false)
			require.Len(t, errs, 1, "%v", errs)
			assert.Equal(t, tt.field, errs[0].Field)
			assert.Equal(t, tt.msg, errs.For(tt.field))
		})
	}
}

func TestValidateRegistrationBoundaries(t *testing.T) {
	for _, tt := range []struct {
		dob string
		ok  bool
	}{{"01/06/2026", true}, {"2026-06-01", true}, {"1/6/2026", true}, {"02/06/2026", false}, {"29/02/2024", true}, {"29/02/2025", false}} {
		r := valid()
		r.BirthDate = tt.dob
		_, errs := Validate(r, today, false)
		assert.Equal(t, tt.ok, errs.For(FieldBirthDate) == "", tt.dob)
	}
}

// The nhs-check-digit defect accepts a wrong check digit, but still not a
// malformed number.
func TestValidateRegistrationCheckDigitDefect(t *testing.T) {
	r := valid()
	r.NHSNumber = "999 000 0019"
	p, errs := Validate(r, today, true)
	require.Empty(t, errs)
	assert.Equal(t, nhsnumber.Number("9990000019"), p.NHSNumber)
	r.NHSNumber = "999000001"
	_, errs = Validate(r, today, true)
	assert.Equal(t, MsgNHSFormat, errs.For(FieldNHSNumber))
}

func TestAddressVisible(t *testing.T) {
	open, restricted := patient.Patient{}, patient.Patient{Sensitive: true}
	for _, tt := range []struct {
		name              string
		p                 patient.Patient
		onTeam, broke, ok bool
	}{
		{"unrestricted", open, false, false, true},
		{"restricted, no relationship", restricted, false, false, false},
		{"restricted, care team", restricted, true, false, true},
		{"restricted, broke the glass", restricted, false, true, true},
	} {
		assert.Equal(t, tt.ok, AddressVisible(tt.p, tt.onTeam, tt.broke), tt.name)
	}
}

func TestCheckReason(t *testing.T) {
	_, err := CheckReason("  ")
	assert.Error(t, err)
	r, err := CheckReason(" emergency ")
	require.NoError(t, err)
	assert.Equal(t, "emergency", r)
	_, err = CheckReason(string(make([]byte, MaxReasonLength+1)))
	assert.Error(t, err)
}

func TestNoteLife(t *testing.T) {
	draft := Note{Status: Draft, CreatedBy: "dr.patel", Versions: []NoteVersion{{Version: 1, Body: "Chest clear"}}}
	assert.NoError(t, CanSign(draft, "dr.patel"))
	assert.True(t, errors.Is(CanSign(draft, "nurse.okafor"), ErrNotAuthor))
	_, _, err := CheckAmendment(draft, "x", "y")
	assert.ErrorIs(t, err, ErrNotSigned)

	signed := draft
	signed.Status = Signed
	assert.ErrorIs(t, CanSign(signed, "dr.patel"), ErrNotDraft)
	for _, tt := range []struct {
		name, body, reason string
		want               error
	}{
		{"empty", " ", "typo", ErrNoteEmpty},
		{"unchanged", " Chest clear ", "typo", ErrNoteUnchanged},
		{"no reason", "Chest clear bilaterally", "", nil},
		{"ok", "Chest clear bilaterally", "typo", nil},
	} {
		body, reason, err := CheckAmendment(signed, tt.body, tt.reason)
		switch {
		case tt.want != nil:
			assert.ErrorIs(t, err, tt.want, tt.name)
		case tt.reason == "":
			assert.Error(t, err, tt.name)
		default:
			require.NoError(t, err, tt.name)
			assert.Equal(t, "Chest clear bilaterally", body)
			assert.Equal(t, "typo", reason)
		}
	}

	amended := signed
	amended.Versions = append(amended.Versions, NoteVersion{Version: 2, Body: "Chest clear bilaterally", Reason: "typo"})
	assert.True(t, amended.Amended())
	assert.Equal(t, 2, amended.Current().Version)
	assert.Equal(t, []int{2, 1}, []int{amended.History()[0].Version, amended.History()[1].Version})
	assert.Equal(t, NoteVersion{}, Note{}.Current())
}

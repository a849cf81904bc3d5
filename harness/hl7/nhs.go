package hl7

// NHS is the assigning authority (PID-3.4) and NH the identifier type
// code (PID-3.5) of an NHS number in PID-3: 9990000018^^^NHS^NH.
const (
	NHSAuthority      = "NHS"
	NHSIdentifierType = "NH"
)

// NHSNumber returns the first PID-3 identifier of the first PID whose
// assigning authority (first subcomponent of PID-3.4) is NHS and whose
// identifier type code is NH. It does not check the Modulus 11 digit.
func NHSNumber(m *Message) (string, bool) {
	for _, rep := range PatientIDs(m) {
		if rep.Authority == NHSAuthority && rep.Type == NHSIdentifierType && rep.ID != "" {
			return rep.ID, true
		}
	}
	return "", false
}

// PatientID is one repetition of PID-3 (CX), unescaped.
type PatientID struct {
	ID, Authority, Type string
}

// PatientIDs returns every repetition of PID-3 of the first PID.
func PatientIDs(m *Message) []PatientID {
	reps, _ := m.All("PID[1]-3")
	out := make([]PatientID, 0, len(reps))
	d := m.delims
	for _, r := range reps {
		text := func(s string) string { v, _ := Unescape(s, d); return v }
		out = append(out, PatientID{
			ID:        text(part(r, d.Component, 1)),
			Authority: text(part(part(r, d.Component, 4), d.Subcomponent, 1)),
			Type:      text(part(r, d.Component, 5)),
		})
	}
	return out
}

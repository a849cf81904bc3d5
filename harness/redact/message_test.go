package redact_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/redact"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/nhsnumber"
)

// A real (valid, non-test) NHS number is masked wherever a message holds
// it; test-range numbers and other digits stay.
func TestNHSNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"PID|1||9434765919^^^NHS^NH":                 "PID|1||943 476 ****^^^NHS^NH",
		"PID|1||9990000018^^^NHS^NH":                 "PID|1||9990000018^^^NHS^NH",
		`{"value":"943 476 5919"}`:                   `{"value":"943 476 ****"}`,
		"943-476-5919 and 9434765919 and 9434765919": "943 476 **** and 943 476 **** and 943 476 ****",
		"19434765919 and 94347659190":                "19434765919 and 94347659190",
		"9434765918 (bad check digit)":               "9434765918 (bad check digit)",
		"":                                           "",
		"4010232137|9434765919":                      "401 023 ****|943 476 ****",
	} {
		assert.Equal(t, want, redact.NHSNumbers(in), in)
	}
	extra, err := nhsnumber.ParseRanges("9434765900-9434765999")
	assert.NoError(t, err)
	assert.Equal(t, "PID|1||9434765919", redact.NHSNumbers("PID|1||9434765919", extra...), "the nhs-test-ranges setting's ranges stay")
}

func TestMessage(t *testing.T) {
	r := redact.New("s3cret-pass")
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	m := results.Message{Step: 2, Protocol: results.ProtocolHL7v2, Direction: results.Sent, At: at,
		Peer: "http://user:s3cret-pass@epr:8080/fhir", Type: "ADT^A28", ControlID: "9434765919",
		Text:   "MSH|^~\\&|PAS\nPID|1||9434765919^^^NHS^NH~9990000018^^^NHS^NH||POND^AMY\nNTE|password s3cret-pass",
		Answer: "MSA|AR|x\nERR|||204^Unknown key identifier 9434765919", Outcome: "AR",
		Error: strings.Repeat("x", results.MaxMessageText+10)}
	got := r.Message(m)
	assert.Equal(t, "MSH|^~\\&|PAS\nPID|1||943 476 ****^^^NHS^NH~9990000018^^^NHS^NH||POND^AMY\nNTE|password [REDACTED]", got.Text)
	assert.Equal(t, "MSA|AR|x\nERR|||204^Unknown key identifier 943 476 ****", got.Answer)
	assert.Equal(t, "943 476 ****", got.ControlID)
	assert.Equal(t, "http://user:[REDACTED]@epr:8080/fhir", got.Peer)
	assert.LessOrEqual(t, len(got.Error), results.MaxMessageText, "capped")
	assert.Contains(t, got.Error, "bytes more)")
	assert.Equal(t, m.Step, got.Step)
	assert.Equal(t, m.At, got.At)
	assert.Equal(t, "AR", got.Outcome)
	assert.Equal(t, got, r.Message(got), "redacting again changes nothing")
	assert.Contains(t, m.Text, "9434765919", "the message given is not changed")

	var none *redact.Redactor
	assert.Equal(t, "NTE|s3cret-pass 943 476 ****", none.Message(results.Message{Text: "NTE|s3cret-pass 9434765919"}).Text,
		"a nil Redactor still masks real NHS numbers")

	ms := r.Messages([]results.Message{m, {Text: "9990000018"}})
	assert.Equal(t, got, ms[0])
	assert.Equal(t, "9990000018", ms[1].Text)
	assert.Nil(t, r.Messages(nil))
}

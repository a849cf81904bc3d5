// Package messaging holds the steps for the EPR's message interfaces, as
// the hospital's other systems use them: the PAS sending HL7 v2 ADT
// messages over MLLP and reading the acknowledgements, the GP system
// receiving the EPR's outbound HL7 v2 feed, subscribing to FHIR
// appointment notifications, and the GP practice sending FHIR referrals.
//
// The steps drive harness/messaging through the scenario's
// scenario.State.Messages (the runner opens it for every scenario); they
// use no target adapter action. Messages are built from templates with
// {placeholders} (Placeholders) or from a default skeleton and a table of
// HL7 paths; every NHS number in them must be in a test range (Guard),
// except in the one step that sends a made-up number outside them on
// purpose. Not reaching the EPR is a harness failure; an EPR that answers
// wrongly, or sends nothing, is an assertion failure.
package messaging

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/hl7"
	hmsg "github.com/eprharness/eprharness/harness/messaging"
	"github.com/eprharness/eprharness/harness/scenario"
	"github.com/eprharness/eprharness/steps"
)

// system is how steps name the hospital's other systems: "the PAS", "the
// GP system", "the GP practice", "the interface engine".
const system = `the (?:PAS|GP system|GP practice|interface engine|integration engine|laboratory system)`

// Defs are the messaging steps.
var Defs = []steps.Def{
	{
		Pattern:  `^` + system + ` sends an? "([^"]*)" message for "([^"]*)" with:$`,
		Doc:      "Sends the EPR's inbound HL7 v2 interface (MLLP) a message of the type for the patient, built from the default skeleton (MSH from PAS, EVN, PID with the NHS number in PID-3, PV1 for A01/A02/A03/A08) with each | path | value | row of the table set; values may hold placeholders such as {today}. The acknowledgement is kept for the steps that check it.",
		Examples: []string{"When the PAS sends an \"ADT^A08\" message for \"Amy Pond\" with:\n  | PID-11 | 1 Main Street^^Leeds^^LS1 4AP |"},
		Handler:  sendWithTable,
		Check:    checkSendTable,
	},
	{
		Pattern:  `^` + system + ` sends an? "([^"]*)" message for "([^"]*)"$`,
		Doc:      "Sends the EPR's inbound HL7 v2 interface the default skeleton message of the type for the patient (MSH from PAS, EVN, PID, PV1 for A01/A02/A03/A08).",
		Examples: []string{`When the PAS sends an "ADT^A08" message for "Amy Pond"`},
		Handler:  sendSkeleton,
		Check:    checkSendSkeleton,
	},
	{
		Pattern:  `^` + system + ` sends this "([^"]*)" message for "([^"]*)":$`,
		Doc:      "Sends the EPR's inbound HL7 v2 interface the message in the doc string, an HL7 template whose {placeholders} (nhs_number, given, family, birth_date, gender, now, today, control_id, message_type, trigger) are filled from the patient.",
		Examples: []string{"When the PAS sends this \"ADT^A28\" message for \"River Song\":\n  \"\"\"\n  MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A28^ADT_A05|{control_id}|P|2.5.1\n  EVN|A28|{now}\n  PID|1||{nhs_number}^^^NHS^NH||{family}^{given}||{birth_date}|{gender}\n  \"\"\""},
		Handler:  sendDocString,
		Check:    checkSendDocString,
	},
	{
		Pattern:  `^` + system + ` sends the message "([^"]*)" for "([^"]*)"$`,
		Doc:      "Sends the EPR's inbound HL7 v2 interface the HL7 template in the file (relative to the feature file; ASCII, UTF-8 or, if its MSH-18 says so, ISO 8859-1) with its placeholders filled from the patient.",
		Examples: []string{`When the PAS sends the message "messages/a31.hl7" for "Amy Pond"`},
		Handler:  sendFile,
		Check:    checkSendFile,
	},
	{
		Pattern:  `^` + system + ` sends an? "([^"]*)" message for a patient whose NHS number is outside the test ranges$`,
		Doc:      "Sends the reference EPR a skeleton message of the type for a made-up patient whose NHS number is valid but outside every test range (made up at run time, never written in a file), to check the EPR refuses real patients' data. Refused against any other EPR (a harness fault): tag its scenarios @outside-test-ranges, so suites run against other EPRs leave them out with tags: \"not @outside-test-ranges\".",
		Examples: []string{`When the PAS sends an "ADT^A28" message for a patient whose NHS number is outside the test ranges`},
		Handler:  sendOutsideRanges,
	},
	{
		Pattern:  `^the EPR accepts the message$`,
		Doc:      "Checks the acknowledgement of the last HL7 v2 message sent accepts it: MSA-1 AA (or CA, a commit acknowledgement in enhanced mode).",
		Examples: []string{"Then the EPR accepts the message"},
		Handler:  accepts,
	},
	{
		Pattern:  `^the EPR rejects the message with "([^"]*)"$`,
		Doc:      "Checks the acknowledgement of the last HL7 v2 message sent has this MSA-1 code: AE (error), AR (rejected), or CE/CR in enhanced mode.",
		Examples: []string{`Then the EPR rejects the message with "AE"`, `Then the EPR rejects the message with "AR"`},
		Handler:  rejects,
	},
	{
		Pattern:  `^the acknowledgement's "([^"]*)" is "([^"]*)"$`,
		Doc:      "Checks a field of the last acknowledgement, by HL7 path (MSA-1, ERR-3.1, ERR[2]-8), holds exactly this text.",
		Examples: []string{`Then the acknowledgement's "ERR-3.1" is "204"`, `And the acknowledgement's "MSA-1" is "CA"`},
		Handler:  ackField,
		Check:    checkAckPath,
	},
	{
		Pattern:  `^the acknowledgement says "([^"]*)"$`,
		Doc:      "Checks the last acknowledgement's text (MSA-3, any ERR-8 user message or ERR-3.2 error text) contains these words, ignoring case.",
		Examples: []string{`Then the acknowledgement says "Unknown key identifier"`},
		Handler:  ackSays,
	},
	{
		Pattern:  `^` + system + ` receives an? "([^"]*)" message for "([^"]*)"$`,
		Doc:      "Waits (up to message-timeout) for the EPR's outbound HL7 v2 feed to send a message of the type (MSH-9) naming the patient's NHS number in PID-3; a message found is not found again.",
		Examples: []string{`Then the GP system receives an "ADT^A01" message for "Amy Pond"`},
		Handler:  receives,
		Check:    checkSendSkeleton,
	},
	{
		Pattern:  `^` + system + ` receives an? "([^"]*)" message for "([^"]*)" with:$`,
		Doc:      "Waits for the EPR's outbound feed to send a message of the type for the patient, then checks each | path | value | row of the table against it.",
		Examples: []string{"Then the GP system receives an \"ADT^A01\" message for \"Amy Pond\" with:\n  | PV1-3.1 | Ward 7 |"},
		Handler:  receivesWith,
		Check:    checkPaths,
	},
	{
		Pattern:  `^` + system + ` receives an? "([^"]*)" message for "([^"]*)" containing "([^"]*)"$`,
		Doc:      "Waits for the EPR's outbound feed to send a message of the type for the patient, then checks its text contains the words (ignoring case).",
		Examples: []string{`Then the GP system receives an "MDM^T02" message for "Amy Pond" containing "Discharge summary"`},
		Handler:  receivesContaining,
		Check:    checkSendSkeleton,
	},
	{
		Pattern:  `^` + system + ` subscribes to appointment notifications for "([^"]*)"$`,
		Doc:      "Creates a FHIR Subscription (rest-hook, application/fhir+json) for the patient's appointments, by NHS number, whose endpoint is this scenario's own notification address on the harness; the EPR must accept it (2xx).",
		Examples: []string{`Given the GP system subscribes to appointment notifications for "Amy Pond"`},
		Handler:  subscribe,
	},
	{
		Pattern:  `^` + system + ` is notified that "([^"]*)"'s appointment is "([^"]*)"$`,
		Doc:      "Waits (up to message-timeout) for a FHIR notification to this scenario's endpoint carrying an Appointment with this status (booked, cancelled, …).",
		Examples: []string{`Then the GP system is notified that "Amy Pond"'s appointment is "booked"`, `Then the GP system is notified that "Amy Pond"'s appointment is "cancelled"`},
		Handler:  notified,
	},
	{
		Pattern:  `^` + system + ` refers "([^"]*)" to "([^"]*)" for "([^"]*)"$`,
		Doc:      "Sends the EPR's FHIR $process-message a message Bundle (MessageHeader event servicerequest-request, and a routine ServiceRequest for the patient by NHS number, the clinic as code text and the reason as reasonCode text, from The Village Surgery (Y99999)).",
		Examples: []string{`When the GP practice refers "Amy Pond" to "Cardiology" for "Chest pain on exertion"`},
		Handler:  refer,
	},
	{
		Pattern:  `^` + system + ` withdraws the referral of "([^"]*)" to "([^"]*)"$`,
		Doc:      "Finds the patient's active FHIR ServiceRequest to the clinic and updates it (PUT) with status revoked.",
		Examples: []string{`When the GP practice withdraws the referral of "Amy Pond" to "Cardiology"`},
		Handler:  withdraw,
	},
	{
		Pattern:  `^` + system + ` posts the FHIR transaction "([^"]*)" for "([^"]*)"$`,
		Doc:      "Posts to the EPR's FHIR base the transaction Bundle in the JSON file (relative to the feature file), its {placeholders} filled from the patient.",
		Examples: []string{`When the GP system posts the FHIR transaction "messages/transaction.json" for "Amy Pond"`},
		Handler:  postTransaction,
		Check:    checkTransaction,
	},
	{
		Pattern:  `^the EPR accepts the FHIR message$`,
		Doc:      "Checks the EPR answered the last FHIR request with a 2xx status and, when its answer holds a response MessageHeader ($process-message), with response code ok.",
		Examples: []string{"Then the EPR accepts the FHIR message"},
		Handler:  acceptsFHIR,
	},
	{
		Pattern:  `^the EPR rejects the FHIR message$`,
		Doc:      "Checks the EPR refused the last FHIR request: a 4xx status, or a response MessageHeader whose code is not ok.",
		Examples: []string{"Then the EPR rejects the FHIR message"},
		Handler:  rejectsFHIR,
	},
	{
		Pattern:  `^the EPR has an active referral for "([^"]*)" to "([^"]*)"$`,
		Doc:      "Searches the EPR's FHIR ServiceRequests by the patient's NHS number and checks one to the clinic is active.",
		Examples: []string{`Then the EPR has an active referral for "Amy Pond" to "Cardiology"`},
		Handler:  hasActiveReferral,
	},
	{
		Pattern:  `^the EPR has no active referral for "([^"]*)" to "([^"]*)"$`,
		Doc:      "Searches the EPR's FHIR ServiceRequests by the patient's NHS number and checks none to the clinic is active.",
		Examples: []string{`Then the EPR has no active referral for "Amy Pond" to "Cardiology"`},
		Handler:  hasNoActiveReferral,
	},
}

// Register registers the messaging steps.
func Register(sc *godog.ScenarioContext) { steps.Register(sc, Defs) }

// world is the scenario's state and its message interfaces.
func world(ctx context.Context) (*scenario.State, *hmsg.Scenario, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return nil, nil, err
	}
	if s.Messages == nil {
		return nil, nil, failure.Harness(errors.New("this run has no messaging: messaging steps need the eprharness runner"))
	}
	return s, s.Messages, nil
}

// vals are the placeholder values for a message of msgType about p.
func vals(ctx context.Context, p fixtures.Patient, msgType string) map[string]string {
	today, err := steps.Today(ctx)
	if err != nil {
		today = time.Now()
	}
	return values(p, msgType, time.Now(), today)
}

func rows(t *godog.Table) ([][2]string, error) {
	var cells [][]string
	for _, r := range t.Rows {
		var row []string
		for _, c := range r.Cells {
			row = append(row, c.Value)
		}
		cells = append(cells, row)
	}
	return rowsOf(cells)
}

// rowsOf reads a | path | value | table (an optional header row "path |
// value" or "field | value" is left out).
func rowsOf(cells [][]string) ([][2]string, error) {
	var out [][2]string
	for i, r := range cells {
		if len(r) != 2 {
			return nil, failure.Harness(fmt.Errorf("table row %d: want | path | value |", i+1))
		}
		k, v := strings.TrimSpace(r[0]), strings.TrimSpace(r[1])
		if i == 0 && (strings.EqualFold(k, "path") || strings.EqualFold(k, "field")) && strings.EqualFold(v, "value") {
			continue // a header row
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

func send(ctx context.Context, m *hmsg.Scenario, msg *hl7.Message, guard bool) error {
	if guard {
		if err := Guard(msg, m.TestRanges()); err != nil {
			return err
		}
	}
	_, err := m.SendHL7(ctx, msg)
	return err
}

func sendWithTable(ctx context.Context, msgType, name string, table *godog.Table) error {
	s, m, err := world(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	rs, err := rows(table)
	if err != nil {
		return err
	}
	msg, err := Skeleton(msgType, p, rs, vals(ctx, p, msgType))
	if err != nil {
		return failure.Harness(fmt.Errorf("build %s for %s: %w", msgType, name, err))
	}
	return send(ctx, m, msg, true)
}

func sendSkeleton(ctx context.Context, msgType, name string) error {
	return sendWithTable(ctx, msgType, name, &godog.Table{})
}

func sendTemplate(ctx context.Context, msgType, name, template, where string) error {
	s, m, err := world(ctx)
	if err != nil {
		return err
	}
	p, err := s.Patient(name)
	if err != nil {
		return err
	}
	if _, _, err := checkType(msgType); err != nil {
		return failure.Harness(err)
	}
	msg, err := FromTemplate(template, vals(ctx, p, msgType))
	if err != nil {
		return failure.Harness(fmt.Errorf("build %s for %s from %s: %w", msgType, name, where, err))
	}
	if err := checkMSH9(msg, msgType, where); err != nil {
		return failure.Harness(err)
	}
	return send(ctx, m, msg, true)
}

// checkMSH9 checks msg's MSH-9 is the type the step says (msgType).
func checkMSH9(msg *hl7.Message, msgType, where string) error {
	if got := msg.Type() + "^" + msg.Trigger(); !strings.HasPrefix(got+"^", strings.TrimSpace(msgType)+"^") {
		return fmt.Errorf("%s is a %s message (MSH-9), not %s as the step says", where, got, msgType)
	}
	return nil
}

func sendDocString(ctx context.Context, msgType, name string, doc *godog.DocString) error {
	return sendTemplate(ctx, msgType, name, doc.Content, "the step's message")
}

func sendFile(ctx context.Context, file, name string) error {
	s, _, err := world(ctx)
	if err != nil {
		return err
	}
	text, err := ReadTemplate(s.FeatureFile, file)
	if err != nil {
		return err
	}
	msgType, err := templateType(text)
	if err != nil {
		return failure.Harness(fmt.Errorf("message template %s: %w", file, err))
	}
	return sendTemplate(ctx, msgType, name, text, file)
}

func sendOutsideRanges(ctx context.Context, msgType string) error {
	_, m, err := world(ctx)
	if err != nil {
		return err
	}
	if !m.ReferenceEPR() {
		return failure.Harness(errors.New("this step sends an NHS number outside the test ranges, which may be a real patient's: it only runs against the reference EPR (backends embedded and docker); tag its scenario @outside-test-ranges and leave it out of runs against other EPRs with tags: \"not @outside-test-ranges\""))
	}
	nhs, err := OutsideTestRanges(m.TestRanges())
	if err != nil {
		return failure.Harness(err)
	}
	p := fixtures.Patient{Given: "Unknown", Family: "Outside-Range", NHSNumber: nhs, BirthDate: "1970-01-01", Gender: "unknown"}
	msg, err := Skeleton(msgType, p, nil, vals(ctx, p, msgType))
	if err != nil {
		return failure.Harness(err)
	}
	return send(ctx, m, msg, false)
}

// lastAck is the last acknowledgement; no message sent is the scenario's
// fault (a harness error), a message without an answer was failed by its
// step already.
func lastAck(ctx context.Context) (*hl7.Message, error) {
	return lastAnswer(ctx, func(m *hmsg.Scenario) *hl7.Message { return m.LastAck },
		"no acknowledgement to check: no HL7 v2 message was sent in this scenario before this step")
}

// lastAnswer is the scenario's last answer of a kind (last picks it); none
// says, as a harness error, that no message was sent to have one.
func lastAnswer[T any](ctx context.Context, last func(*hmsg.Scenario) *T, none string) (*T, error) {
	_, m, err := world(ctx)
	if err != nil {
		return nil, err
	}
	if a := last(m); a != nil {
		return a, nil
	}
	return nil, failure.Harness(errors.New(none))
}

// describe is an acknowledgement in one line: its code and error texts.
func describe(ack *hl7.Message) string {
	code, _ := ack.Text("MSA-1")
	s := fmt.Sprintf("MSA-1 %q", code)
	if t, _ := ack.Text("MSA-3"); t != "" {
		s += fmt.Sprintf(", MSA-3 %q", t)
	}
	codes, _ := ack.All("ERR-3.1")
	texts, _ := ack.All("ERR-8")
	for i, c := range codes {
		s += fmt.Sprintf(", ERR-3 %q", c)
		if i < len(texts) && texts[i] != "" {
			s += fmt.Sprintf(" %q", unescape(ack, texts[i]))
		}
	}
	return s
}

func unescape(m *hl7.Message, v string) string {
	t, err := hl7.Unescape(v, m.Delimiters())
	if err != nil {
		return v
	}
	return t
}

func accepts(ctx context.Context) error {
	ack, err := lastAck(ctx)
	if err != nil {
		return err
	}
	if code, _ := ack.Text("MSA-1"); code == "AA" || code == "CA" {
		return nil
	}
	return fmt.Errorf("expected the EPR to accept the message (AA, or CA in enhanced mode), but it answered %s", describe(ack))
}

func rejects(ctx context.Context, want string) error {
	want = strings.ToUpper(strings.TrimSpace(want))
	switch want {
	case "AE", "AR", "CE", "CR":
	default:
		return failure.Harness(fmt.Errorf("%q is not a rejection code: write AE, AR, CE or CR", want))
	}
	ack, err := lastAck(ctx)
	if err != nil {
		return err
	}
	if code, _ := ack.Text("MSA-1"); code == want {
		return nil
	}
	return fmt.Errorf("expected the EPR to reject the message with %s, but it answered %s", want, describe(ack))
}

func ackField(ctx context.Context, path, want string) error {
	ack, err := lastAck(ctx)
	if err != nil {
		return err
	}
	if _, perr := hl7.ParsePath(path); perr != nil {
		return failure.Harness(fmt.Errorf("acknowledgement field %q: %w", path, perr))
	}
	got, err := ack.Text(path)
	if err != nil {
		return fmt.Errorf("expected the acknowledgement's %s to be %q, but it has none (%v); it answered %s", path, want, err, describe(ack))
	}
	if strings.TrimSpace(got) != want {
		return fmt.Errorf("expected the acknowledgement's %s to be %q, got %q; it answered %s", path, want, got, describe(ack))
	}
	return nil
}

func ackSays(ctx context.Context, words string) error {
	ack, err := lastAck(ctx)
	if err != nil {
		return err
	}
	var texts []string
	for _, p := range []string{"MSA-3", "ERR-8", "ERR-3.2"} {
		vs, _ := ack.All(p)
		for _, v := range vs {
			texts = append(texts, unescape(ack, v))
		}
	}
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), strings.ToLower(words)) {
			return nil
		}
	}
	return fmt.Errorf("expected the acknowledgement to say %q, but it answered %s", words, describe(ack))
}

func receive(ctx context.Context, msgType, name string) (*hl7.Message, error) {
	s, m, err := world(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Patient(name)
	if err != nil {
		return nil, err
	}
	typ, trigger, err := checkType(msgType)
	if err != nil {
		return nil, failure.Harness(err)
	}
	return m.WaitHL7(ctx, hmsg.Match{Type: typ, Trigger: trigger, NHSNumber: p.NHSNumber})
}

func receives(ctx context.Context, msgType, name string) error {
	_, err := receive(ctx, msgType, name)
	return err
}

func receivesWith(ctx context.Context, msgType, name string, table *godog.Table) error {
	rs, err := rows(table)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if _, err := hl7.ParsePath(r[0]); err != nil {
			return failure.Harness(fmt.Errorf("table path %q: %w", r[0], err))
		}
	}
	msg, err := receive(ctx, msgType, name)
	if err != nil {
		return err
	}
	var wrong []string
	for _, r := range rs {
		got, err := msg.Text(r[0])
		if err != nil {
			got = "(absent)"
		}
		if strings.TrimSpace(got) != r[1] {
			wrong = append(wrong, fmt.Sprintf("%s is %q, want %q", r[0], got, r[1]))
		}
	}
	if len(wrong) > 0 {
		return fmt.Errorf("the %s message for %s (control id %q) differs: %s\n%s", msgType, name, msg.ControlID(), strings.Join(wrong, "; "), msg.String())
	}
	return nil
}

func receivesContaining(ctx context.Context, msgType, name, words string) error {
	msg, err := receive(ctx, msgType, name)
	if err != nil {
		return err
	}
	text := unescape(msg, msg.String())
	if !strings.Contains(strings.ToLower(text), strings.ToLower(words)) {
		return fmt.Errorf("the %s message for %s (control id %q) does not contain %q:\n%s", msgType, name, msg.ControlID(), words, msg.String())
	}
	return nil
}

package messaging

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/steps"
)

// The steps' own input checks (steps.Def.Check), run by eprharness check
// and before a run starts: a template that does not build, a file that is
// missing or a path that does not parse is reported at the step's line
// with exit 2, instead of failing a scenario half-way. Messages are built
// for a stand-in patient; the real patient's values come at run time.

// stand-in is the patient templates are built for when checked.
var standIn = fixtures.Patient{Given: "Amy", Family: "Pond", NHSNumber: "9990000018", BirthDate: "1987-03-15", Gender: "female"}

func standInValues(msgType string) map[string]string {
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	return values(standIn, msgType, day.Add(9*time.Hour), day)
}

// checkSendTable checks a "sends … with:" step: the type, the table's
// shape and each row's path and value.
func checkSendTable(in steps.Input) error {
	rs, err := rowsOf(in.Table)
	if err != nil {
		return err
	}
	if _, err := Skeleton(in.Args[0], standIn, rs, standInValues(in.Args[0])); err != nil {
		return fmt.Errorf("build %s: %w", in.Args[0], err)
	}
	return nil
}

// checkSendSkeleton checks the message type of a "sends a … message" step.
func checkSendSkeleton(in steps.Input) error {
	_, _, err := checkType(in.Args[0])
	return err
}

// checkSendDocString checks a template in the step's doc string.
func checkSendDocString(in steps.Input) error {
	return checkTemplate(in.Args[0], in.DocString, "the step's message")
}

// checkSendFile checks a template file named relative to the feature.
func checkSendFile(in steps.Input) error {
	text, err := ReadTemplate(in.FeatureFile, in.Args[0])
	if err != nil {
		return err
	}
	msgType, err := templateType(text)
	if err != nil {
		return fmt.Errorf("message template %s: %w", in.Args[0], err)
	}
	return checkTemplate(msgType, text, in.Args[0])
}

func checkTemplate(msgType, text, where string) error {
	if _, _, err := checkType(msgType); err != nil {
		return err
	}
	msg, err := FromTemplate(text, standInValues(msgType))
	if err != nil {
		return fmt.Errorf("build %s from %s: %w", msgType, where, err)
	}
	return checkMSH9(msg, msgType, where)
}

// checkPaths checks the message type and the HL7 paths of a "receives …
// with:" table.
func checkPaths(in steps.Input) error {
	if _, _, err := checkType(in.Args[0]); err != nil {
		return err
	}
	rs, err := rowsOf(in.Table)
	if err != nil {
		return err
	}
	for i, r := range rs {
		if _, err := hl7.ParsePath(r[0]); err != nil {
			return fmt.Errorf("table row %d: %w", i+1, err)
		}
	}
	return nil
}

// checkAckPath checks the HL7 path an acknowledgement step reads.
func checkAckPath(in steps.Input) error {
	_, err := hl7.ParsePath(in.Args[0])
	return err
}

// checkTransaction checks a FHIR transaction template file: it exists,
// its placeholders are known, and it is a JSON Bundle.
func checkTransaction(in steps.Input) error {
	file := in.Args[0]
	data, err := os.ReadFile(featurePath(in.FeatureFile, file))
	if err != nil {
		return fmt.Errorf("read FHIR transaction %s (relative to the feature file): %w", file, err)
	}
	body, err := fillJSON(string(data), fhirFormats(standInValues("FHIR^transaction"), standIn))
	if err != nil {
		return fmt.Errorf("FHIR transaction %s: %w", file, err)
	}
	var b struct{ ResourceType string }
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return fmt.Errorf("FHIR transaction %s: not JSON: %w", file, err)
	}
	if b.ResourceType != "Bundle" {
		return fmt.Errorf("FHIR transaction %s: a %q, not a Bundle", file, b.ResourceType)
	}
	return nil
}

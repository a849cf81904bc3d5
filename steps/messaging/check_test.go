package messaging

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/steps"
)

func TestInputChecks(t *testing.T) {
	dir := t.TempDir()
	feature := filepath.Join(dir, "messaging.feature")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "messages"), 0o755))
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "messages", name), []byte(body), 0o644))
	}
	write("a31.hl7", "MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A31^ADT_A05|{control_id}|P|2.5.1\rPID|1||{nhs_number}^^^NHS^NH||{family}^{given}\r")
	write("typo.hl7", "MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A31^ADT_A05|{control_id}|P|2.5.1\rPID|1||{nhs_numbr}^^^NHS^NH\r")
	write("tx.json", `{"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": {"authoredOn": "{today}"}}]}`)
	write("patient.json", `{"resourceType": "Patient"}`)
	write("broken.json", `{"resourceType": "Bundle",`)
	in := func(args []string, doc string, table ...[]string) steps.Input {
		return steps.Input{FeatureFile: feature, Args: args, DocString: doc, Table: table}
	}
	good := map[string]error{
		"table":     checkSendTable(in([]string{"ADT^A08", "Amy Pond"}, "", []string{"PID-5", "POND^Amelia"}, []string{"PV1-3", "Ward 7^^3"})),
		"skeleton":  checkSendSkeleton(in([]string{"ADT^A28", "Amy Pond"}, "")),
		"docstring": checkSendDocString(in([]string{"ADT^A31", "Amy Pond"}, "MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A31|{control_id}|P|2.5.1\nPID|1||{nhs_number}^^^NHS^NH\n")),
		"file":      checkSendFile(in([]string{"messages/a31.hl7", "Amy Pond"}, "")),
		"paths":     checkPaths(in([]string{"ADT^A01", "Amy Pond"}, "", []string{"PV1-3.1", "Ward 7"}, []string{"PID-3[1].1", "9990000018"})),
		"ack path":  checkAckPath(in([]string{"ERR-3.1", "204"}, "")),
		"fhir":      checkTransaction(in([]string{"messages/tx.json", "Amy Pond"}, "")),
	}
	for name, err := range good {
		assert.NoError(t, err, name)
	}
	bad := map[string]struct {
		err  error
		want string
	}{
		"a row of three cells":   {checkSendTable(in([]string{"ADT^A08", "Amy Pond"}, "", []string{"PID-5", "POND", "x"})), "table row 1: want | path | value |"},
		"a bad path":             {checkSendTable(in([]string{"ADT^A08", "Amy Pond"}, "", []string{"PID5", "POND"})), "PID5"},
		"a bad type":             {checkSendSkeleton(in([]string{"ADT-A08", "Amy Pond"}, "")), `message type "ADT-A08"`},
		"another type":           {checkSendDocString(in([]string{"ADT^A08", "Amy Pond"}, "MSH|^~\\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A31|{control_id}|P|2.5.1\n")), "is a ADT^A31 message (MSH-9), not ADT^A08"},
		"a missing file":         {checkSendFile(in([]string{"messages/nope.hl7", "Amy Pond"}, "")), "messages/nope.hl7"},
		"an unknown placeholder": {checkSendFile(in([]string{"messages/typo.hl7", "Amy Pond"}, "")), "nhs_numbr"},
		"a bad receive path":     {checkPaths(in([]string{"ADT^A01", "Amy Pond"}, "", []string{"PV1-x", "Ward 7"})), "table row 1"},
		"a bad ack path":         {checkAckPath(in([]string{"ERR", "204"}, "")), "ERR"},
		"not a Bundle":           {checkTransaction(in([]string{"messages/patient.json", "Amy Pond"}, "")), `a "Patient", not a Bundle`},
		"not JSON":               {checkTransaction(in([]string{"messages/broken.json", "Amy Pond"}, "")), "not JSON"},
		"no transaction file":    {checkTransaction(in([]string{"messages/nope.json", "Amy Pond"}, "")), "relative to the feature file"},
	}
	for name, c := range bad {
		if assert.Error(t, c.err, name) {
			assert.Contains(t, c.err.Error(), c.want, name)
		}
	}
}

package junit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// The failing test case lists its messages in brief in <system-out>; a
// passing one does not.
func TestGoldenMessages(t *testing.T) {
	out := string(write(t, resultstest.Messaging(), Config{}))
	resultstest.Golden(t, "messages.golden", []byte(out))
	assert.Contains(t, out, "Messages exchanged with the EPR's interfaces (in the run's HTML report in full):\n"+
		"  HL7v2 sent ADT^A08 (AE), control id MSG00001 (step at line 8)\n"+
		"  HL7v2 received ADT^A01 (AA), control id RQ0000017\n")
	assert.Equal(t, 1, strings.Count(out, "Messages exchanged"), "only the failing scenario's")
	assert.NotContains(t, out, "Subscription")
}

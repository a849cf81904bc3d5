package html

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/results/resultstest"
)

// Each scenario that exchanged messages with the EPR shows them after its
// steps: when, which step, which way, what, the outcome (a rejection
// marked as a failure in words, not only colour), and the message and its
// answer one segment a line; each step links to its messages.
func TestGoldenMessages(t *testing.T) {
	out := write(t, resultstest.Messaging(), Config{})
	resultstest.Golden(t, "messages.golden", out)
	page := string(out)
	for _, want := range []string{
		`<table class="messages" id="scenario-1-1-messages">`,
		`<tr class="message msg-bad" id="scenario-1-1-message-1"><td>12:00:01.482</td><td>line 8</td><td>Sent to EPR<br><span class="hint">127.0.0.1:2575</span></td><td>HL7v2</td><th scope="row">ADT^A08</th><td><code>MSG00001</code></td><td><span class="outcome o-bad">✗ AE</span></td></tr>`,
		`<summary>ADT^A08 MSG00001: the message and its answer</summary>`,
		"MSH|^~\\&amp;|PAS|PASFAC|REFEPR|RHQ|20260601090001||ADT^A08^ADT_A01|MSG00001|P|2.4\nEVN|A08|20260601090001\nPID|1||9990000018^^^NHS^NH",
		"MSA|AE|MSG00001|Unknown key identifier\nERR||PID^1^3|204^Unknown key identifier^HL70357|E</pre>",
		`<td>—</td><td>Received from EPR<br><span class="hint">127.0.0.1:41822</span></td><td>HL7v2</td><th scope="row">ADT^A01</th>`,
		`<span class="outcome o-ok">✓ AA</span>`,
		`the PAS sends an &#34;ADT^A08&#34; message for Amy Pond with: <span class="hint">line 8</span> <a class="msg-marker" href="#scenario-1-1-message-1">1 message</a>`,
		`<th scope="row">Appointment notification</th>`, `<span class="outcome o-ok">✓ 201</span>`, `&#34;status&#34;:&#34;booked&#34;`,
	} {
		assert.True(t, strings.Contains(page, want), "the report shows %s", want)
	}
	assert.Equal(t, 2, strings.Count(page, `<table class="messages"`), "one table per scenario with messages")
	assert.NotContains(t, string(write(t, resultstest.Sample(), Config{})), `class="messages"`, "no messages, no table")
}

// The messages tables keep the report's rules for assistive technology:
// headers on every table, statuses in words.
func TestMessagesAccessible(t *testing.T) {
	doc := parse(t, write(t, resultstest.Messaging(), Config{}))
	tables := findAll(doc, classed("table", "messages"))
	assert.Len(t, tables, 2)
	for _, table := range tables {
		assert.NotEmpty(t, findAll(table, tag("caption")))
		assert.Len(t, findAll(table, tag("thead")), 1)
		for _, row := range findAll(table, classed("tr", "message")) {
			assert.Len(t, findAll(row, tag("th")), 1, "each message row is named by its type")
		}
	}
	for _, o := range findAll(doc, classed("span", "outcome")) {
		assert.Regexp(t, `^[✓✗] \S+`, text(o), "the outcome is a word and a sign, not only a colour")
	}
}

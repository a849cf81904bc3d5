package hl7

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// Option configures FromFields and ACKWith.
type Option func(*buildConfig)

type buildConfig struct {
	now       func() time.Time
	controlID string
}

// WithClock sets the clock for MSH-7 (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *buildConfig) { c.now = now } }

// WithControlID sets MSH-10 (default: 16 random hex digits).
func WithControlID(id string) Option { return func(c *buildConfig) { c.controlID = id } }

func newConfig(opts []Option) buildConfig {
	c := buildConfig{now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	if c.controlID == "" {
		c.controlID = NewControlID()
	}
	return c
}

// NewControlID returns 16 random upper-case hex characters, fit for
// MSH-10 (at most 20 characters in v2.4). Every fifth is a letter (A-F),
// so no run of digits in it is long enough to be taken for an NHS number
// by the checks that keep real patients' numbers out of messages (about
// one plain hex ID in 800 held ten digits with a valid check digit).
func NewControlID() string {
	const digits, letters = "0123456789ABCDEF", "ABCDEF"
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	id := make([]byte, len(b))
	for i, v := range b {
		if i%5 == 4 {
			id[i] = letters[int(v)%len(letters)]
		} else {
			id[i] = digits[v&15]
		}
	}
	return string(id)
}

// Timestamp formats t as an HL7 TS with seconds and UTC offset.
func Timestamp(t time.Time) string { return t.Format("20060102150405-0700") }

// Build fills {name} placeholders in an HL7 template with values, each
// escaped for the template's delimiters, and parses the result. Segments
// may end with \r, \n or \r\n. The text is Unicode whatever MSH-18 says;
// Encode later checks it fits MSH-18. A placeholder with no value is an
// error naming it and its line; unused values are ignored. Every { opens
// a placeholder: write a literal brace as \X7B\.
func Build(template string, values map[string]string) (*Message, error) {
	t := strings.TrimLeft(template, " \t\r\n")
	d, err := readDelimiters([]byte(firstLine(t)))
	if err != nil {
		return nil, fmt.Errorf("build hl7: %w", err)
	}
	var b strings.Builder
	line := 1
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '\n' {
			line++
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("build hl7: line %d: unclosed {", line)
		}
		name := t[i+1 : i+j]
		v, ok := values[name]
		if !ok {
			return nil, fmt.Errorf("build hl7: line %d: no value for placeholder {%s}", line, name)
		}
		b.WriteString(Escape(v, d))
		i += j
	}
	cs := charsetUTF8
	m, err := parse([]byte(b.String()), &cs)
	if err != nil {
		return nil, fmt.Errorf("build hl7: %w", err)
	}
	if _, err := lookupCharset(m.Charset()); err != nil {
		return nil, fmt.Errorf("build hl7: %w", err)
	}
	return m, nil
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// FromFields builds a message from rows of path and encoded value
// (PID-5 | POND^AMY), applied in order with Set over these MSH defaults:
// MSH-3 EPRHARNESS, MSH-4 HARNESS, MSH-7 now (WithClock), MSH-9 msgType
// (for example "ADT^A01^ADT_A01"), MSH-10 (WithControlID or random),
// MSH-11 P, MSH-12 2.4. Errors name the row (1-based) and its path.
func FromFields(msgType string, fields [][2]string, opts ...Option) (*Message, error) {
	c := newConfig(opts)
	m := newMessage(DefaultDelimiters)
	defaults := [][2]string{
		{"MSH-3", "EPRHARNESS"}, {"MSH-4", "HARNESS"},
		{"MSH-7", Timestamp(c.now())}, {"MSH-9", msgType},
		{"MSH-10", Escape(c.controlID, DefaultDelimiters)}, {"MSH-11", "P"}, {"MSH-12", "2.4"},
	}
	for _, f := range defaults {
		if err := m.Set(f[0], f[1]); err != nil {
			return nil, fmt.Errorf("build hl7 from fields: default %s: %w", f[0], err)
		}
	}
	for i, f := range fields {
		if err := m.Set(strings.TrimSpace(f[0]), f[1]); err != nil {
			return nil, fmt.Errorf("build hl7 from fields: row %d (%s): %w", i+1, f[0], err)
		}
	}
	if _, err := lookupCharset(m.Charset()); err != nil {
		return nil, fmt.Errorf("build hl7 from fields: %w", err)
	}
	return m, nil
}

package hl7

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

type charset int

const (
	charsetASCII charset = iota
	charsetUTF8
	charsetLatin1
)

func lookupCharset(name string) (charset, error) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "", "ASCII":
		return charsetASCII, nil
	case "UNICODE UTF-8", "UTF-8":
		return charsetUTF8, nil
	case "8859/1":
		return charsetLatin1, nil
	}
	return 0, fmt.Errorf("unsupported character set %q in MSH-18 (supported: ASCII, UNICODE UTF-8, UTF-8, 8859/1)", name)
}

// decode turns raw bytes in charset cs into UTF-8 text; the int is the
// offset of the offending byte on error.
func (cs charset) decode(raw []byte) (string, int, error) {
	switch cs {
	case charsetUTF8:
		for i := 0; i < len(raw); {
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", i, errors.New("invalid UTF-8")
			}
			i += n
		}
		return string(raw), 0, nil
	case charsetLatin1:
		var b strings.Builder
		for _, c := range raw {
			b.WriteRune(rune(c))
		}
		return b.String(), 0, nil
	default:
		for i, c := range raw {
			if c >= 0x80 {
				return "", i, fmt.Errorf("byte 0x%02x is not ASCII and MSH-18 names no character set", c)
			}
		}
		return string(raw), 0, nil
	}
}

func (cs charset) encode(s string) ([]byte, error) {
	switch cs {
	case charsetUTF8:
		return []byte(s), nil
	default:
		limit, name := rune(0x7f), "ASCII"
		if cs == charsetLatin1 {
			limit, name = 0xff, "8859/1"
		}
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > limit {
				return nil, fmt.Errorf("character %q cannot be encoded in %s", r, name)
			}
			out = append(out, byte(r))
		}
		return out, nil
	}
}

type rawSegment struct {
	start int // byte offset of the segment in the input
	data  []byte
}

// splitSegments splits on \r, \n or \r\n, dropping empty lines.
func splitSegments(data []byte) []rawSegment {
	var out []rawSegment
	start := 0
	for i := 0; i <= len(data); i++ {
		if i < len(data) && data[i] != '\r' && data[i] != '\n' {
			continue
		}
		if i > start {
			out = append(out, rawSegment{start: start, data: data[start:i]})
		}
		start = i + 1
	}
	return out
}

// readDelimiters reads MSH-1 and MSH-2 from the start of an MSH segment.
func readDelimiters(msh []byte) (Delimiters, error) {
	if len(msh) < 4 || string(msh[:3]) != "MSH" {
		return Delimiters{}, errors.New("message does not start with an MSH segment")
	}
	d := Delimiters{Field: msh[3]}
	enc := msh[4:]
	if i := bytes.IndexByte(enc, d.Field); i >= 0 {
		enc = enc[:i]
	}
	if len(enc) != 4 && len(enc) != 5 {
		return Delimiters{}, fmt.Errorf("MSH-2 %q: want 4 encoding characters (5 with truncation)", enc)
	}
	d.Component, d.Repetition, d.Escape, d.Subcomponent = enc[0], enc[1], enc[2], enc[3]
	if len(enc) == 5 {
		d.Truncation = enc[4]
	}
	if err := d.validate(); err != nil {
		return Delimiters{}, fmt.Errorf("MSH-1/MSH-2: %w", err)
	}
	return d, nil
}

// Parse reads one HL7 v2 message. The character set comes from MSH-18
// (first repetition, first component). Errors name the segment index
// (1-based), its name, the field and the byte offset in data.
func Parse(data []byte) (*Message, error) {
	m, err := parse(data, nil)
	if err != nil {
		return nil, fmt.Errorf("parse hl7: %w", err)
	}
	return m, nil
}

// parse reads data; a non-nil force charset overrides MSH-18 (Build
// parses Go strings, which are UTF-8 whatever MSH-18 says).
func parse(data []byte, force *charset) (*Message, error) {
	raws := splitSegments(data)
	if len(raws) == 0 {
		return nil, errors.New("empty message")
	}
	d, err := readDelimiters(raws[0].data)
	if err != nil {
		return nil, fmt.Errorf("segment 1 at offset %d: %w", raws[0].start, err)
	}
	cs := charsetASCII
	if force != nil {
		cs = *force
	} else {
		mshFields := bytes.Split(raws[0].data, []byte{d.Field})
		if len(mshFields) > 17 {
			v := mshFields[17] // MSH-18: MSH-1 is the separator itself
			if i := bytes.IndexByte(v, d.Repetition); i >= 0 {
				v = v[:i]
			}
			if i := bytes.IndexByte(v, d.Component); i >= 0 {
				v = v[:i]
			}
			if cs, err = lookupCharset(string(v)); err != nil {
				return nil, fmt.Errorf("segment 1 (MSH) field 18: %w", err)
			}
		}
	}
	m := &Message{delims: d}
	for si, rs := range raws {
		where := func(field, off int) string {
			name := string(rs.data[:min(3, len(rs.data))])
			if !utf8.ValidString(name) {
				name = fmt.Sprintf("%q", name)
			}
			if field < 0 {
				return fmt.Sprintf("segment %d (%s) at offset %d", si+1, name, off)
			}
			return fmt.Sprintf("segment %d (%s) field %d at offset %d", si+1, name, field, off)
		}
		if len(rs.data) < 3 || !validSegmentName(string(rs.data[:3])) || (len(rs.data) > 3 && rs.data[3] != d.Field) {
			return nil, fmt.Errorf("%s: segment name must be 3 capitals or digits followed by %q", where(-1, rs.start), d.Field)
		}
		name := string(rs.data[:3])
		if name == "MSH" && si > 0 {
			return nil, fmt.Errorf("%s: second MSH (one message per Parse)", where(-1, rs.start))
		}
		seg := &segment{name: name}
		if len(rs.data) > 3 {
			off := rs.start + 4
			parts := bytes.Split(rs.data[4:], []byte{d.Field})
			first := 1
			if name == "MSH" {
				seg.fields = append(seg.fields, string(d.Field), string(parts[0]))
				off += len(parts[0]) + 1
				parts, first = parts[1:], 3
			}
			for fi, p := range parts {
				text, bad, err := cs.decode(p)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where(first+fi, off+bad), err)
				}
				if bad, err := checkEscapes(text, d); err != nil {
					return nil, fmt.Errorf("%s: %w", where(first+fi, off+byteOffset(cs, p, bad)), err)
				}
				seg.fields = append(seg.fields, text)
				off += len(p) + 1
			}
		}
		m.segs = append(m.segs, seg)
	}
	return m, nil
}

// byteOffset maps an offset in the decoded text of raw back to raw.
func byteOffset(cs charset, raw []byte, textOff int) int {
	if cs != charsetLatin1 {
		return textOff
	}
	n := 0
	for i, c := range raw {
		if n >= textOff {
			return i
		}
		n += utf8.RuneLen(rune(c))
	}
	return len(raw)
}

// Encode returns the wire form: segments ended by \r, in the character
// set named by charset, or by MSH-18 when charset is "". A non-empty
// charset is also written to MSH-18 of the output (m is unchanged). Text
// the character set cannot hold is an error naming segment and field.
func (m *Message) Encode(charsetName string) ([]byte, error) {
	src := m
	if charsetName != "" {
		src = m.Clone()
		if err := src.SetText("MSH-18", charsetName); err != nil {
			return nil, fmt.Errorf("encode hl7: %w", err)
		}
	} else {
		charsetName = m.Charset()
	}
	cs, err := lookupCharset(charsetName)
	if err != nil {
		return nil, fmt.Errorf("encode hl7: %w", err)
	}
	if len(src.segs) == 0 || src.segs[0].name != "MSH" {
		return nil, errors.New("encode hl7: message does not start with MSH")
	}
	var out []byte
	f := src.delims.Field
	for si, s := range src.segs {
		out = append(out, s.name...)
		for fi, v := range s.fields {
			if s.name == "MSH" && fi == 0 {
				continue // MSH-1 is the separator written just before MSH-2
			}
			b, err := cs.encode(v)
			if err != nil {
				return nil, fmt.Errorf("encode hl7: segment %d (%s) field %d: %w", si+1, s.name, fi+1, err)
			}
			out = append(out, f)
			out = append(out, b...)
		}
		if s.name == "MSH" && len(s.fields) == 1 {
			out = append(out, f)
		}
		out = append(out, '\r')
	}
	return out, nil
}

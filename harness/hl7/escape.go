package hl7

import (
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"
)

// Escape turns plain text into field text for delimiters d: the
// delimiters become \F\ \S\ \T\ \R\ \E\ (and \P\ for a v2.7 truncation
// character), carriage return and line feed become \X0D\ and \X0A\.
func Escape(s string, d Delimiters) string {
	var b strings.Builder
	e := string(d.Escape)
	for i := 0; i < len(s); i++ {
		c := s[i]
		var seq string
		switch {
		case c == d.Escape:
			seq = "E"
		case c == d.Field:
			seq = "F"
		case c == d.Component:
			seq = "S"
		case c == d.Subcomponent:
			seq = "T"
		case c == d.Repetition:
			seq = "R"
		case d.Truncation != 0 && c == d.Truncation:
			seq = "P"
		case c == '\r':
			seq = "X0D"
		case c == '\n':
			seq = "X0A"
		default:
			b.WriteByte(c)
			continue
		}
		b.WriteString(e + seq + e)
	}
	return b.String()
}

// Unescape turns field text into plain text: \F\ \S\ \T\ \R\ \E\ (\P\ when
// d has a truncation character) become the delimiters and \Xhh..\ the
// bytes it names (read as UTF-8 when valid, else as ISO 8859-1).
// Formatting and other sequences (\H\, \N\, \.br\, \Cxxyy\, ...) are kept
// as written. An unterminated sequence or bad hex is an error.
func Unescape(s string, d Delimiters) (string, error) {
	if strings.IndexByte(s, d.Escape) < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != d.Escape {
			b.WriteByte(c)
			i++
			continue
		}
		j := strings.IndexByte(s[i+1:], d.Escape)
		if j < 0 {
			return "", errors.New("unterminated escape sequence")
		}
		seq := s[i+1 : i+1+j]
		i += j + 2
		switch {
		case seq == "F":
			b.WriteByte(d.Field)
		case seq == "S":
			b.WriteByte(d.Component)
		case seq == "T":
			b.WriteByte(d.Subcomponent)
		case seq == "R":
			b.WriteByte(d.Repetition)
		case seq == "E":
			b.WriteByte(d.Escape)
		case seq == "P" && d.Truncation != 0:
			b.WriteByte(d.Truncation)
		case strings.HasPrefix(seq, "X"):
			raw, err := decodeHex(seq[1:])
			if err != nil {
				return "", err
			}
			if utf8.Valid(raw) {
				b.Write(raw)
			} else {
				for _, r := range raw {
					b.WriteRune(rune(r))
				}
			}
		default:
			b.WriteByte(d.Escape)
			b.WriteString(seq)
			b.WriteByte(d.Escape)
		}
	}
	return b.String(), nil
}

func decodeHex(h string) ([]byte, error) {
	if h == "" || len(h)%2 != 0 {
		return nil, errors.New(`\X escape needs an even number of hex digits`)
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return nil, errors.New(`\X escape has a non-hex digit`)
	}
	return raw, nil
}

// checkEscapes reports the offset of the first malformed escape sequence
// in encoded text v: unterminated before the next delimiter, or bad hex.
func checkEscapes(v string, d Delimiters) (int, error) {
	for i := 0; i < len(v); i++ {
		if v[i] != d.Escape {
			continue
		}
		j := i + 1
		for j < len(v) && v[j] != d.Escape {
			c := v[j]
			if c == d.Field || c == d.Component || c == d.Repetition || c == d.Subcomponent {
				return i, errors.New("unterminated escape sequence")
			}
			j++
		}
		if j == len(v) {
			return i, errors.New("unterminated escape sequence")
		}
		if seq := v[i+1 : j]; strings.HasPrefix(seq, "X") {
			if _, err := decodeHex(seq[1:]); err != nil {
				return i, err
			}
		}
		i = j
	}
	return 0, nil
}

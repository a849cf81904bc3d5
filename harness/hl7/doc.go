// Package hl7 parses, edits and builds HL7 version 2 messages (ER7, the
// pipe-and-hat encoding) for the harness's messaging steps: segments,
// fields, repetitions, components, subcomponents, escape sequences and the
// MSH-18 character sets UTF-8 ("UNICODE UTF-8", "UTF-8"), ISO 8859-1
// ("8859/1") and ASCII (the default when MSH-18 is empty).
//
// # Why we wrote it ourselves
//
// Issue 15 asked for a maintained Go HL7 v2 library if one was served to
// us. None is: the Go module proxy we can reach refuses
// github.com/kardianos/hl7, github.com/lenaten/hl7 and
// github.com/dshills/goHL7 (403, checked 2026-12-05), and the candidates
// we know of do not decode MSH-18 character sets or \Xhh\ escapes. A
// harness needs less than a full HL7 library (no data-type models, no
// message-structure validation) but must be exact about the wire format,
// so this package is small and fuzzed (FuzzParse, FuzzEscape).
//
// # Model
//
// A Message keeps each field as its encoded text (escape sequences still
// escaped, already decoded from the wire character set to UTF-8) and splits
// it on demand. Paths address parts of it, all indexes 1-based:
//
//	PID-5        field 5 of the first PID, the whole field (all repetitions)
//	PID-5.1      component 1 of the first repetition
//	PID-5.1.2    subcomponent 2 of that component
//	PID-3[2]     repetition 2 of field 3; PID-3[2].1 its component 1
//	OBX[2]-5     field 5 of the second OBX segment
//
// Get and Set work on encoded text ("POND^AMY" sets two components of
// PID-5; "O\T\BRIEN" is the text O&BRIEN). Text and SetText work on plain
// text and escape or unescape for you. MSH-1 and MSH-2 are the delimiters
// themselves and are read verbatim. A missing field, repetition or
// component reads as ""; a missing segment is an error wrapping
// ErrNotFound.
//
// Parsing is strict where a test harness should be strict: a non-ASCII
// byte without MSH-18, invalid UTF-8, an unknown MSH-18 character set, a
// malformed segment name or an unterminated escape sequence is an error
// naming the segment index, segment name, field and byte offset. Segments
// end with \r; \n and \r\n are tolerated.
//
// # Concurrency
//
// A Message is not safe for concurrent use if any goroutine calls Set or
// SetText; reading methods (Get, All, Text, Encode, ...) may run
// concurrently with each other. Package functions hold no shared state.
package hl7

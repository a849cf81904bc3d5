package records

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// NoteStatus is where a note is in its life.
type NoteStatus string

// The statuses: a draft may be signed by its author; a signed note is part
// of the legal record and changes only by amendment, which keeps the
// previous version.
const (
	Draft  NoteStatus = "draft"
	Signed NoteStatus = "signed"
)

// MaxNoteLength caps the text of a note.
const MaxNoteLength = 20000

// Errors of the note rules.
var (
	ErrNoteEmpty     = errors.New("enter the note")
	ErrNotDraft      = errors.New("only a draft note can be signed")
	ErrNotAuthor     = errors.New("only the author of a draft can sign it")
	ErrNotSigned     = errors.New("only a signed note can be amended")
	ErrNoteUnchanged = errors.New("the amended note is the same as the current one")
)

// NoteVersion is one version of a note's text. Version 1 is the original;
// each amendment adds the next, with its reason.
type NoteVersion struct {
	Version    int
	Body       string
	Author     string // username
	AuthorName string // display name, e.g. "Dr Priya Patel"
	RecordedAt time.Time
	SignedAt   time.Time // zero while a draft
	Reason     string    // the reason for an amendment; "" for version 1
}

// Note is a clinical note with every version, oldest first.
type Note struct {
	ID        string
	PatientID string
	Status    NoteStatus
	CreatedBy string
	CreatedAt time.Time
	Versions  []NoteVersion
}

// Current is the latest version.
func (n Note) Current() NoteVersion {
	if len(n.Versions) == 0 {
		return NoteVersion{}
	}
	return n.Versions[len(n.Versions)-1]
}

// Amended reports whether the note has been amended.
func (n Note) Amended() bool { return len(n.Versions) > 1 }

// History returns every version, newest first.
func (n Note) History() []NoteVersion {
	out := make([]NoteVersion, len(n.Versions))
	for i, v := range n.Versions {
		out[len(n.Versions)-1-i] = v
	}
	return out
}

// CheckBody validates a note's text.
func CheckBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return "", ErrNoteEmpty
	case len(body) > MaxNoteLength:
		return "", fmt.Errorf("a note must be %d characters or fewer", MaxNoteLength)
	}
	return body, nil
}

// CanSign checks that username may sign the note now.
func CanSign(n Note, username string) error {
	if n.Status != Draft {
		return ErrNotDraft
	}
	if n.CreatedBy != username {
		return ErrNotAuthor
	}
	return nil
}

// CheckAmendment validates an amendment of n to body for reason, returning
// the cleaned body and reason.
func CheckAmendment(n Note, body, reason string) (string, string, error) {
	if n.Status != Signed {
		return "", "", ErrNotSigned
	}
	body, err := CheckBody(body)
	if err != nil {
		return "", "", err
	}
	if body == n.Current().Body {
		return "", "", ErrNoteUnchanged
	}
	reason, err = CheckReason(reason)
	if err != nil {
		return "", "", fmt.Errorf("amendment: %w", err)
	}
	return body, reason, nil
}

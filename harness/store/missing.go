package store

import (
	"fmt"
	"strings"
)

// MissingAttachmentsError is returned by Record when the scenario was
// recorded but some of its attachment files could not be read from srcDir;
// those attachments are left out of the stored scenario. Callers treat it
// as a warning.
type MissingAttachmentsError struct {
	ScenarioID string
	Paths      []string
}

func (e *MissingAttachmentsError) Error() string {
	return fmt.Sprintf("%s: %d attachment(s) missing and not stored: %s", e.ScenarioID, len(e.Paths), strings.Join(e.Paths, ", "))
}

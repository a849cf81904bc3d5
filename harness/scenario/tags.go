package scenario

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/eprharness/eprharness/harness/fixtures"
)

// PatientTagPrefix starts a tag that asks for a fixture patient by the
// base name of its file: @patient:amy-pond loads
// <fixtures>/patients/amy-pond.json before the scenario's first step, as
// "Given the patient "Amy Pond" is registered" would.
const PatientTagPrefix = "@patient:"

// PatientForTag returns the fixture patient a @patient:<name> tag names.
// ok is false for any other tag. A @patient: tag that names no fixture
// file is an error listing the names there are. With a bundle holding
// several patients, the first is returned.
func PatientForTag(lib *fixtures.Library, tag string) (p fixtures.Patient, ok bool, err error) {
	name, found := strings.CutPrefix(tag, PatientTagPrefix)
	if !found {
		return fixtures.Patient{}, false, nil
	}
	if lib == nil {
		return fixtures.Patient{}, true, fmt.Errorf("tag %s: no fixture library", tag)
	}
	var names []string
	seen := map[string]bool{}
	dir := "the fixture patients"
	for _, fp := range lib.Patients() {
		dir = filepath.Dir(fp.File)
		base := strings.TrimSuffix(filepath.Base(fp.File), filepath.Ext(fp.File))
		if strings.EqualFold(base, name) {
			return fp, true, nil
		}
		if !seen[base] {
			seen[base] = true
			names = append(names, base)
		}
	}
	sort.Strings(names)
	return fixtures.Patient{}, true, fmt.Errorf("tag %s names no fixture patient file %s.json in %s (known: %s)", tag, name, dir, strings.Join(names, ", "))
}

package scenario

import (
	"path/filepath"
	"testing"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/target"
)

// page stands in for a browser page: only its identity matters here.
type page struct {
	playwright.Page
	n int
}

// newState returns a State on the real fixtures whose first window is
// page 1 and whose Another opens pages 2, 3, …
func newState(t *testing.T) (*State, *int) {
	t.Helper()
	lib, err := fixtures.Open(filepath.Join("..", "..", "fixtures"))
	require.NoError(t, err)
	opened := 1
	var another func() (target.UI, error)
	another = func() (target.UI, error) {
		opened++
		return target.UI{Page: &page{n: opened}}, nil
	}
	return &State{UI: target.UI{Page: &page{n: 1}, Another: another}, Fixtures: lib}, &opened
}

// signIn does what the sign-in step does to the State.
func signIn(t *testing.T, s *State, role string) {
	t.Helper()
	u, err := s.UserFor(role)
	require.NoError(t, err)
	require.NoError(t, s.WindowFor(u))
	s.SignedIn(u)
}

func pageOf(s *State) int { return s.UI.Page.(*page).n }

func TestEachRoleSignsInInAWindowOfItsOwn(t *testing.T) {
	s, opened := newState(t)
	signIn(t, s, "receptionist")
	assert.Equal(t, 1, pageOf(s), "the first person uses the scenario's own window")
	signIn(t, s, "doctor")
	assert.Equal(t, 2, pageOf(s))
	signIn(t, s, "nurse")
	assert.Equal(t, 3, pageOf(s))
	assert.Equal(t, "nurse.okafor", s.User.Username)

	require.NoError(t, s.ActFor(`the receptionist books the first free "Cardiology" slot for "Amy Pond"`))
	assert.Equal(t, 1, pageOf(s))
	assert.Equal(t, "rec.jones", s.User.Username)
	require.NoError(t, s.ActFor(`I search for "Amy Pond"`), "I keeps the current actor")
	assert.Equal(t, 1, pageOf(s))
	require.NoError(t, s.ActFor(`the clinician prescribes "Paracetamol" 1 g orally four times a day`), "clinician and doctor are the same fixture user")
	assert.Equal(t, 2, pageOf(s))
	require.NoError(t, s.ActFor(`the nurse's session has ended`))
	assert.Equal(t, 3, pageOf(s))
	require.NoError(t, s.ActFor(`the patient banner shows the NHS number "999 000 0018"`), "the patient is no role")
	assert.Equal(t, 3, pageOf(s))

	signIn(t, s, "doctor")
	assert.Equal(t, 2, pageOf(s), "signing in again reuses the role's window")
	assert.Equal(t, 3, *opened)

	ws := s.Windows()
	require.Len(t, ws, 3)
	assert.Equal(t, []bool{false, true, false}, []bool{ws[0].Current, ws[1].Current, ws[2].Current})
	assert.Equal(t, "rec.jones", ws[0].User.Username)
}

func TestAPersonaWhoIsNotSignedInIsAHarnessError(t *testing.T) {
	s, _ := newState(t)
	signIn(t, s, "doctor")
	err := s.ActFor(`the nurse records observations:`)
	require.Error(t, err)
	assert.Equal(t, "the nurse is not signed in in this scenario: add 'Given the nurse is signed in'", err.Error())
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	assert.Equal(t, 1, pageOf(s), "the current window is unchanged")

	assert.NoError(t, s.ActFor(`the nurse is signed in`), "a step that signs the persona in")
	assert.NoError(t, s.ActFor(`the nurse signs in as "nurse.okafor" with password "x"`))
}

func TestSigningOutFreesTheWindow(t *testing.T) {
	s, opened := newState(t)
	u, err := s.UserFor("gp")
	require.NoError(t, err)
	s.User = &u // as the GP practice sign-in step does
	s.SignedOut()
	require.NoError(t, s.ActFor("the gp is signed out"), "the window where the persona was signed in")
	signIn(t, s, "receptionist")
	assert.Equal(t, 1, pageOf(s), "nobody is signed in there: no new window")
	assert.Equal(t, 1, *opened)
	require.NoError(t, s.ActFor("the receptionist cancels the appointment"))
	assert.Equal(t, "rec.jones", s.User.Username)
}

func TestWithoutASecondWindow(t *testing.T) {
	s, _ := newState(t)
	s.UI.Another = nil
	signIn(t, s, "doctor")
	u, err := s.UserFor("nurse")
	require.NoError(t, err)
	err = s.WindowFor(u)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no second window for nurse.okafor")
}

func TestPatientForTag(t *testing.T) {
	s, _ := newState(t)
	p, ok, err := PatientForTag(s.Fixtures, "@patient:amy-pond")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "Amy Pond", p.Name())

	_, ok, err = PatientForTag(s.Fixtures, "@hazard:H-001")
	assert.NoError(t, err)
	assert.False(t, ok)

	_, ok, err = PatientForTag(s.Fixtures, "@patient:amy-pund")
	assert.True(t, ok)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tag @patient:amy-pund names no fixture patient file amy-pund.json in "+filepath.Join("..", "..", "fixtures", "patients"))
	assert.Contains(t, err.Error(), "amy-pond, angie-maitland")
}

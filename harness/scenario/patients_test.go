package scenario

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/results"
)

func library(t *testing.T) *fixtures.Library {
	t.Helper()
	lib, err := fixtures.Open(filepath.Join("..", "..", "fixtures"))
	require.NoError(t, err)
	return lib
}

func TestPatientLookup(t *testing.T) {
	s := &State{Fixtures: library(t)}
	p, err := s.Patient(" amy pond ")
	require.NoError(t, err)
	assert.Equal(t, "Amy Pond", p.Name())
	assert.Empty(t, s.Identities(), "looking up is not using")

	s.Remember(p)
	require.NotNil(t, s.Current)
	assert.Equal(t, "Amy Pond", s.Current.Name())

	// A patient registered through the UI is found by name but is no
	// fixture identity.
	reg := fixtures.Patient{Given: "Rose", Family: "Tyler", NHSNumber: "9990000999"}
	s.Remember(reg)
	got, err := s.Patient("Rose Tyler")
	require.NoError(t, err)
	assert.Equal(t, reg.NHSNumber, got.NHSNumber)
	assert.Equal(t, []Identity{{Fixture: "Amy Pond", Name: "Amy Pond", NHSNumber: "9990000018"}}, s.Identities())

	_, err = s.Patient("Nobody Here")
	require.Error(t, err)
	assert.Equal(t, results.KindHarness, failure.Classify(err))
	_, err = (&State{}).Patient("Amy Pond")
	assert.ErrorContains(t, err, "no fixture library")
}

func TestUniquePatients(t *testing.T) {
	s := &State{Fixtures: library(t), UniqueSeed: "run-7/features/search.feature:12"}
	p, err := s.Patient("Amy Pond")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(p.Family, "Pond-"), p.Family)
	assert.NotEqual(t, "9990000018", p.NHSNumber)
	assert.Equal(t, "Amy Pond", p.FixtureName())
	again, err := s.Patient("amy pond")
	require.NoError(t, err)
	assert.Equal(t, p.NHSNumber, again.NHSNumber, "the same copy before it is loaded")

	// Another scenario of the same run gets another copy.
	other, err := (&State{Fixtures: s.Fixtures, UniqueSeed: "run-7/features/search.feature:20"}).Patient("Amy Pond")
	require.NoError(t, err)
	assert.NotEqual(t, p.NHSNumber, other.NHSNumber)

	// Once loaded and remembered, steps that name the fixture or the copy
	// find the copy.
	s.Remember(p)
	for _, name := range []string{"Amy Pond", p.Name(), strings.ToUpper(p.Name())} {
		got, err := s.Patient(name)
		require.NoError(t, err, name)
		assert.Equal(t, p.NHSNumber, got.NHSNumber, name)
	}
	assert.Equal(t, []Identity{{Fixture: "Amy Pond", Name: p.Name(), NHSNumber: p.NHSNumber}}, s.Identities())
}

func TestRememberAs(t *testing.T) {
	s := &State{Fixtures: library(t)}
	rory, err := s.Fixtures.Patient("Rory Williams")
	require.NoError(t, err)
	u := rory.Unique("seed")
	s.RememberAs("Rory Williams", u)
	got, err := s.Patient("rory williams")
	require.NoError(t, err)
	assert.Equal(t, u.Name(), got.Name())
	got, err = s.Patient(u.Name())
	require.NoError(t, err)
	assert.Equal(t, u.NHSNumber, got.NHSNumber)
	assert.Equal(t, u.Name(), s.Current.Name())

	amy, err := s.Fixtures.Patient("Amy Pond")
	require.NoError(t, err)
	s.Remember(amy)
	s.Remember(amy) // remembering again adds no identity
	s.RememberAs("Rory Williams", u)
	assert.Equal(t, []Identity{
		{Fixture: "Rory Williams", Name: u.Name(), NHSNumber: u.NHSNumber},
		{Fixture: "Amy Pond", Name: "Amy Pond", NHSNumber: "9990000018"},
	}, s.Identities())
	assert.Equal(t, u.Name(), s.Current.Name())
}

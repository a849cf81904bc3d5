package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

func TestSearchByBirthDateAndPaging(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite::memory:", store.Options{})
	require.NoError(t, err)
	defer s.Close()
	for i := 0; i < 25; i++ {
		p := patient.Patient{
			NHSNumber: nhsnumber.TestNumber(10_000 + 20*i), Family: "Page", Given: []string{fmt.Sprintf("P%02d", i)},
			BirthDate: patient.Date{Year: 1990, Month: 1, Day: 1 + i%2},
		}
		require.NoError(t, s.CreatePatient(ctx, &p))
	}
	names := func(q store.PatientQuery) (int, []string) {
		t.Helper()
		page, err := s.SearchPatients(ctx, q)
		require.NoError(t, err)
		var out []string
		for _, p := range page.Patients {
			out = append(out, p.GivenNames())
		}
		return page.Total, out
	}
	total, got := names(store.PatientQuery{Text: "page", Limit: 10, Offset: 20})
	assert.Equal(t, 25, total, "the total ignores the page")
	assert.Equal(t, []string{"P20", "P21", "P22", "P23", "P24"}, got)
	total, got = names(store.PatientQuery{Text: "page", Limit: 10, Offset: 30})
	assert.Equal(t, 25, total)
	assert.Empty(t, got)
	total, got = names(store.PatientQuery{BirthDate: patient.Date{Year: 1990, Month: 1, Day: 2}, Limit: 3})
	assert.Equal(t, 12, total)
	assert.Equal(t, []string{"P01", "P03", "P05"}, got)
	total, _ = names(store.PatientQuery{Text: "p0", BirthDate: patient.Date{Year: 1990, Month: 1, Day: 1}})
	assert.Equal(t, 5, total, "P00, P02, P04, P06, P08")
}

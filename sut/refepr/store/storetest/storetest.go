// Package storetest is the store's behaviour suite, written once and run
// against every database the store supports: SQLite in the plain test tier
// and PostgreSQL in the integration tier.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// Clock is the fixed instant the suite's stores stamp writes with.
var Clock = time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)

// Run runs the suite. newDSN returns the URL of a fresh, empty database each
// time it is called; calling store.Open twice on one URL must reach the same
// database unless it is an in-memory one.
func Run(t *testing.T, newDSN func(t *testing.T) string) {
	open := func(t *testing.T, dsn string) *store.Store {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := store.Open(ctx, dsn, store.Options{Now: func() time.Time { return Clock }})
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
		return s
	}
	fresh := func(t *testing.T) *store.Store { return open(t, newDSN(t)) }

	t.Run("Ping", func(t *testing.T) {
		require.NoError(t, fresh(t).Ping(context.Background()))
	})
	t.Run("CreateAndRead", func(t *testing.T) { testCreateAndRead(t, fresh(t)) })
	t.Run("DuplicateNHSNumber", func(t *testing.T) { testDuplicate(t, fresh(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, fresh(t)) })
	t.Run("Search", func(t *testing.T) { testSearch(t, fresh(t)) })
	t.Run("Transactions", func(t *testing.T) { testTransactions(t, fresh(t)) })
	t.Run("UsersAndReset", func(t *testing.T) { testUsersAndReset(t, fresh(t)) })
	t.Run("ConcurrentCreates", func(t *testing.T) { testConcurrentCreates(t, fresh(t)) })
	t.Run("Reopen", func(t *testing.T) {
		dsn := newDSN(t)
		if strings.Contains(dsn, ":memory:") {
			t.Skip("an in-memory database does not outlive its store")
		}
		first := open(t, dsn)
		p := amy()
		require.NoError(t, first.CreatePatient(context.Background(), &p))
		// A second store on the same database migrates nothing and sees the data.
		second := open(t, dsn)
		got, err := second.Patient(context.Background(), p.ID)
		require.NoError(t, err)
		assert.Equal(t, p, got)
	})
}

func amy() patient.Patient {
	return patient.Patient{
		NHSNumber: "9990000018",
		Family:    "Pond",
		Given:     []string{"Amy", "Jessica"},
		Gender:    patient.Female,
		BirthDate: patient.Date{Year: 1987, Month: time.March, Day: 15},
		Address: patient.Address{
			Lines:      []string{"1 Leadworth Lane", "Upper Leadworth"},
			City:       "Gloucester",
			PostalCode: "GL1 1AA",
		},
	}
}

// person makes a patient with a distinct test NHS number per serial (serials
// two apart never share a number).
func person(serial int, family string, given ...string) patient.Patient {
	return patient.Patient{
		NHSNumber: nhsnumber.TestNumber(2 * serial),
		Family:    family,
		Given:     given,
		Gender:    patient.Unknown,
		BirthDate: patient.Date{Year: 1970 + serial%50, Month: time.Month(1 + serial%12), Day: 1 + serial%28},
	}
}

func testCreateAndRead(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := amy()
	require.NoError(t, s.CreatePatient(ctx, &p))
	assert.NotEmpty(t, p.ID)
	assert.True(t, p.LastUpdated.Equal(Clock), "LastUpdated %v", p.LastUpdated)

	byID, err := s.Patient(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p, byID)
	byNHS, err := s.PatientByNHSNumber(ctx, "9990000018")
	require.NoError(t, err)
	assert.Equal(t, p, byNHS)
	assert.Equal(t, "POND, Amy Jessica", byNHS.DisplayName())

	// A given name with a space in it survives the round trip as one name,
	// and a patient with no address or given names reads back without them.
	q := person(2, "Oswald", "Clara Mary")
	q.Gender = ""
	require.NoError(t, s.CreatePatient(ctx, &q))
	got, err := s.Patient(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"Clara Mary"}, got.Given)
	assert.Equal(t, patient.Unknown, got.Gender)
	assert.True(t, got.Address.Empty())

	r := person(3, "Smith")
	require.NoError(t, s.CreatePatient(ctx, &r))
	got, err = s.Patient(ctx, r.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Given)
	assert.Equal(t, "SMITH", got.DisplayName())

	bad := patient.Patient{NHSNumber: "9990000026"}
	assert.Error(t, s.CreatePatient(ctx, &bad), "a patient without family name and birth date")
}

func testDuplicate(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := amy()
	require.NoError(t, s.CreatePatient(ctx, &p))
	again := amy()
	again.Family = "Williams"
	err := s.CreatePatient(ctx, &again)
	require.Error(t, err)
	assert.True(t, errors.Is(err, store.ErrDuplicate), "error %v is not ErrDuplicate", err)
	assert.Empty(t, again.ID)
	page, err := s.SearchPatients(ctx, store.PatientQuery{NHSNumber: "9990000018"})
	require.NoError(t, err)
	require.Len(t, page.Patients, 1)
	assert.Equal(t, "Pond", page.Patients[0].Family)
}

func testNotFound(t *testing.T, s *store.Store) {
	ctx := context.Background()
	_, err := s.Patient(ctx, "no-such-id")
	assert.True(t, errors.Is(err, store.ErrNotFound), "error %v", err)
	_, err = s.PatientByNHSNumber(ctx, "9990000018")
	assert.True(t, errors.Is(err, store.ErrNotFound), "error %v", err)
	_, err = s.User(ctx, "nobody")
	assert.True(t, errors.Is(err, store.ErrNotFound), "error %v", err)
}

func names(page store.PatientPage) []string {
	out := []string{}
	for _, p := range page.Patients {
		out = append(out, p.DisplayName())
	}
	return out
}

func testSearch(t *testing.T, s *store.Store) {
	ctx := context.Background()
	seed := []patient.Patient{
		amy(),
		person(10, "Williams", "Rory"),
		person(11, "Pond", "Rory"),
		person(12, "Song", "River"),
		person(13, "pond", "Melody"), // stored lower-case: sorts with the other Ponds
		person(14, "Smith", "John"),
		person(15, "Smith", "Ann"),
		person(16, "O'Brien", "Ann"),
		person(17, "50%_Off", "Percy"),
	}
	for i := range seed {
		require.NoError(t, s.CreatePatient(ctx, &seed[i]))
	}
	search := func(q store.PatientQuery) []string {
		t.Helper()
		page, err := s.SearchPatients(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, len(page.Patients), page.Total, "total for %+v", q)
		return names(page)
	}

	all := search(store.PatientQuery{})
	assert.Equal(t, []string{"50%_OFF, Percy", "O'BRIEN, Ann", "POND, Amy Jessica", "POND, Melody", "POND, Rory",
		"SMITH, Ann", "SMITH, John", "SONG, River", "WILLIAMS, Rory"}, all, "sorted by family then given")

	assert.Equal(t, []string{"POND, Amy Jessica"}, search(store.PatientQuery{NHSNumber: "9990000018"}))
	assert.Empty(t, search(store.PatientQuery{NHSNumber: "9990000026"}))

	// Free text: substring of family or given names, case-insensitive.
	assert.Equal(t, []string{"POND, Amy Jessica", "POND, Melody", "POND, Rory"}, search(store.PatientQuery{Text: "POND"}))
	assert.Equal(t, []string{"POND, Amy Jessica", "POND, Melody", "POND, Rory", "SONG, River"}, search(store.PatientQuery{Text: "on"}))
	assert.Equal(t, []string{"POND, Rory", "WILLIAMS, Rory"}, search(store.PatientQuery{Text: "rory"}))
	assert.Equal(t, []string{"POND, Amy Jessica"}, search(store.PatientQuery{Text: "jess"}))
	// Full forms.
	assert.Equal(t, []string{"POND, Rory"}, search(store.PatientQuery{Text: "Rory Pond"}))
	assert.Equal(t, []string{"POND, Rory"}, search(store.PatientQuery{Text: "pond, rory"}))
	assert.Equal(t, []string{"POND, Amy Jessica"}, search(store.PatientQuery{Text: "  Amy   Jessica  Pond "}))
	assert.Equal(t, []string{"POND, Amy Jessica", "POND, Melody", "POND, Rory"}, search(store.PatientQuery{Text: "Pond,"}))
	assert.Empty(t, search(store.PatientQuery{Text: "Amy Williams"}))
	// Wildcards in input are literal.
	assert.Equal(t, []string{"50%_OFF, Percy"}, search(store.PatientQuery{Text: "50%_"}))
	assert.Equal(t, []string{"50%_OFF, Percy"}, search(store.PatientQuery{Text: "%"}))
	assert.Empty(t, search(store.PatientQuery{Text: "5%f"}), "% is not a wildcard")
	assert.Empty(t, search(store.PatientQuery{Text: "p_nd"}), "_ is not a wildcard")
	assert.Equal(t, []string{"O'BRIEN, Ann"}, search(store.PatientQuery{Text: "o'b"}))

	// FHIR string search: starts-with.
	assert.Equal(t, []string{"SMITH, Ann", "SMITH, John"}, search(store.PatientQuery{Family: "sm"}))
	assert.Empty(t, search(store.PatientQuery{Family: "mith"}))
	assert.Equal(t, []string{"POND, Amy Jessica"}, search(store.PatientQuery{Name: "jessica"}))
	assert.Equal(t, []string{"O'BRIEN, Ann", "SMITH, Ann"}, search(store.PatientQuery{Name: "ANN"}))
	assert.Equal(t, []string{"SONG, River"}, search(store.PatientQuery{Name: "so"}))
	// Criteria combine with AND.
	assert.Equal(t, []string{"POND, Rory"}, search(store.PatientQuery{Family: "pond", Name: "rory"}))

	// Limit caps the rows, not the total.
	page, err := s.SearchPatients(ctx, store.PatientQuery{Text: "o", Limit: 2})
	require.NoError(t, err)
	assert.Len(t, page.Patients, 2)
	assert.Equal(t, 8, page.Total)
}

func testTransactions(t *testing.T, s *store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	var inside patient.Patient
	err := s.InTx(ctx, func(tx *store.Tx) error {
		p := amy()
		if err := tx.CreatePatient(ctx, &p); err != nil {
			return err
		}
		// The transaction sees its own writes.
		var err error
		inside, err = tx.PatientByNHSNumber(ctx, p.NHSNumber)
		if err != nil {
			return err
		}
		return boom
	})
	assert.True(t, errors.Is(err, boom), "error %v", err)
	assert.Equal(t, "Pond", inside.Family)
	_, err = s.PatientByNHSNumber(ctx, "9990000018")
	assert.True(t, errors.Is(err, store.ErrNotFound), "rolled back, got %v", err)

	// A duplicate inside a transaction fails the whole of it.
	err = s.InTx(ctx, func(tx *store.Tx) error {
		a, b := amy(), amy()
		if err := tx.CreatePatient(ctx, &a); err != nil {
			return err
		}
		return tx.CreatePatient(ctx, &b)
	})
	assert.True(t, errors.Is(err, store.ErrDuplicate), "error %v", err)
	page, err := s.SearchPatients(ctx, store.PatientQuery{})
	require.NoError(t, err)
	assert.Zero(t, page.Total)

	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < 3; i++ {
			p := person(20+i, "Tx", fmt.Sprint(i))
			if err := tx.CreatePatient(ctx, &p); err != nil {
				return err
			}
		}
		page, err := tx.SearchPatients(ctx, store.PatientQuery{Family: "tx"})
		if err == nil && page.Total != 3 {
			err = fmt.Errorf("inside: %d patients", page.Total)
		}
		return err
	}))
	page, err = s.SearchPatients(ctx, store.PatientQuery{Family: "tx"})
	require.NoError(t, err)
	assert.Equal(t, 3, page.Total)
}

func testUsersAndReset(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := store.User{Username: "dr.who", PasswordHash: "hash1", Role: "clinician", DisplayName: "Dr Who", RoleTitle: "Clinician"}
	require.NoError(t, s.UpsertUsers(ctx, []store.User{u}))
	got, err := s.User(ctx, "dr.who")
	require.NoError(t, err)
	assert.Equal(t, u, got)
	u.PasswordHash, u.DisplayName = "hash2", "The Doctor"
	require.NoError(t, s.UpsertUsers(ctx, []store.User{u}))
	got, err = s.User(ctx, "dr.who")
	require.NoError(t, err)
	assert.Equal(t, u, got)

	p := amy()
	require.NoError(t, s.CreatePatient(ctx, &p))
	seed := store.User{Username: "rec", PasswordHash: "h", Role: "receptionist", DisplayName: "Rec", RoleTitle: "Receptionist"}
	require.NoError(t, s.Reset(ctx, []store.User{seed}))
	_, err = s.User(ctx, "dr.who")
	assert.True(t, errors.Is(err, store.ErrNotFound), "users other than the seeds are gone, got %v", err)
	got, err = s.User(ctx, "rec")
	require.NoError(t, err)
	assert.Equal(t, seed, got)
	page, err := s.SearchPatients(ctx, store.PatientQuery{})
	require.NoError(t, err)
	assert.Zero(t, page.Total)
	// The NHS number is free again.
	p = amy()
	require.NoError(t, s.CreatePatient(ctx, &p))
}

func testConcurrentCreates(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const workers, each = 4, 5
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		created    int
		duplicates int
		others     []error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Every worker tries the same numbers: each must be created once.
				p := person(100+i, "Race", fmt.Sprint(i))
				err := s.CreatePatient(ctx, &p)
				mu.Lock()
				switch {
				case err == nil:
					created++
				case errors.Is(err, store.ErrDuplicate):
					duplicates++
				default:
					others = append(others, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Empty(t, others)
	assert.Equal(t, each, created)
	assert.Equal(t, (workers-1)*each, duplicates)
}

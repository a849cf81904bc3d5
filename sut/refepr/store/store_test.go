package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
	"github.com/eprharness/eprharness/sut/refepr/store/storetest"
)

func TestSQLiteFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) string {
		return "sqlite:" + filepath.Join(t.TempDir(), "refepr.db")
	})
}

func TestSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) string { return "sqlite::memory:" })
}

func TestMemoryStoresArePrivate(t *testing.T) {
	ctx := context.Background()
	a, err := store.Open(ctx, "sqlite::memory:", store.Options{})
	require.NoError(t, err)
	defer a.Close()
	b, err := store.Open(ctx, "", store.Options{})
	require.NoError(t, err)
	defer b.Close()
	p := patient.Patient{NHSNumber: "9990000018", Family: "Pond", BirthDate: patient.Date{Year: 1987, Month: 3, Day: 15}}
	require.NoError(t, a.CreatePatient(ctx, &p))
	page, err := b.SearchPatients(ctx, store.PatientQuery{})
	require.NoError(t, err)
	assert.Zero(t, page.Total, "a second in-memory store shares no data")
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://root:secret@db/epr", store.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unsupported database URL")
	assert.NotContains(t, err.Error(), "secret", "passwords are redacted")
}

func TestOpenGivesUpOnPostgres(t *testing.T) {
	// Nothing listens on port 1: Open retries until its connect timeout.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := store.Open(ctx, "postgres://epr:secret@127.0.0.1:1/epr?sslmode=disable&connect_timeout=1",
		store.Options{ConnectTimeout: 300_000_000})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "connect to postgres"), err.Error())
	assert.NotContains(t, err.Error(), "secret")
}

func TestNewIDIsUUID(t *testing.T) {
	id := store.NewID()
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
	assert.NotEqual(t, id, store.NewID())
}

//go:build integration

package refepr_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr"
	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
)

// TestPostgresServer runs the EPR end to end on PostgreSQL: two servers
// starting together on one database (migrations must not race), the UI and
// FHIR API over it, and Reset.
func TestPostgresServer(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	now := func() time.Time { return today }

	var (
		wg      sync.WaitGroup
		servers [2]*refepr.Server
		errs    [2]error
	)
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i], errs[i] = refepr.New(context.Background(), refepr.Config{DatabaseURL: dsn, Now: now, TestAPI: true})
		}()
	}
	wg.Wait()
	for i, s := range servers {
		require.NoError(t, errs[i])
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
	}
	a, b := httptest.NewServer(servers[0]), httptest.NewServer(servers[1])
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)

	id := seedPatient(t, a, "9990000018", "Pond", "Amy", "female", "1987-03-15", "1 Leadworth Lane", "Gloucester", "GL1 1AA")
	seedBundle(t, a, "Williams", []string{"9990000026", "9990000034"})

	// The second server sees what the first wrote: one database.
	br := newBrowser(t, b)
	br.signInClinician()
	assert.Equal(t, "1 patient found", statusText(t, br.get("/patients?nhs=999+000+0018")))
	assert.Equal(t, "2 patients found", statusText(t, br.get("/patients?name=williams")))
	p := br.get("/patients/" + id)
	require.Equal(t, http.StatusOK, p.status)
	assert.Equal(t, map[string]string{"Name": "POND, Amy", "NHS number": "999 000 0018",
		"Date of birth": "15-Mar-1987", "Age": "39y", "Gender": "Female", "Allergies": "Allergies not recorded"}, banner(t, p))

	assert.Equal(t, `{"status":"ok"}`+"\n", br.get("/healthz").body)
	assert.Equal(t, http.StatusNoContent, br.post("/_test/reset", nil).status)
	br.signInReceptionist()
	assert.Equal(t, "No patient found", statusText(t, br.get("/patients?name=pond")))
}

// TestPostgresSchedulingAudit checks, on PostgreSQL, that appointment and
// admission changes made in the UI and the FHIR API's writes are audited.
func TestPostgresSchedulingAudit(t *testing.T) {
	pg := pgtest.Start(t)
	srv, err := refepr.New(context.Background(), refepr.Config{DatabaseURL: pg.NewDatabase(t), Now: func() time.Time { return today }})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	checkSchedulingAudit(t, ts)
}

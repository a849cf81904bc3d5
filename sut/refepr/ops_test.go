package refepr_test

import (
	"context"
	"encoding/json"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr"
)

func TestHealthzAndVersion(t *testing.T) {
	_, ts := newServer(t, refepr.Config{Version: "1.2.3"})
	b := newBrowser(t, ts)
	p := b.get("/healthz")
	assert.Equal(t, http.StatusOK, p.status)
	assert.JSONEq(t, `{"status":"ok"}`, p.body)
	p = b.get("/version")
	assert.Equal(t, http.StatusOK, p.status)
	assert.Equal(t, "application/json", p.header.Get("Content-Type"))
	assert.JSONEq(t, `{"name":"refepr","version":"1.2.3","defects":[]}`, p.body)

	_, ts = newServer(t, refepr.Config{})
	assert.JSONEq(t, `{"name":"refepr","version":"dev","defects":[]}`, newBrowser(t, ts).get("/version").body)

	set, err := defects.Parse("slow-search,double-booking")
	require.NoError(t, err)
	_, ts = newServer(t, refepr.Config{Version: "rc1", Defects: set})
	assert.JSONEq(t, `{"name":"refepr","version":"rc1","defects":["double-booking","slow-search"]}`, newBrowser(t, ts).get("/version").body)
}

func TestHealthzFailsWhenStoreIsClosed(t *testing.T) {
	srv, err := refepr.New(context.Background(), refepr.Config{})
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	var body map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, "unavailable", body["status"])
}

func TestResetEndpoint(t *testing.T) {
	_, ts := newServer(t, refepr.Config{TestAPI: true})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	b.signInClinician()
	assert.Equal(t, "1 patient found", statusText(t, b.get("/patients?nhs=9990000018")))

	p := b.post("/_test/reset", nil)
	assert.Equal(t, http.StatusNoContent, p.status)
	assert.Empty(t, p.body)
	assert.Equal(t, "No patient found", statusText(t, b.get("/patients?nhs=9990000018")),
		"a seeded user's session survives the reset, so a harness can reuse a signed-in state")
	b.signInClinician() // the users are back
	assert.Equal(t, "No patient found", statusText(t, b.get("/patients?nhs=9990000018")))
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15") // the number is free again
}

func TestResetEndpointNeedsTestAPI(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	b := newBrowser(t, ts)
	assert.Equal(t, http.StatusNotFound, b.post("/_test/reset", nil).status)
	b.signInClinician()
	assert.Equal(t, "1 patient found", statusText(t, b.get("/patients?nhs=9990000018")))
}

func TestServersDoNotShareData(t *testing.T) {
	_, a := newServer(t, refepr.Config{})
	_, b := newServer(t, refepr.Config{DatabaseURL: "sqlite::memory:"})
	seedPatient(t, a, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	seedPatient(t, b, "9990000018", "Pond", "Amy", "female", "1987-03-15") // no duplicate: another database
	br := newBrowser(t, b)
	br.signInClinician()
	assert.Equal(t, "1 patient found", statusText(t, br.get("/patients?name=pond")))
}

func TestResetMethod(t *testing.T) {
	srv, ts := newServer(t, refepr.Config{})
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	require.NoError(t, srv.Reset(context.Background()))
	b := newBrowser(t, ts)
	b.signInReceptionist()
	assert.Equal(t, "No patient found", statusText(t, b.get("/patients?name=pond")))
}

func TestSQLiteFileSurvivesRestart(t *testing.T) {
	dsn := "sqlite:" + t.TempDir() + "/epr.db"
	srv, err := refepr.New(context.Background(), refepr.Config{DatabaseURL: dsn})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	seedPatient(t, ts, "9990000018", "Pond", "Amy", "female", "1987-03-15")
	ts.Close()
	require.NoError(t, srv.Close())

	_, ts = newServer(t, refepr.Config{DatabaseURL: dsn})
	b := newBrowser(t, ts)
	b.signInClinician()
	assert.Equal(t, "1 patient found", statusText(t, b.get("/patients?nhs=9990000018")))
}

func TestNewRejectsBadDatabaseURL(t *testing.T) {
	_, err := refepr.New(context.Background(), refepr.Config{DatabaseURL: "oracle://x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unsupported database URL")
}

func TestParseClock(t *testing.T) {
	now, err := refepr.ParseClock("")
	require.NoError(t, err)
	assert.Nil(t, now)

	now, err = refepr.ParseClock("2026-06-01")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), now())
	assert.Equal(t, now(), now(), "fixed")

	now, err = refepr.ParseClock("2026-06-01T09:30:00+01:00")
	require.NoError(t, err)
	assert.True(t, now().Equal(time.Date(2026, 6, 1, 8, 30, 0, 0, time.UTC)))

	for _, bad := range []string{"tomorrow", "2026-13-01", "01/06/2026", "2026-06-01 09:30"} {
		_, err = refepr.ParseClock(bad)
		assert.Error(t, err, bad)
	}
}

func TestSecurityHeaders(t *testing.T) {
	_, ts := newServer(t, refepr.Config{})
	p := newBrowser(t, ts).get("/login")
	assert.Equal(t, "nosniff", p.header.Get("X-Content-Type-Options"))
	assert.Equal(t, "DENY", p.header.Get("X-Frame-Options"))
	assert.Contains(t, p.header.Get("Content-Security-Policy"), "default-src 'self'")
}

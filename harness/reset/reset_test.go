package reset

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/results"
)

func TestNoneAndFunc(t *testing.T) {
	assert.NoError(t, None().Reset(t.Context()))
	called := false
	var r Resetter = Func(func(context.Context) error { called = true; return nil })
	require.NoError(t, r.Reset(t.Context()))
	assert.True(t, called)
}

func TestHTTP(t *testing.T) {
	var (
		status = http.StatusNoContent
		answer = ""
		got    struct {
			method, path, ctype, key string
			body                     string
		}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.path, got.ctype, got.key, got.body = r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("X-Api-Key"), string(b)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	defer srv.Close()

	r := HTTP(srv.Client(), "", srv.URL+"/test/reset", []byte(`{"keep":"users"}`), WithHeader("X-Api-Key", "k"))
	require.NoError(t, r.Reset(t.Context()))
	assert.Equal(t, "POST", got.method, "POST by default")
	assert.Equal(t, "/test/reset", got.path)
	assert.Equal(t, "application/json", got.ctype, "a JSON body is sent as JSON")
	assert.Equal(t, "k", got.key)
	assert.Equal(t, `{"keep":"users"}`, got.body)

	require.NoError(t, HTTP(nil, "delete", srv.URL+"/data", nil).Reset(t.Context()))
	assert.Equal(t, "DELETE", got.method)
	assert.Equal(t, "", got.ctype)
	assert.Equal(t, "", got.body)

	status, answer = http.StatusInternalServerError, strings.Repeat("x", 150)+strings.Repeat("é", 100)
	err := r.Reset(t.Context())
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "reset over http: POST "+srv.URL+"/test/reset: 500 Internal Server Error: xxx"), msg)
	assert.True(t, strings.HasSuffix(msg, "é…"), msg)
	quoted := strings.TrimSuffix(msg[strings.Index(msg, "Error: ")+len("Error: "):], "…")
	assert.LessOrEqual(t, len(quoted), 200, "at most the first 200 bytes of the body")
	assert.GreaterOrEqual(t, len(quoted), 199)
	assert.Equal(t, results.KindBackend, failure.Classify(err))

	status, answer = http.StatusNotFound, ""
	err = r.Reset(t.Context())
	assert.EqualError(t, err, "reset over http: POST "+srv.URL+"/test/reset: 404 Not Found: (empty body)")

	// The password of a URL is not shown.
	u := strings.Replace(srv.URL, "http://", "http://admin:s3cret@", 1)
	err = HTTP(nil, "POST", u+"/x", nil).Reset(t.Context())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")

	srv.Close()
	err = r.Reset(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reset over http: ")
	assert.Equal(t, results.KindBackend, failure.Classify(err))
}

func TestSQLFile(t *testing.T) {
	dir := t.TempDir()
	_, err := SQLFile("postgres://localhost/epr", filepath.Join(dir, "missing.sql"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read reset-sql: ")
	assert.True(t, errors.Is(err, os.ErrNotExist))

	empty := filepath.Join(dir, "empty.sql")
	require.NoError(t, os.WriteFile(empty, []byte(" \n"), 0o644))
	_, err = SQLFile("postgres://localhost/epr", empty)
	assert.ErrorContains(t, err, "empty.sql is empty")

	script := filepath.Join(dir, "reset.sql")
	require.NoError(t, os.WriteFile(script, []byte("TRUNCATE patient;"), 0o644))
	r, err := SQLFile("postgres://localhost/epr", script)
	require.NoError(t, err)
	assert.Equal(t, "TRUNCATE patient;", r.(*sqlReset).script)
}

func TestSQLErrors(t *testing.T) {
	err := SQL("postgres://localhost/epr", "").Reset(t.Context())
	assert.EqualError(t, err, "reset over sql: the script is empty")
	assert.Equal(t, results.KindBackend, failure.Classify(err))

	err = SQL("postgres://%zz", "SELECT 1").Reset(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reset over sql: parse database-url: ")
}

func TestSnapshotConfiguration(t *testing.T) {
	assert.Equal(t, "epr_eprharness_snapshot", Snapshot("postgres://u:p@db:5432/epr?sslmode=disable").Name())
	assert.Equal(t, "u_eprharness_snapshot", Snapshot("postgres://u:p@db:5432").Name(), "PostgreSQL's default database is the user's")

	long := "postgres://u@127.0.0.1:1/" + strings.Repeat("d", 50)
	err := Snapshot(long).Take(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "take snapshot: the database name")
	assert.Contains(t, err.Error(), "too long to name its snapshot")
	assert.Equal(t, results.KindBackend, failure.Classify(err))

	err = Snapshot("postgres://u@127.0.0.1:1/epr", WithStrategy("copy")).Reset(t.Context())
	assert.ErrorContains(t, err, `reset snapshot: unknown CREATE DATABASE strategy "copy" (want wal_log or file_copy)`)

	// Nothing listens on port 1: the error says where it tried.
	err = Snapshot("postgres://u:secret-pw@127.0.0.1:1/epr?connect_timeout=2").Reset(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reset snapshot: connect to database postgres on 127.0.0.1:1: ")
	assert.NotContains(t, err.Error(), "secret-pw")

	s := Snapshot("postgres://u@127.0.0.1:1/epr")
	assert.NoError(t, s.Close(t.Context()), "closing an unused snapshot is fine")
	assert.NoError(t, s.Prepared(t.Context()))
}

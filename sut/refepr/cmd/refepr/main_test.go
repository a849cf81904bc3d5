package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfigDefaults(t *testing.T) {
	c, err := parseConfig(env(nil))
	require.NoError(t, err)
	assert.Equal(t, ":8080", c.addr)
	assert.Equal(t, "sqlite::memory:", c.epr.DatabaseURL)
	assert.Nil(t, c.epr.Now)
	assert.False(t, c.epr.TestAPI)
	assert.Equal(t, "dev", c.epr.Version)

	version = "1.0.0-ldflags"
	defer func() { version = "" }()
	c, err = parseConfig(env(map[string]string{"EPR_TEST_API": "true", "EPR_NOW": "2026-06-01"}))
	require.NoError(t, err)
	assert.Equal(t, "1.0.0-ldflags", c.epr.Version)
	assert.True(t, c.epr.TestAPI)
	assert.Equal(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), c.epr.Now())
	c, err = parseConfig(env(map[string]string{"EPR_TEST_API": "1", "EPR_VERSION": "from-env"}))
	require.NoError(t, err)
	assert.Equal(t, "from-env", c.epr.Version)
	assert.True(t, c.epr.TestAPI)
}

func TestParseConfigErrors(t *testing.T) {
	for _, bad := range []map[string]string{
		{"EPR_ADDR": "8080"},
		{"EPR_DATABASE_URL": "mysql://x"},
		{"EPR_NOW": "yesterday"},
		{"EPR_TEST_API": "yes"},
	} {
		_, err := parseConfig(env(bad))
		var ce configError
		assert.True(t, errors.As(err, &ce), "%v gives a config error, got %v", bad, err)
	}
}

func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, env(map[string]string{"EPR_ADDR": "127.0.0.1:0", "EPR_TEST_API": "1", "EPR_VERSION": "t1", "EPR_DEFECTS": "slow-search"}), pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var addr string
	for addr == "" && lines.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(lines.Bytes(), &rec), "JSON log line: %s", lines.Text())
		if rec["msg"] == "refepr listening" {
			addr, _ = rec["addr"].(string)
		}
	}
	require.NotEmpty(t, addr, "a 'refepr listening' line with the address")
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	resp, err := http.Get("http://" + addr + "/version")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.JSONEq(t, `{"name":"refepr","version":"t1","defects":["slow-search"]}`, string(body))
	resp, err = http.Post("http://"+addr+"/_test/reset", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.NoError(t, healthcheck(addr))

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRunFailsOnBadConfig(t *testing.T) {
	err := run(context.Background(), env(map[string]string{"EPR_NOW": "soon"}), io.Discard)
	var ce configError
	require.True(t, errors.As(err, &ce))
	assert.Contains(t, err.Error(), "EPR_NOW")
}

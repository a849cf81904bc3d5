package url

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckAllowed(t *testing.T) {
	for _, tc := range []struct {
		url   string
		hosts []string
		ok    bool
	}{
		{"http://localhost:8080", nil, true},
		{"http://127.0.0.1:8080/app", nil, true},
		{"http://[::1]:8080", nil, true},
		{"https://epr.test.example.nhs.uk", []string{"*.example.nhs.uk"}, true},
		{"https://EPR.Test.Example.nhs.uk/x", []string{"*.example.nhs.uk"}, true},
		{"https://epr.test.example.nhs.uk", []string{"epr.test.example.nhs.uk"}, true},
		{"https://example.nhs.uk.evil.com", []string{"*.example.nhs.uk"}, false},
		{"https://epr.live.nhs.uk", nil, false},
		{"https://epr.live.nhs.uk", []string{"localhost"}, false},
	} {
		err := CheckAllowed(tc.url, tc.hosts)
		if tc.ok {
			assert.NoError(t, err, tc.url)
			continue
		}
		var na *NotAllowedError
		if assert.True(t, errors.As(err, &na), "%s: %v", tc.url, err) {
			assert.Contains(t, err.Error(), "allowed-hosts")
		}
	}
	for _, bad := range []string{"", "epr.test", "/relative", "ftp://localhost/", "http://"} {
		err := CheckAllowed(bad, nil)
		assert.Error(t, err, bad)
		var na *NotAllowedError
		assert.False(t, errors.As(err, &na), bad)
	}
}

type resetFunc func(ctx context.Context) error

func (f resetFunc) Reset(ctx context.Context) error { return f(ctx) }

func TestRunResetDescribe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound) // any answer will do
	}))
	defer srv.Close()
	resets := 0
	b, err := Run(context.Background(), WithURL(srv.URL), WithName("Test EPR"),
		WithReset(resetFunc(func(context.Context) error { resets++; return nil })))
	require.NoError(t, err)
	assert.Equal(t, srv.URL, b.BaseURL())
	assert.Equal(t, "Test EPR", b.Name())
	require.NoError(t, b.Reset(context.Background()))
	assert.Equal(t, 1, resets)
	d := b.Describe()
	assert.Equal(t, "url", d.Backend)
	assert.Equal(t, srv.URL, d.BaseURL)
	require.NoError(t, b.Terminate(context.Background()))
	require.NoError(t, b.Terminate(context.Background()))
}

func TestResetErrorAndNone(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler()) // a 404 still answers
	defer srv.Close()
	b, err := Run(context.Background(), WithURL(srv.URL))
	require.NoError(t, err)
	assert.NoError(t, b.Reset(context.Background()), "no resetter: no-op")

	b, err = Run(context.Background(), WithURL(srv.URL), WithReset(resetFunc(func(context.Context) error { return errors.New("boom") })))
	require.NoError(t, err)
	err = b.Reset(context.Background())
	assert.EqualError(t, err, "reset url: boom")
}

func TestRunRefusesHostNotAllowed(t *testing.T) {
	b, err := Run(context.Background(), WithURL("https://epr.live.example.nhs.uk"), WithAllowedHosts([]string{"*.test.example.nhs.uk"}))
	require.NotNil(t, b)
	var na *NotAllowedError
	require.True(t, errors.As(err, &na), "%v", err)
	assert.Equal(t, "epr.live.example.nhs.uk", na.Host)
	assert.Contains(t, err.Error(), "allowed-hosts")
	assert.NoError(t, b.Terminate(context.Background()))

	_, err = Run(context.Background())
	assert.ErrorContains(t, err, "no URL")
}

func TestRunReportsAnEPRThatDoesNotAnswer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	u := "http://" + addr
	start := time.Now()
	b, err := Run(context.Background(), WithURL(u), WithProbe(true, 2*time.Second))
	require.Error(t, err)
	require.NotNil(t, b)
	assert.Contains(t, err.Error(), "the EPR at "+u+" does not answer")
	assert.Less(t, time.Since(start), 3*time.Second)

	_, err = Run(context.Background(), WithURL(u), WithProbe(false, 0))
	assert.NoError(t, err, "no probe: not checked")
}

func TestRunProbeTimesOut(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	_, err := Run(context.Background(), WithURL(srv.URL), WithProbe(true, 200*time.Millisecond))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "does not answer"), err.Error())
}

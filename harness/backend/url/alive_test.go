package url

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAliveOnlyBlamesAnEPRThatRefusesConnections(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable) // any answer is alive
	}))
	b, err := Run(context.Background(), WithURL(srv.URL), WithAllowedHosts([]string{"127.0.0.1"}))
	require.NoError(t, err)
	assert.NoError(t, b.Alive(context.Background()))

	srv.Close()
	err = b.Alive(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the EPR at "+srv.URL+" does not answer")
}

package embedded

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeApp struct {
	resets, closes atomic.Int32
	resetErr       error
}

func (a *fakeApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "hello")
}
func (a *fakeApp) Reset(context.Context) error { a.resets.Add(1); return a.resetErr }
func (a *fakeApp) Close() error                { a.closes.Add(1); return nil }

func TestServesResetsAndTerminates(t *testing.T) {
	app := &fakeApp{}
	b, err := Run(context.Background(), WithApp(func(context.Context) (App, error) { return app, nil }), WithName("fake"), WithVersion("1.2"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(b.BaseURL(), "http://127.0.0.1:"), b.BaseURL())

	resp, err := http.Get(b.BaseURL() + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "hello", string(body))

	require.NoError(t, b.Reset(context.Background()))
	assert.Equal(t, int32(1), app.resets.Load())
	app.resetErr = errors.New("store gone")
	assert.ErrorContains(t, b.Reset(context.Background()), "reset embedded: store gone")

	assert.Equal(t, "embedded:fake", b.Describe().Backend)
	assert.Equal(t, "1.2", b.Describe().Version)

	require.NoError(t, b.Terminate(context.Background()))
	require.NoError(t, b.Terminate(context.Background()), "Terminate is idempotent")
	assert.Equal(t, int32(1), app.closes.Load())
	_, err = http.Get(b.BaseURL() + "/")
	assert.Error(t, err, "the server must be gone")
}

func TestRunErrorsReturnThePartialBackend(t *testing.T) {
	b, err := Run(context.Background())
	require.Error(t, err)
	require.NotNil(t, b)
	assert.NoError(t, b.Terminate(context.Background()))

	b, err = Run(context.Background(), WithApp(func(context.Context) (App, error) { return nil, errors.New("no database") }))
	assert.ErrorContains(t, err, "run embedded: start app: no database")
	assert.NoError(t, b.Terminate(context.Background()))

	app := &fakeApp{}
	b, err = Run(context.Background(), WithAddr("256.0.0.1:0"), WithApp(func(context.Context) (App, error) { return app, nil }))
	assert.ErrorContains(t, err, "run embedded: listen")
	assert.NoError(t, b.Terminate(context.Background()))
	assert.Equal(t, int32(1), app.closes.Load(), "the app built before the failure is closed")
}

// An embedded backend cannot outlive the process: Keep says so and how to
// keep one instead.
func TestKeepIsRefused(t *testing.T) {
	b, err := Run(context.Background(), WithApp(func(context.Context) (App, error) { return &fakeApp{}, nil }), WithName("fake"))
	require.NoError(t, err)
	defer b.Terminate(context.Background())
	k := b.Keep()
	assert.False(t, k.Kept)
	assert.Equal(t, b.BaseURL(), k.EPRURL)
	assert.Contains(t, k.String(), "embedded:fake not kept: embedded backends stop with the process; use --backend docker to keep them")
}

package compose

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend"
)

func TestCallbackEnv(t *testing.T) {
	assert.Equal(t, map[string]string{
		EnvCallbackHost:     "host.docker.internal",
		EnvMLLPCallbackPort: "41234",
		EnvMLLPCallback:     "host.docker.internal:41234",
	}, callbackEnv("host.docker.internal", backend.Callbacks{MLLPPort: 41234}))
	assert.Equal(t, map[string]string{EnvCallbackHost: "harness.test"}, callbackEnv("harness.test", backend.Callbacks{}),
		"no listener: no port variables, so the Compose file's default applies")
	assert.Equal(t, "[::1]:7", callbackEnv("::1", backend.Callbacks{MLLPPort: 7})[EnvMLLPCallback])
}

// The variables reach the Compose files' interpolation: the example's EPR
// sends its feed to the harness's listener, and without the harness (no
// variables) it sends none.
func TestCallbackEnvInterpolatesTheFeed(t *testing.T) {
	ctx := context.Background()
	p, err := loadProject(ctx, []string{"testdata/compose.yaml"}, "x", callbackEnv(DefaultCallbackHost, backend.Callbacks{MLLPPort: 41234}))
	require.NoError(t, err)
	epr := p.Services["epr"]
	require.NotNil(t, epr.Environment["EPR_MLLP_OUTBOUND"])
	assert.Equal(t, "host.docker.internal:41234", *epr.Environment["EPR_MLLP_OUTBOUND"])
	assert.Contains(t, epr.ExtraHosts["host.docker.internal"], "host-gateway")

	t.Setenv(EnvMLLPCallback, "") // whatever the outer environment says
	p, err = loadProject(ctx, []string{"testdata/compose.yaml"}, "x", nil)
	require.NoError(t, err)
	out := p.Services["epr"].Environment["EPR_MLLP_OUTBOUND"]
	assert.True(t, out == nil || *out == "", "no listener, no feed: %v", out)
}

func TestMessagingBeforeDocker(t *testing.T) {
	ctx := backend.WithCallbacks(context.Background(), backend.Callbacks{MLLPPort: 41234})
	b, err := Run(ctx, WithFiles("testdata/compose.yaml"), WithService("epr", 8080), WithMLLP("hl7", 2575))
	require.NotNil(t, b)
	assert.ErrorContains(t, err, `no service "hl7"`)
	assert.ErrorContains(t, err, "services: db, epr")
	assert.Equal(t, "host.docker.internal:41234", b.opts.env[EnvMLLPCallback], "the callbacks are the project's variables")
	assert.Empty(t, b.MLLPAddr(), "not up: no address")
	assert.Equal(t, DefaultCallbackHost, b.CallbackHost())
	require.NoError(t, b.Terminate(ctx))

	b, err = Run(ctx, WithFiles("testdata/compose.yaml"), WithService("epr", 8080), WithMLLP("epr", 0))
	assert.ErrorContains(t, err, "mllp-service")
	require.NoError(t, b.Terminate(ctx))

	// The caller's callback host is the containers' name for this host; a
	// variable the caller set itself is left alone.
	b, _ = Run(ctx, WithFiles("testdata/compose.yaml"), WithService("web", 8080),
		WithCallbackHost("harness.test"), WithEnv(map[string]string{EnvMLLPCallbackPort: "1"}))
	assert.Equal(t, "harness.test", b.CallbackHost())
	assert.Equal(t, "harness.test:41234", b.opts.env[EnvMLLPCallback])
	assert.Equal(t, "1", b.opts.env[EnvMLLPCallbackPort])
	require.NoError(t, b.Terminate(ctx))

	// Without callbacks in the ctx, no port variables.
	b, _ = Run(context.Background(), WithFiles("testdata/compose.yaml"), WithService("web", 8080), WithCallbackHost(""))
	assert.Equal(t, DefaultCallbackHost, b.CallbackHost(), "an empty callback host keeps the default")
	assert.NotContains(t, b.opts.env, EnvMLLPCallback)
	assert.NotContains(t, b.opts.env, EnvMLLPCallbackPort)
	assert.Equal(t, DefaultCallbackHost, b.opts.env[EnvCallbackHost], "the host name is always there")
	require.NoError(t, b.Terminate(ctx))
}

package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/config"
)

// Which backends get a feed listener of their own, and where the hub's
// listeners bind: every interface when the EPR is in a container.
func TestMessagingConfigPerBackend(t *testing.T) {
	for _, c := range []struct {
		backend, mllpService string
		perBackend           bool
		listenHost           string
	}{
		{config.BackendEmbedded, "", true, "127.0.0.1"},
		{config.BackendDocker, "", true, "0.0.0.0"},
		{config.BackendCompose, "epr:2575", true, "0.0.0.0"},
		{config.BackendCompose, "", false, "0.0.0.0"},
		{config.BackendURL, "", false, "127.0.0.1"},
	} {
		r := &Runner{cfg: config.Config{Backend: c.backend, MLLPService: c.mllpService}}
		got := r.messagingConfig()
		assert.Equal(t, c.perBackend, got.PerBackend, "%s %q", c.backend, c.mllpService)
		assert.Equal(t, c.listenHost, got.ListenHost, "%s %q", c.backend, c.mllpService)
	}
}

package docker

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/backend"
)

func TestMessagingBeforeStart(t *testing.T) {
	var m backend.Messaging = &Backend{}
	assert.Empty(t, m.MLLPAddr(), "no address before the EPR runs")
	assert.Equal(t, "host.docker.internal", m.CallbackHost())
	o := options{}
	WithMLLPOutbound("host.docker.internal:41234")(&o)
	assert.Equal(t, "host.docker.internal:41234", o.mllpOutbound)
}

package backend

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestKeptString(t *testing.T) {
	k := Kept{
		Kept:          true,
		Backend:       "docker",
		RunID:         "r1",
		EPRURL:        "http://localhost:4000",
		Containers:    []string{"epr: a (111)", "postgres: b (222)"},
		Database:      "postgres://epr:pw@localhost:5000/epr",
		DatabaseShell: "docker exec -it b psql -U epr epr",
		Selector:      "docker ps --filter label=eprharness.run=r1",
		Remove:        []string{"eprharness sweep --run r1", "docker rm -f a b"},
	}
	assert.Equal(t, `backend docker kept running (run r1):
  EPR:        http://localhost:4000
  container:  epr: a (111)
  container:  postgres: b (222)
  database:   postgres://epr:pw@localhost:5000/epr
  psql:       docker exec -it b psql -U epr epr
  list:       docker ps --filter label=eprharness.run=r1
  remove:     eprharness sweep --run r1
  or:         docker rm -f a b
`, k.String())

	assert.Equal(t, "backend embedded:x not kept: stops with the process\n",
		Kept{Backend: "embedded:x", Note: "stops with the process"}.String())
}

func TestNotReadyErrorNamesTheSettingAndTheContainer(t *testing.T) {
	cause := fmt.Errorf("wait: %w", context.DeadlineExceeded)
	err := &NotReadyError{What: "the EPR container (eprharness/refepr:dev)", Timeout: time.Second, Waiting: "http /healthz", Err: cause}
	assert.EqualError(t, err, "the EPR container (eprharness/refepr:dev) was not ready within --startup-timeout 1s: waiting for http /healthz")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

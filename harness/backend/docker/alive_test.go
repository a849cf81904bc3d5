package docker

import (
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/stretchr/testify/assert"
)

func TestDeadSaysHowTheContainerEnded(t *testing.T) {
	assert.NoError(t, Dead("the EPR container", &container.State{Status: "running", Running: true}))
	assert.NoError(t, Dead("the EPR container", nil), "no state: nothing is known")
	cases := []struct {
		st   container.State
		want string
	}{
		{container.State{Status: "exited", ExitCode: 137}, "the EPR container exited (code 137)"},
		{container.State{Status: "dead", ExitCode: 1}, "the EPR container exited (code 1)"},
		{container.State{Status: "exited", ExitCode: 137, OOMKilled: true}, "the EPR container was killed for lack of memory (code 137)"},
		{container.State{Status: "paused", Running: true, Paused: true}, "the EPR container is paused"},
		{container.State{Status: "restarting", Running: true, Restarting: true, ExitCode: 2}, "the EPR container is restarting"},
		{container.State{ExitCode: 3}, "the EPR container exited (code 3)"},
	}
	for _, c := range cases {
		err := Dead("the EPR container", &c.st)
		assert.EqualError(t, err, c.want)
		assert.True(t, IsDead(err))
	}
	assert.EqualError(t, &DeadError{What: "the database container", Removed: true}, "the database container was removed")
}

package main

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseConfigClockOffsetAndSessionTimeout(t *testing.T) {
	c, err := parseConfig(env(map[string]string{"EPR_NOW": "2026-06-01", "EPR_CLOCK_OFFSET": "-72h", "EPR_SESSION_TIMEOUT": "2m"}))
	require.NoError(t, err)
	assert.Equal(t, -72*time.Hour, c.epr.ClockOffset)
	assert.Equal(t, 2*time.Minute, c.epr.SessionTimeout)

	c, err = parseConfig(env(nil))
	require.NoError(t, err)
	assert.Zero(t, c.epr.ClockOffset)
	assert.Zero(t, c.epr.SessionTimeout, "refepr.New applies the default")

	for _, bad := range []map[string]string{
		{"EPR_CLOCK_OFFSET": "-3 days"},
		{"EPR_SESSION_TIMEOUT": "soon"},
		{"EPR_SESSION_TIMEOUT": "0s"},
		{"EPR_SESSION_TIMEOUT": "-5m"},
	} {
		_, err := parseConfig(env(bad))
		var ce configError
		assert.True(t, errors.As(err, &ce), "%v gives a config error, got %v", bad, err)
	}
}

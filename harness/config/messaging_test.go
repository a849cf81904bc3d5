package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessagingDefaults(t *testing.T) {
	dir := workdir(t, "")
	cfg, err := Load(Source{Dir: dir})
	require.NoError(t, err)
	assert.Empty(t, cfg.MLLPAddress)
	assert.Empty(t, cfg.FHIRURL)
	assert.Empty(t, cfg.MLLPListen)
	assert.Empty(t, cfg.NotifyListen)
	assert.Empty(t, cfg.CallbackHost)
	assert.Equal(t, 10*time.Second, cfg.MessageTimeout)
}

func TestMessagingPrecedence(t *testing.T) {
	dir := workdir(t, "mllp-address: 127.0.0.1:2575\nfhir-url: /fhir\nmllp-listen: 0.0.0.0:2576\nnotify-listen: 127.0.0.1:2577\ncallback-host: harness.test\nmessage-timeout: 20s\n")
	cfg, err := Load(Source{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:2575", cfg.MLLPAddress)
	assert.Equal(t, "/fhir", cfg.FHIRURL)
	assert.Equal(t, "0.0.0.0:2576", cfg.MLLPListen)
	assert.Equal(t, "127.0.0.1:2577", cfg.NotifyListen)
	assert.Equal(t, "harness.test", cfg.CallbackHost)
	assert.Equal(t, 20*time.Second, cfg.MessageTimeout)
	assert.Contains(t, cfg.Origin("message-timeout"), "eprharness.yaml:6")

	env := []string{"EPRHARNESS_MLLP_ADDRESS=localhost:3575", "EPRHARNESS_MESSAGE_TIMEOUT=30s", "EPRHARNESS_CALLBACK_HOST=10.0.0.5"}
	cfg, err = Load(Source{Dir: dir, Env: env})
	require.NoError(t, err)
	assert.Equal(t, "localhost:3575", cfg.MLLPAddress)
	assert.Equal(t, 30*time.Second, cfg.MessageTimeout)
	assert.Equal(t, "10.0.0.5", cfg.CallbackHost)
	assert.Equal(t, "0.0.0.0:2576", cfg.MLLPListen, "file value kept where env is silent")

	cfg, err = Load(Source{Dir: dir, Env: env, Args: []string{"--mllp-address", "127.0.0.1:4575", "--message-timeout=5s", "--fhir-url", "http://localhost:8080/r4", "--mllp-listen="}})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:4575", cfg.MLLPAddress)
	assert.Equal(t, 5*time.Second, cfg.MessageTimeout)
	assert.Equal(t, "http://localhost:8080/r4", cfg.FHIRURL)
	assert.Empty(t, cfg.MLLPListen, "a flag may clear a setting")
	assert.Equal(t, "--message-timeout", cfg.Origin("message-timeout"))
}

func TestMessagingValidation(t *testing.T) {
	cases := []struct {
		name, yaml string
		env, args  []string
		want       string
	}{
		{"mllp-address without port", "\nmllp-address: epr.test\n", nil, nil, "eprharness.yaml:2: mllp-address: want host:port"},
		{"mllp-listen bad port", "mllp-listen: 0.0.0.0:99999\n", nil, nil, "eprharness.yaml:1: mllp-listen: want a port from 0 to 65535"},
		{"notify-listen env", "", []string{"EPRHARNESS_NOTIFY_LISTEN=nowhere"}, nil, "EPRHARNESS_NOTIFY_LISTEN: want host:port"},
		{"fhir-url scheme", "fhir-url: ftp://epr/fhir\n", nil, nil, "eprharness.yaml:1: fhir-url: want an http(s) URL"},
		{"callback-host with port", "callback-host: host.docker.internal:80\n", nil, nil, "eprharness.yaml:1: callback-host: want a host name or IP address without a port"},
		{"callback-host flag", "", nil, []string{"--callback-host", "http://x"}, "--callback-host: want a host name"},
		{"message-timeout", "\n\nmessage-timeout: soon\n", nil, nil, "eprharness.yaml:3: message-timeout: want a duration"},
		{"message-timeout negative", "", []string{"EPRHARNESS_MESSAGE_TIMEOUT=-1s"}, nil, "EPRHARNESS_MESSAGE_TIMEOUT: must be positive"},
		{"fhir-url not allowed", "backend: url\nbase-url: http://localhost:8080\nfhir-url: https://fhir.example.org/r4\n", nil, nil, "eprharness.yaml:3: fhir-url:"},
		{"mllp-address not allowed", "backend: url\nbase-url: http://localhost:8080\nmllp-address: pas.example.org:2575\n", nil, nil, "eprharness.yaml:3: mllp-address: host pas.example.org is not in allowed-hosts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := workdir(t, c.yaml)
			_, err := Load(Source{Dir: dir, Env: c.env, Args: c.args})
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			var ce *Error
			assert.ErrorAs(t, err, &ce)
		})
	}
	// Allowed hosts let a user EPR's interfaces through.
	dir := workdir(t, "backend: url\nbase-url: http://localhost:8080\nallowed-hosts: localhost,*.test.example\nfhir-url: https://fhir.test.example/r4\nmllp-address: pas.test.example:2575\n")
	_, err := Load(Source{Dir: dir})
	assert.NoError(t, err)
}

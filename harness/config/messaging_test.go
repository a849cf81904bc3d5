package config

import (
	"os"
	"path/filepath"
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

func TestMLLPService(t *testing.T) {
	dir := workdir(t, "backend: compose\ncompose-file: compose.yaml\ncompose-service: epr\ncompose-port: 8080\nmllp-service: epr:2575\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {epr: {image: x}}\n"), 0o644))
	cfg, err := Load(Source{Dir: dir})
	require.NoError(t, err)
	assert.Equal(t, "epr:2575", cfg.MLLPService)
	assert.Contains(t, cfg.Origin("mllp-service"), "eprharness.yaml:5")
	svc, port := cfg.MLLPServicePort()
	assert.Equal(t, "epr", svc)
	assert.Equal(t, 2575, port)

	cfg, err = Load(Source{Dir: dir, Env: []string{"EPRHARNESS_MLLP_SERVICE=hl7:6661"}})
	require.NoError(t, err)
	svc, port = cfg.MLLPServicePort()
	assert.Equal(t, "hl7", svc)
	assert.Equal(t, 6661, port)

	cfg, err = Load(Source{Dir: dir, Args: []string{"--mllp-service="}})
	require.NoError(t, err)
	svc, port = cfg.MLLPServicePort()
	assert.Empty(t, svc, "a flag may clear it")
	assert.Zero(t, port)
}

func TestSplitServicePort(t *testing.T) {
	for in, want := range map[string]struct {
		svc  string
		port int
	}{"epr:2575": {"epr", 2575}, " epr : 2575 ": {"epr", 2575}, "hl7-in_1:1": {"hl7-in_1", 1}, "epr:65535": {"epr", 65535}} {
		svc, port, err := SplitServicePort(in)
		require.NoError(t, err, in)
		assert.Equal(t, want.svc, svc, in)
		assert.Equal(t, want.port, port, in)
	}
	for _, in := range []string{"", "epr", "epr:", ":2575", "epr:0", "epr:65536", "epr:http", "127.0.0.1:2575:2575", "e pr:2575", "epr=2575", "a/b:1"} {
		_, _, err := SplitServicePort(in)
		assert.Error(t, err, in)
	}
}

func TestMLLPServiceValidation(t *testing.T) {
	compose := "backend: compose\ncompose-file: compose.yaml\ncompose-service: epr\ncompose-port: 8080\n"
	cases := []struct {
		name, yaml string
		env, args  []string
		want       string
	}{
		{"no port", compose + "mllp-service: epr\n", nil, nil, "eprharness.yaml:5: mllp-service: want SERVICE:PORT"},
		{"host:port", compose + "mllp-service: 127.0.0.1:2575:1\n", nil, nil, "eprharness.yaml:5: mllp-service: want SERVICE:PORT"},
		{"port out of range", compose, []string{"EPRHARNESS_MLLP_SERVICE=epr:70000"}, nil, "EPRHARNESS_MLLP_SERVICE: want a container port from 1 to 65535"},
		{"flag", compose, nil, []string{"--mllp-service", ":2575"}, "--mllp-service: want SERVICE:PORT"},
		{"not compose", "backend: docker\nmllp-service: epr:2575\n", nil, nil, "eprharness.yaml:2: mllp-service: is only for backend compose"},
		{"url", "backend: url\nbase-url: http://localhost:8080\n\nmllp-service: epr:2575\n", nil, nil, "eprharness.yaml:4: mllp-service: is only for backend compose"},
		{"with mllp-address", compose + "mllp-address: 127.0.0.1:2575\nmllp-service: epr:2575\n", nil, nil, "eprharness.yaml:6: mllp-service: cannot be set with mllp-address (set at "},
		{"with mllp-address flag", compose + "mllp-service: epr:2575\n", nil, []string{"--mllp-address", "localhost:2575"}, "mllp-service: cannot be set with mllp-address (set at --mllp-address)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := workdir(t, c.yaml)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services: {epr: {image: x}}\n"), 0o644))
			_, err := Load(Source{Dir: dir, Env: c.env, Args: c.args})
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			var ce *Error
			assert.ErrorAs(t, err, &ce)
		})
	}
}

package results_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
)

func TestTargetDescribe(t *testing.T) {
	const digest = "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	for want, target := range map[string]results.Target{
		"refepr on embedded": {Backend: "embedded:refepr", BaseURL: "http://127.0.0.1:4321", Adapter: "refepr"},
		"refepr on embedded via declarative (screens.yaml)": {Backend: "embedded:refepr", Adapter: "declarative", ScreenMap: "screens.yaml"},
		"refepr on docker (epr: ghcr.io/eprharness/refepr:1 sha256:abcdef012345…, postgres: postgres:17.5)": {
			Backend: "docker", Adapter: "refepr",
			Images:  map[string]string{"epr": "ghcr.io/eprharness/refepr:1", "postgres": "postgres:17.5"},
			Digests: map[string]string{"epr": digest},
		},
		"url https://epr.test.trust.nhs.uk via declarative (screens.yaml)": {
			Backend: "url", BaseURL: "https://epr.test.trust.nhs.uk", Adapter: "declarative", ScreenMap: "screens.yaml",
		},
		"url https://epr.test.trust.nhs.uk via acme": {Backend: "external", BaseURL: "https://epr.test.trust.nhs.uk", Adapter: "acme"},
		"compose project eprharness-x (orthanc: eprharness/orthanc:1 sha256:abcdef012345…) via declarative": {
			Backend: "compose", BaseURL: "http://localhost:32768", Adapter: "declarative", Compose: "eprharness-x",
			Services: map[string]string{"orthanc": "eprharness/orthanc:1"}, Digests: map[string]string{"orthanc": digest},
		},
		"compose (db: postgres:17)": {Backend: "compose", Images: map[string]string{"db": "postgres:17"}},
		"compose project p (epr: refepr:dev sha256:abcdef012345…)": {Backend: "compose", Compose: "p",
			Images: map[string]string{"epr": "refepr:dev@" + digest}, Digests: map[string]string{"epr": digest}},
		"future http://x:1 via acme": {Backend: "future", BaseURL: "http://x:1", Adapter: "acme"},
		"http://x:1":                 {BaseURL: "http://x:1"},
		"unknown target":             {},
	} {
		assert.Equal(t, want, target.Describe())
	}
	assert.Equal(t, "refepr on embedded", results.Target{Backend: "embedded"}.Describe(), "embedded serves refepr")
}

func TestShortDigest(t *testing.T) {
	for in, want := range map[string]string{
		"sha256:abcdef0123456789": "sha256:abcdef012345…",
		"sha256:abcdef012345":     "sha256:abcdef012345",
		"abcdef0123456789":        "abcdef012345…",
		"":                        "",
	} {
		assert.Equal(t, want, results.ShortDigest(in), in)
	}
}

func TestIdentityAndBlockedWords(t *testing.T) {
	assert.Equal(t, `patient "Jane Smith" was Jane Smith-k3p9, NHS number 9994021567`,
		results.Identity{Fixture: "Jane Smith", Name: "Jane Smith-k3p9", NHSNumber: "9994021567"}.String())
	assert.Equal(t, `patient "Jane Smith" was (no name recorded)`, results.Identity{Fixture: "Jane Smith"}.String())
	assert.Equal(t, "blocked request to cdn.example.com", results.BlockedLine("cdn.example.com"))
}

func TestNewFieldsJSON(t *testing.T) {
	sc := results.Scenario{ID: "f:1", Blocked: []string{"cdn.example.com"},
		Identities: []results.Identity{{Fixture: "Jane Smith", Name: "Jane Smith-k3p9", NHSNumber: "9994021567"}}}
	data, err := json.Marshal(sc)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"blocked":["cdn.example.com"]`)
	assert.Contains(t, string(data), `"identities":[{"fixture":"Jane Smith","name":"Jane Smith-k3p9","nhs_number":"9994021567"}]`)
	data, err = json.Marshal(results.Scenario{})
	require.NoError(t, err)
	assert.NotContains(t, string(data), "blocked")
	assert.NotContains(t, string(data), "identities")

	data, err = json.Marshal(results.Target{Backend: "compose", Adapter: "declarative", ScreenMap: "screens.yaml",
		Compose: "p", Services: map[string]string{"orthanc": "o:1"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"backend":"compose","base_url":"","adapter":"declarative","screen_map":"screens.yaml","compose":"p","services":{"orthanc":"o:1"}}`, string(data))
	data, err = json.Marshal(results.Target{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"backend":"","base_url":""}`, string(data))
}

package browser

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHostAllower(t *testing.T) {
	allowed := HostAllower("http://epr.trust.test:8080/app", []string{"fhir.trust.test", "*.cdn.test", " [::1]:9000 ", "https://Auth.Trust.Test/login", "pacs:8042", ""})
	for host, want := range map[string]bool{
		"epr.trust.test":      true,
		"EPR.Trust.Test.":     true,
		"fhir.trust.test":     true,
		"a.cdn.test":          true,
		"b.a.cdn.test":        true,
		"cdn.test":            false, // *.x is subdomains only
		"evilcdn.test":        false,
		"auth.trust.test":     true,
		"pacs":                true,
		"localhost":           true, // ::1 listed: loopback is one host
		"127.0.0.1":           true,
		"[::1]":               true,
		"trust.test":          false,
		"example.invalid":     false,
		"epr.trust.test.evil": false,
		"":                    false,
	} {
		assert.Equal(t, want, allowed(host), host)
	}

	local := HostAllower("http://127.0.0.1:43123", nil)
	assert.True(t, local("localhost"))
	assert.True(t, local("::1"))
	assert.False(t, local("example.invalid"))

	none := HostAllower("", []string{"epr"})
	assert.True(t, none("epr"))
	assert.False(t, none("localhost"))
}

func TestRequestHost(t *testing.T) {
	for raw, want := range map[string]string{
		"http://Example.Invalid:8080/x.js": "example.invalid",
		"https://[::1]:8443/":              "::1",
		"ws://epr/socket":                  "epr",
		"file:///etc/passwd":               "file:",
	} {
		host, check := requestHost(raw)
		assert.True(t, check, raw)
		assert.Equal(t, want, host, raw)
	}
	for _, raw := range []string{"data:image/png;base64,AAAA", "blob:http://epr/1234", "about:blank", "ABOUT:srcdoc"} {
		_, check := requestHost(raw)
		assert.False(t, check, raw)
	}
}

func TestMatchHost(t *testing.T) {
	assert.True(t, matchHost("example.invalid", "example.invalid"))
	assert.True(t, matchHost("Example.Invalid", "example.invalid"))
	assert.True(t, matchHost("localhost", "127.0.0.1"))
	assert.True(t, matchHost("*.googletagmanager.com", "www.googletagmanager.com"))
	assert.False(t, matchHost("*.googletagmanager.com", "googletagmanager.com"))
	assert.False(t, matchHost("example.invalid", "www.example.invalid"))
}

package egress

import (
	"errors"
	"testing"
)

func TestAllowed(t *testing.T) {
	pats := []string{"localhost", "*.test.example.nhs.uk", "fhir.example.org"}
	for host, want := range map[string]bool{
		"localhost":               true,
		"127.0.0.1":               true,
		"[::1]":                   true,
		"epr.test.example.nhs.uk": true,
		"a.b.test.example.nhs.uk": true,
		"test.example.nhs.uk":     false,
		"eviltest.example.nhs.uk": false,
		"FHIR.example.org":        true,
		"example.org":             false,
		"epr.live.example.nhs.uk": false,
		"fonts.googleapis.com":    false,
	} {
		if got := Allowed(host, pats); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	if err := CheckURL("http://127.0.0.1:8042/app", DefaultHosts); err != nil {
		t.Fatal(err)
	}
	var na *NotAllowedError
	if err := CheckURL("https://epr.live.example.nhs.uk", DefaultHosts); !errors.As(err, &na) || na.Host != "epr.live.example.nhs.uk" {
		t.Fatalf("want NotAllowedError, got %v", err)
	}
	for _, bad := range []string{"epr.example", "ftp://x", "/relative", ""} {
		if err := CheckURL(bad, DefaultHosts); err == nil {
			t.Errorf("CheckURL(%q) accepted", bad)
		}
	}
}

func TestAllower(t *testing.T) {
	allow := Allower("https://epr.test.example.nhs.uk/home", []string{"localhost"})
	if !allow("epr.test.example.nhs.uk") || !allow("127.0.0.1") || allow("example.invalid") {
		t.Fatal("Allower: wrong decisions")
	}
}

func TestCheckPattern(t *testing.T) {
	for _, ok := range []string{"localhost", "*.nhs.uk", "::1", "10.0.0.1"} {
		if err := CheckPattern(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "*.", "http://x", "a b", "*"} {
		if err := CheckPattern(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

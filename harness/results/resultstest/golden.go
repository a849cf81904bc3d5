package resultstest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is the -update flag of every test binary that compares golden
// files through Golden.
var update = flag.Bool("update", false, "rewrite the testdata/*.golden files from the current output")

// Update reports whether the test binary runs with -update (for tests that
// regenerate other files than golden ones, such as docs).
func Update() bool { return *update }

// Golden compares got with testdata/name in the calling package's folder,
// or rewrites that file when the test runs with -update. A difference fails
// the test and shows the output.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("output differs from %s (run with -update if the change is intended)\n--- got ---\n%s", p, got)
	}
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eprharness/eprharness/harness/exitcode"
)

// minBadCases is the least number of cases the bad-input corpus must hold
// (issue 11: at least 60 across Gherkin, configuration, fixtures, imports,
// store and CLI).
const minBadCases = 60

// slowCase is how long one case may take: bad input is refused before any
// browser or container starts, so each case is well under a second.
const slowCase = 5 * time.Second

// badCase is a testdata/bad/<area>-<name>/case.yaml (see
// testdata/bad/README.md).
type badCase struct {
	Args    []string          `yaml:"args"`
	Env     map[string]string `yaml:"env"`
	Exit    *int              `yaml:"exit"`
	Message fragments         `yaml:"message"`
}

// fragments is a message fragment, or a list of them.
type fragments []string

func (f *fragments) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*f = fragments{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return fmt.Errorf("message: want a text or a list of texts: %w", err)
	}
	*f = list
	return nil
}

func readBadCase(file string) (badCase, error) {
	var c badCase
	data, err := os.ReadFile(file)
	if err != nil {
		return c, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // no skip_reason, no typos: every case runs
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %w", file, err)
	}
	switch {
	case len(c.Args) == 0:
		return c, fmt.Errorf("%s: args: the eprharness arguments are required", file)
	case c.Exit == nil:
		return c, fmt.Errorf("%s: exit: the expected exit code is required", file)
	case len(c.Message) == 0:
		return c, fmt.Errorf("%s: message: at least one fragment of the expected message is required", file)
	}
	for i, m := range c.Message {
		if strings.TrimSpace(m) == "" {
			return c, fmt.Errorf("%s: message[%d]: an empty fragment matches anything", file, i)
		}
	}
	return c, nil
}

// TestBadInputCorpus runs every case of testdata/bad in-process: the
// expected exit code, every message fragment, no panic, no stack trace,
// nothing left in the case folder, and quickly. A run that wrongly starts a
// browser or a container ends 3 or 4 instead of 2: the browser path is a
// missing file and Docker a dead socket.
func TestBadInputCorpus(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", "testdata", "bad"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("read the corpus: %v", err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	if len(dirs) < minBadCases {
		t.Errorf("the bad-input corpus has %d cases; it must keep at least %d", len(dirs), minBadCases)
	}
	outer := os.Environ()
	for _, name := range dirs {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(root, name)
			c, err := readBadCase(filepath.Join(dir, "case.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			isolate(t, outer)
			for k, v := range c.Env {
				t.Setenv(k, v)
			}
			// The case runs on a copy, so that a command that wrongly
			// writes (a store migrated, a report written) cannot change
			// the committed corpus.
			work := filepath.Join(t.TempDir(), name)
			if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
				t.Fatalf("copy the case: %v", err)
			}
			dir = work
			t.Chdir(dir)
			before := listFiles(t, dir)

			start := time.Now()
			code, stdout, stderr := runMain(t, c.Args)
			took := time.Since(start)
			out := stdout + stderr

			if int(code) != *c.Exit {
				t.Errorf("eprharness %s: exit %d (%s), want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(c.Args, " "), code, code, *c.Exit, stdout, stderr)
			}
			for _, m := range c.Message {
				if !strings.Contains(out, m) {
					t.Errorf("output does not contain %q\nstdout:\n%s\nstderr:\n%s", m, stdout, stderr)
				}
			}
			for _, trace := range []string{"goroutine ", "panic:", "runtime error"} {
				if strings.Contains(out, trace) {
					t.Errorf("output has a stack trace or panic (%q):\n%s", trace, out)
				}
			}
			if took > slowCase {
				t.Errorf("took %s; bad input must be refused before anything starts (limit %s)", took.Round(time.Millisecond), slowCase)
			}
			if added := newFiles(t, dir, before); len(added) > 0 {
				t.Errorf("bad input left files in the case folder (removed now): %s", strings.Join(added, ", "))
			}
		})
	}
}

// isolate clears every EPRHARNESS_* variable of the outer environment and
// points the browser at a missing file and Docker at a dead socket, so
// that a case sees only its own settings. The results store is the
// default one in the case folder: bad input must not create it (the
// runner checks that nothing appears in the folder).
func isolate(t *testing.T, outer []string) {
	t.Helper()
	for _, kv := range outer {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "EPRHARNESS_") {
			t.Setenv(k, "") // restored after the case
			os.Unsetenv(k)
		}
	}
	tmp := t.TempDir()
	t.Setenv("EPRHARNESS_BROWSER_PATH", filepath.Join(tmp, "no-such-chromium"))
	t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock")
	t.Setenv("NO_COLOR", "1")
}

// runMain calls Main, turning a panic into a test failure.
func runMain(t *testing.T, args []string) (code exitcode.Code, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("eprharness %s panicked: %v\n%s", strings.Join(args, " "), r, debug.Stack())
				code = -1
			}
		}()
		code = Main(args, &out, &errOut)
	}()
	return code, out.String(), errOut.String()
}

func listFiles(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = true
		return nil
	})
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	return files
}

// newFiles returns what appeared in dir since before, and removes it.
func newFiles(t *testing.T, dir string, before map[string]bool) []string {
	t.Helper()
	var added []string
	for p := range listFiles(t, dir) {
		if !before[p] {
			added = append(added, p)
		}
	}
	sort.Strings(added)
	for _, p := range added {
		if err := os.RemoveAll(filepath.Join(dir, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Logf("remove %s: %v", p, err)
		}
	}
	return added
}

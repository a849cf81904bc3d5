//go:build soak

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/backend/docker"
	"github.com/eprharness/eprharness/harness/exitcode"
)

// The soak test (`make soak`, outside CI: about 15-20 minutes on two
// cores) runs the example suite three times in a row in this one process,
// through Main as the command line does, on the docker backend with two
// workers, and checks that nothing the harness holds grows from run to run:
// containers and networks (those labelled with this process's id),
// entries in the temp folder (a private one, so other processes on the
// machine do not count), open files (/proc/self/fd) and goroutines.
//
// Open files and goroutines get a small fixed allowance over the figure
// taken before the first run, and none beyond noise from run 1 to run 3:
// the first run creates process-wide singletons that later runs reuse, not
// per-run leaks. The ones expected are os/signal's watcher goroutine (runCmd's
// signal.NotifyContext starts it on first use and it never ends) and the
// testcontainers Docker client, created once per process, with its
// keep-alive connection to the Docker socket (an open file, and read and
// write goroutines while it is open). Measured on the
// 2-core CI machine: +1 goroutine and +1 open file after the first run,
// and no change after the second and third. What leaks per run (a
// browser, a backend, a store, a signal handler) shows as growth from run
// 1 to run 3. The test logs every goroutine's stack at the end, so any
// figure can be explained.

const (
	soakRuns = 3
	// soakGoroutineAllowance is the goroutines the process-wide
	// singletons may hold after the first run (see above): os/signal's
	// watcher, and the Docker client's connection's read and write loops,
	// with one to spare.
	soakGoroutineAllowance = 4
	// soakFDAllowance is the open files the same singletons may hold: the
	// Docker client's keep-alive connections to the Docker socket.
	soakFDAllowance = 4
	// soakGrowthAllowance is the noise allowed from run 1 to run 3 in
	// goroutines and open files (a keep-alive connection that happens to
	// be open or closed at the moment of counting).
	soakGrowthAllowance = 2
)

type soakFigures struct {
	Containers, Networks, TempEntries, OpenFiles, Goroutines int
	Temp                                                     []string
}

func (f soakFigures) String() string {
	return fmt.Sprintf("containers %d, networks %d, temp entries %d, open files %d, goroutines %d",
		f.Containers, f.Networks, f.TempEntries, f.OpenFiles, f.Goroutines)
}

func soakCount(t *testing.T, args ...string) int {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, "docker %s: %s", strings.Join(args, " "), out)
	return len(strings.Fields(string(out)))
}

// soakMeasure takes the figures, after letting goroutines that are ending
// finish: it waits (at most 15 s) for the goroutine count to stop falling.
func soakMeasure(t *testing.T) soakFigures {
	t.Helper()
	label := "label=" + docker.LabelPID + "=" + strconv.Itoa(os.Getpid())
	var f soakFigures
	f.Containers = soakCount(t, "ps", "-aq", "--filter", label)
	f.Networks = soakCount(t, "network", "ls", "-q", "--filter", label)
	entries, err := os.ReadDir(os.TempDir())
	require.NoError(t, err)
	for _, e := range entries {
		f.Temp = append(f.Temp, e.Name())
	}
	f.TempEntries = len(entries)
	fds, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	f.OpenFiles = len(fds)

	g := runtime.NumGoroutine()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(500 * time.Millisecond) // settle: let ending goroutines end
		n := runtime.NumGoroutine()
		if n >= g {
			g = n
			break
		}
		g = n
	}
	f.Goroutines = g
	return f
}

func soakReport(t *testing.T, label string, f soakFigures) {
	t.Helper()
	t.Logf("soak %-12s %s", label+":", f)
	fmt.Printf("soak %-12s %s\n", label+":", f)
}

func TestSoak(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("EPRHARNESS_REQUIRE_DOCKER") == "1" {
			t.Fatalf("Docker is required (EPRHARNESS_REQUIRE_DOCKER=1): %v", err)
		}
		t.Skipf("SKIPPED: Docker not available: %v", err)
	}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skipf("SKIPPED: no /proc/self/fd to count open files: %v", err)
	}
	eprImage := soakEnv("EPRHARNESS_EPR_IMAGE", "eprharness/refepr:dev")
	postgresImage := soakEnv("EPRHARNESS_POSTGRES_IMAGE", "eprharness/postgres:15")
	for _, img := range []string{eprImage, postgresImage} {
		if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
			t.Fatalf("image %s is missing (make images): %v", img, err)
		}
	}

	// The example suite and its eprharness.yaml are at the repository root.
	t.Chdir(filepath.Join("..", ".."))
	// A private temp folder: the harness, its Playwright driver and
	// Chromium put their temporary files here, and nothing else does.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	require.Equal(t, tmp, os.TempDir())
	work := t.TempDir() // outside tmp: the runs' reports and store
	storeFile := filepath.Join(work, "results.db")

	before := soakMeasure(t)
	soakReport(t, "before", before)
	var after []soakFigures
	for i := 1; i <= soakRuns; i++ {
		var stdout, stderr bytes.Buffer
		start := time.Now()
		code := Main([]string{"run", "--backend", "docker", "--workers", "2",
			"--epr-image", eprImage, "--postgres-image", postgresImage,
			"--store", storeFile, "--out", filepath.Join(work, fmt.Sprintf("run-%d", i)), "features"}, &stdout, &stderr)
		t.Logf("soak run %d: exit %d in %s", i, code, time.Since(start).Round(time.Second))
		if !assert.Equal(t, exitcode.Pass, code, "run %d: the example suite passes", i) {
			t.Logf("stderr of run %d:\n%s", i, stderr.String())
		}
		f := soakMeasure(t)
		soakReport(t, fmt.Sprintf("after run %d", i), f)
		after = append(after, f)
	}

	for i, f := range after {
		n := i + 1
		assert.Equal(t, before.Containers, f.Containers, "containers after run %d", n)
		assert.Equal(t, before.Networks, f.Networks, "networks after run %d", n)
		assert.Equal(t, before.TempEntries, f.TempEntries, "temp entries after run %d: %v", n, f.Temp)
		assert.LessOrEqual(t, f.OpenFiles, before.OpenFiles+soakFDAllowance, "open files after run %d", n)
		assert.LessOrEqual(t, f.Goroutines, before.Goroutines+soakGoroutineAllowance, "goroutines after run %d", n)
	}
	first, last := after[0], after[len(after)-1]
	assert.LessOrEqual(t, last.OpenFiles, first.OpenFiles+soakGrowthAllowance, "open files grow from run 1 to run %d", soakRuns)
	assert.LessOrEqual(t, last.Goroutines, first.Goroutines+soakGrowthAllowance, "goroutines grow from run 1 to run %d", soakRuns)
	buf := make([]byte, 1<<20)
	t.Logf("goroutines at the end:\n%s", buf[:runtime.Stack(buf, true)])
}

func soakEnv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

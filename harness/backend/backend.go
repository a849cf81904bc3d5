// Package backend defines the contract between the harness and a test
// backend: something that runs the system under test for a run and can put it
// back to a clean state between scenarios.
//
// Implementations live in sub-packages (embedded, docker), each with the same
// shape: Run(ctx, opts...) (*Backend, error) with WithX options. Run returns
// the partial backend together with an error so the caller can always
// Terminate it. The caller owns a Backend and must call Terminate exactly
// once, on success and failure alike; the one exception is a backend kept
// for the developer (see Keeper).
package backend

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/results"
)

// Backend runs the system under test.
//
// BaseURL and Describe are safe for concurrent use. Reset must not run
// concurrently with scenarios that use the backend.
type Backend interface {
	// BaseURL is where the browser reaches the EPR, e.g. http://127.0.0.1:39211.
	BaseURL() string
	// Reset returns the EPR to a clean state: no patients, seeded users.
	Reset(ctx context.Context) error
	// Terminate stops everything the backend started. It is safe to call on
	// a partially started backend and more than once.
	Terminate(ctx context.Context) error
	// Describe says what runs, for the results of the run.
	Describe() results.Target
}

// Keeper is implemented by backends that can be left running after the
// harness process ends, so that a developer can reproduce a defect against
// the very EPR and database a run used (--keep-backends).
//
// Whether a backend can be kept is decided when it is started (for docker,
// docker.WithKeep(true)); Keep only reports it. When the returned Kept says
// Kept, the caller must not Terminate the backend (that would remove it) and
// should show Kept.String() to the user; otherwise the caller terminates it
// as usual, after showing the Note.
type Keeper interface {
	Keep() Kept
}

// Kept describes a backend left running after the run: how to reach it and
// how to remove it.
type Kept struct {
	// Kept reports whether the backend outlives the process. When false,
	// Note says why and the other fields may be empty.
	Kept bool
	// Backend names the kind of backend ("docker", "embedded:refepr").
	Backend string
	// RunID is the run that started the backend, when it has one.
	RunID string
	// EPRURL is where a browser reaches the EPR.
	EPRURL string
	// Containers lists the containers, "role: name (short id)".
	Containers []string
	// Database is the PostgreSQL connection string from this host, password
	// included (it is a test-only secret).
	Database string
	// DatabaseShell opens psql inside the database container, for hosts
	// without a psql client.
	DatabaseShell string
	// Selector lists the run's containers, e.g.
	// "docker ps --filter label=eprharness.run=<id>".
	Selector string
	// Remove holds equivalent commands that remove what was kept, the
	// harness's own first.
	Remove []string
	// Note is a remark for the user, e.g. why the backend cannot be kept.
	Note string
}

// String renders k for a terminal, one fact a line, ending in a newline.
func (k Kept) String() string {
	var b strings.Builder
	if !k.Kept {
		fmt.Fprintf(&b, "backend %s not kept", k.Backend)
		if k.Note != "" {
			fmt.Fprintf(&b, ": %s", k.Note)
		}
		b.WriteString("\n")
		return b.String()
	}
	fmt.Fprintf(&b, "backend %s kept running", k.Backend)
	if k.RunID != "" {
		fmt.Fprintf(&b, " (run %s)", k.RunID)
	}
	b.WriteString(":\n")
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %-11s %s\n", label+":", v)
		}
	}
	line("EPR", k.EPRURL)
	for _, c := range k.Containers {
		line("container", c)
	}
	line("database", k.Database)
	line("psql", k.DatabaseShell)
	line("list", k.Selector)
	for i, r := range k.Remove {
		if i == 0 {
			line("remove", r)
		} else {
			line("or", r)
		}
	}
	line("note", k.Note)
	return b.String()
}

// LogWriter is implemented by backends that can save the logs of what they
// run (the docker backend: one log per container), so a failed scenario's
// evidence holds what the EPR and its database said while it ran.
type LogWriter interface {
	// WriteLogs writes each process's log lines since the given time into
	// dir as backend-<role>.log, and returns the files written. It is safe
	// to call concurrently with scenarios on other backends.
	WriteLogs(ctx context.Context, dir string, since time.Time) ([]string, error)
}

// Prober is implemented by backends that can tell whether what they run
// is still alive: the container backends from the containers' state, the
// url backend by asking the EPR. The runner asks after a scenario failed,
// so that an EPR that died under the scenario is blamed as a backend fault
// and not as the EPR's wrong answer. Alive is safe to call concurrently
// with scenarios on the backend.
type Prober interface {
	// Alive returns nil when the backend runs, or an error saying what
	// died: "the EPR container exited (code 137)". It returns nil when it
	// cannot tell (the Docker engine did not answer): only a positive
	// finding changes a verdict.
	Alive(ctx context.Context) error
}

// NotReadyError says a backend's container or service did not become
// ready within the startup timeout (the startup-timeout setting).
type NotReadyError struct {
	// What names what was not ready: "the EPR container
	// (eprharness/refepr:dev)".
	What string
	// Timeout is the startup timeout it was given.
	Timeout time.Duration
	// Waiting says what the harness waited for: "http /healthz".
	Waiting string
	Err     error
}

func (e *NotReadyError) Error() string {
	msg := fmt.Sprintf("%s was not ready within --startup-timeout %s", e.What, e.Timeout)
	if e.Waiting != "" {
		msg += ": waiting for " + e.Waiting
	}
	return msg
}

func (e *NotReadyError) Unwrap() error { return e.Err }

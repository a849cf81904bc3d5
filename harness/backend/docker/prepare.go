package docker

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Prepare readies a run for containers, once per run, before the first
// backend starts: testcontainers' own messages go to
// backend-testcontainers.log in out rather than the analyst's terminal
// (the file lives as long as the process; the OS closes it at exit), and
// the containers and networks of killed runs are swept, saying on stderr
// what was removed. It returns the log, for WithLog.
func Prepare(ctx context.Context, out string, stderr io.Writer) io.Writer {
	var w io.Writer = io.Discard
	if f, err := os.Create(filepath.Join(out, "backend-testcontainers.log")); err == nil {
		w = f
	}
	tclog.SetDefault(log.New(w, "", log.LstdFlags))
	if removed, err := Sweep(ctx); err != nil {
		fmt.Fprintf(stderr, "eprharness: %v\n", err)
	} else if removed.Count() > 0 {
		fmt.Fprintf(stderr, "eprharness: removed %d container(s) and %d network(s) left by earlier runs\n", len(removed.Containers), len(removed.Networks))
	}
	return w
}

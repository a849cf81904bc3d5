package compose

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

// Wait is one readiness condition of a service, parsed from the
// compose-wait setting by ParseWait.
type Wait struct {
	Service string
	// Kind is "http" (the service answers GET Path on Port with a status
	// below 400), "log" (the service has logged Text) or "healthy" (its
	// Compose or image healthcheck passes).
	Kind string
	Path string // http: the path, starting with "/"
	Port int    // http: the container port; 0 means the service's port (WithService) or its only published port
	Text string // log: the text to wait for
}

// String renders w as ParseWait reads it.
func (w Wait) String() string {
	switch w.Kind {
	case "http":
		if w.Port != 0 {
			return fmt.Sprintf("%s=http:%d%s", w.Service, w.Port, w.Path)
		}
		return fmt.Sprintf("%s=http:%s", w.Service, w.Path)
	case "log":
		return fmt.Sprintf("%s=log:%s", w.Service, w.Text)
	default:
		return fmt.Sprintf("%s=%s", w.Service, w.Kind)
	}
}

// ParseWait reads one compose-wait entry: "SERVICE=http:/PATH" (or
// "SERVICE=http:PORT/PATH" for a port other than the service's),
// "SERVICE=log:TEXT" or "SERVICE=healthy". It checks the form only, not
// that the service exists (Run does).
func ParseWait(s string) (Wait, error) {
	svc, spec, ok := strings.Cut(s, "=")
	svc = strings.TrimSpace(svc)
	if !ok || svc == "" {
		return Wait{}, fmt.Errorf("want SERVICE=http:/PATH, SERVICE=log:TEXT or SERVICE=healthy, got %q", s)
	}
	w, err := parseSpec(svc, spec)
	if err != nil {
		return Wait{}, fmt.Errorf("%q: %w", s, err)
	}
	return w, nil
}

func parseSpec(svc, spec string) (Wait, error) {
	w := Wait{Service: svc}
	kind, arg, _ := strings.Cut(spec, ":")
	switch strings.TrimSpace(kind) {
	case "http":
		w.Kind = "http"
		port, path, _ := strings.Cut(arg, "/")
		path = "/" + path
		if !strings.HasPrefix(arg, "/") {
			if arg == "" || !strings.Contains(arg, "/") {
				return Wait{}, fmt.Errorf("want http:/PATH or http:PORT/PATH, got %q", spec)
			}
			p, err := strconv.Atoi(port)
			if err != nil || p < 1 || p > 65535 {
				return Wait{}, fmt.Errorf("want http:/PATH or http:PORT/PATH, got %q", spec)
			}
			w.Port = p
		}
		w.Path = path
	case "log":
		if arg == "" {
			return Wait{}, fmt.Errorf("want log:TEXT, got %q", spec)
		}
		w.Kind, w.Text = "log", arg
	case "healthy":
		if arg != "" {
			return Wait{}, fmt.Errorf("want healthy, got %q", spec)
		}
		w.Kind = "healthy"
	default:
		return Wait{}, fmt.Errorf("want http:/PATH, log:TEXT or healthy, got %q", spec)
	}
	return w, nil
}

// strategy is the testcontainers wait strategy for w, port being the
// container port an http wait checks.
func (w Wait) strategy(port int, timeout time.Duration) wait.Strategy {
	switch w.Kind {
	case "http":
		return wait.ForHTTP(w.Path).WithPort(portSpec(port)).
			WithStatusCodeMatcher(func(s int) bool { return s >= http.StatusOK && s < http.StatusBadRequest }).
			WithPollInterval(500 * time.Millisecond).WithStartupTimeout(timeout)
	case "log":
		return wait.ForLog(w.Text).WithPollInterval(500 * time.Millisecond).WithStartupTimeout(timeout)
	default:
		return wait.ForHealthCheck().WithPollInterval(500 * time.Millisecond).WithStartupTimeout(timeout)
	}
}

// answers waits until the port answers HTTP at all (any status): the
// default wait for the service the browser reaches.
func answers(port int, timeout time.Duration) wait.Strategy {
	return wait.ForHTTP("/").WithPort(portSpec(port)).
		WithStatusCodeMatcher(func(int) bool { return true }).
		WithPollInterval(500 * time.Millisecond).WithStartupTimeout(timeout)
}

func portSpec(port int) string { return fmt.Sprintf("%d/tcp", port) }

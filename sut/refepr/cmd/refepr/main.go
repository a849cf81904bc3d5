// Command refepr runs the reference EPR web server.
//
// Environment:
//
//	EPR_ADDR          listen address (default ":8080")
//	EPR_DATABASE_URL  sqlite::memory: (default), sqlite:/path/file.db or postgres://...
//	EPR_NOW           fixed clinical clock: 2026-06-01 or 2026-06-01T09:30:00Z (optional)
//	EPR_CLOCK_OFFSET  shift the clinical clock (fixed or real) by a duration, e.g. -72h (optional)
//	EPR_SESSION_TIMEOUT  idle timeout of a sign-in, e.g. 15m (default 15m)
//	EPR_TEST_API      "true" or "1" enables POST /_test/reset
//	EPR_DEFECTS       release-candidate regressions to turn on, comma-separated (package defects)
//	EPR_DEFECT_TRACE  file to append, for each test scenario, the defects it reaches (package defects)
//	EPR_MLLP_ADDR     HL7 v2 MLLP listen address, e.g. ":2575" (default: none; the image sets :2575)
//	EPR_MLLP_OUTBOUND host:port the outbound HL7 v2 feed is sent to (default: no feed)
//	EPR_VERSION       version reported by /version (default: the -ldflags
//	                  "-X main.version=..." value, else "dev")
//
// Logs are JSON on stdout. SIGINT or SIGTERM shuts the server down
// gracefully. Bad configuration exits with status 2 and a message on stderr.
//
// "refepr healthcheck" GETs /healthz on EPR_ADDR's port at 127.0.0.1 and exits
// 0 when healthy, for container health checks (the image has no shell).
package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/eprharness/eprharness/sut/refepr"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// configError marks a problem with the environment rather than the run.
type configError struct{ error }

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		if err := healthcheck(os.Getenv("EPR_ADDR")); err != nil {
			fmt.Fprintf(os.Stderr, "refepr healthcheck: %v\n", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "refepr: %v\n", err)
		var ce configError
		if errors.As(err, &ce) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// config is the parsed environment.
type config struct {
	addr        string
	defectTrace string
	epr         refepr.Config
}

func parseConfig(getenv func(string) string) (config, error) {
	c := config{addr: getenv("EPR_ADDR")}
	if c.addr == "" {
		c.addr = ":8080"
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return config{}, configError{fmt.Errorf("EPR_ADDR=%q is not a host:port address: %w", c.addr, err)}
	}
	c.epr.DatabaseURL = getenv("EPR_DATABASE_URL")
	if c.epr.DatabaseURL == "" {
		c.epr.DatabaseURL = "sqlite::memory:"
	}
	if u := c.epr.DatabaseURL; !strings.HasPrefix(u, "sqlite:") && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return config{}, configError{fmt.Errorf("EPR_DATABASE_URL must start with sqlite: or postgres://")}
	}
	now, err := refepr.ParseClock(getenv("EPR_NOW"))
	if err != nil {
		return config{}, configError{fmt.Errorf("EPR_NOW: %w", err)}
	}
	c.epr.Now = now
	if c.epr.ClockOffset, err = refepr.ParseClockOffset(getenv("EPR_CLOCK_OFFSET")); err != nil {
		return config{}, configError{fmt.Errorf("EPR_CLOCK_OFFSET: %w", err)}
	}
	if v := strings.TrimSpace(getenv("EPR_SESSION_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return config{}, configError{fmt.Errorf("EPR_SESSION_TIMEOUT=%q: want a positive duration such as 15m", v)}
		}
		c.epr.SessionTimeout = d
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("EPR_TEST_API"))); v {
	case "true", "1":
		c.epr.TestAPI = true
	case "", "false", "0":
	default:
		return config{}, configError{fmt.Errorf("EPR_TEST_API=%q: want true, 1, false or 0", v)}
	}
	c.epr.Version = getenv("EPR_VERSION")
	set, err := defects.Parse(getenv("EPR_DEFECTS"))
	if err != nil {
		return config{}, configError{fmt.Errorf("EPR_DEFECTS: %w", err)}
	}
	c.epr.Defects = set
	c.defectTrace = getenv("EPR_DEFECT_TRACE")
	if c.epr.MLLPAddr = strings.TrimSpace(getenv("EPR_MLLP_ADDR")); c.epr.MLLPAddr != "" {
		if _, _, err := net.SplitHostPort(c.epr.MLLPAddr); err != nil {
			return config{}, configError{fmt.Errorf("EPR_MLLP_ADDR=%q is not a host:port address: %w", c.epr.MLLPAddr, err)}
		}
	}
	if c.epr.MLLPOutbound = strings.TrimSpace(getenv("EPR_MLLP_OUTBOUND")); c.epr.MLLPOutbound != "" {
		host, port, err := net.SplitHostPort(c.epr.MLLPOutbound)
		if err != nil || host == "" || port == "" || port == "0" {
			return config{}, configError{fmt.Errorf("EPR_MLLP_OUTBOUND=%q: want host:port, e.g. gp-system:2575", c.epr.MLLPOutbound)}
		}
	}
	if c.epr.Version == "" {
		c.epr.Version = version
	}
	if c.epr.Version == "" {
		c.epr.Version = "dev"
	}
	return c, nil
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	cfg.epr.Logger = log
	if cfg.defectTrace != "" {
		f, err := os.OpenFile(cfg.defectTrace, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("EPR_DEFECT_TRACE: %w", err)
		}
		defer f.Close()
		cfg.epr.DefectTrace = f
	}

	// Bind first, so a taken port fails fast and ":0" logs the real port.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()

	openCtx, cancel := context.WithTimeout(ctx, 45*time.Second)
	srv, err := refepr.New(openCtx, cfg.epr)
	cancel()
	if err != nil {
		return err
	}
	defer srv.Close()

	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	log.Info("refepr listening", "addr", ln.Addr().String(), "version", cfg.epr.Version, "test_api", cfg.epr.TestAPI,
		"mllp_addr", srv.MLLPAddr(), "mllp_outbound", cfg.epr.MLLPOutbound)

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("refepr shutting down")
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("refepr stopped")
	return nil
}

func healthcheck(addr string) error {
	if addr == "" {
		addr = ":8080"
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("EPR_ADDR=%q: %w", addr, err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %s", resp.Status)
	}
	return nil
}

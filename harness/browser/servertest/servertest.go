// Package servertest starts a Playwright browser server (`playwright
// run-server`) from the installed Playwright driver, for the harness's
// remote-browser tests (browser.WithConnect, --browser-ws). The server
// listens on loopback and is started with --unsafe, so that a client may
// name the Chromium it launches (browser.WithExecutablePath, --browser-path):
// on the CI machines Playwright's own Chromium is not installed and
// Debian's is used.
//
// When the driver (node and cli.js) is missing, Start fails the test if
// EPRHARNESS_REQUIRE_BROWSER=1 and skips it otherwise. The test owns the
// Server: Start registers its Stop with tb.Cleanup, and Stop and Kill are
// safe to call more than once, but not concurrently.
package servertest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
)

// Server is a running `playwright run-server`.
type Server struct {
	// URL is the WebSocket URL clients connect to, ws://127.0.0.1:PORT/.
	URL string
	// Port is the port it listens on; Start(tb, Port) starts a new server
	// on the same URL.
	Port int

	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
}

var listening = regexp.MustCompile(`Listening on (ws://\S+)`)

// Start starts a browser server on 127.0.0.1:port (0: any free port) and
// waits until it listens.
func Start(tb testing.TB, port int) *Server {
	tb.Helper()
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		if node, err := exec.LookPath("node"); err == nil {
			tb.Setenv("PLAYWRIGHT_NODEJS_PATH", node)
		}
	}
	drv, err := playwright.NewDriver(&playwright.RunOptions{SkipInstallBrowsers: true})
	if err != nil {
		missing(tb, fmt.Sprintf("playwright driver: %v", err))
	}
	cmd := drv.Command("run-server", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--unsafe")
	for _, f := range cmd.Args[:2] { // node, cli.js
		if _, err := os.Stat(f); err != nil {
			if _, lerr := exec.LookPath(f); lerr != nil {
				missing(tb, fmt.Sprintf("%s: %v (install the driver with `make deps`)", f, err))
			}
		}
	}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("browser server: %v", err)
	}
	// The server also exits when its stdin closes.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatalf("browser server: %v", err)
	}
	if err := cmd.Start(); err != nil {
		missing(tb, fmt.Sprintf("start %s: %v", strings.Join(cmd.Args[:2], " "), err))
	}
	s := &Server{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	tb.Cleanup(s.Stop)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(s.done)
	}()
	select {
	case u := <-urls:
		s.URL = u
	case <-s.done:
		tb.Fatalf("browser server exited before listening: %v", cmd.ProcessState)
	case <-time.After(30 * time.Second):
		tb.Fatalf("browser server did not listen within 30s")
	}
	m := regexp.MustCompile(`:(\d+)/?$`).FindStringSubmatch(s.URL)
	if m == nil {
		tb.Fatalf("browser server: no port in %s", s.URL)
	}
	s.Port, _ = strconv.Atoi(m[1])
	return s
}

// Pid is the server process's id; the Chromium it launches is one of its
// descendants.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop interrupts the server (SIGINT: Playwright closes the browsers it
// launched, then exits) and kills it if it has not exited within 10s.
func (s *Server) Stop() {
	_ = s.stdin.Close()
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.Kill()
	}
}

// Kill kills the server process at once (what a crashed or unreachable
// server looks like to its clients) and waits for it to exit. The
// Chromium it launched loses its parent and exits with its pipe.
func (s *Server) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func missing(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("EPRHARNESS_REQUIRE_BROWSER") == "1" {
		tb.Fatalf("the Playwright driver is required (EPRHARNESS_REQUIRE_BROWSER=1) to start a browser server: %s", why)
	}
	tb.Skipf("SKIPPED: no Playwright driver to start a browser server: %s", why)
}

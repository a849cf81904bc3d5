//go:build e2e && linux

package browser

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/browser/servertest"
)

// With WithExposeNetwork the remote browser's requests to the exposed
// hosts are made from this machine, through the connection to the browser
// server; without it, the browser makes them itself. The browser server
// runs on this machine too, so the page loads either way: what tells the
// two apart is which process opened the connection the EPR accepted, a
// descendant of the browser server (its Chromium) or not (this test's
// Playwright driver, the tunnel's end here). Linux only: it reads /proc.
func TestExposeNetworkTunnelsThroughThisMachine(t *testing.T) {
	server := servertest.Start(t, 0)
	path, _, err := Find(os.Getenv("EPRHARNESS_BROWSER_PATH"), nil, true)
	require.NoError(t, err)

	var mu sync.Mutex
	var openers []int // the process that opened each request's connection
	epr := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pid, err := connectionOwner(r.RemoteAddr)
		mu.Lock()
		if err == nil {
			openers = append(openers, pid)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<p id="ok">the EPR answered</p>`)
	}))
	t.Cleanup(epr.Close)

	for _, tc := range []struct {
		expose     string
		fromServer bool
	}{{"", true}, {"<loopback>", false}} {
		t.Run("expose="+tc.expose, func(t *testing.T) {
			mu.Lock()
			openers = nil
			mu.Unlock()
			b, err := Launch(t.Context(), WithConnect(server.URL), WithExecutablePath(path), WithExposeNetwork(tc.expose))
			t.Cleanup(func() { _ = b.Close() })
			require.NoError(t, err)
			s, err := b.NewSession(epr.URL, "expose", nil)
			require.NoError(t, err)
			defer s.Close()
			_, err = s.Page.Goto("/")
			require.NoError(t, err)
			require.NoError(t, s.Expect.Locator(s.Page.Locator("#ok")).ToHaveText("the EPR answered"))

			mu.Lock()
			got := append([]int(nil), openers...)
			mu.Unlock()
			require.NotEmpty(t, got, "no connection to the EPR could be traced to its process")
			for _, pid := range got {
				assert.Equal(t, tc.fromServer, descendantOf(pid, server.Pid()),
					"connection from pid %d (%s): from the browser server's Chromium = %v", pid, comm(pid), !tc.fromServer)
			}
		})
	}
}

// connectionOwner finds the process holding the client end of the
// loopback TCP connection whose client address is remote ("127.0.0.1:PORT").
func connectionOwner(remote string) (int, error) {
	host, port, err := net.SplitHostPort(remote)
	if err != nil {
		return 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return 0, err
	}
	inode, err := socketInode(host, p)
	if err != nil {
		return 0, err
	}
	want := fmt.Sprintf("socket:[%s]", inode)
	procs, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range procs {
		if link, err := os.Readlink(fd); err == nil && link == want {
			pid, _ := strconv.Atoi(strings.Split(fd, "/")[2])
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no process holds %s", want)
}

// socketInode reads /proc/net/tcp for the socket whose local address is
// host:port (an IPv4 loopback address).
func socketInode(host string, port int) (string, error) {
	ip := net.ParseIP(host).To4()
	if ip == nil {
		return "", fmt.Errorf("not IPv4: %s", host)
	}
	local := fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], port)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 9 && fields[1] == local {
			return fields[9], nil
		}
	}
	return "", fmt.Errorf("no socket at %s", local)
}

// descendantOf reports whether pid is ancestor or one of its descendants.
func descendantOf(pid, ancestor int) bool {
	for pid > 1 {
		if pid == ancestor {
			return true
		}
		pid = parentOf(pid)
	}
	return false
}

func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

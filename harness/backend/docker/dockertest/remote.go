package dockertest

import (
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// EngineProxy makes the local Docker engine look like another machine's:
// it forwards TCP connections on an address of this machine to the
// engine's unix socket, so DOCKER_HOST=Host names "a remote engine"
// reached over TCP. Conns counts
// the connections it forwarded (the proof that a client used it). Start
// it with StartEngineProxy; it stops when the test ends.
type EngineProxy struct {
	// Host is the DOCKER_HOST value naming the proxy, tcp://IP:PORT.
	Host string

	ln    net.Listener
	conns atomic.Int64
	wg    sync.WaitGroup
}

// StartEngineProxy starts an EngineProxy listening on ip (any free port) in
// front of the engine's socket: DOCKER_HOST's when it is a unix:// one,
// else /var/run/docker.sock.
func StartEngineProxy(tb testing.TB, ip string) *EngineProxy {
	tb.Helper()
	socket := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		socket = strings.TrimPrefix(h, "unix://")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		tb.Fatalf("engine proxy: %v", err)
	}
	p := &EngineProxy{Host: "tcp://" + ln.Addr().String(), ln: ln}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.conns.Add(1)
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.forward(c, socket)
			}()
		}
	}()
	tb.Cleanup(func() {
		_ = ln.Close()
		p.wg.Wait()
	})
	return p
}

// Conns is how many connections the proxy has forwarded.
func (p *EngineProxy) Conns() int64 { return p.conns.Load() }

func (p *EngineProxy) forward(c net.Conn, socket string) {
	defer c.Close()
	e, err := net.Dial("unix", socket)
	if err != nil {
		return
	}
	defer e.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// Half-close, so a hijacked stream (attach, logs) ends cleanly.
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(e, c)
	go pipe(c, e)
	<-done
	<-done
}

// childEnv names the test a RunInChild process is to run.
const childEnv = "EPRHARNESS_DOCKERTEST_CHILD"

// RunInChild runs the test named name of this test binary in a new
// process, with env (KEY=VALUE; KEY= unsets) on top of this one's, and
// fails tb with the child's output when the child fails. testcontainers-go
// settles which engine it talks to once per process, so a test of another
// engine (DOCKER_HOST) needs a process of its own. The child test starts
// with InChild.
func RunInChild(tb testing.TB, name string, env ...string) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^"+name+"$", "-test.count=1", "-test.v")
	set := map[string]string{childEnv: name}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		set[k] = v
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range set {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		tb.Fatalf("run %s in a child process: %v", name, err)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
		tb.Fatalf("%s failed in its child process (%v):\n%s", name, err, out)
	}
	return string(out)
}

// InChild skips the test unless this process was started by RunInChild
// for it: such a test is one half of another test, which runs it.
func InChild(tb testing.TB, parent string) {
	tb.Helper()
	if os.Getenv(childEnv) != tb.Name() {
		tb.Skipf("SKIPPED: run by %s in a process of its own", parent)
	}
}

// NetworkIP is an IPv4 address of this machine other than loopback (and
// other than a Docker bridge's gateway when there is another), the address
// another machine would use; "" when it has none.
func NetworkIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	var gateway string
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.To4() == nil {
			continue
		}
		if n.IP.To4()[0] == 172 && n.IP.To4()[1] == 17 {
			gateway = n.IP.String()
			continue
		}
		return n.IP.String()
	}
	return gateway
}

package browser

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mxschmitt/playwright-go"
)

// SignIns remembers each user's signed-in browser state (Playwright's
// storage state: cookies and local storage) per EPR, so a run signs each
// role in through the EPR's sign-in page once and later scenarios start
// from the saved state instead, as Playwright Test's storageState does.
//
// States are files in a private temporary folder (mode 0700, files 0600)
// that Close removes; they hold live session cookies of synthetic test
// users. The folder is named eprharness-signins-<pid>-<random> after the
// process that made it, so that SweepSignIns can remove the folders of
// processes that died without closing theirs (SIGKILL). A SignIns is safe
// for concurrent use. The zero value is not usable; call NewSignIns.
type SignIns struct {
	dir string

	mu    sync.Mutex
	saved map[string]string // key → state file
}

// SignInsPrefix begins the name of every sign-in folder in the temporary
// directory.
const SignInsPrefix = "eprharness-signins-"

// NewSignIns makes an empty store in a new folder of the temporary
// directory (os.TempDir). The caller must Close it.
func NewSignIns() (*SignIns, error) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", SignInsPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("new sign-ins: %w", err)
	}
	// MkdirTemp creates it 0700 already; say so, whatever the umask.
	if err := os.Chmod(dir, 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("new sign-ins: %w", err)
	}
	return &SignIns{dir: dir, saved: map[string]string{}}, nil
}

// Dir is the folder the states are kept in.
func (s *SignIns) Dir() string { return s.dir }

func signInKey(baseURL, username string) string {
	h := sha256.Sum256([]byte(baseURL + "\x00" + username))
	return hex.EncodeToString(h[:8])
}

// Save records the context's current storage state as username's sign-in
// on the EPR at baseURL, replacing any earlier one.
func (s *SignIns) Save(bc playwright.BrowserContext, baseURL, username string) error {
	key := signInKey(baseURL, username)
	path := filepath.Join(s.dir, key+".json")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := bc.StorageState(playwright.BrowserContextStorageStateOptions{Path: playwright.String(path)}); err != nil {
		return fmt.Errorf("save sign-in of %s: %w", username, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("save sign-in of %s: %w", username, err)
	}
	s.saved[key] = path
	return nil
}

// Restore puts username's saved sign-in on the EPR at baseURL into the
// context and reports whether there was one. The EPR may since have ended
// that session: the caller checks the EPR still shows the user signed in.
func (s *SignIns) Restore(bc playwright.BrowserContext, baseURL, username string) (bool, error) {
	s.mu.Lock()
	path, ok := s.saved[signInKey(baseURL, username)]
	s.mu.Unlock()
	if !ok {
		return false, nil
	}
	if err := bc.SetStorageState(path); err != nil {
		return false, fmt.Errorf("restore sign-in of %s: %w", username, err)
	}
	// The folder's time says it is in use (SweepSignIns).
	now := time.Now()
	_ = os.Chtimes(s.dir, now, now)
	return true, nil
}

// Forget drops username's saved sign-in on the EPR at baseURL, for example
// after the user signed out, which ends the session it holds.
func (s *SignIns) Forget(baseURL, username string) {
	key := signInKey(baseURL, username)
	s.mu.Lock()
	defer s.mu.Unlock()
	if path, ok := s.saved[key]; ok {
		_ = os.Remove(path)
		delete(s.saved, key)
	}
}

// Close removes every saved state.
func (s *SignIns) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.saved)
	if err := os.RemoveAll(s.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("close sign-ins: %w", err)
	}
	return nil
}

// SignInsMaxAge is how long a sign-in folder may go unused (no sign-in
// saved or restored) before SweepSignIns removes it even though its
// process seems alive (process ids are reused).
const SignInsMaxAge = 24 * time.Hour

// SweepSignIns removes the sign-in folders in tmp (os.TempDir when empty)
// that are left behind: those of a process that no longer exists, those
// unused for SignInsMaxAge, and those of earlier versions whose name holds
// no process id once they are SignInsMaxAge old. The folders of this
// process and of live processes, used within SignInsMaxAge, stay. It
// returns the paths removed; an error names each folder that could not be
// removed, and the others are still removed. Call it before a run starts
// and from eprharness sweep.
func SweepSignIns(tmp string) (removed []string, err error) {
	if tmp == "" {
		tmp = os.TempDir()
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, fmt.Errorf("sweep sign-ins: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), SignInsPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // gone meanwhile
		}
		old := time.Since(info.ModTime()) > SignInsMaxAge
		pid, hasPid := signInsPid(e.Name())
		switch {
		case hasPid && pid == os.Getpid():
			continue
		case hasPid && !old && processAlive(pid):
			continue
		case !hasPid && !old:
			continue
		}
		path := filepath.Join(tmp, e.Name())
		if err := os.RemoveAll(path); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, path)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("sweep sign-ins: %w", err)
	}
	return removed, nil
}

// signInsPid is the process id in a sign-in folder's name,
// eprharness-signins-<pid>-<random>.
func signInsPid(name string) (int, bool) {
	pid, _, ok := strings.Cut(strings.TrimPrefix(name, SignInsPrefix), "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

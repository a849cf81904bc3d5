package browser

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/mxschmitt/playwright-go"
)

// SignIns remembers each user's signed-in browser state (Playwright's
// storage state: cookies and local storage) per EPR, so a run signs each
// role in through the EPR's sign-in page once and later scenarios start
// from the saved state instead, as Playwright Test's storageState does.
//
// States are files in a private temporary folder that Close removes; they
// hold session tokens of synthetic test users only. A SignIns is safe for
// concurrent use. The zero value is not usable; call NewSignIns.
type SignIns struct {
	dir string

	mu    sync.Mutex
	saved map[string]string // key → state file
}

// NewSignIns makes an empty store. The caller must Close it.
func NewSignIns() (*SignIns, error) {
	dir, err := os.MkdirTemp("", "eprharness-signins-")
	if err != nil {
		return nil, fmt.Errorf("new sign-ins: %w", err)
	}
	return &SignIns{dir: dir, saved: map[string]string{}}, nil
}

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

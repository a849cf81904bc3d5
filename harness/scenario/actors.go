package scenario

import (
	"fmt"
	"regexp"

	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/fixtures"
	"github.com/eprharness/eprharness/harness/target"
)

// A scenario may have several people at work, each in a browser window of
// their own ("the receptionist books…, then the doctor prescribes…"). The
// State keeps every window it has used with who is signed in there; UI and
// User are always the current window's. Steps that assign s.UI or s.User
// directly act on the current window, and the State picks that up the next
// time it switches.

// window is one browser window of the scenario and who uses it.
type window struct {
	ui target.UI
	// user is who is signed in there now; nil when nobody is.
	user *fixtures.User
	// last is who was last signed in there, so that a persona who signed
	// out can still be found ("the nurse is signed out").
	last *fixtures.User
}

// Window describes one of the scenario's browser windows.
type Window struct {
	UI target.UI
	// User is who is signed in there; nil when nobody is.
	User *fixtures.User
	// Current is true for the window steps act in.
	Current bool
}

// sync records the current UI and User in the current window, creating
// the window list on first use.
func (s *State) sync() {
	if len(s.windows) == 0 {
		s.windows = []*window{{}}
		s.current = 0
	}
	w := s.windows[s.current]
	w.ui, w.user = s.UI, s.User
	if s.User != nil {
		w.last = s.User
	}
}

// switchTo makes window i current.
func (s *State) switchTo(i int) {
	s.current = i
	s.UI, s.User = s.windows[i].ui, s.windows[i].user
}

// Windows lists the scenario's browser windows in the order they were
// opened; exactly one is Current.
func (s *State) Windows() []Window {
	s.sync()
	out := make([]Window, len(s.windows))
	for i, w := range s.windows {
		out[i] = Window{UI: w.ui, User: w.user, Current: i == s.current}
	}
	return out
}

// WindowFor makes current the window in which user u should sign in: the
// window where u is (or was last) signed in, else the current window when
// nobody is signed in there, else another window nobody is signed in to,
// else a new window (UI.Another). Nothing is signed in by this call.
func (s *State) WindowFor(u fixtures.User) error {
	s.sync()
	if i, ok := s.windowOf(u.Username); ok {
		s.switchTo(i)
		return nil
	}
	if s.User == nil {
		return nil
	}
	for i, w := range s.windows {
		if w.user == nil {
			s.switchTo(i)
			return nil
		}
	}
	if s.UI.Another == nil {
		return failure.Harness(fmt.Errorf("%s is signed in and this harness offers no second window for %s", s.User.Username, u.Username))
	}
	ui, err := s.UI.Another()
	if err != nil {
		return fmt.Errorf("open a window for %s: %w", u.Username, err)
	}
	if ui.Another == nil {
		ui.Another = s.UI.Another
	}
	s.windows = append(s.windows, &window{ui: ui})
	s.switchTo(len(s.windows) - 1)
	return nil
}

// SignedIn records that u is signed in in the current window.
func (s *State) SignedIn(u fixtures.User) {
	s.User = &u
	s.sync()
}

// SignedOut records that whoever was signed in in the current window
// signed out; the window remembers them (ActFor still finds it).
func (s *State) SignedOut() {
	s.sync()
	s.User = nil
	s.sync()
}

// windowOf finds the window where username is signed in, else the one
// where they were last signed in.
func (s *State) windowOf(username string) (int, bool) {
	for i, w := range s.windows {
		if w.user != nil && w.user.Username == username {
			return i, true
		}
	}
	for i, w := range s.windows {
		if w.user == nil && w.last != nil && w.last.Username == username {
			return i, true
		}
	}
	return 0, false
}

// leadingPersona is a step's opening "the <word>" or "the <word>'s".
var leadingPersona = regexp.MustCompile(`^the ([a-z]+)(?:'s)?(?:\s|$)`)

// signInStep is the text of steps that sign a persona in themselves and so
// may name a role that has no window yet.
var signInStep = regexp.MustCompile(`^the [a-z]+ (?:is (?:signed|logged) in\b|(?:sign|log)s? in\b)`)

// ActFor makes current the window of the persona a step's text starts
// with ("the nurse records observations:" and "the nurse's session has
// ended" act in the nurse's window).
// Step text that starts with "I", "the user", or "the <word>" where the
// word is no fixture role keeps the current window. A role that has no
// window in this scenario is a harness error naming the role, except in a
// step that signs that role in.
func (s *State) ActFor(stepText string) error {
	m := leadingPersona.FindStringSubmatch(stepText)
	if m == nil || s.Fixtures == nil {
		return nil
	}
	role := m[1]
	u, err := s.Fixtures.User(role)
	if err != nil {
		return nil // "the patient …", "the banner …": not a persona
	}
	s.sync()
	if i, ok := s.windowOf(u.Username); ok {
		s.switchTo(i)
		return nil
	}
	if signInStep.MatchString(stepText) {
		return nil
	}
	return failure.Harness(fmt.Errorf("the %s is not signed in in this scenario: add 'Given the %s is signed in'", role, role))
}

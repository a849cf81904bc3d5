// Package auth holds the reference EPR's users, roles, password checks and
// sign-in sessions.
//
// Sessions live in memory: a Sessions value is safe for concurrent use
// (mutex-guarded) and is owned by the server that made it; sessions do not
// survive a restart. Passwords are stored as bcrypt hashes; the seeded users'
// hashes are computed once per process and reused on every re-seed.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/eprharness/eprharness/sut/refepr/store"
)

// Role says what a user may see.
type Role string

// The roles.
const (
	// Receptionist: demographics and appointments, no clinical content.
	Receptionist Role = "receptionist"
	// Nurse: records observations; reads the clinical record.
	Nurse Role = "nurse"
	// Doctor: everything clinical.
	Doctor Role = "doctor"
	// Admin: manages users and reads the audit log; no clinical content.
	Admin Role = "admin"
	// GPPractice: a GP-practice user who books hospital outpatient slots
	// for their patients (as in GP-to-hospital booking systems).
	GPPractice Role = "gp"
)

// CanSeeClinicalRecord reports whether the role may read clinical entries.
func (r Role) CanSeeClinicalRecord() bool { return r == Doctor || r == Nurse }

// CanReadNotes reports whether the role may read clinical notes (doctors and
// nurses; a receptionist sees no clinical content).
func (r Role) CanReadNotes() bool { return r == Doctor || r == Nurse }

// CanWriteNotes reports whether the role may draft, sign and amend notes.
func (r Role) CanWriteNotes() bool { return r == Doctor || r == Nurse }

// CanRegisterPatients reports whether the role may register patients.
func (r Role) CanRegisterPatients() bool { return r == Receptionist || r == Doctor }

// CanBreakGlass reports whether the role may open a restricted record
// without a legitimate relationship, giving a reason (clinicians only).
func (r Role) CanBreakGlass() bool { return r == Doctor || r == Nurse }

// CanReadAuditLog reports whether the role may search the audit log.
func (r Role) CanReadAuditLog() bool { return r == Admin }

// CanManageUsers reports whether the role may manage users.
func (r Role) CanManageUsers() bool { return r == Admin }

// User is a signed-in person as the UI shows them.
type User struct {
	Username    string
	Role        Role
	DisplayName string // "Dr Priya Patel"
	RoleTitle   string // "Clinician"
}

// Seed is a user created at start-up and on every reset, with a password in
// clear so tests and people can sign in.
type Seed struct {
	User
	Password string
}

// Seeds are the users every reference EPR starts with.
var Seeds = []Seed{
	{User: User{Username: "dr.patel", Role: Doctor, DisplayName: "Dr Priya Patel", RoleTitle: "Doctor"}, Password: "clinician-pass"},
	{User: User{Username: "rec.jones", Role: Receptionist, DisplayName: "Sam Jones", RoleTitle: "Receptionist"}, Password: "reception-pass"},
	{User: User{Username: "nurse.okafor", Role: Nurse, DisplayName: "Grace Okafor", RoleTitle: "Nurse"}, Password: "nurse-pass"},
	{User: User{Username: "admin.smith", Role: Admin, DisplayName: "Alex Smith", RoleTitle: "Administrator"}, Password: "admin-pass"},
	{User: User{Username: "gp.brown", Role: GPPractice, DisplayName: "Dr Morgan Brown", RoleTitle: "GP practice"}, Password: "gp-pass"},
}

var (
	seedOnce  sync.Once
	seedUsers []store.User
	seedErr   error
)

// SeedUsers returns Seeds as store rows with bcrypt password hashes. The
// hashing runs once per process; the slice is a fresh copy each call.
func SeedUsers() ([]store.User, error) {
	seedOnce.Do(func() {
		for _, s := range Seeds {
			hash, err := HashPassword(s.Password)
			if err != nil {
				seedErr = fmt.Errorf("seed user %s: %w", s.Username, err)
				return
			}
			seedUsers = append(seedUsers, store.User{
				Username: s.Username, PasswordHash: hash, Role: string(s.Role),
				DisplayName: s.DisplayName, RoleTitle: s.RoleTitle,
			})
		}
	})
	return append([]store.User(nil), seedUsers...), seedErr
}

// HashPassword hashes a password with bcrypt at the default cost.
func HashPassword(password string) (string, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(hash), nil
}

// dummyHash is compared against when the username is unknown, so that a
// wrong username takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)
	return h
})

// CheckPassword reports whether password matches the stored user's hash.
// Pass found=false for an unknown username: it still spends the time of a
// check and reports false.
func CheckPassword(u store.User, found bool, password string) bool {
	if !found {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
}

// FromStore converts a stored user into a session user.
func FromStore(u store.User) User {
	return User{Username: u.Username, Role: Role(u.Role), DisplayName: u.DisplayName, RoleTitle: u.RoleTitle}
}

// Sessions maps random tokens to signed-in users.
type Sessions struct {
	mu  sync.Mutex
	m   map[string]session
	ttl time.Duration
	now func() time.Time // real time: a fixed clinical clock must not freeze expiry
}

type session struct {
	user    User
	expires time.Time
}

// NewSessions makes an empty session table whose sessions last ttl after
// their last use.
func NewSessions(ttl time.Duration) *Sessions {
	return &Sessions{m: map[string]session{}, ttl: ttl, now: time.Now}
}

// Create starts a session for u and returns its token.
func (s *Sessions) Create(u User) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for t, sess := range s.m { // sweep: the table stays as small as its live sessions
		if now.After(sess.expires) {
			delete(s.m, t)
		}
	}
	s.m[token] = session{user: u, expires: now.Add(s.ttl)}
	return token, nil
}

// Get returns the user of a live session and extends it.
func (s *Sessions) Get(token string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[token]
	if !ok {
		return User{}, false
	}
	now := s.now()
	if now.After(sess.expires) {
		delete(s.m, token)
		return User{}, false
	}
	sess.expires = now.Add(s.ttl)
	s.m[token] = sess
	return sess.user, true
}

// Delete ends a session; unknown tokens are ignored.
func (s *Sessions) Delete(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, token)
}

// Clear ends every session.
func (s *Sessions) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.m)
}

// Retain keeps the sessions of the users keep reports as still existing,
// with the user details keep returns, and ends the others.
func (s *Sessions) Retain(keep func(username string) (User, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, sess := range s.m {
		u, ok := keep(sess.user.Username)
		if !ok {
			delete(s.m, t)
			continue
		}
		sess.user = u
		s.m[t] = sess
	}
}

package auth

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedUsers(t *testing.T) {
	users, err := SeedUsers()
	require.NoError(t, err)
	require.Len(t, users, 5)
	assert.Equal(t, "dr.patel", users[0].Username)
	assert.Equal(t, "Dr Priya Patel", users[0].DisplayName)
	assert.Equal(t, "Doctor", users[0].RoleTitle)
	assert.Equal(t, "doctor", users[0].Role)
	assert.Equal(t, "rec.jones", users[1].Username)
	assert.Equal(t, "Sam Jones", users[1].DisplayName)
	assert.Equal(t, "Receptionist", users[1].RoleTitle)
	assert.NotContains(t, users[0].PasswordHash, "clinician-pass")
	assert.True(t, CheckPassword(users[0], true, "clinician-pass"))
	assert.False(t, CheckPassword(users[0], true, "reception-pass"))
	assert.True(t, CheckPassword(users[1], true, "reception-pass"))
	assert.False(t, CheckPassword(users[1], false, "reception-pass"), "unknown users never pass")

	again, err := SeedUsers()
	require.NoError(t, err)
	assert.Equal(t, users, again, "hashed once per process")
	again[0].Username = "changed"
	third, _ := SeedUsers()
	assert.Equal(t, "dr.patel", third[0].Username, "callers get a copy")
}

func TestRoles(t *testing.T) {
	assert.True(t, Doctor.CanSeeClinicalRecord())
	assert.True(t, Nurse.CanSeeClinicalRecord())
	assert.False(t, Admin.CanSeeClinicalRecord())
	assert.False(t, GPPractice.CanSeeClinicalRecord())
	assert.False(t, Receptionist.CanSeeClinicalRecord())
	assert.False(t, Role("").CanSeeClinicalRecord())
}

func TestSessions(t *testing.T) {
	s := NewSessions(time.Hour)
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	u := Seeds[0].User
	token, err := s.Create(u)
	require.NoError(t, err)
	assert.Len(t, token, 43)
	got, ok := s.Get(token)
	assert.True(t, ok)
	assert.Equal(t, u, got)
	_, ok = s.Get("other")
	assert.False(t, ok)

	now = now.Add(59 * time.Minute)
	_, ok = s.Get(token)
	assert.True(t, ok, "use extends the session")
	now = now.Add(59 * time.Minute)
	_, ok = s.Get(token)
	assert.True(t, ok)
	now = now.Add(61 * time.Minute)
	_, ok = s.Get(token)
	assert.False(t, ok, "idle too long")

	t1, _ := s.Create(u)
	t2, _ := s.Create(u)
	assert.NotEqual(t, t1, t2)
	s.Delete(t1)
	_, ok = s.Get(t1)
	assert.False(t, ok)
	s.Clear()
	_, ok = s.Get(t2)
	assert.False(t, ok)
}

func TestSessionsRetain(t *testing.T) {
	s := NewSessions(time.Hour)
	keep, _ := s.Create(User{Username: "dr.patel", DisplayName: "Dr Priya Patel"})
	gone, _ := s.Create(User{Username: "temp.user"})
	s.Retain(func(username string) (User, bool) {
		if username == "dr.patel" {
			return User{Username: "dr.patel", DisplayName: "Dr P Patel"}, true
		}
		return User{}, false
	})
	u, ok := s.Get(keep)
	assert.True(t, ok)
	assert.Equal(t, "Dr P Patel", u.DisplayName, "the kept session carries the refreshed user")
	_, ok = s.Get(gone)
	assert.False(t, ok, "a user that no longer exists is signed out")
}

func TestSessionsConcurrent(t *testing.T) {
	s := NewSessions(time.Hour)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				tok, err := s.Create(Seeds[1].User)
				if err != nil {
					t.Error(err)
					return
				}
				if _, ok := s.Get(tok); !ok {
					t.Error("session lost")
				}
				s.Delete(tok)
			}
		}()
	}
	wg.Wait()
}

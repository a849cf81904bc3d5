package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/records"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// RunRecords runs the behaviour suite of registration details, restricted
// records, break-glass grants, clinical notes and the audit log against
// fresh databases from newDSN (see Run).
func RunRecords(t *testing.T, newDSN func(t *testing.T) string) {
	fresh := func(t *testing.T) *store.Store {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := store.Open(ctx, newDSN(t), store.Options{Now: func() time.Time { return Clock }})
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
		return s
	}
	t.Run("RegistrationDetails", func(t *testing.T) { testRegistrationDetails(t, fresh(t)) })
	t.Run("CareTeamAndBreakGlass", func(t *testing.T) { testCareTeamAndBreakGlass(t, fresh(t)) })
	t.Run("Notes", func(t *testing.T) { testNotes(t, fresh(t)) })
	t.Run("AuditLog", func(t *testing.T) { testAuditLog(t, fresh(t)) })
	t.Run("ResetClearsRecords", func(t *testing.T) { testResetClearsRecords(t, fresh(t)) })
}

func restrictedPatient(t *testing.T, s *store.Store) patient.Patient {
	t.Helper()
	p := amy()
	p.GPPractice, p.Sensitive = "Leadworth Surgery", true
	require.NoError(t, s.CreatePatient(context.Background(), &p))
	return p
}

func testRegistrationDetails(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := restrictedPatient(t, s)
	got, err := s.Patient(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, "Leadworth Surgery", got.GPPractice)
	assert.True(t, got.Sensitive)
	page, err := s.SearchPatients(ctx, store.PatientQuery{NHSNumber: p.NHSNumber})
	require.NoError(t, err)
	require.Len(t, page.Patients, 1)
	assert.True(t, page.Patients[0].Sensitive, "search reads the flag too")
}

func testCareTeamAndBreakGlass(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := restrictedPatient(t, s)
	on, err := s.OnCareTeam(ctx, p.ID, "rec.jones")
	require.NoError(t, err)
	assert.False(t, on)
	require.NoError(t, s.AddToCareTeam(ctx, p.ID, "rec.jones"))
	require.NoError(t, s.AddToCareTeam(ctx, p.ID, "rec.jones"), "adding twice is fine")
	on, err = s.OnCareTeam(ctx, p.ID, "rec.jones")
	require.NoError(t, err)
	assert.True(t, on)

	key := store.SessionKey("token")
	assert.Len(t, key, 64)
	broke, err := s.BrokeGlass(ctx, key, p.ID)
	require.NoError(t, err)
	assert.False(t, broke)
	require.NoError(t, s.GrantBreakGlass(ctx, key, p.ID, "dr.patel", "emergency"))
	require.NoError(t, s.GrantBreakGlass(ctx, key, p.ID, "dr.patel", "again"))
	broke, err = s.BrokeGlass(ctx, key, p.ID)
	require.NoError(t, err)
	assert.True(t, broke)
	broke, err = s.BrokeGlass(ctx, store.SessionKey("other"), p.ID)
	require.NoError(t, err)
	assert.False(t, broke, "a grant belongs to its session")
}

func testNotes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := amy()
	require.NoError(t, s.CreatePatient(ctx, &p))
	for _, body := range []string{"First note", "Second note"} {
		n := records.Note{PatientID: p.ID, CreatedBy: "dr.patel",
			Versions: []records.NoteVersion{{Body: body, Author: "dr.patel", AuthorName: "Dr Priya Patel"}}}
		require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateNote(ctx, &n) }))
		assert.NotEmpty(t, n.ID)
		assert.Equal(t, records.Draft, n.Status)
	}
	notes, err := s.Notes(ctx, p.ID)
	require.NoError(t, err)
	require.Len(t, notes, 2)
	assert.Equal(t, "Second note", notes[0].Current().Body, "newest first")
	first := notes[1]

	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SignNote(ctx, first.ID); err != nil {
			return err
		}
		n, err := tx.Note(ctx, first.ID)
		if err != nil {
			return err
		}
		v := records.NoteVersion{Body: "First note, amended", Author: "nurse.okafor", AuthorName: "Grace Okafor", Reason: "typo"}
		return tx.AmendNote(ctx, n, &v)
	}))
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.Note(ctx, first.ID)
		require.NoError(t, err)
		assert.Equal(t, records.Signed, n.Status)
		require.Len(t, n.Versions, 2)
		assert.Equal(t, Clock, n.Versions[0].SignedAt.UTC())
		assert.Equal(t, "First note", n.Versions[0].Body)
		assert.Equal(t, 2, n.Current().Version)
		assert.Equal(t, "typo", n.Current().Reason)
		assert.Equal(t, "Grace Okafor", n.Current().AuthorName)
		_, err = tx.Note(ctx, "no-such-note")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
}

func testAuditLog(t *testing.T, s *store.Store) {
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 6, d, 9, 0, 0, 0, time.UTC) }
	for _, e := range []audit.Entry{
		{At: day(1), Username: "dr.patel", Action: audit.ViewRecord, PatientID: "p1", NHSNumber: "9990000018"},
		{At: day(2), Username: "dr.patel", Action: audit.BreakGlass, PatientID: "p2", NHSNumber: "9990002002", Details: "emergency"},
		{At: day(3), Username: "rec.jones", Action: audit.ViewRecord, PatientID: "p2", NHSNumber: "9990002002"},
	} {
		require.NoError(t, s.AppendAudit(ctx, &e))
		assert.NotEmpty(t, e.ID)
	}
	e := audit.Entry{Username: "admin.smith", Action: audit.ViewRecord}
	require.NoError(t, s.AppendAudit(ctx, &e))
	assert.Equal(t, Clock, e.At, "the clinical clock when At is zero")
	assert.Error(t, s.AppendAudit(ctx, &audit.Entry{Action: audit.ViewRecord}), "who is required")

	for _, tt := range []struct {
		name string
		q    audit.Query
		want int
	}{
		{"all", audit.Query{}, 4},
		{"by user", audit.Query{Username: "dr.patel"}, 2},
		{"by patient", audit.Query{NHSNumber: "9990002002"}, 2},
		{"by action", audit.Query{Action: audit.BreakGlass}, 1},
		{"from", audit.Query{From: day(2)}, 2}, // the entry stamped by Clock is on 1 June
		{"to", audit.Query{To: day(1)}, 2},
		{"range", audit.Query{From: day(2), To: day(2)}, 1},
		{"limit", audit.Query{Limit: 1}, 4},
	} {
		got, total, err := s.SearchAudit(ctx, tt.q)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, total, tt.name)
		if tt.q.Limit == 0 {
			assert.Len(t, got, tt.want, tt.name)
		} else {
			assert.Len(t, got, tt.q.Limit, tt.name)
		}
	}
	got, _, err := s.SearchAudit(ctx, audit.Query{Action: audit.BreakGlass})
	require.NoError(t, err)
	assert.Equal(t, "emergency", got[0].Details)
	assert.Equal(t, day(2), got[0].At.UTC())
	all, _, err := s.SearchAudit(ctx, audit.Query{})
	require.NoError(t, err)
	assert.Equal(t, "admin.smith", all[0].Username, "newest first")
}

func testResetClearsRecords(t *testing.T, s *store.Store) {
	ctx := context.Background()
	p := restrictedPatient(t, s)
	require.NoError(t, s.AddToCareTeam(ctx, p.ID, "rec.jones"))
	require.NoError(t, s.GrantBreakGlass(ctx, store.SessionKey("t"), p.ID, "dr.patel", "emergency"))
	n := records.Note{PatientID: p.ID, CreatedBy: "dr.patel", Versions: []records.NoteVersion{{Body: "x", Author: "dr.patel", AuthorName: "Dr"}}}
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateNote(ctx, &n) }))
	require.NoError(t, s.AppendAudit(ctx, &audit.Entry{Username: "dr.patel", Action: audit.ViewRecord}))
	require.NoError(t, s.Reset(ctx, nil))
	_, total, err := s.SearchAudit(ctx, audit.Query{})
	require.NoError(t, err)
	assert.Zero(t, total)
	notes, err := s.Notes(ctx, p.ID)
	require.NoError(t, err)
	assert.Empty(t, notes)
	broke, err := s.BrokeGlass(ctx, store.SessionKey("t"), p.ID)
	require.NoError(t, err)
	assert.False(t, broke)
}

package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

func TestReferralsSQLiteMemory(t *testing.T) {
	runReferrals(t, func(t *testing.T) string { return "sqlite::memory:" })
}

func TestReferralsSQLiteFile(t *testing.T) {
	runReferrals(t, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "refepr.db") })
}

// tickingClock is a clinical clock that moves on a minute each time it is
// read, so writes made one after another have distinct, ordered times.
type tickingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Minute)
	return c.now
}

// runReferrals is the referrals and subscriptions behaviour suite, run on
// every database the store supports.
func runReferrals(t *testing.T, newDSN func(t *testing.T) string) {
	fresh := func(t *testing.T) (*store.Store, *tickingClock) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		clock := &tickingClock{now: schedulingClock}
		s, err := store.Open(ctx, newDSN(t), store.Options{Now: clock.Now})
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
		return s, clock
	}
	t.Run("ClinicByName", func(t *testing.T) { s, _ := fresh(t); testClinicByName(t, s) })
	t.Run("CreateAndRead", func(t *testing.T) { s, _ := fresh(t); testReferralCreateAndRead(t, s) })
	t.Run("CreateRefused", func(t *testing.T) { s, _ := fresh(t); testReferralCreateRefused(t, s) })
	t.Run("UpdateAndWithdraw", func(t *testing.T) { s, _ := fresh(t); testReferralUpdate(t, s) })
	t.Run("LinkAppointment", func(t *testing.T) { s, _ := fresh(t); testReferralLink(t, s) })
	t.Run("Query", func(t *testing.T) { s, _ := fresh(t); testReferralQuery(t, s) })
	t.Run("RolledBack", func(t *testing.T) { s, _ := fresh(t); testReferralRolledBack(t, s) })
	t.Run("Subscriptions", func(t *testing.T) { s, _ := fresh(t); testSubscriptions(t, s) })
	t.Run("ResetEmpties", func(t *testing.T) { s, _ := fresh(t); testReferralsReset(t, s) })
}

func clinic(t *testing.T, s *store.Store, name string) store.Clinic {
	t.Helper()
	c, err := s.ClinicByName(context.Background(), name)
	require.NoError(t, err)
	return c
}

// refer stores an active referral of the patient to the clinic.
func refer(t *testing.T, s *store.Store, p patient.Patient, clinicName, reason string) store.Referral {
	t.Helper()
	r := store.Referral{PatientID: p.ID, Clinic: clinic(t, s, clinicName), Intent: "order", Priority: "routine",
		Reason: reason, Requester: "The Village Surgery (Y99999)", AuthoredOn: "2026-05-29"}
	require.NoError(t, s.InTx(context.Background(), func(tx *store.Tx) error { return tx.CreateReferral(context.Background(), &r) }))
	return r
}

func testClinicByName(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for _, name := range []string{"Cardiology", "cardiology", " CARDIOLOGY "} {
		c, err := s.ClinicByName(ctx, name)
		require.NoError(t, err, name)
		assert.Equal(t, "cardiology", c.ID, name)
		assert.Equal(t, "Outpatients B, Level 2", c.Location)
	}
	c, err := s.ClinicByName(ctx, "trauma and orthopaedics")
	require.NoError(t, err)
	assert.Equal(t, "orthopaedics", c.ID)
	_, err = s.ClinicByName(ctx, "Astrology")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.ClinicByName(ctx, "")
	assert.ErrorIs(t, err, store.ErrNotFound)
	// The same inside a transaction.
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ClinicByName(ctx, "Dermatology")
		assert.Equal(t, "dermatology", c.ID)
		return err
	}))
}

func testReferralCreateAndRead(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	r := refer(t, s, amy, "Cardiology", "Chest pain on exertion")
	assert.NotEmpty(t, r.ID)
	assert.Equal(t, store.ReferralActive, r.Status, "a referral is active unless told otherwise")
	assert.Equal(t, "POND, Amy", r.Patient.DisplayName(), "the stored referral comes back with its patient")
	assert.Equal(t, "Cardiology", r.Clinic.Name)
	assert.Equal(t, "Outpatients B, Level 2", r.Clinic.Location)
	assert.Empty(t, r.AppointmentID)
	assert.False(t, r.ReceivedAt.IsZero())
	assert.Equal(t, r.ReceivedAt, r.LastUpdated)

	got, err := s.Referral(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r, got)
	assert.Equal(t, "order", got.Intent)
	assert.Equal(t, "routine", got.Priority)
	assert.Equal(t, "Chest pain on exertion", got.Reason)
	assert.Equal(t, "The Village Surgery (Y99999)", got.Requester)
	assert.Equal(t, "2026-05-29", got.AuthoredOn)
	assert.Equal(t, amy.NHSNumber, got.Patient.NHSNumber)

	// An id given by the caller is kept.
	given := store.Referral{ID: "ref-1", PatientID: amy.ID, Clinic: clinic(t, s, "Dermatology"), Intent: "order", Priority: "urgent"}
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateReferral(ctx, &given) }))
	assert.Equal(t, "ref-1", given.ID)
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		got, err := tx.Referral(ctx, "ref-1")
		assert.Equal(t, "Dermatology", got.Clinic.Name)
		return err
	}))

	_, err = s.Referral(ctx, "no-such-referral")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func testReferralCreateRefused(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	create := func(r store.Referral) error {
		return s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateReferral(ctx, &r) })
	}
	err := create(store.Referral{PatientID: "no-such-patient", Clinic: clinic(t, s, "Cardiology"), Intent: "order", Priority: "routine"})
	assert.ErrorIs(t, err, store.ErrNotFound, "unknown patient")
	err = create(store.Referral{PatientID: amy.ID, Clinic: store.Clinic{ID: "astrology"}, Intent: "order", Priority: "routine"})
	assert.ErrorIs(t, err, store.ErrNotFound, "unknown clinic")
	r := refer(t, s, amy, "Cardiology", "Palpitations")
	err = create(store.Referral{ID: r.ID, PatientID: amy.ID, Clinic: clinic(t, s, "Cardiology"), Intent: "order", Priority: "routine"})
	assert.ErrorIs(t, err, store.ErrDuplicate, "a second referral with the same id")
	list, err := s.Referrals(ctx, store.ReferralQuery{})
	require.NoError(t, err)
	assert.Len(t, list, 1, "only the first referral is stored")
}

func testReferralUpdate(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	r := refer(t, s, amy, "Cardiology", "Palpitations")

	next := r
	next.Priority = "urgent"
	next.Reason = "Chest pain on exertion"
	next.Clinic = clinic(t, s, "Dermatology")
	next.Requester = "Leadworth Medical Centre (Y88888)"
	next.AuthoredOn = "2026-05-31"
	var updated store.Referral
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		var err error
		updated, err = tx.UpdateReferral(ctx, next)
		return err
	}))
	assert.Equal(t, "urgent", updated.Priority)
	assert.Equal(t, "Chest pain on exertion", updated.Reason)
	assert.Equal(t, "Dermatology", updated.Clinic.Name)
	assert.Equal(t, "Leadworth Medical Centre (Y88888)", updated.Requester)
	assert.Equal(t, "2026-05-31", updated.AuthoredOn)
	assert.Equal(t, r.ReceivedAt, updated.ReceivedAt, "an update keeps when the referral arrived")
	assert.True(t, updated.LastUpdated.After(r.LastUpdated), "an update moves LastUpdated on")
	assert.Equal(t, "POND, Amy", updated.Patient.DisplayName())

	// Withdrawn by the practice.
	next = updated
	next.Status = store.ReferralRevoked
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		var err error
		updated, err = tx.UpdateReferral(ctx, next)
		return err
	}))
	got, err := s.Referral(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, store.ReferralRevoked, got.Status)

	bad := next
	bad.Clinic = store.Clinic{ID: "astrology"}
	err = s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.UpdateReferral(ctx, bad); return err })
	assert.ErrorIs(t, err, store.ErrNotFound, "unknown clinic")
	next.ID = "no-such-referral"
	err = s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.UpdateReferral(ctx, next); return err })
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func testReferralLink(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	r := refer(t, s, amy, "Cardiology", "Palpitations")
	free, err := s.FreeSlots(ctx, "cardiology", 1)
	require.NoError(t, err)

	// Booking and linking in one transaction, as the worklist does.
	var a store.Appointment
	var linked store.Referral
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		if a, err = tx.BookAppointment(ctx, store.Booking{PatientID: amy.ID, SlotID: free[0].ID, BookedBy: "rec.jones"}); err != nil {
			return err
		}
		linked, err = tx.LinkReferralAppointment(ctx, r.ID, a.ID)
		return err
	}))
	assert.Equal(t, a.ID, linked.AppointmentID)
	assert.Equal(t, store.ReferralActive, linked.Status, "a booked referral stays active")
	byAppointment, err := s.Referrals(ctx, store.ReferralQuery{AppointmentID: a.ID})
	require.NoError(t, err)
	require.Len(t, byAppointment, 1)
	assert.Equal(t, r.ID, byAppointment[0].ID)

	// A withdrawn referral cannot be booked, and nothing of the attempt
	// is kept.
	withdrawn := refer(t, s, amy, "Dermatology", "Eczema")
	withdrawn.Status = store.ReferralRevoked
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.UpdateReferral(ctx, withdrawn); return err }))
	derm, err := s.FreeSlots(ctx, "dermatology", 1)
	require.NoError(t, err)
	err = s.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.BookAppointment(ctx, store.Booking{PatientID: amy.ID, SlotID: derm[0].ID, BookedBy: "rec.jones"})
		if err != nil {
			return err
		}
		_, err = tx.LinkReferralAppointment(ctx, withdrawn.ID, b.ID)
		return err
	})
	assert.ErrorIs(t, err, store.ErrReferralClosed)
	sl, err := s.Slot(ctx, derm[0].ID)
	require.NoError(t, err)
	assert.Equal(t, store.SlotFree, sl.Status, "the booking was rolled back with the refused link")
	got, err := s.Referral(ctx, withdrawn.ID)
	require.NoError(t, err)
	assert.Empty(t, got.AppointmentID)

	err = s.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.LinkReferralAppointment(ctx, "no-such-referral", a.ID)
		return err
	})
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func testReferralQuery(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	rory := newPatient(t, s, "9990000026", "Williams", "Rory")
	first := refer(t, s, amy, "Cardiology", "Palpitations")
	second := refer(t, s, rory, "Cardiology", "Breathless")
	third := refer(t, s, amy, "Dermatology", "Eczema")
	third.Status = store.ReferralRevoked
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.UpdateReferral(ctx, third); return err }))
	ids := func(q store.ReferralQuery) []string {
		t.Helper()
		list, err := s.Referrals(ctx, q)
		require.NoError(t, err)
		out := []string{}
		for _, r := range list {
			assert.NotEmpty(t, r.Patient.ID, "each referral comes with its patient")
			assert.Equal(t, r.PatientID, r.Patient.ID)
			out = append(out, r.ID)
		}
		return out
	}
	assert.Equal(t, []string{third.ID, second.ID, first.ID}, ids(store.ReferralQuery{}), "newest first")
	assert.Equal(t, []string{third.ID, first.ID}, ids(store.ReferralQuery{PatientID: amy.ID}))
	assert.Equal(t, []string{second.ID, first.ID}, ids(store.ReferralQuery{ClinicID: "cardiology"}))
	assert.Equal(t, []string{second.ID, first.ID}, ids(store.ReferralQuery{Statuses: []string{store.ReferralActive}}))
	assert.Equal(t, []string{third.ID, second.ID, first.ID}, ids(store.ReferralQuery{Statuses: []string{store.ReferralActive, store.ReferralRevoked}}))
	assert.Equal(t, []string{third.ID}, ids(store.ReferralQuery{PatientID: amy.ID, Statuses: []string{store.ReferralRevoked}}))
	assert.Equal(t, []string{}, ids(store.ReferralQuery{Statuses: []string{store.ReferralEnteredInError}}))
	assert.Equal(t, []string{third.ID, second.ID}, ids(store.ReferralQuery{Limit: 2}))
	// The same inside a transaction.
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		list, err := tx.Referrals(ctx, store.ReferralQuery{PatientID: rory.ID})
		if assert.Len(t, list, 1) {
			assert.Equal(t, "WILLIAMS, Rory", list[0].Patient.DisplayName())
		}
		return err
	}))
}

func testReferralRolledBack(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	boom := errors.New("boom")
	r := store.Referral{PatientID: amy.ID, Clinic: clinic(t, s, "Cardiology"), Intent: "order", Priority: "routine"}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateReferral(ctx, &r); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.Referral(ctx, r.ID)
	assert.ErrorIs(t, err, store.ErrNotFound, "a rolled-back referral is not kept")
}

func testSubscriptions(t *testing.T, s *store.Store) {
	ctx := context.Background()
	first := store.Subscription{ID: "ignored", Criteria: "Appointment?patient=Patient/123", Endpoint: "http://127.0.0.1:9/notify",
		Payload: "application/fhir+json", Headers: []string{"Authorization: Bearer test-token"}, Reason: "GP practice",
		Status: store.SubscriptionActive}
	require.NoError(t, s.CreateSubscription(ctx, &first))
	assert.NotEqual(t, "ignored", first.ID, "the store assigns the id")
	assert.NotEmpty(t, first.ID)
	assert.False(t, first.LastUpdated.IsZero())
	got, err := s.Subscription(ctx, first.ID)
	require.NoError(t, err)
	assert.Equal(t, first, got)
	assert.Equal(t, []string{"Authorization: Bearer test-token"}, got.Headers)

	second := store.Subscription{Criteria: "ServiceRequest?status=active", Endpoint: "http://127.0.0.1:9/other", Status: store.SubscriptionRequested}
	require.NoError(t, s.CreateSubscription(ctx, &second))
	got, err = s.Subscription(ctx, second.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Headers, "no headers")
	assert.Empty(t, got.Payload, "an empty notification")

	list := func(status string) []string {
		t.Helper()
		subs, err := s.Subscriptions(ctx, status)
		require.NoError(t, err)
		out := []string{}
		for _, sub := range subs {
			out = append(out, sub.ID)
		}
		return out
	}
	assert.Equal(t, []string{first.ID, second.ID}, list(""), "oldest first")
	assert.Equal(t, []string{first.ID}, list(store.SubscriptionActive))
	assert.Equal(t, []string{}, list(store.SubscriptionOff))

	require.NoError(t, s.SetSubscriptionStatus(ctx, first.ID, store.SubscriptionError, "rest-hook answered 500"))
	got, err = s.Subscription(ctx, first.ID)
	require.NoError(t, err)
	assert.Equal(t, store.SubscriptionError, got.Status)
	assert.Equal(t, "rest-hook answered 500", got.Error)
	assert.True(t, got.LastUpdated.After(first.LastUpdated))
	assert.Equal(t, []string{first.ID}, list(store.SubscriptionError))
	assert.ErrorIs(t, s.SetSubscriptionStatus(ctx, "no-such-subscription", store.SubscriptionOff, ""), store.ErrNotFound)

	require.NoError(t, s.DeleteSubscription(ctx, first.ID))
	_, err = s.Subscription(ctx, first.ID)
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.ErrorIs(t, s.DeleteSubscription(ctx, first.ID), store.ErrNotFound, "deleted once only")
	assert.Equal(t, []string{second.ID}, list(""))
}

func testReferralsReset(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	r := refer(t, s, amy, "Cardiology", "Palpitations")
	free, err := s.FreeSlots(ctx, "cardiology", 1)
	require.NoError(t, err)
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.BookAppointment(ctx, store.Booking{PatientID: amy.ID, SlotID: free[0].ID, BookedBy: "rec.jones"})
		if err != nil {
			return err
		}
		_, err = tx.LinkReferralAppointment(ctx, r.ID, a.ID)
		return err
	}))
	sub := store.Subscription{Criteria: "Appointment?patient=Patient/" + amy.ID, Endpoint: "http://127.0.0.1:9/notify", Status: store.SubscriptionActive}
	require.NoError(t, s.CreateSubscription(ctx, &sub))

	require.NoError(t, s.Reset(ctx, nil), "a reset empties referrals with booked appointments")
	list, err := s.Referrals(ctx, store.ReferralQuery{})
	require.NoError(t, err)
	assert.Empty(t, list)
	subs, err := s.Subscriptions(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, subs)
	// The clinics are still there to refer to.
	amy = newPatient(t, s, "9990000018", "Pond", "Amy")
	refer(t, s, amy, "Cardiology", "Palpitations")
}

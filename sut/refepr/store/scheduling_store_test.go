package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/scheduling"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// schedulingClock is the harness's clinical clock: Monday 1 June 2026.
var schedulingClock = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func TestSchedulingSQLiteMemory(t *testing.T) {
	runScheduling(t, func(t *testing.T) string { return "sqlite::memory:" })
}

func TestSchedulingSQLiteFile(t *testing.T) {
	runScheduling(t, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "refepr.db") })
}

// runScheduling is the appointments and admissions behaviour suite, run on
// every database the store supports.
func runScheduling(t *testing.T, newDSN func(t *testing.T) string) {
	fresh := func(t *testing.T) *store.Store {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := store.Open(ctx, newDSN(t), store.Options{Now: func() time.Time { return schedulingClock }})
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
		return s
	}
	t.Run("Clinics", func(t *testing.T) { testClinics(t, fresh(t)) })
	t.Run("BookCancelReschedule", func(t *testing.T) { testBookCancelReschedule(t, fresh(t)) })
	t.Run("DoubleBookingRefused", func(t *testing.T) { testDoubleBookingRefused(t, fresh(t)) })
	t.Run("RacingBookings", func(t *testing.T) { testRacingBookings(t, fresh(t)) })
	t.Run("Admissions", func(t *testing.T) { testAdmissions(t, fresh(t)) })
	t.Run("ResetReseeds", func(t *testing.T) { testSchedulingReset(t, fresh(t)) })
}

func newPatient(t *testing.T, s *store.Store, nhs, family, given string) patient.Patient {
	t.Helper()
	p := patient.Patient{NHSNumber: nhsnumber.Number(nhs), Family: family, Given: []string{given}, BirthDate: patient.Date{Year: 1980, Month: 1, Day: 2}}
	require.NoError(t, s.CreatePatient(context.Background(), &p))
	return p
}

func testClinics(t *testing.T, s *store.Store) {
	ctx := context.Background()
	clinics, err := s.Clinics(ctx)
	require.NoError(t, err)
	require.Len(t, clinics, len(scheduling.Clinics))
	assert.Equal(t, "Cardiology", clinics[0].Name)
	free, err := s.FreeSlots(ctx, "cardiology", 0)
	require.NoError(t, err)
	require.Len(t, free, 60)
	assert.Equal(t, "cardiology-20260602-0900", free[0].ID)
	assert.Equal(t, "Outpatients B, Level 2", free[0].Clinic.Location)
	// Reading again does not add slots.
	again, err := s.FreeSlots(ctx, "cardiology", 3)
	require.NoError(t, err)
	assert.Len(t, again, 3)
	all, err := s.Slots(ctx, "cardiology", "", 0)
	require.NoError(t, err)
	assert.Len(t, all, 60)
}

func testBookCancelReschedule(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	free, err := s.FreeSlots(ctx, "cardiology", 2)
	require.NoError(t, err)
	a, err := s.BookAppointment(ctx, store.Booking{PatientID: amy.ID, SlotID: free[0].ID, BookedBy: "gp.brown"})
	require.NoError(t, err)
	assert.Equal(t, store.AppointmentBooked, a.Status)
	assert.Equal(t, free[0].ID, a.Slot.ID)
	assert.Equal(t, store.SlotBusy, a.Slot.Status)
	assert.Equal(t, "Cardiology", a.Slot.Clinic.Name)

	upcoming, err := s.Appointments(ctx, store.AppointmentQuery{PatientID: amy.ID, Status: store.AppointmentBooked, Upcoming: true})
	require.NoError(t, err)
	require.Len(t, upcoming, 1)

	moved, err := s.RescheduleAppointment(ctx, a.ID, free[1].ID, false)
	require.NoError(t, err)
	assert.Equal(t, free[1].ID, moved.Slot.ID)
	old, err := s.Slot(ctx, free[0].ID)
	require.NoError(t, err)
	assert.Equal(t, store.SlotFree, old.Status, "the old slot is free again")

	cancelled, err := s.CancelAppointment(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, store.AppointmentCancelled, cancelled.Status)
	sl, err := s.Slot(ctx, free[1].ID)
	require.NoError(t, err)
	assert.Equal(t, store.SlotFree, sl.Status, "cancelling frees the slot")
	_, err = s.RescheduleAppointment(ctx, a.ID, free[0].ID, false)
	assert.Error(t, err, "a cancelled appointment cannot be moved")

	_, err = s.BookAppointment(ctx, store.Booking{PatientID: amy.ID, SlotID: "no-such-slot", BookedBy: "gp.brown"})
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func testDoubleBookingRefused(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	rory := newPatient(t, s, "9990000026", "Williams", "Rory")
	free, err := s.FreeSlots(ctx, "cardiology", 2)
	require.NoError(t, err)
	_, err = s.BookAppointment(ctx, store.Booking{PatientID: amy.ID, SlotID: free[0].ID, BookedBy: "gp.brown"})
	require.NoError(t, err)
	_, err = s.BookAppointment(ctx, store.Booking{PatientID: rory.ID, SlotID: free[0].ID, BookedBy: "rec.jones"})
	assert.ErrorIs(t, err, store.ErrSlotTaken)
	b, err := s.BookAppointment(ctx, store.Booking{PatientID: rory.ID, SlotID: free[1].ID, BookedBy: "rec.jones"})
	require.NoError(t, err)
	_, err = s.RescheduleAppointment(ctx, b.ID, free[0].ID, false)
	assert.ErrorIs(t, err, store.ErrSlotTaken, "rescheduling into a taken slot")
	// An overbooking is deliberate and allowed.
	_, err = s.BookAppointment(ctx, store.Booking{PatientID: rory.ID, SlotID: free[0].ID, BookedBy: "rec.jones", Overbook: true})
	require.NoError(t, err)
	held, err := s.Appointments(ctx, store.AppointmentQuery{SlotID: free[0].ID, Status: store.AppointmentBooked})
	require.NoError(t, err)
	assert.Len(t, held, 2)
}

func testRacingBookings(t *testing.T, s *store.Store) {
	ctx := context.Background()
	free, err := s.FreeSlots(ctx, "dermatology", 1)
	require.NoError(t, err)
	const n = 8
	ids := make([]string, n)
	for i := range ids {
		ids[i] = newPatient(t, s, raceNHS[i], "Racer", "Patient").ID
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.BookAppointment(ctx, store.Booking{PatientID: ids[i], SlotID: free[0].ID, BookedBy: "gp.brown"})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrSlotTaken):
		default:
			// SQLite may answer a racing writer with "database is locked"
			// after its busy timeout; that too is a refusal.
			t.Logf("refused: %v", err)
		}
	}
	assert.Equal(t, 1, won, "exactly one racing booking wins")
	held, err := s.Appointments(ctx, store.AppointmentQuery{SlotID: free[0].ID})
	require.NoError(t, err)
	assert.Len(t, held, 1)
}

// raceNHS are distinct valid test NHS numbers for the racing patients
// (TestNumber skips to the next number when a check digit would be 10).
var raceNHS = func() []string {
	var out []string
	for i := 300; len(out) < 8; i++ {
		if n := nhsnumber.TestNumber(i).String(); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}()

func testAdmissions(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	rory := newPatient(t, s, "9990000026", "Williams", "Rory")
	bed3, bed4 := scheduling.BedID("ward-7", "3"), scheduling.BedID("ward-7", "4")
	ward12bed1 := scheduling.BedID("ward-12", "1")

	_, err := s.CurrentAdmission(ctx, amy.ID)
	assert.ErrorIs(t, err, store.ErrNotAdmitted)
	a, err := s.Admit(ctx, amy.ID, bed3, "rec.jones")
	require.NoError(t, err)
	assert.Equal(t, "Ward 7", a.WardName)
	assert.Equal(t, "3", a.BedLabel)
	assert.Equal(t, "POND, Amy", a.Patient.DisplayName())
	assert.Equal(t, schedulingClock, a.AdmittedAt)

	_, err = s.Admit(ctx, amy.ID, bed4, "rec.jones")
	assert.ErrorIs(t, err, store.ErrAlreadyAdmitted)
	_, err = s.Admit(ctx, rory.ID, bed3, "rec.jones")
	assert.ErrorIs(t, err, store.ErrBedOccupied)
	_, err = s.Admit(ctx, rory.ID, "no-such-bed", "rec.jones")
	assert.ErrorIs(t, err, store.ErrNotFound)

	board, err := s.BedBoard(ctx)
	require.NoError(t, err)
	require.Len(t, board, 2)
	assert.Equal(t, "Ward 7", board[0].Name)
	require.Len(t, board[0].Beds, 6)
	require.NotNil(t, board[0].Beds[2].Occupant)
	assert.Equal(t, amy.ID, board[0].Beds[2].Occupant.Patient.ID)
	assert.Nil(t, board[0].Beds[3].Occupant)

	_, err = s.Admit(ctx, rory.ID, bed4, "rec.jones")
	require.NoError(t, err)
	_, err = s.Transfer(ctx, amy.ID, bed4)
	assert.ErrorIs(t, err, store.ErrBedOccupied)
	moved, err := s.Transfer(ctx, amy.ID, ward12bed1)
	require.NoError(t, err)
	assert.Equal(t, "Ward 12", moved.WardName)

	// Bed 3 is free again: Amy left it.
	board, err = s.BedBoard(ctx)
	require.NoError(t, err)
	assert.Nil(t, board[0].Beds[2].Occupant)

	out, err := s.Discharge(ctx, amy.ID)
	require.NoError(t, err)
	require.NotNil(t, out.DischargedAt)
	_, err = s.Discharge(ctx, amy.ID)
	assert.ErrorIs(t, err, store.ErrNotAdmitted)
	_, err = s.Transfer(ctx, amy.ID, bed3)
	assert.ErrorIs(t, err, store.ErrNotAdmitted)
	// After discharge the patient may be admitted again.
	_, err = s.Admit(ctx, amy.ID, ward12bed1, "rec.jones")
	require.NoError(t, err)
}

func testSchedulingReset(t *testing.T, s *store.Store) {
	ctx := context.Background()
	amy := newPatient(t, s, "9990000018", "Pond", "Amy")
	free, err := s.FreeSlots(ctx, "cardiology", 1)
	require.NoError(t, err)
	_, err = s.BookAppointment(ctx, store.Booking{PatientID: amy.ID, SlotID: free[0].ID, BookedBy: "gp.brown"})
	require.NoError(t, err)
	_, err = s.Admit(ctx, amy.ID, scheduling.BedID("ward-7", "1"), "rec.jones")
	require.NoError(t, err)

	require.NoError(t, s.Reset(ctx, nil))
	after, err := s.FreeSlots(ctx, "cardiology", 1)
	require.NoError(t, err)
	assert.Equal(t, free[0].ID, after[0].ID, "the schedule starts again from the same free slot")
	board, err := s.BedBoard(ctx)
	require.NoError(t, err)
	for _, w := range board {
		for _, b := range w.Beds {
			assert.Nil(t, b.Occupant, "%s bed %s", w.Name, b.Label)
		}
	}
	clinics, err := s.Clinics(ctx)
	require.NoError(t, err)
	assert.Len(t, clinics, len(scheduling.Clinics))
}

package messaging

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/sut/refepr/clinical/allergy"
	"github.com/eprharness/eprharness/sut/refepr/clinical/medication"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// waitN waits until the GP system has n messages and returns them parsed.
func waitN(t *testing.T, l *mllp.Listener, n int) []*hl7.Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := l.Received()
		if len(got) >= n {
			out := make([]*hl7.Message, len(got))
			for i, r := range got {
				require.NoError(t, r.Err)
				out[i] = r.Message
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d messages, want %d", len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFeedSendsWhatTheScreensDo(t *testing.T) {
	r := newRig(t)
	p := r.register(t)
	ctx := context.Background()
	require.NoError(t, r.st.CreateAllergy(ctx, &allergy.Allergy{PatientID: p.ID, Substance: "Penicillin", Reaction: "Anaphylaxis", Severity: allergy.Severe, RecordedBy: "Dr Who"}))
	require.NoError(t, r.st.CreatePrescription(ctx, &medication.Prescription{PatientID: p.ID, Drug: "Amoxicillin", Dose: "500 mg", Route: "Oral", Frequency: "Three times a day", PrescribedBy: "Dr Who"}))

	// What the UI publishes (web.Handler's admit, transfer, discharge,
	// book, reschedule and cancel), with the store changed first.
	board, err := r.st.BedBoard(ctx)
	require.NoError(t, err)
	_, err = r.st.Admit(ctx, p.ID, board[0].Beds[2].ID, "nurse")
	require.NoError(t, err)
	ui := func(e events.Event) {
		e.Source, e.At, e.By, e.PatientID = events.FromUI, clinicalNow, "nurse", p.ID
		r.bus.Publish(e)
	}
	ui(events.Event{Kind: events.Admitted, Ward: "Ward 7", Bed: "3"})
	_, err = r.st.Transfer(ctx, p.ID, board[1].Beds[0].ID)
	require.NoError(t, err)
	ui(events.Event{Kind: events.Transferred, Ward: "Ward 12", Bed: "1", FromWard: "Ward 7", FromBed: "3"})
	_, err = r.st.Discharge(ctx, p.ID)
	require.NoError(t, err)
	ui(events.Event{Kind: events.Discharged, Ward: "Ward 12", Bed: "1", Summary: "Chest pain resolved.\nReview in clinic."})

	slots, err := r.st.FreeSlots(ctx, "cardiology", 2)
	require.NoError(t, err)
	require.Len(t, slots, 2)
	appt, err := r.st.BookAppointment(ctx, store.Booking{PatientID: p.ID, SlotID: slots[0].ID, BookedBy: "receptionist"})
	require.NoError(t, err)
	ui(events.Event{Kind: events.AppointmentBooked, AppointmentID: appt.ID})
	_, err = r.st.RescheduleAppointment(ctx, appt.ID, slots[1].ID, false)
	require.NoError(t, err)
	ui(events.Event{Kind: events.AppointmentRescheduled, AppointmentID: appt.ID})
	_, err = r.st.CancelAppointment(ctx, appt.ID)
	require.NoError(t, err)
	ui(events.Event{Kind: events.AppointmentCancelled, AppointmentID: appt.ID})
	ui(events.Event{Kind: events.ReferralReceived, ReferralID: "r1"}) // not an HL7 v2 matter

	require.NoError(t, r.feed.Flush(waitCtx(t)))
	msgs := waitN(t, r.gp, 7)
	require.Len(t, msgs, 7)
	var kinds []string
	ids := map[string]bool{}
	for _, m := range msgs {
		kinds = append(kinds, get(t, m, "MSH-9"))
		ids[m.ControlID()] = true
		assert.Equal(t, "REFEPR", get(t, m, "MSH-3"))
		assert.Equal(t, "RHQ", get(t, m, "MSH-4"))
		assert.Equal(t, "GPSYS", get(t, m, "MSH-5"))
		assert.Equal(t, "GPPRACTICE", get(t, m, "MSH-6"))
		assert.Equal(t, "UNICODE UTF-8", get(t, m, "MSH-18"))
		assert.Equal(t, "2.5", get(t, m, "MSH-12"))
		assert.Equal(t, "9990000018^^^NHS^NH", get(t, m, "PID-3"))
		assert.Equal(t, "Pond^Amy", get(t, m, "PID-5"))
		assert.Equal(t, "19870315", get(t, m, "PID-7"))
		assert.Equal(t, "F", get(t, m, "PID-8"))
	}
	assert.Len(t, ids, 7, "unique control ids")
	assert.Equal(t, []string{"ADT^A01^ADT_A01", "ADT^A02^ADT_A02", "ADT^A03^ADT_A03", "MDM^T02^MDM_T02",
		"SIU^S12^SIU_S12", "SIU^S13^SIU_S12", "SIU^S15^SIU_S12"}, kinds, "in the order things happened")

	a01, a02, a03, mdm := msgs[0], msgs[1], msgs[2], msgs[3]
	assert.Equal(t, "Ward 7^^3^RHQ", get(t, a01, "PV1-3"))
	assert.Equal(t, "I", get(t, a01, "PV1-2"))
	assert.Equal(t, hl7.Timestamp(clinicalNow), get(t, a01, "PV1-44"))
	assert.Equal(t, "nurse", get(t, a01, "EVN-5"))
	assert.Equal(t, "Ward 12^^1^RHQ", get(t, a02, "PV1-3"))
	assert.Equal(t, "Ward 7^^3^RHQ", get(t, a02, "PV1-6"))
	assert.Equal(t, "Ward 12^^1^RHQ", get(t, a03, "PV1-3"))
	assert.Equal(t, hl7.Timestamp(clinicalNow), get(t, a03, "PV1-45"))

	assert.Equal(t, "DS", get(t, mdm, "TXA-2"))
	assert.Equal(t, "TX", get(t, mdm, "TXA-3"))
	lines, err := mdm.All("OBX-5")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"Discharge summary",
		"Patient: POND, Amy, NHS number 999 000 0018, born 15-Mar-1987",
		"Admitted: Mon 1 Jun 2026 10:30",
		"Discharged: Mon 1 Jun 2026 10:30",
		"Ward: Ward 12, bed 1",
		"Allergies: Penicillin (anaphylaxis), severe",
		"Current medications: Amoxicillin 500 mg oral three times a day",
		"Chest pain resolved.",
		"Review in clinic.",
	}, lines)
	assert.Equal(t, "TX", get(t, mdm, "OBX[2]-2"))
	assert.Equal(t, "18842-5^Discharge summary^LN", get(t, mdm, "OBX[2]-3"))

	s12, s13, s15 := msgs[4], msgs[5], msgs[6]
	assert.Equal(t, appt.ID, get(t, s12, "SCH-1"))
	assert.Equal(t, "Booked", get(t, s12, "SCH-25"))
	assert.Equal(t, hl7.Timestamp(slots[0].Start), get(t, s12, "SCH-11.4"))
	assert.Equal(t, "Cardiology", get(t, s12, "AIL-3.1"))
	assert.Equal(t, hl7.Timestamp(slots[0].Start), get(t, s12, "AIL-6"))
	assert.Equal(t, hl7.Timestamp(slots[1].Start), get(t, s13, "SCH-11.4"), "the new time")
	assert.Equal(t, "Booked", get(t, s13, "SCH-25"))
	assert.Equal(t, "Cancelled", get(t, s15, "SCH-25"))
	assert.Equal(t, "Cancelled", get(t, s15, "AIL-12"))
}

// deadAddr is a loopback address nothing listens on (yet).
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func ackFor(t *testing.T, control string) *hl7.Message {
	m, err := hl7.FromFields("ACK^A01^ACK", [][2]string{{"MSA-1", "AA"}, {"MSA-2", control}}, hl7.WithControlID(control))
	require.NoError(t, err)
	return m
}

func TestFeedRetriesUntilTheListenerStarts(t *testing.T) {
	addr := deadAddr(t)
	f := NewFeed(FeedConfig{Addr: addr, Store: nil, MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, DialTimeout: time.Second})
	defer f.Close(context.Background())
	f.Enqueue(ackFor(t, "LATE1"))
	f.Enqueue(ackFor(t, "LATE2"))
	time.Sleep(150 * time.Millisecond) // a few failed attempts
	l, err := mllp.Listen(context.Background(), addr)
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, f.Flush(waitCtx(t)))
	msgs := waitN(t, l, 2)
	assert.Equal(t, "LATE1", msgs[0].ControlID())
	assert.Equal(t, "LATE2", msgs[1].ControlID(), "in order")
}

func TestFeedQueueIsBoundedAndDropEmptiesIt(t *testing.T) {
	addr := deadAddr(t)
	f := NewFeed(FeedConfig{Addr: addr, QueueSize: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	defer f.Close(context.Background())
	for _, id := range []string{"Q1", "Q2", "Q3", "Q4"} {
		f.Enqueue(ackFor(t, id)) // never blocks
	}
	l, err := mllp.Listen(context.Background(), addr)
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, f.Flush(waitCtx(t)))
	var got []string
	for _, r := range l.Received() {
		got = append(got, r.Message.ControlID())
	}
	assert.Equal(t, []string{"Q1", "Q2"}, got, "a full queue drops what comes next")

	require.NoError(t, l.Close())
	f.Enqueue(ackFor(t, "D1"))
	f.Enqueue(ackFor(t, "D2"))
	time.Sleep(50 * time.Millisecond)
	f.Drop()
	require.NoError(t, f.Flush(waitCtx(t)), "after Drop nothing is pending, not even the message being retried")
	l2, err := mllp.Listen(context.Background(), addr)
	require.NoError(t, err)
	defer l2.Close()
	time.Sleep(100 * time.Millisecond)
	assert.Empty(t, l2.Received())
}

func TestFeedCloseGivesUpAtItsDeadline(t *testing.T) {
	f := NewFeed(FeedConfig{Addr: deadAddr(t), MinBackoff: 10 * time.Millisecond})
	f.Enqueue(ackFor(t, "X1"))
	f.Enqueue(ackFor(t, "X2"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := f.Close(ctx)
	assert.ErrorContains(t, err, "2 message(s) not delivered")
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.NoError(t, f.Close(context.Background()), "twice is fine")
	f.Enqueue(ackFor(t, "X3")) // closed: logged, not queued, no panic
}

func TestFeedLogsButDropsARefusedMessage(t *testing.T) {
	refused := 0
	l, err := mllp.Listen(context.Background(), "", mllp.WithHandler(func(r mllp.Received) []byte {
		refused++
		out, _ := hl7.ACK(r.Message, "AE", hl7.AckError{Code: "204", Message: "who?"}).Encode("")
		return out
	}))
	require.NoError(t, err)
	defer l.Close()
	f := NewFeed(FeedConfig{Addr: l.Addr()})
	defer f.Close(context.Background())
	f.Enqueue(ackFor(t, "R1"))
	f.Enqueue(ackFor(t, "R2"))
	require.NoError(t, f.Flush(waitCtx(t)))
	assert.Len(t, l.Received(), 2, "an AE answer is not retried")
}

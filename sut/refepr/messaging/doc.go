// Package messaging is the reference EPR's HL7 v2 interface over MLLP: an
// inbound endpoint for a patient administration system (PAS) and an
// outbound feed to a GP system.
//
// # Inbound (Listen)
//
// ADT messages are applied to the store, audited under the system user
// AuditUser ("hl7-interface") in the same transaction as the change, and
// published on the events bus with Source events.FromHL7:
//
//	ADT^A01  admit: PV1-3 is ward^room^bed by the names the bed board shows
//	         ("Ward 7^^3"); no bed (PV1-3.3 empty) takes the ward's first free bed
//	ADT^A03  discharge the admitted patient
//	ADT^A08  update patient information: demographics and allergies
//	ADT^A28  add person: register the patient (PD1-3.1 is the GP practice)
//	ADT^A31  update person: demographics (and allergies, as A08)
//
// Patients are found by the NHS number in PID-3 (NHSNUMBER^^^NHS^NH).
// Demographics: PID-5 family^given^further given names, PID-7 birth date
// (YYYYMMDD, longer timestamps are cut to the date), PID-8 sex (F, M, O, U,
// A, N), PID-11 street^other^city^^postcode. The EPR keeps no telephone
// number, so PID-13 is ignored. In an update an empty field leaves the
// recorded value alone and "" (two double quotes) clears an optional one.
// Allergies come from AL1 segments: AL1-3 the allergen (its text, AL1-3.2,
// or else its code, AL1-3.1), AL1-4 severity (SV, MO, MI, U or the words),
// AL1-5 the reaction. An allergen already recorded as active is left as it
// is; others are added. Recorded allergies the message does not mention are
// kept (unless the adt-a08-drops-allergy defect is on: then an A08 replaces
// them, deleting the ones it does not list).
//
// Acknowledgements (HL7 table 0357 codes in ERR-3, the location in ERR-2,
// the text in ERR-8 and MSA-3), answered in the message's own character
// set (MSH-18: ASCII, UNICODE UTF-8 or 8859/1):
//
//	AA  applied
//	AE  understood but not applied: unknown patient 204 (PID-3), patient
//	    already registered (A28) 205 (PID-3), unknown ward or bed 103
//	    (PV1-3), no free bed, bed occupied, already admitted or not admitted
//	    207 (PV1-3), a store failure 207
//	AR  refused: unparseable 100/102 (hl7.Reject), a type other than ADT
//	    200 (MSH-9.1), another trigger 201 (MSH-9.2), a processing id other
//	    than P, T or D 202 (MSH-11), a missing PID or PV1 100, a missing NHS
//	    number, family name, birth date, ward or allergen 101, an NHS number
//	    failing the Modulus 11 check or outside the test ranges (this EPR
//	    holds synthetic patients only), or a malformed date 102, an unknown
//	    sex or severity code 103
//
// Original mode (MSH-15 and MSH-16 empty): the AA, AE or AR is the answer
// on the connection. Enhanced mode (either set): the answer on the
// connection is the accept acknowledgement, sent when hl7.WantsAck says
// MSH-15 wants it: CR when the envelope is refused (MSH-9, MSH-11), CE
// when the store failed, CA otherwise; nothing when MSH-15 does not want
// it. (A message that does not parse is answered AR whatever its mode: its
// MSH cannot be trusted.) When MSH-16 wants it, the application acknowledgement
// (AA, AE or AR, with its own control id and MSA-2 naming the message) is
// sent as a separate message through the outbound feed to its destination
// (the only system the EPR knows to send to); without a feed it is logged
// and dropped. A refused envelope gets no application acknowledgement.
//
// Messages on one connection are processed one at a time, in order;
// connections are served concurrently. Idle connections are closed after
// IdleTimeout.
//
// A test harness may name the scenario a message belongs to in a ZTS
// segment (ZTS-1, the id it would send in the X-Test-Scenario header): the
// defect trace then records that scenario, as for an HTTP request
// (package defects). Other Z segments are ignored.
//
// # Outbound (Feed)
//
// A Feed sends, to one host:port, in order, what the events bus reports
// (Notify is its subscriber), except changes that came in over HL7 (so
// inbound messages are not echoed):
//
//	Admitted              ADT^A01  EVN, PID, PV1 (PV1-3 ward^^bed, PV1-44 admitted)
//	Transferred           ADT^A02  EVN, PID, PV1 (PV1-6 the prior location)
//	Discharged            ADT^A03  EVN, PID, PV1 (PV1-45 discharged), then
//	                      MDM^T02  EVN, PID, PV1, TXA (TXA-2 DS), OBX TX lines: the
//	                               discharge summary (dates, ward, allergies,
//	                               current medications)
//	AppointmentBooked     SIU^S12  SCH, PID, RGS, AIL (the clinic)
//	AppointmentRescheduled SIU^S13
//	AppointmentCancelled  SIU^S15
//
// Every message has MSH-3 REFEPR, MSH-4 RHQ, MSH-5 GPSYS, MSH-6 GPPRACTICE,
// a unique MSH-10, MSH-11 P, MSH-12 2.5, MSH-18 UNICODE UTF-8 and PID-3
// NHSNUMBER^^^NHS^NH. SCH-25 and AIL-12 are "Booked" (S12, S13) or
// "Cancelled" (S15). Notify builds each message from the store when the
// event is published (a few reads on the publisher's goroutine, so the
// message describes the record as the change left it) and queues it.
//
// Delivery: one goroutine sends the bounded queue (QueueSize) in order; a
// connection failure or a missing acknowledgement is retried with
// exponential backoff, for ever, holding up the messages behind it (the
// order matters to the receiver); an AE, AR, CE or CR answer is logged and
// the message dropped. Notify and Enqueue never wait for delivery: a full queue drops
// the new message and logs it. Drop empties the queue (the EPR's Reset);
// Close stops taking messages, waits until the queue is sent or ctx ends,
// and stops the sender.
//
// Ownership: Listen's Inbound and NewFeed's Feed belong to the caller, who
// must Close them; Close is safe to call twice. Both are safe for concurrent
// use. Neither closes the store or the bus it was given.
package messaging

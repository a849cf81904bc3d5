package fhir

// FHIR messaging: POST /fhir/$process-message takes a Bundle of type
// "message" whose first entry is a MessageHeader and processes the
// referral it carries, in one database transaction:
//
//	{"resourceType": "Bundle", "type": "message", "entry": [
//	  {"fullUrl": "urn:uuid:6f1c...", "resource": {"resourceType": "MessageHeader", "id": "6f1c...",
//	    "eventCoding": {"system": "https://fhir.nhs.uk/CodeSystem/message-event", "code": "servicerequest-request"},
//	    "source": {"endpoint": "urn:gp:Y99999"}, "sender": {"display": "The Village Surgery (Y99999)"},
//	    "focus": [{"reference": "urn:uuid:1b2c..."}]}},
//	  {"fullUrl": "urn:uuid:1b2c...", "resource": {"resourceType": "ServiceRequest", ...}}]}
//
// Event codes (any system; https://fhir.nhs.uk/CodeSystem/message-event is
// the documented one): servicerequest-request (a new referral: each focus
// ServiceRequest is created as POST /fhir/ServiceRequest would),
// servicerequest-update and servicerequest-cancel (each focus ServiceRequest
// updates the referral its id names, or, without an id, the patient's open
// referral to the same clinic; cancel means status revoked). Without focus,
// every ServiceRequest entry is the focus. A Patient entry may come along:
// a reference to its fullUrl is resolved by its NHS number to the patient
// the EPR has (an unknown patient is an error; the message registers no
// one).
//
// The answer is a Bundle of type "message" whose MessageHeader.response
// has the request's MessageHeader id as identifier and code ok (HTTP 200;
// focus lists the ServiceRequests stored), or fatal-error (the request's
// HTTP status, 400 or 422, and an OperationOutcome entry naming the
// problem) or transient-error (500). A request that is not a message
// Bundle at all is answered with a plain OperationOutcome.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// MessageEventSystem is the code system of the message events the EPR
// documents.
const MessageEventSystem = "https://fhir.nhs.uk/CodeSystem/message-event"

// Message events.
const (
	EventReferralRequest = "servicerequest-request"
	EventReferralUpdate  = "servicerequest-update"
	EventReferralCancel  = "servicerequest-cancel"
)

// MessageHeader is the subset of the FHIR R4 resource the EPR reads and
// writes.
type MessageHeader struct {
	ResourceType string                 `json:"resourceType"`
	ID           string                 `json:"id,omitempty"`
	EventCoding  *Coding                `json:"eventCoding,omitempty"`
	Source       *MessageSource         `json:"source,omitempty"`
	Sender       *Reference             `json:"sender,omitempty"`
	Focus        []Reference            `json:"focus,omitempty"`
	Response     *MessageHeaderResponse `json:"response,omitempty"`
}

// MessageSource is where a message comes from.
type MessageSource struct {
	Name     string `json:"name,omitempty"`
	Endpoint string `json:"endpoint"`
}

// MessageHeaderResponse answers a request message.
type MessageHeaderResponse struct {
	Identifier string     `json:"identifier"`
	Code       string     `json:"code"` // ok, transient-error or fatal-error
	Details    *Reference `json:"details,omitempty"`
}

func (h *Handler) processMessage(w http.ResponseWriter, r *http.Request) {
	var b Bundle
	if oe := decode(w, r, maxBundleBytes, &b); oe != nil {
		h.fail(w, r, oe)
		return
	}
	who, err := h.caller(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	header, oe := messageHeader(b)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	focus, err := h.processReferralMessage(r.Context(), b, header, who)
	reply := MessageHeader{ResourceType: "MessageHeader", ID: store.NewID(), EventCoding: header.EventCoding,
		Source:   &MessageSource{Name: "REFEPR", Endpoint: baseURL(r) + "/$process-message"},
		Response: &MessageHeaderResponse{Identifier: header.ID, Code: "ok"}}
	status := http.StatusOK
	var outcome *OperationOutcome
	if err != nil {
		var oe *opError
		if errors.As(err, &oe) && oe.status < 500 {
			reply.Response.Code, status = "fatal-error", oe.status
		} else {
			h.log.ErrorContext(r.Context(), "FHIR message failed", "error", err)
			oe = newOpError(http.StatusInternalServerError, codeException, "internal error: %v", err)
			reply.Response.Code, status = "transient-error", oe.status
		}
		outcome = oe.outcome()
		reply.Response.Details = &Reference{Reference: "urn:uuid:outcome"}
	} else {
		for _, loc := range focus {
			reply.Focus = append(reply.Focus, Reference{Reference: loc})
		}
	}
	out := Bundle{ResourceType: "Bundle", ID: store.NewID(), Meta: &Meta{LastUpdated: formatInstant(h.now())}, Type: "message"}
	raw, _ := json.Marshal(reply)
	out.Entry = append(out.Entry, BundleEntry{FullURL: "urn:uuid:" + reply.ID, Resource: raw})
	if outcome != nil {
		raw, _ := json.Marshal(outcome)
		out.Entry = append(out.Entry, BundleEntry{FullURL: "urn:uuid:outcome", Resource: raw})
	}
	h.write(w, r, status, out)
}

// messageHeader checks the Bundle is a message and reads its header.
func messageHeader(b Bundle) (MessageHeader, *opError) {
	if b.ResourceType != "Bundle" {
		return MessageHeader{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Bundle, got %q", b.ResourceType)
	}
	if b.Type != "message" {
		return MessageHeader{}, newOpError(http.StatusUnprocessableEntity, codeInvalid, "Bundle.type: $process-message takes a message Bundle, not %q", b.Type)
	}
	if len(b.Entry) == 0 {
		return MessageHeader{}, newOpError(http.StatusUnprocessableEntity, codeRequired, "Bundle.entry[0]: a MessageHeader is required")
	}
	var header MessageHeader
	if err := json.Unmarshal(b.Entry[0].Resource, &header); err != nil || header.ResourceType != "MessageHeader" {
		return MessageHeader{}, newOpError(http.StatusUnprocessableEntity, codeStructure, "Bundle.entry[0]: the first entry of a message must be a MessageHeader")
	}
	if header.ID == "" {
		header.ID, _ = strings.CutPrefix(b.Entry[0].FullURL, "urn:uuid:")
	}
	if header.EventCoding == nil || header.EventCoding.Code == "" {
		return header, newOpError(http.StatusUnprocessableEntity, codeRequired, "MessageHeader.eventCoding: the message event is required (%s)", EventReferralRequest)
	}
	return header, nil
}

// processReferralMessage stores the referrals of a message and returns
// their locations.
func (h *Handler) processReferralMessage(ctx context.Context, b Bundle, header MessageHeader, who string) ([]string, error) {
	event := header.EventCoding.Code
	if event != EventReferralRequest && event != EventReferralUpdate && event != EventReferralCancel {
		return nil, newOpError(http.StatusUnprocessableEntity, codeNotSupported,
			"MessageHeader.eventCoding: event %q is not supported (%s, %s or %s)", event, EventReferralRequest, EventReferralUpdate, EventReferralCancel)
	}
	focus := map[string]bool{}
	for _, f := range header.Focus {
		focus[f.Reference] = true
	}
	type item struct {
		index   int
		fullURL string
		res     ServiceRequest
		req     referralRequest
	}
	var (
		items    []item
		patients = map[string]*Identifier{} // Patient entries' fullUrls and NHS numbers
	)
	for i, e := range b.Entry[1:] {
		i++
		prefix := fmt.Sprintf("Bundle.entry[%d]", i)
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if err := json.Unmarshal(e.Resource, &head); err != nil {
			return nil, newOpError(http.StatusBadRequest, codeStructure, "%s.resource: %v", prefix, err)
		}
		switch head.ResourceType {
		case "Patient":
			var p Patient
			if err := json.Unmarshal(e.Resource, &p); err != nil {
				return nil, newOpError(http.StatusBadRequest, codeStructure, "%s.resource: invalid Patient: %v", prefix, err)
			}
			for _, id := range p.Identifier {
				if id.System == patient.NHSNumberSystem {
					id := id
					for _, key := range []string{e.FullURL, "Patient/" + p.ID} {
						patients[key] = &id
					}
				}
			}
		case "ServiceRequest":
			inFocus := len(focus) == 0 || focus[e.FullURL] || (head.ID != "" && focus["ServiceRequest/"+head.ID])
			if !inFocus {
				continue
			}
			var res ServiceRequest
			if err := json.Unmarshal(e.Resource, &res); err != nil {
				return nil, newOpError(http.StatusBadRequest, codeStructure, "%s.resource: invalid ServiceRequest: %v", prefix, err)
			}
			if event == EventReferralCancel && res.Status == store.ReferralActive {
				res.Status = store.ReferralRevoked
			}
			// A subject naming a Patient entry is that patient, by NHS number.
			if res.Subject != nil && res.Subject.Identifier == nil {
				if id := patients[res.Subject.Reference]; id != nil {
					res.Subject = &LogicalReference{Identifier: id}
				}
			}
			req, oe := serviceRequestFromResource(res)
			if oe != nil {
				return nil, oe.withPrefix(prefix)
			}
			items = append(items, item{index: i, fullURL: e.FullURL, res: res, req: req})
		}
	}
	// Patient entries may come after the ServiceRequest.
	for k := range items {
		if s := items[k].req.subject; s != nil && s.Identifier == nil {
			if id := patients[s.Reference]; id != nil {
				items[k].req.subject = &LogicalReference{Identifier: id}
			}
		}
	}
	if len(items) == 0 {
		return nil, newOpError(http.StatusUnprocessableEntity, codeRequired, "Bundle.entry: the message carries no ServiceRequest (MessageHeader.focus)")
	}
	var (
		locations []string
		committed []entryResponse
	)
	err := h.store.InTx(ctx, func(tx *store.Tx) error {
		locations, committed = nil, nil
		for _, it := range items {
			prefix := fmt.Sprintf("Bundle.entry[%d]", it.index)
			var (
				resp entryResponse
				err  error
			)
			interaction := "create"
			if event == EventReferralRequest {
				resp, err = createReferral(ctx, tx, it.req, it.res, nil)
			} else {
				interaction = "update"
				var id string
				if id, err = h.referralToUpdate(ctx, tx, it.res, it.req); err == nil {
					_, resp, err = updateReferral(ctx, tx, id, it.req, nil)
				}
			}
			var oe *opError
			if errors.As(err, &oe) {
				return oe.withPrefix(prefix)
			}
			if err != nil {
				return fmt.Errorf("message entry %d: %w", it.index, err)
			}
			if err := h.audit(ctx, tx, who, fmt.Sprintf("message %s entry %d: %s", event, it.index, interaction), resp); err != nil {
				return err
			}
			locations = append(locations, resp.location)
			committed = append(committed, resp)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, resp := range committed {
		h.publish(who, resp)
	}
	return locations, nil
}

// referralToUpdate finds the referral an update or cancel message means:
// the ServiceRequest's id, else the patient's one active referral to the
// clinic.
func (h *Handler) referralToUpdate(ctx context.Context, tx *store.Tx, res ServiceRequest, req referralRequest) (string, error) {
	if res.ID != "" {
		return res.ID, nil
	}
	patientID, err := subjectPatient(ctx, tx, req.subject, nil)
	if err != nil {
		return "", err
	}
	clinic, err := clinicNamed(ctx, tx, req.clinic)
	if err != nil {
		return "", err
	}
	open, err := tx.Referrals(ctx, store.ReferralQuery{PatientID: patientID, ClinicID: clinic.ID, Statuses: []string{store.ReferralActive}})
	if err != nil {
		return "", err
	}
	switch len(open) {
	case 0:
		return "", newOpError(http.StatusUnprocessableEntity, codeNotFound, "ServiceRequest: Patient/%s has no open referral to %s", patientID, clinic.Name)
	case 1:
		return open[0].ID, nil
	}
	return "", newOpError(http.StatusUnprocessableEntity, codeMultipleMatches, "ServiceRequest: Patient/%s has %d open referrals to %s; name one by id", patientID, len(open), clinic.Name)
}

const codeMultipleMatches = "multiple-matches"

package fhir

// Subscriptions (FHIR R4, rest-hook): another system (a GP system) asks
// to be told when appointments or referrals change.
//
//	POST   /fhir/Subscription        create (status requested or active; stored active)
//	GET    /fhir/Subscription        list
//	GET    /fhir/Subscription/{id}   read (status error and error text after failed deliveries)
//	DELETE /fhir/Subscription/{id}   delete (200 with an OperationOutcome)
//
// criteria: "Appointment" or "ServiceRequest", optionally with
// ?patient=Patient/{id} (or {id}; subject= too),
// ?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{NHS number}
// (the system may be left out) and status={code}, joined with &.
// channel.type must be rest-hook; channel.endpoint an absolute http or
// https URL. The reference EPR calls whatever URL it is given: it runs only
// in test environments, where the endpoint is the test harness. channel.
// payload "application/fhir+json" (or "application/json") sends the
// resource: PUT {endpoint}/{type}/{id} with the resource as JSON (R4
// rest-hook); an empty payload sends POST {endpoint} with an empty body.
// channel.header lines ("Authorization: Bearer x") are sent with each
// notification.
//
// What is notified: each appointment booked, rescheduled or cancelled
// (through the UI or the API, as events.Event from the EPR's notice
// board) and each referral received or withdrawn, as the resource is when
// the notification is made. Delivery is asynchronous: the request that
// made the change never waits. Events are matched in the order they are
// published, and each subscription's notifications are sent one at a time
// in that order. A delivery that fails (no answer, or not 2xx) is tried
// again (4 attempts, backoff from 250ms doubling); when every attempt
// fails the subscription's status becomes "error" with the reason in
// Subscription.error, and it is not notified again. The delivery
// goroutines end when their queues are empty; nothing needs closing.
// Subscriptions are stored (a Reset deletes them). Creating or deleting one
// is not audited (it is about no patient).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// Subscription is the subset of the FHIR R4 resource the EPR keeps.
type Subscription struct {
	ResourceType string              `json:"resourceType"`
	ID           string              `json:"id,omitempty"`
	Meta         *Meta               `json:"meta,omitempty"`
	Status       string              `json:"status"`
	Reason       string              `json:"reason,omitempty"`
	Criteria     string              `json:"criteria"`
	Error        string              `json:"error,omitempty"`
	Channel      SubscriptionChannel `json:"channel"`
}

// SubscriptionChannel is where and how notifications go.
type SubscriptionChannel struct {
	Type     string   `json:"type"`
	Endpoint string   `json:"endpoint,omitempty"`
	Payload  string   `json:"payload,omitempty"`
	Header   []string `json:"header,omitempty"`
}

// criteria is a parsed Subscription.criteria.
type criteria struct {
	resourceType string
	patientID    string
	nhs          nhsnumber.Number
	status       string
}

func parseCriteria(s string) (criteria, *opError) {
	typ, query, _ := strings.Cut(strings.TrimSpace(s), "?")
	c := criteria{resourceType: typ}
	if typ != "Appointment" && typ != "ServiceRequest" {
		return c, newOpError(http.StatusUnprocessableEntity, codeNotSupported, "Subscription.criteria: %q is not supported; subscribe to Appointment or ServiceRequest", s)
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return c, newOpError(http.StatusUnprocessableEntity, codeValue, "Subscription.criteria: %q is not a search: %v", s, err)
	}
	for name, vs := range values {
		v := vs[0]
		switch name {
		case "patient", "subject":
			c.patientID = strings.TrimPrefix(v, "Patient/")
		case "patient.identifier", "subject.identifier", "patient:identifier", "subject:identifier":
			system, value, ok := nhsNumberToken(v)
			if !ok {
				return c, newOpError(http.StatusUnprocessableEntity, codeNotSupported, "Subscription.criteria: %s system %q is not supported; use %s", name, system, patient.NHSNumberSystem)
			}
			n, err := nhsnumber.Parse(value)
			if err != nil {
				return c, newOpError(http.StatusUnprocessableEntity, codeValue, "Subscription.criteria: %q is not a valid NHS number", value)
			}
			c.nhs = n
		case "status":
			c.status = v
		default:
			return c, newOpError(http.StatusUnprocessableEntity, codeNotSupported,
				"Subscription.criteria: parameter %q is not supported (patient, patient.identifier, status)", name)
		}
	}
	return c, nil
}

func subscriptionResource(s store.Subscription) Subscription {
	return Subscription{ResourceType: "Subscription", ID: s.ID, Meta: &Meta{VersionID: "1", LastUpdated: formatInstant(s.LastUpdated)},
		Status: s.Status, Reason: s.Reason, Criteria: s.Criteria, Error: s.Error,
		Channel: SubscriptionChannel{Type: "rest-hook", Endpoint: s.Endpoint, Payload: s.Payload, Header: s.Headers}}
}

func subscriptionFromResource(res Subscription) (store.Subscription, *opError) {
	if res.ResourceType != "Subscription" {
		return store.Subscription{}, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Subscription, got %q", res.ResourceType)
	}
	if _, oe := parseCriteria(res.Criteria); oe != nil {
		return store.Subscription{}, oe
	}
	switch res.Status {
	case "", store.SubscriptionRequested, store.SubscriptionActive:
	default:
		return store.Subscription{}, newOpError(http.StatusUnprocessableEntity, codeValue, "Subscription.status: a new subscription is requested or active, not %q", res.Status)
	}
	if res.Channel.Type != "rest-hook" {
		return store.Subscription{}, newOpError(http.StatusUnprocessableEntity, codeNotSupported, "Subscription.channel.type: %q is not supported; use rest-hook", res.Channel.Type)
	}
	u, err := url.Parse(res.Channel.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return store.Subscription{}, newOpError(http.StatusUnprocessableEntity, codeValue, "Subscription.channel.endpoint: %q is not an absolute http or https URL", res.Channel.Endpoint)
	}
	payload := res.Channel.Payload
	switch mt, _, _ := strings.Cut(payload, ";"); strings.TrimSpace(mt) {
	case "":
		payload = ""
	case "application/fhir+json", "application/json":
		payload = "application/fhir+json"
	default:
		return store.Subscription{}, newOpError(http.StatusUnprocessableEntity, codeNotSupported, "Subscription.channel.payload: %q is not supported; use application/fhir+json or none", payload)
	}
	for _, hd := range res.Channel.Header {
		if name, _, ok := strings.Cut(hd, ":"); !ok || strings.TrimSpace(name) == "" {
			return store.Subscription{}, newOpError(http.StatusUnprocessableEntity, codeValue, "Subscription.channel.header: %q is not \"Name: value\"", hd)
		}
	}
	return store.Subscription{Criteria: strings.TrimSpace(res.Criteria), Endpoint: res.Channel.Endpoint, Payload: payload,
		Headers: res.Channel.Header, Reason: res.Reason, Status: store.SubscriptionActive}, nil
}

func (h *Handler) subscriptionRoutes() {
	h.route("POST /fhir/Subscription", h.createSubscription)
	h.route("GET /fhir/Subscription", h.searchSubscriptions)
	h.route("GET /fhir/Subscription/{id}", h.readSubscription)
	h.route("DELETE /fhir/Subscription/{id}", h.deleteSubscription)
	if h.events == nil {
		h.events = &events.Bus{} // changes made through the API still notify
	}
	h.notifier = newNotifier(h)
	h.events.Subscribe(h.notifier.enqueue)
}

func (h *Handler) createSubscription(w http.ResponseWriter, r *http.Request) {
	if _, err := h.caller(r); err != nil {
		h.fail(w, r, err)
		return
	}
	var res Subscription
	if oe := decode(w, r, maxResourceBytes, &res); oe != nil {
		h.fail(w, r, oe)
		return
	}
	sub, oe := subscriptionFromResource(res)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	if err := h.store.CreateSubscription(r.Context(), &sub); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "subscription created", "id", sub.ID, "criteria", sub.Criteria, "endpoint", sub.Endpoint)
	w.Header().Set("Location", "/fhir/Subscription/"+sub.ID)
	h.write(w, r, http.StatusCreated, subscriptionResource(sub))
}

func (h *Handler) readSubscription(w http.ResponseWriter, r *http.Request) {
	readByID(h, w, r, "Subscription", h.store.Subscription, subscriptionResource)
}

func (h *Handler) searchSubscriptions(w http.ResponseWriter, r *http.Request) {
	list, err := h.store.Subscriptions(r.Context(), r.URL.Query().Get("status"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	searchsetOf(h, w, r, "Subscription", list, nil, subscriptionResource, func(s store.Subscription) string { return s.ID })
}

func (h *Handler) deleteSubscription(w http.ResponseWriter, r *http.Request) {
	if _, err := h.caller(r); err != nil {
		h.fail(w, r, err)
		return
	}
	err := h.store.DeleteSubscription(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, newOpError(http.StatusNotFound, codeNotFound, "Subscription/%s is not known", r.PathValue("id")))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: "information",
		Code: "informational", Diagnostics: "Subscription/" + r.PathValue("id") + " deleted"}}})
}

// SetNotificationRetry sets how many times a notification is tried and
// the first wait between tries (doubling after each); for tests. Call it
// before serving requests.
func (h *Handler) SetNotificationRetry(attempts int, backoff time.Duration) {
	if attempts > 0 {
		h.notifier.attempts = attempts
	}
	if backoff > 0 {
		h.notifier.backoff = backoff
	}
}

// notifier matches events against the subscriptions and delivers the
// notifications.
type notifier struct {
	h        *Handler
	client   *http.Client
	attempts int
	backoff  time.Duration

	mu      sync.Mutex
	pending []events.Event
	busy    bool                  // the event worker runs
	queues  map[string][]delivery // per subscription id
	sending map[string]bool       // a delivery worker runs for the subscription
}

type delivery struct {
	sub          store.Subscription
	resourceType string
	id           string
	body         []byte
}

func newNotifier(h *Handler) *notifier {
	return &notifier{h: h, client: &http.Client{Timeout: 5 * time.Second}, attempts: 4, backoff: 250 * time.Millisecond,
		queues: map[string][]delivery{}, sending: map[string]bool{}}
}

// enqueue is the events.Bus subscriber: it queues and returns.
func (n *notifier) enqueue(e events.Event) {
	switch e.Kind {
	case events.AppointmentBooked, events.AppointmentRescheduled, events.AppointmentCancelled,
		events.ReferralReceived, events.ReferralCancelled:
	default:
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pending = append(n.pending, e)
	if !n.busy {
		n.busy = true
		go n.matchEvents()
	}
}

// matchEvents turns the pending events, in order, into deliveries.
func (n *notifier) matchEvents() {
	for {
		n.mu.Lock()
		if len(n.pending) == 0 {
			n.busy = false
			n.mu.Unlock()
			return
		}
		e := n.pending[0]
		n.pending = n.pending[1:]
		n.mu.Unlock()
		if err := n.match(e); err != nil {
			n.h.log.Error("subscription notification not made", "event", e.Kind, "error", err)
		}
	}
}

func (n *notifier) match(e events.Event) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	subs, err := n.h.store.Subscriptions(ctx, store.SubscriptionActive)
	if err != nil || len(subs) == 0 {
		return err
	}
	var (
		typ, id, status string
		resource        any
	)
	if e.AppointmentID != "" {
		a, err := n.h.store.Appointment(ctx, e.AppointmentID)
		if err != nil {
			return err
		}
		typ, id, status, resource = "Appointment", a.ID, a.Status, appointmentResource(a)
	} else {
		r, err := n.h.store.Referral(ctx, e.ReferralID)
		if err != nil {
			return err
		}
		typ, id, status, resource = "ServiceRequest", r.ID, r.Status, serviceRequestResource(r)
	}
	p, err := n.h.store.Patient(ctx, e.PatientID)
	if err != nil {
		return err
	}
	body, err := jsonBody(resource)
	if err != nil {
		return err
	}
	for _, s := range subs {
		c, oe := parseCriteria(s.Criteria)
		if oe != nil || c.resourceType != typ || (c.patientID != "" && c.patientID != p.ID) ||
			(c.nhs != "" && c.nhs != p.NHSNumber) || (c.status != "" && !slices.Contains(strings.Split(c.status, ","), status)) {
			continue
		}
		n.deliver(delivery{sub: s, resourceType: typ, id: id, body: body})
	}
	return nil
}

func jsonBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode notification: %w", err)
	}
	return b, nil
}

// deliver queues d behind the subscription's earlier notifications.
func (n *notifier) deliver(d delivery) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.queues[d.sub.ID] = append(n.queues[d.sub.ID], d)
	if !n.sending[d.sub.ID] {
		n.sending[d.sub.ID] = true
		go n.send(d.sub.ID)
	}
}

// send delivers a subscription's queue in order; after a delivery fails
// every attempt, the subscription is in error and the rest is dropped.
func (n *notifier) send(subID string) {
	failed := false
	for {
		n.mu.Lock()
		q := n.queues[subID]
		if len(q) == 0 {
			delete(n.queues, subID)
			delete(n.sending, subID)
			n.mu.Unlock()
			return
		}
		d := q[0]
		n.queues[subID] = q[1:]
		n.mu.Unlock()
		if failed {
			continue
		}
		if err := n.attempt(d); err != nil {
			failed = true
			n.h.log.Warn("subscription notification failed", "subscription", subID, "error", err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := n.h.store.SetSubscriptionStatus(ctx, subID, store.SubscriptionError, err.Error()); err != nil && !errors.Is(err, store.ErrNotFound) {
				n.h.log.Error("set subscription status", "subscription", subID, "error", err)
			}
			cancel()
		}
	}
}

// attempt sends one notification, trying again with backoff.
func (n *notifier) attempt(d delivery) error {
	wait := n.backoff
	var last error
	for i := 0; i < n.attempts; i++ {
		if i > 0 {
			time.Sleep(wait)
			wait *= 2
		}
		if last = n.post(d); last == nil {
			return nil
		}
	}
	return fmt.Errorf("notify %s/%s to %s: %d attempts failed, last: %w", d.resourceType, d.id, d.sub.Endpoint, n.attempts, last)
}

func (n *notifier) post(d delivery) error {
	method, target, body := http.MethodPost, d.sub.Endpoint, []byte(nil)
	if d.sub.Payload != "" {
		method, target, body = http.MethodPut, strings.TrimSuffix(d.sub.Endpoint, "/")+"/"+d.resourceType+"/"+d.id, d.body
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json; charset=utf-8")
	}
	for _, hd := range d.sub.Headers {
		name, value, _ := strings.Cut(hd, ":")
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s answered %s", method, target, resp.Status)
	}
	return nil
}

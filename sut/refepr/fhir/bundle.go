package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// entryResponse is the result of creating (or matching, or updating) one
// resource, and what the audit log is to say about it.
type entryResponse struct {
	status   int    // http.StatusCreated, or http.StatusOK (matched by ifNoneExist, or updated)
	location string // "Patient/{id}"
	patient  patient.Patient
	// action is the audit action of a change; "" when nothing changed
	// (a conditional create that matched), so nothing is audited.
	action audit.Action
	// patientID is the patient the change is about (patient.ID when zero).
	patientID string
	// details follow the interaction and location in the audit entry.
	details string
	// events are published once the change is committed (Handler.publish).
	events []events.Event
}

// audit appends the audit entry of one write inside its transaction:
// who is the caller, interaction the FHIR interaction ("create",
// "update", "transaction entry 2: create").
func (h *Handler) audit(ctx context.Context, tx *store.Tx, who, interaction string, resp entryResponse) error {
	if resp.action == "" {
		return nil
	}
	p := resp.patient
	if resp.patientID != "" && resp.patientID != p.ID {
		var err error
		if p, err = tx.Patient(ctx, resp.patientID); err != nil {
			return fmt.Errorf("audit %s: %w", resp.location, err)
		}
	}
	details := "FHIR " + interaction + " " + resp.location
	if resp.details != "" {
		details += ": " + resp.details
	}
	if err := tx.AppendAudit(ctx, &audit.Entry{At: h.now(), Username: who, Action: resp.action,
		PatientID: p.ID, NHSNumber: p.NHSNumber.String(), Details: details}); err != nil {
		return fmt.Errorf("audit %s: %w", resp.location, err)
	}
	return nil
}

func statusLine(code int) string { return fmt.Sprintf("%d %s", code, http.StatusText(code)) }

func (e entryResponse) bundleResponse() *BundleEntryResponse {
	r := &BundleEntryResponse{Status: statusLine(e.status), Location: e.location, Etag: `W/"1"`}
	if !e.patient.LastUpdated.IsZero() { // unknown for a resource matched by a conditional create
		r.LastModified = formatInstant(e.patient.LastUpdated)
	}
	return r
}

// runner performs one planned entry inside a transaction. refs maps the
// fullUrls of entries already run (such as urn:uuid:...) to their locations,
// for resolving references between entries.
type runner func(ctx context.Context, tx *store.Tx, refs map[string]string) (entryResponse, error)

// planner validates one entry's resource and request (a POST) and returns
// the work to do. The Handler gives the defects turned on, so an entry
// behaves exactly as the same resource POSTed on its own. Adding a resource
// type to transactions means adding a planner; request.ifNoneExist and the
// resource's identifiers are handled for every type (planCreate).
type planner func(ctx context.Context, h *Handler, raw json.RawMessage, req BundleEntryRequest) (runner, *opError)

var planners = map[string]planner{
	"Patient": planPatient,
}

// planned decodes a Bundle entry's resource as an R named typ, converts it
// with parse (problems are reported under "resource"), and returns a runner
// that stores it with run: the shape every planner shares.
func planned[R, V any](raw json.RawMessage, typ string, parse func(R) (V, *opError),
	run func(ctx context.Context, tx *store.Tx, v V, res R, refs map[string]string) (entryResponse, error)) (runner, *opError) {
	var res R
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, newOpError(http.StatusBadRequest, codeStructure, "resource: invalid %s: %v", typ, err)
	}
	v, oe := parse(res)
	if oe != nil {
		return nil, oe.withPrefix("resource")
	}
	return func(ctx context.Context, tx *store.Tx, refs map[string]string) (entryResponse, error) {
		return run(ctx, tx, v, res, refs)
	}, nil
}

// updatePlanner is a planner for a PUT of {type}/{id}.
type updatePlanner func(ctx context.Context, h *Handler, raw json.RawMessage, id string) (runner, *opError)

// updatePlanners are the resource types a transaction or batch may update.
var updatePlanners = map[string]updatePlanner{}

func planPatient(ctx context.Context, h *Handler, raw json.RawMessage, _ BundleEntryRequest) (runner, *opError) {
	var res Patient
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, newOpError(http.StatusBadRequest, codeStructure, "resource: invalid Patient: %v", err)
	}
	p, oe := fromResourceChecked(res, false)
	if oe != nil {
		// The defect applies when a wrong check digit is all that is wrong.
		lp, loe := fromResourceChecked(res, true)
		if h.defects.Fires(ctx, defects.NHSCheckDigit, loe == nil) {
			p, oe = lp, nil
		}
	}
	if oe != nil {
		return nil, oe.withPrefix("resource")
	}
	return func(ctx context.Context, tx *store.Tx, _ map[string]string) (entryResponse, error) {
		return createPatientRecord(ctx, tx, p)
	}, nil
}

// createPatientRecord creates p, refusing a second patient with the same
// NHS number (409). A conditional create (conditional.go) has already
// looked for an existing patient.
func createPatientRecord(ctx context.Context, ps store.PatientStore, p patient.Patient) (entryResponse, error) {
	// Looked up first for a message naming the existing record; the unique
	// constraint still guards against a concurrent create.
	existing, err := ps.PatientByNHSNumber(ctx, p.NHSNumber)
	if err == nil {
		return entryResponse{}, newOpError(http.StatusConflict, codeDuplicate,
			"Patient.identifier: NHS number %s is already registered as Patient/%s", p.NHSNumber, existing.ID)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return entryResponse{}, err
	}
	if err := ps.CreatePatient(ctx, &p); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return entryResponse{}, newOpError(http.StatusConflict, codeDuplicate,
				"Patient.identifier: NHS number %s is already registered", p.NHSNumber)
		}
		return entryResponse{}, err
	}
	details := ""
	if p.Sensitive {
		details = "restricted record"
	}
	return entryResponse{status: http.StatusCreated, location: "Patient/" + p.ID, patient: p,
		action: audit.RegisterPatient, details: details}, nil
}

// plannedEntry is one entry after validation: exactly one of run, problem
// and skipped is set.
type plannedEntry struct {
	fullURL     string
	interaction string // "create" or "update"
	run         runner
	problem     *opError
	skipped     string // why the entry was skipped
}

// plan validates every entry of a transaction or batch.
func (h *Handler) plan(ctx context.Context, b Bundle) []plannedEntry {
	out := make([]plannedEntry, len(b.Entry))
	for i, e := range b.Entry {
		pe := &out[i]
		pe.fullURL = e.FullURL
		prefix := fmt.Sprintf("Bundle.entry[%d]", i)
		if e.Request == nil {
			pe.problem = newOpError(http.StatusUnprocessableEntity, codeRequired, "%s.request: required in a %s", prefix, b.Type)
			continue
		}
		if len(e.Resource) == 0 || string(e.Resource) == "null" {
			pe.problem = newOpError(http.StatusUnprocessableEntity, codeRequired, "%s.resource: required for %s", prefix, e.Request.Method)
			continue
		}
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(e.Resource, &head); err != nil || head.ResourceType == "" {
			pe.problem = newOpError(http.StatusUnprocessableEntity, codeStructure, "%s.resource: not a FHIR resource (no resourceType)", prefix)
			continue
		}
		plan, supported := planners[head.ResourceType]
		if !supported {
			msg := fmt.Sprintf("%s: resource type %s is not supported (supported: %s)", prefix, head.ResourceType, supportedTypes())
			if h.unsupported == SkipUnsupported {
				pe.skipped = msg
			} else {
				pe.problem = newOpError(http.StatusUnprocessableEntity, codeNotSupported, "%s", msg)
			}
			continue
		}
		target, _, _ := strings.Cut(e.Request.URL, "?")
		target = strings.TrimPrefix(target, "/")
		var (
			run runner
			oe  *opError
		)
		switch m := strings.ToUpper(e.Request.Method); {
		case m == http.MethodPut && updatePlanners[head.ResourceType] != nil:
			id, ok := strings.CutPrefix(target, head.ResourceType+"/")
			if !ok || id == "" || strings.Contains(id, "/") {
				pe.problem = newOpError(http.StatusUnprocessableEntity, codeInvalid,
					"%s.request.url: %q is not %s/{id} (a PUT updates one %s)", prefix, e.Request.URL, head.ResourceType, head.ResourceType)
				continue
			}
			pe.interaction = "update"
			run, oe = updatePlanners[head.ResourceType](ctx, h, e.Resource, id)
		case m != http.MethodPost:
			pe.problem = newOpError(http.StatusUnprocessableEntity, codeNotSupported,
				"%s.request.method: %s is not supported (%s)", prefix, e.Request.Method, supportedMethods(head.ResourceType))
			continue
		case target != head.ResourceType:
			pe.problem = newOpError(http.StatusUnprocessableEntity, codeInvalid,
				"%s.request.url: %q does not match the resource type %s", prefix, e.Request.URL, head.ResourceType)
			continue
		default:
			pe.interaction = "create"
			run, oe = planCreate(ctx, h, plan, head.ResourceType, e.Resource, *e.Request)
		}
		if oe != nil {
			pe.problem = oe.withPrefix(prefix)
			continue
		}
		pe.run = run
	}
	return out
}

// planCreate plans a create (a POST) of a resource of type typ with the
// type's planner, made conditional on request.ifNoneExist and keeping the
// resource's identifiers (conditional.go).
func planCreate(ctx context.Context, h *Handler, plan planner, typ string, raw json.RawMessage, req BundleEntryRequest) (runner, *opError) {
	run, oe := plan(ctx, h, raw, req)
	if oe != nil {
		return nil, oe
	}
	ids, oe := identifiersOf(raw)
	if oe != nil {
		return nil, oe.withPrefix("resource")
	}
	var q *identifierQuery
	if req.IfNoneExist != "" {
		parsed, oe := parseIdentifierQuery(typ, "request.ifNoneExist", req.IfNoneExist)
		if oe != nil {
			return nil, oe
		}
		q = &parsed
	}
	return conditional(typ, ids, q, run), nil
}

// supportedMethods says which methods a Bundle entry of the type may use.
func supportedMethods(resourceType string) string {
	if updatePlanners[resourceType] != nil {
		return "POST, or PUT " + resourceType + "/{id}"
	}
	return "only POST"
}

func supportedTypes() string {
	var names []string
	for name := range planners {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// bundleResult is the outcome of a transaction or batch.
type bundleResult struct {
	entries []BundleEntry
	skipped int
}

func (h *Handler) bundle(w http.ResponseWriter, r *http.Request) {
	var b Bundle
	if oe := decode(w, r, maxBundleBytes, &b); oe != nil {
		h.fail(w, r, oe)
		return
	}
	if b.ResourceType != "Bundle" {
		h.fail(w, r, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Bundle, got %q", b.ResourceType))
		return
	}
	who, err := h.caller(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var res bundleResult
	switch b.Type {
	case "transaction":
		res, err = h.transaction(r.Context(), b, who)
	case "batch":
		res, err = h.batch(r.Context(), b, who)
	default:
		err = newOpError(http.StatusUnprocessableEntity, codeNotSupported,
			"Bundle.type: %q is not supported; use transaction or batch", b.Type)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if res.skipped > 0 {
		h.log.InfoContext(r.Context(), "bundle entries skipped", "type", b.Type, "skipped", res.skipped)
	}
	h.write(w, r, http.StatusOK, Bundle{
		ResourceType: "Bundle", ID: store.NewID(), Meta: &Meta{LastUpdated: formatInstant(h.now())},
		Type: b.Type + "-response", Entry: res.entries,
	})
}

func skippedEntry(why string) BundleEntry {
	return BundleEntry{Response: &BundleEntryResponse{
		Status: statusLine(http.StatusUnprocessableEntity),
		Outcome: &OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{
			Severity: "warning", Code: codeNotSupported, Diagnostics: "skipped: " + why,
		}}},
	}}
}

// transaction runs every entry in one database transaction: all or nothing.
func (h *Handler) transaction(ctx context.Context, b Bundle, who string) (bundleResult, error) {
	planned := h.plan(ctx, b)
	var problems *opError
	for _, pe := range planned {
		if pe.problem == nil {
			continue
		}
		if problems == nil {
			problems = &opError{status: pe.problem.status}
		}
		problems.issues = append(problems.issues, pe.problem.issues...)
	}
	if problems != nil {
		return bundleResult{}, problems
	}
	res := bundleResult{entries: make([]BundleEntry, len(planned))}
	var committed []entryResponse // published once the transaction commits
	err := h.store.InTx(ctx, func(tx *store.Tx) error {
		committed = committed[:0]
		refs := map[string]string{}
		for i, pe := range planned {
			if pe.skipped != "" {
				res.entries[i] = skippedEntry(pe.skipped)
				continue
			}
			resp, err := pe.run(ctx, tx, refs)
			if err != nil {
				var oe *opError
				if errors.As(err, &oe) {
					return oe.withPrefix(fmt.Sprintf("Bundle.entry[%d]", i))
				}
				return fmt.Errorf("bundle entry %d: %w", i, err)
			}
			if err := h.audit(ctx, tx, who, fmt.Sprintf("transaction entry %d: %s", i, pe.interaction), resp); err != nil {
				return fmt.Errorf("bundle entry %d: %w", i, err)
			}
			if pe.fullURL != "" {
				refs[pe.fullURL] = resp.location
			}
			committed = append(committed, resp)
			res.entries[i] = BundleEntry{Response: resp.bundleResponse()}
		}
		return nil
	})
	if err != nil {
		return bundleResult{}, err
	}
	for _, resp := range committed {
		h.publish(who, resp)
	}
	for _, pe := range planned {
		if pe.skipped != "" {
			res.skipped++
		}
	}
	return res, nil
}

// batch runs each entry on its own; one entry's failure is reported in its
// response and does not affect the others.
func (h *Handler) batch(ctx context.Context, b Bundle, who string) (bundleResult, error) {
	planned := h.plan(ctx, b)
	res := bundleResult{entries: make([]BundleEntry, len(planned))}
	failed := func(oe *opError) BundleEntry {
		return BundleEntry{Response: &BundleEntryResponse{Status: statusLine(oe.status), Outcome: oe.outcome()}}
	}
	for i, pe := range planned {
		switch {
		case pe.problem != nil:
			res.entries[i] = failed(pe.problem)
		case pe.skipped != "":
			res.skipped++
			res.entries[i] = skippedEntry(pe.skipped)
		default:
			var resp entryResponse
			err := h.store.InTx(ctx, func(tx *store.Tx) error {
				var err error
				if resp, err = pe.run(ctx, tx, map[string]string{}); err != nil {
					return err
				}
				return h.audit(ctx, tx, who, fmt.Sprintf("batch entry %d: %s", i, pe.interaction), resp)
			})
			var oe *opError
			switch {
			case errors.As(err, &oe):
				res.entries[i] = failed(oe.withPrefix(fmt.Sprintf("Bundle.entry[%d]", i)))
			case err != nil:
				return bundleResult{}, fmt.Errorf("bundle entry %d: %w", i, err)
			default:
				h.publish(who, resp)
				res.entries[i] = BundleEntry{Response: resp.bundleResponse()}
			}
		}
	}
	return res, nil
}

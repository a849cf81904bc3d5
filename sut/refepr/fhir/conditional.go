package fhir

// Conditional create, the same for every resource type the API creates:
// a transaction or batch entry's request.ifNoneExist, or a single POST's
// If-None-Exist header, is a search "identifier=SYSTEM|VALUE" (also
// "identifier=VALUE", any system, and "identifier=|VALUE", no system;
// "<Type>?" may lead). When one resource of the type carries that
// identifier, nothing is created: the answer is 200 OK with that resource's
// location (inside a transaction, a reference to the entry's fullUrl then
// points at it). Two or more: 412 Precondition Failed. None: the resource
// is created.
//
// Identifiers are kept generically: on every create through the API the
// resource's identifier array is stored (store.Tx.RecordIdentifiers) under
// its type and id. A Patient's NHS number is unique already, so a Patient
// search on the NHS number system (or on a bare valid NHS number) looks up
// the patients table instead.
//
// The search and the create run in one database transaction. SQLite
// serialises writing transactions, so two concurrent conditional creates
// of one identifier create one resource; on PostgreSQL both may create
// (nothing locks an identifier not yet stored), and later conditional
// creates then answer 412.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// identifierQuery is a parsed conditional-create search.
type identifierQuery struct {
	id        store.Identifier
	anySystem bool              // "identifier=VALUE"
	nhs       *nhsnumber.Number // a Patient search on the NHS number
	text      string            // as given, for messages
	element   string            // where it was given: "If-None-Exist", "request.ifNoneExist"
}

// parseIdentifierQuery reads a conditional-create search for a resource of
// type typ, given in element; problems are reported under element.
func parseIdentifierQuery(typ, element, q string) (identifierQuery, *opError) {
	iq, oe := parseIdentifier(typ, q)
	if oe != nil {
		return iq, oe.withPrefix(element)
	}
	iq.element = element
	return iq, nil
}

func parseIdentifier(typ, q string) (identifierQuery, *opError) {
	text := q
	q = strings.TrimPrefix(strings.TrimPrefix(q, "/"), typ+"?")
	values, err := url.ParseQuery(q)
	if err != nil {
		return identifierQuery{}, newOpError(http.StatusBadRequest, codeInvalid, "%q is not a search query: %v", text, err)
	}
	ids := values["identifier"]
	if len(values) != 1 || len(ids) != 1 {
		want := "identifier=<system>|<value>"
		if typ == "Patient" {
			want = "identifier=" + patient.NHSNumberSystem + "|<NHS number>"
		}
		return identifierQuery{}, newOpError(http.StatusUnprocessableEntity, codeNotSupported, "%q is not supported; use %s", text, want)
	}
	iq := identifierQuery{text: text}
	system, value, hasSystem := strings.Cut(ids[0], "|")
	if !hasSystem {
		system, value, iq.anySystem = "", ids[0], true
	}
	iq.id = store.Identifier{System: strings.TrimSpace(system), Value: strings.TrimSpace(value)}
	if iq.id.Value == "" {
		return identifierQuery{}, newOpError(http.StatusUnprocessableEntity, codeValue, "%q names no identifier value", text)
	}
	if typ == "Patient" && (iq.id.System == patient.NHSNumberSystem || iq.anySystem) {
		n, err := nhsnumber.Parse(iq.id.Value)
		switch {
		case err == nil:
			iq.nhs = &n
		case !iq.anySystem:
			return identifierQuery{}, newOpError(http.StatusUnprocessableEntity, codeValue, "NHS number %q is not valid", iq.id.Value)
		}
	}
	return iq, nil
}

// identifiersOf reads the identifier array of a resource of any type.
func identifiersOf(raw json.RawMessage) ([]store.Identifier, *opError) {
	var res struct {
		Identifier []Identifier `json:"identifier"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, newOpError(http.StatusBadRequest, codeStructure, "identifier: not a list of identifiers: %v", err)
	}
	return storeIdentifiers(res.Identifier), nil
}

func storeIdentifiers(ids []Identifier) []store.Identifier {
	var out []store.Identifier
	for _, i := range ids {
		if v := strings.TrimSpace(i.Value); v != "" {
			out = append(out, store.Identifier{System: strings.TrimSpace(i.System), Value: v})
		}
	}
	return out
}

// conditional wraps the runner that creates a resource of type typ: with a
// query, an existing resource carrying the identifier is the result instead
// (nothing is created, nothing audited); after a create, the resource's
// identifiers ids are kept.
func conditional(typ string, ids []store.Identifier, q *identifierQuery, run runner) runner {
	return func(ctx context.Context, tx *store.Tx, refs map[string]string) (entryResponse, error) {
		if q != nil {
			resp, found, err := match(ctx, tx, typ, *q)
			if err != nil || found {
				return resp, err
			}
		}
		resp, err := run(ctx, tx, refs)
		if err != nil || resp.status != http.StatusCreated {
			return resp, err
		}
		owner := resp.patientID
		if owner == "" {
			owner = resp.patient.ID
		}
		if len(ids) > 0 && owner != "" {
			err = tx.RecordIdentifiers(ctx, store.IdentifiedResource{Type: typ, ID: strings.TrimPrefix(resp.location, typ+"/"),
				PatientID: owner, Identifiers: ids})
		}
		return resp, err
	}
}

// match finds the resource a conditional create names.
func match(ctx context.Context, tx *store.Tx, typ string, q identifierQuery) (entryResponse, bool, error) {
	if q.nhs != nil {
		p, err := tx.PatientByNHSNumber(ctx, *q.nhs)
		if errors.Is(err, store.ErrNotFound) {
			return entryResponse{}, false, nil
		}
		if err != nil {
			return entryResponse{}, false, err
		}
		return entryResponse{status: http.StatusOK, location: "Patient/" + p.ID, patient: p}, true, nil
	}
	found, err := tx.FindByIdentifier(ctx, typ, q.id, q.anySystem)
	if err != nil {
		return entryResponse{}, false, err
	}
	switch len(found) {
	case 0:
		return entryResponse{}, false, nil
	case 1:
	default:
		var locs []string
		for _, id := range found[:min(len(found), 3)] {
			locs = append(locs, typ+"/"+id)
		}
		if len(found) > 3 {
			locs = append(locs, "...")
		}
		return entryResponse{}, false, newOpError(http.StatusPreconditionFailed, codeDuplicate,
			"%s: %q matches %d %s resources (%s); a conditional create needs at most one", q.element, q.text, len(found), typ, strings.Join(locs, ", "))
	}
	resp := entryResponse{status: http.StatusOK, location: typ + "/" + found[0]}
	if typ == "Patient" {
		p, err := tx.Patient(ctx, found[0])
		if err != nil {
			return entryResponse{}, false, err
		}
		resp.patient = p
	}
	return resp, true, nil
}

// conditionalPost is the conditional create of a single POST of a resource
// of type typ with identifiers ids: the If-None-Exist header, if any, read
// as a Bundle entry's ifNoneExist is.
func conditionalPost(r *http.Request, typ string, ids []store.Identifier, run runner) (runner, *opError) {
	var q *identifierQuery
	if h := r.Header.Get("If-None-Exist"); h != "" {
		parsed, oe := parseIdentifierQuery(typ, "If-None-Exist", h)
		if oe != nil {
			return nil, oe
		}
		q = &parsed
	}
	return conditional(typ, ids, q, run), nil
}

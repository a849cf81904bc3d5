package fhir

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Importers learn from the CapabilityStatement which types a transaction
// may carry, so every type with a transaction planner must be listed as
// creatable.
func TestCapabilityStatementListsEveryTransactionType(t *testing.T) {
	rec := httptest.NewRecorder()
	New(Options{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/fhir/metadata", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var cs CapabilityStatement
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &cs))
	creatable := map[string]bool{}
	for _, r := range cs.Rest[0].Resource {
		for _, i := range r.Interaction {
			if i.Code == "create" {
				creatable[r.Type] = true
			}
		}
	}
	for typ := range planners {
		assert.True(t, creatable[typ], "%s is accepted in transactions but not listed as creatable", typ)
	}
	delete(creatable, "Subscription") // created on its own, never in a transaction
	assert.Len(t, creatable, len(planners))
}

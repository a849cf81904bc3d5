//go:build integration

package fhir_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
)

// TestImportsPostgres runs the suite of loaded records on PostgreSQL.
func TestImportsPostgres(t *testing.T) {
	runImports(t, pgtest.Start(t).NewDatabase)
}

//go:build integration

package fhir_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
)

// TestWritesPostgres runs the write behaviour suite on PostgreSQL.
func TestWritesPostgres(t *testing.T) {
	runWrites(t, pgtest.Start(t).NewDatabase)
}

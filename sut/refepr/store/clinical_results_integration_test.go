//go:build integration

package store_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
)

func TestResultsPostgres(t *testing.T) {
	runResults(t, pgtest.Start(t).NewDatabase)
}

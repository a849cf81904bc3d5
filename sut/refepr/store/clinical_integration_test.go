//go:build integration

package store_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
)

func TestClinicalPostgres(t *testing.T) {
	runClinical(t, pgtest.Start(t).NewDatabase)
}

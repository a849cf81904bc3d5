//go:build integration

package store_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
)

func TestReferralsPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	runReferrals(t, pg.NewDatabase)
}

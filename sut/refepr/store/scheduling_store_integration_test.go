//go:build integration

package store_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
)

func TestSchedulingPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	runScheduling(t, pg.NewDatabase)
}

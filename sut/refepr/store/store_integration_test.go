//go:build integration

package store_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
	"github.com/eprharness/eprharness/sut/refepr/store/storetest"
)

func TestPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	storetest.Run(t, pg.NewDatabase)
}

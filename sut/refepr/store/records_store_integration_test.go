//go:build integration

package store_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
	"github.com/eprharness/eprharness/sut/refepr/store/storetest"
)

func TestRecordsPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	storetest.RunRecords(t, pg.NewDatabase)
}

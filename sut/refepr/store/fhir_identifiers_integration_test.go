//go:build integration

package store_test

import (
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/internal/pgtest"
)

func TestImportsPostgres(t *testing.T) {
	runImports(t, pgtest.Start(t).NewDatabase)
}

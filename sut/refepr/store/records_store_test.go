package store_test

import (
	"path/filepath"
	"testing"

	"github.com/eprharness/eprharness/sut/refepr/store/storetest"
)

func TestRecordsSQLiteFile(t *testing.T) {
	storetest.RunRecords(t, func(t *testing.T) string {
		return "sqlite:" + filepath.Join(t.TempDir(), "refepr.db")
	})
}

func TestRecordsSQLiteMemory(t *testing.T) {
	storetest.RunRecords(t, func(t *testing.T) string { return "sqlite::memory:" })
}

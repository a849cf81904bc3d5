// Package e2e holds the harness's end-to-end tests (build tag e2e): they
// build the eprharness binary and run it, as a user would, against the
// reference EPR in a real Chromium, on the embedded backend and on the
// docker backend (real PostgreSQL and EPR containers).
//
// Run them with `make test-e2e`. When Docker or Chromium is missing they
// fail if EPRHARNESS_REQUIRE_DOCKER / EPRHARNESS_REQUIRE_BROWSER is 1 (as
// in CI and `make test`), and skip with the reason otherwise.
package e2e

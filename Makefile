# eprharness: run `make run` to watch the example suite pass, `make test`
# to run the project's own tests (unit, integration, end to end).

GO            ?= go
BIN           ?= bin/eprharness
VERSION       ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
EPR_IMAGE     ?= eprharness/refepr:dev
# The release-candidate image: the same EPR with regressions built in.
RC_IMAGE      ?= eprharness/refepr:rc
RC_DEFECTS    ?= news2-boundary,allergy-alert-stale,double-booking
# On machines that can pull images, POSTGRES_IMAGE=postgres:15 works as well.
POSTGRES_IMAGE ?= eprharness/postgres:15
# Orthanc (a third-party DICOM server and web UI) from Debian's packages:
# the example of a foreign EPR driven only by configuration.
ORTHANC_IMAGE ?= eprharness/orthanc:1
ARGS          ?=

# The harness removes its own containers (labels, signal handling, sweeps),
# so the Ryuk reaper is not needed; it cannot be pulled on offline machines.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= localhost
# The project's tests fail, rather than skip, when Docker or Chromium is
# missing. Set these to 0 to let them skip on a laptop without Docker.
export EPRHARNESS_REQUIRE_DOCKER ?= 1
export EPRHARNESS_REQUIRE_BROWSER ?= 1

LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build deps run run-docker run-orthanc images image-postgres image-refepr image-rc image-orthanc \
        test test-unit test-integration test-e2e test-defects vet fmt sweep clean \
        check docs rc-check serve fuzz soak

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/eprharness

# Fetch the Playwright driver and make sure a Chromium is available
# (Playwright's own, else Debian's chromium package).
deps: build
	$(BIN) install

# Run the example suite on the embedded backend (no Docker needed).
run: deps
	$(BIN) run $(ARGS)

# Run the example suite on the docker backend (PostgreSQL + EPR image).
run-docker: deps images
	$(BIN) run --backend docker --epr-image $(EPR_IMAGE) --postgres-image $(POSTGRES_IMAGE) $(ARGS)

images: image-postgres image-refepr image-rc image-orthanc

# PostgreSQL built from Debian packages (no registry needed). Skipped when
# the image already exists; FORCE=1 rebuilds.
image-postgres:
	images/postgres/build.sh $(POSTGRES_IMAGE)

# Orthanc from Debian's orthanc package (debootstrap, about 2 minutes,
# once). Skipped when the image exists; FORCE=1 rebuilds.
image-orthanc:
	images/orthanc/build.sh $(ORTHANC_IMAGE)

# The Orthanc example suite (examples/orthanc): a foreign EPR started from
# its Compose file and driven through a screen map, with no Go.
run-orthanc: deps image-orthanc
	ORTHANC_IMAGE=$(ORTHANC_IMAGE) $(BIN) run --config examples/orthanc/eprharness.yaml $(ARGS)

# The reference EPR: a static Go binary in a FROM scratch image.
image-refepr:
	mkdir -p build
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w -X main.version=$(VERSION)' -o build/refepr ./sut/refepr/cmd/refepr
	docker build -q -f sut/refepr/Dockerfile -t $(EPR_IMAGE) build/ >/dev/null
	@echo "built EPR image $(EPR_IMAGE)"

# A tagged release-candidate image with RC_DEFECTS built in; run it with
# bin/eprharness run --backend docker --epr-image $(RC_IMAGE).
image-rc: image-refepr
	docker build -q -f sut/refepr/Dockerfile --build-arg EPR_DEFECTS=$(RC_DEFECTS) \
	  --build-arg EPR_VERSION=$(VERSION)-rc -t $(RC_IMAGE) build/ >/dev/null
	@echo "built release-candidate image $(RC_IMAGE) with defects $(RC_DEFECTS)"

# The release-candidate gate on the reference EPR: a baseline run on the
# normal image, then a candidate run on RC_IMAGE (defects built in), both
# recorded in one store, both checking every page for accessibility;
# the candidate's verification appendix for the safety case is written to
# $(RC_DIR)/evidence.html; `eprharness diff latest~1 latest` then names
# each regression (scenarios, new accessibility violations, unverified
# clinical-safety controls) and exits 1. With RC_IMAGE=$(EPR_IMAGE) the
# diff is clean and exits 0. RC_PATHS narrows the suite.
RC_DIR        ?= build/rc-check
RC_PATHS      ?= features
rc-check: deps images
	rm -rf $(RC_DIR)
	$(BIN) run --backend docker --epr-image $(EPR_IMAGE) --postgres-image $(POSTGRES_IMAGE) --a11y pages \
	  --store $(RC_DIR)/results.db --out $(RC_DIR)/baseline $(RC_PATHS)
	$(BIN) run --backend docker --epr-image $(RC_IMAGE) --postgres-image $(POSTGRES_IMAGE) --a11y pages \
	  --store $(RC_DIR)/results.db --out $(RC_DIR)/candidate $(RC_PATHS) || true
	$(BIN) evidence --store $(RC_DIR)/results.db --out $(RC_DIR)/evidence.html latest || true
	$(BIN) diff --store $(RC_DIR)/results.db --format html --out $(RC_DIR)/diff.html latest~1 latest >/dev/null || true
	$(BIN) diff --store $(RC_DIR)/results.db --format markdown --out $(RC_DIR)/diff.md latest~1 latest || true
	$(BIN) diff --store $(RC_DIR)/results.db latest~1 latest

# The team dashboard over the default results store, on 127.0.0.1:8088.
serve: build
	$(BIN) serve $(ARGS)

# All tiers. Unit tests need neither Docker nor a browser; integration
# tests need Docker; end-to-end tests need Docker, Chromium and the images.
# One go test over both tags runs every tier (each tier's files add to the
# unit tests), so the integration tier's container waits overlap the e2e
# tier's browser work and each package is built once. The test-* targets
# run one tier.
TEST_ENV = EPRHARNESS_POSTGRES_IMAGE=$(POSTGRES_IMAGE) EPRHARNESS_EPR_IMAGE=$(EPR_IMAGE) EPRHARNESS_RC_IMAGE=$(RC_IMAGE) ORTHANC_IMAGE=$(ORTHANC_IMAGE)
test: deps images
	$(TEST_ENV) $(GO) test -count=1 -tags 'integration e2e' -timeout 60m ./...

test-unit:
	$(GO) test -count=1 ./...

test-integration: images
	EPRHARNESS_POSTGRES_IMAGE=$(POSTGRES_IMAGE) EPRHARNESS_EPR_IMAGE=$(EPR_IMAGE) EPRHARNESS_RC_IMAGE=$(RC_IMAGE) ORTHANC_IMAGE=$(ORTHANC_IMAGE) \
	  $(GO) test -count=1 -tags integration ./harness/... ./sut/...

test-e2e: deps images
	EPRHARNESS_POSTGRES_IMAGE=$(POSTGRES_IMAGE) EPRHARNESS_EPR_IMAGE=$(EPR_IMAGE) EPRHARNESS_RC_IMAGE=$(RC_IMAGE) ORTHANC_IMAGE=$(ORTHANC_IMAGE) \
	  $(GO) test -count=1 -tags e2e -timeout 60m -v ./e2e/... ./harness/... ./steps/... ./sut/refepr/

# Every Go fuzz target (func FuzzX in a _test.go file) for FUZZTIME each,
# starting from its seed corpus (f.Add and testdata/fuzz/FuzzX/). A crash
# fails the target and leaves the input in testdata/fuzz/FuzzX/: fix the
# bug and commit that file, so it stays a seed. CI runs each for 10 s.
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" at the end of -fuzztime under load, having found nothing
# (go.dev/issue/75804, fixed in Go 1.27): such a failure, with no failing
# input written, is run again, at most twice more; any other failure stops.
FUZZTIME      ?= 30s
fuzz:
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz $$dir $$f for $(FUZZTIME)"; \
	    for try in 1 2 3; do \
	      before=$$(ls $$dir/testdata/fuzz/$$f 2>/dev/null | wc -l); \
	      mkdir -p build; \
	      if $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$dir >build/fuzz.log 2>&1; then cat build/fuzz.log; break; fi; \
	      cat build/fuzz.log; \
	      after=$$(ls $$dir/testdata/fuzz/$$f 2>/dev/null | wc -l); \
	      if [ "$$after" = "$$before" ] && [ $$try -lt 3 ] && grep -qx '    context deadline exceeded' build/fuzz.log && ! grep -q 'Failing input written' build/fuzz.log; then \
	        echo "fuzz $$f: no failing input written; Go's fuzz coordinator missed its own deadline (go.dev/issue/75804, fixed in Go 1.27): again"; \
	        continue; fi; \
	      exit 1; \
	    done; \
	  done; \
	done

# The soak test (outside CI: about 15 minutes): the example suite three
# times in one process on the docker backend with two workers; containers,
# networks, temp folders, open files and goroutines must not grow.
soak: deps images
	EPRHARNESS_POSTGRES_IMAGE=$(POSTGRES_IMAGE) EPRHARNESS_EPR_IMAGE=$(EPR_IMAGE) \
	  $(GO) test -count=1 -tags soak -run TestSoak -timeout 60m -v ./cmd/eprharness/

# Each release-candidate defect of the reference EPR turned on alone: the
# whole suite must fail in exactly the scenarios tagged @defect:<name>.
# The e2e tier proves this on the scenarios each defect can reach (from the
# EPR's defect trace); this target runs the whole suite per defect, without
# the trace (9 suite runs, about 45 minutes on 2 cores).
test-defects: deps
	$(GO) test -count=1 -tags defects -timeout 90m -v -run TestEachDefectFailsExactlyItsScenariosExhaustively ./e2e/...

vet:
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	$(GO) vet -tags e2e ./...
	$(GO) vet -tags defects ./...

fmt:
	gofmt -l -w .

# Check the scenarios without a browser or backend: undefined or ambiguous
# steps, unknown patients and roles, missing tags.
check: build
	$(BIN) check $(ARGS)

# Regenerate the step catalogue page from the step definitions.
docs:
	$(GO) run ./cmd/eprharness steps --format markdown > docs/steps.md

# Remove containers and networks left behind by killed runs.
sweep: build
	$(BIN) sweep

clean:
	rm -rf bin build out

# Every benchmark: the harness's overhead per scenario and time to the
# first step (embedded and docker), the results store at scale (SQLite and
# PostgreSQL) and patient search. The peers comparison is
# ../shared/bench/peers/run-bench.sh (see docs/scaling.md).
.PHONY: bench
bench: bench-overhead bench-store bench-search

# Patient search with 10,000 patients loaded: ns/op per search through the
# HTTP handler (sut/refepr/search_bench_test.go).
.PHONY: bench-search
bench-search:
	go test -bench Search -run '^$$' ./sut/refepr/...

# The results store at scale: a history of 10,000 runs × 100 scenarios,
# generated once per test process, read by the dashboard's runs page
# (target ≤ 200 ms), diff of two runs and last-green (≤ 1 s), History,
# RunHistory, Durations and Unstable; ms per op as ns/op, on SQLite
# (unit tier) and on PostgreSQL in a container (integration tier)
# (harness/store/scale_bench_test.go).
STORE_BENCH_RUNS ?= 10x
.PHONY: bench-store
bench-store: image-postgres
	$(GO) test -count=1 -run '^$$' -bench ScaleSQLite -benchtime $(STORE_BENCH_RUNS) -timeout 30m ./harness/store/
	EPRHARNESS_POSTGRES_IMAGE=$(POSTGRES_IMAGE) \
	  $(GO) test -count=1 -tags integration -run '^$$' -bench ScalePostgres -benchtime $(STORE_BENCH_RUNS) -timeout 30m ./harness/store/

# What the harness adds around scenarios: overhead-ms/scenario (a
# scenario's wall time minus its steps) and first-step-ms (command start to
# the first step), on the embedded and docker backends, with scenarios that
# barely touch the browser (cmd/eprharness/overhead_bench_e2e_test.go).
# Each iteration is a whole run of BENCH_SCENARIOS scenarios.
BENCH_SCENARIOS ?= 10
BENCH_RUNS      ?= 3x
.PHONY: bench-overhead
bench-overhead: deps image-postgres image-refepr
	EPRHARNESS_POSTGRES_IMAGE=$(POSTGRES_IMAGE) EPRHARNESS_EPR_IMAGE=$(EPR_IMAGE) EPRHARNESS_BENCH_SCENARIOS=$(BENCH_SCENARIOS) \
	  $(GO) test -tags e2e -run '^$$' -bench Overhead -benchtime $(BENCH_RUNS) -timeout 30m ./cmd/eprharness/

# bookingharness — see README.md. Every target uses the tool versions pinned in go.mod.
GO          ?= go
GINKGO      := $(GO) tool ginkgo
STATICCHECK := $(GO) tool staticcheck
OUT         := reports/out
# Packages whose unit tests run under `go test`; the scenario suite runs under ginkgo.
UNIT_PKGS   = $(shell $(GO) list ./... | grep -v /scenarios)
GINKGO_FLAGS ?= -p --randomize-all --race

export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= 127.0.0.1

.PHONY: all build test unit scenarios lint vet staticcheck demo pg-image bench clean

all: build

build:
	$(GO) build ./...

## test: vet, staticcheck, unit tests with -race, then the Ginkgo scenario suite.
test: lint unit scenarios gate

vet:
	$(GO) vet ./...

staticcheck:
	$(STATICCHECK) ./...

lint: vet staticcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

unit:
	$(GO) test -race -count=1 $(UNIT_PKGS)

scenarios:
	@mkdir -p $(OUT)
	$(GINKGO) $(GINKGO_FLAGS) --junit-report=junit.xml --json-report=ginkgo.json \
		--output-dir=$(OUT) ./scenarios/...

## demo: the main job — replay the incident catalogue and run a 20 s contention load with
## faults under both policies; results and a one-screen summary under reports/out/.
demo: build
	$(GO) run ./cmd/bookingharness demo --out $(OUT)

## pg-image: build the local Postgres image for machines without a container registry.
pg-image:
	bash scripts/prepare-host.sh

## bench: benchmarks reported as ratios against baselines measured in the same run.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 60x -count 3 ./pgenv/
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 3 ./core/
	bash scripts/bench-fake.sh
	bash scripts/bench-load.sh

clean:
	rm -rf $(OUT)

# ---- Reports and the CI gate (reports/, bookingharness report|gate) ----
BH               := $(GO) run ./cmd/bookingharness
NECESSITY_LAYERS ?= freshness call_id db_check unique slot_exclusion
# Knocked-out runs skip the schema specs (no world), the incident specs (the report replays
# the catalogue per layer itself) and the race detector; specs that force an interleaving at
# the missing layer skip themselves; --timeout bounds a run that hangs anyway.
NECESSITY_FLAGS  ?= -p --skip='Incident replay' --timeout=10m

.PHONY: necessity report report-browser-check gate gate-check gate-selftest

# The suite run by `make scenarios` also measures the core's coverage, for the report.
scenarios: GINKGO_FLAGS += --cover --coverpkg=./core/... --coverprofile=core.cover
# ... and draws the race specs' histories with porcupine into reports/out/timelines.
scenarios: export HARNESS_TIMELINES_DIR = $(CURDIR)/$(OUT)/timelines

## necessity: re-run the scenario suite once per layer with that layer switched off
## (HARNESS_LAYERS_OFF); specs fail on purpose, the evidence in necessity/<layer>.json counts.
necessity:
	@mkdir -p $(OUT)/necessity
	@for l in $(NECESSITY_LAYERS); do \
		echo "necessity: suite with $$l off -> $(OUT)/necessity/$$l.json"; \
		rm -f $(OUT)/necessity/$$l.json; \
		HARNESS_LAYERS_OFF=$$l $(GINKGO) $(NECESSITY_FLAGS) --label-filter='!kind:schema && !forces:'$$l --json-report=$$l.json --output-dir=$(OUT)/necessity \
			./scenarios/... > $(OUT)/necessity/$$l.log 2>&1 || true; \
		test -s $(OUT)/necessity/$$l.json || { echo "necessity: the $$l run left no report; see $(OUT)/necessity/$$l.log"; exit 1; }; \
	done

## report: reports/out/index.html, summary.md and report.json from what the suite left
## (run `make scenarios` or `make test` first); replays the incident catalogue in-process.
report:
	@test -s $(OUT)/ginkgo.json || { echo "report: $(OUT)/ginkgo.json missing; run make scenarios (or make test) first"; exit 2; }
	@if [ -s $(OUT)/core.cover ]; then \
		$(GO) tool cover -html=$(OUT)/core.cover -o $(OUT)/coverage.html && \
		$(GO) tool cover -func=$(OUT)/core.cover > $(OUT)/core.func.txt; fi
	$(BH) report --out $(OUT)
	@echo "report: open $(OUT)/index.html; paste $(OUT)/summary.md into the pull request"

## report-browser-check: load the built page in headless Chromium (skips if not installed).
report-browser-check:
	HARNESS_REPORT_PAGE=$(CURDIR)/$(OUT)/index.html $(GO) test -count=1 -v -run 'TestPageInBrowser' ./reports/

## gate-check: judge an existing report.json (exit 1 with the reasons when it refuses).
gate-check:
	$(BH) gate --report $(OUT)/report.json

## gate-selftest: a core whose freshness layer accepts everything must fail the gate.
gate-selftest:
	HARNESS_GATE_SELFTEST=1 $(GO) test -count=1 -run TestGateCatchesBrokenCore -v ./reports/selftest/

## gate: the CI gate, after `make scenarios`: necessity runs, report, browser check, the
## verdict, and the gate's own self-test. `make test` ends with it.
gate:
	$(MAKE) necessity
	$(MAKE) report
	$(MAKE) report-browser-check
	$(MAKE) gate-check
	$(MAKE) gate-selftest

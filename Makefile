# bookingharness — see README.md. Every target uses the tool versions pinned in go.mod.
GO          ?= go
GINKGO      := $(GO) tool ginkgo
STATICCHECK := $(GO) tool staticcheck
OUT         := reports/out
# Packages whose unit tests run under `go test`; the scenario suite runs under ginkgo.
UNIT_PKGS   = $(shell $(GO) list ./... | grep -v /scenarios)
GINKGO_FLAGS ?= -p --randomize-all --race

# The harness itself decides where Postgres comes from (pgenv: HARNESS_PG_DSN, else Docker
# with a local image, else the Postgres binaries on this machine) and makes testcontainers
# safe (no pulls, Ryuk only when present, 127.0.0.1 only): no environment is needed here.

.PHONY: all build test host unit scenarios lint vet staticcheck demo demo-browser-check pg-image bench clean

all: build

build:
	$(GO) build ./...

## test: the CI gate — vet, staticcheck, unit tests with -race, the Ginkgo scenario suite,
## then the gate. It runs on testcontainers (unless HARNESS_PG_DSN or HARNESS_PG_PROVIDER
## says otherwise) and prepares the host first when Docker or the image is missing.
TEST_PG_PROVIDER := $(or $(HARNESS_PG_PROVIDER),$(if $(HARNESS_PG_DSN),dsn,testcontainers))
test: export HARNESS_PG_PROVIDER = $(TEST_PG_PROVIDER)
test: host blackbox-host lint unit scenarios blackbox blackbox-node gate

## host: make Docker and the Postgres image available for the gate when they are not
## (scripts/prepare-host.sh: quick when they are; as root on Debian-like machines it installs
## docker.io, starts dockerd and builds the image; elsewhere it says what to do).
host:
	@if [ "$(TEST_PG_PROVIDER)" = testcontainers ]; then bash scripts/prepare-host.sh; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(STATICCHECK) ./...

lint: vet staticcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

unit:
	$(GO) test -race -count=1 $(UNIT_PKGS)

## scenarios: the whole suite, from a clean slate (no artefact of an older run survives),
## then the coverage profile gets the run's stamp (bookingharness stamp; docs/gate.md).
scenarios:
	@mkdir -p $(OUT)
	@rm -rf $(OUT)/ginkgo.json $(OUT)/junit.xml $(OUT)/core.cover $(OUT)/core.cover.stamp.json $(OUT)/timelines $(OUT)/histories
	$(GINKGO) $(GINKGO_FLAGS) --junit-report=junit.xml --json-report=ginkgo.json \
		--output-dir=$(OUT) ./scenarios/...
	@if [ -s $(OUT)/core.cover ]; then $(BH) stamp --of $(OUT)/ginkgo.json $(OUT)/core.cover; fi

## demo: the main job — replay the incident catalogue and run a contention load with faults
## under both policies, on whatever Postgres is available (no set-up needed); prints a
## summary and writes reports/out/demo/index.html.
demo:
	$(GO) run ./cmd/bookingharness demo --out $(OUT)/demo

## demo-browser-check: load the demo page in headless Chromium (skips if not installed).
demo-browser-check:
	HARNESS_DEMO_PAGE=$(CURDIR)/$(OUT)/demo/index.html $(GO) test -count=1 -v -run 'TestDemoPageInBrowser' ./reports/

## pg-image: build the local Postgres image for machines without a container registry
## (installs docker.io and debootstrap and starts dockerd first when needed).
pg-image:
	bash scripts/prepare-host.sh

## bench: benchmarks reported as ratios against baselines measured in the same run.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 60x -count 3 ./pgenv/
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 3 ./core/
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 3 ./sim/shrink/
	$(GO) test -run '^$$' -bench . -count 3 ./sim/replay/
	bash scripts/bench-fake.sh
	bash scripts/bench-load.sh

clean:
	rm -rf $(OUT) .bin

# ---- Reports and the CI gate (reports/, bookingharness report|gate) ----
BH               := $(GO) run ./cmd/bookingharness
DEFAULT_NECESSITY_LAYERS := freshness call_id db_check unique slot_exclusion
NECESSITY_LAYERS ?= $(DEFAULT_NECESSITY_LAYERS)
# Knocked-out runs skip the schema specs (no world), the incident specs (the report replays
# the catalogue per layer itself) and the race detector; specs that force an interleaving at
# the missing layer skip themselves; --timeout bounds a run that hangs anyway.
NECESSITY_FLAGS  ?= -p --skip='Incident replay' --timeout=10m

.PHONY: necessity report report-browser-check gate gate-check gate-selftest blackbox blackbox-host blackbox-node

# The suite run by `make scenarios` also measures the core's coverage, for the report.
scenarios: GINKGO_FLAGS += --cover --coverpkg=./core/... --coverprofile=core.cover
# ... and draws the race specs' histories with porcupine into reports/out/timelines.
scenarios: export HARNESS_TIMELINES_DIR = $(CURDIR)/$(OUT)/timelines
# ... and writes every world's history and final state to reports/out/histories, for
# `bookingharness check` to judge again (docs/gate.md).
scenarios: export HARNESS_HISTORY_DIR = $(CURDIR)/$(OUT)/histories

## necessity: re-run the scenario suite once per layer with that layer switched off
## (HARNESS_LAYERS_OFF); specs fail on purpose, the evidence in necessity/<layer>.json counts.
## It starts from an empty directory, so no file of an older run is mixed in, and refuses an
## empty layer list. The gate holds the runs to reports.NecessityLabelFilter and
## reports.NecessitySkip, and to one run per layer some policy runs.
necessity:
	@test -n "$(strip $(NECESSITY_LAYERS))" || { echo "necessity: NECESSITY_LAYERS is empty: name the layers to knock out (default: $(DEFAULT_NECESSITY_LAYERS))"; exit 2; }
	@rm -rf $(OUT)/necessity && mkdir -p $(OUT)/necessity
	@for l in $(NECESSITY_LAYERS); do \
		echo "necessity: suite with $$l off -> $(OUT)/necessity/$$l.json"; \
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
		$(GO) tool cover -func=$(OUT)/core.cover > $(OUT)/core.func.txt; \
	else rm -f $(OUT)/coverage.html $(OUT)/core.func.txt; fi
	$(BH) report --out $(OUT)
	@echo "report: open $(OUT)/index.html; paste $(OUT)/summary.md into the pull request"

## report-browser-check: load the built page in headless Chromium (skips if not installed).
report-browser-check:
	HARNESS_REPORT_PAGE=$(CURDIR)/$(OUT)/index.html $(GO) test -count=1 -v -run 'TestPageInBrowser' ./reports/

## gate-check: judge an existing report.json (exit 1 with the reasons when it refuses).
gate-check:
	$(BH) gate --report $(OUT)/report.json

## gate-selftest: the gate's mutation score (docs/gate.md) — every sabotage of the catalogue
## (internal/sabotage: the core, the checker, the recorder, the fake, the proxy), switched on
## in turn in one suite binary built with -tags bookingharness_sabotage, each on its slice of
## the suite beside a control run; prints "sabotages caught N/N" and any survivor or
## inconclusive run, fails unless every one was caught, and leaves the stamped score in
## reports/out/mutation.json for the report. HARNESS_SELFTEST_ONLY=a,b runs only those
## (no score written).
gate-selftest:
	@mkdir -p $(OUT)
	@rm -f $(OUT)/mutation.json
	HARNESS_GATE_SELFTEST=1 HARNESS_MUTATION_OUT=$(CURDIR)/$(OUT)/mutation.json \
		$(GO) test -count=1 -timeout 100m -run TestGateCatchesEverySabotage -v ./reports/selftest/

## blackbox-host: what the example services need, when missing — php-cli with pdo_pgsql,
## faketime, Node 20 with npm (apt-get, as root), and the Node example's npm packages
## (npm ci): scripts/prepare-blackbox.sh, quick when everything is there.
blackbox-host:
	bash scripts/prepare-blackbox.sh

## blackbox: the seed's service in PHP in black-box mode (docs/blackbox.md): the black-box
## gate — `sut check`'s conformance table, the catalogue against it judged as seed and
## compared with the Go seed (--require-agreement), the no-layers Call 687/688 reproduction,
## the layer matrices and a load with faults — into reports/out/blackbox, which `make report`
## shows.
PHP_SUT := examples/php-seed-service/sut.yaml
BH_BIN  := .bin/bookingharness
blackbox: blackbox-host
	$(GO) build -o $(BH_BIN) ./cmd/bookingharness
	$(BH_BIN) gate --sut $(PHP_SUT) --policy seed --name "PHP seed" --require-agreement --out $(OUT)/blackbox

## blackbox-node: the hardened service in Node (examples/node-hardened-service) in black-box
## mode: the black-box gate judged as hardened — every catalogue file run (none skipped),
## webhooks to its receiver, database faults through the proxy, crashes and restarts, the
## layer matrices and the load — into reports/out/blackbox-node.
NODE_SUT := examples/node-hardened-service/sut.yaml
blackbox-node: blackbox-host
	$(GO) build -o $(BH_BIN) ./cmd/bookingharness
	$(BH_BIN) gate --sut $(NODE_SUT) --policy hardened --name "Node hardened" --require-agreement --out $(OUT)/blackbox-node

## gate: the CI gate, after `make scenarios`: necessity runs, report, browser check, the
## verdict, and the gate's own self-test. `make test` ends with it.
gate:
	$(MAKE) necessity
	$(MAKE) gate-selftest
	$(MAKE) report
	$(MAKE) report-browser-check
	$(MAKE) gate-check

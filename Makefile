# bookingharness — see README.md. Every target uses the tool versions pinned in go.mod.
GO          ?= go
GINKGO      := $(GO) tool ginkgo
STATICCHECK := $(GO) tool staticcheck
# Where the evidence goes; a CI shard sets its own (docs/ci.md).
OUT         ?= reports/out
ABS_OUT      = $(abspath $(OUT))
# Packages whose unit tests run under `go test`; the scenario suite runs under ginkgo.
UNIT_PKGS   = $(shell $(GO) list ./... | grep -v /scenarios)
# How the whole suite runs (make scenarios); the race detector and the core's coverage are
# compiled into its binary (suite-race).
GINKGO_FLAGS ?= -p --randomize-all

# The harness itself decides where Postgres comes from (pgenv: HARNESS_PG_DSN, else Docker
# with a local image, else the Postgres binaries on this machine) and makes testcontainers
# safe (no pulls, Ryuk only when present, 127.0.0.1 only): no environment is needed here.

.PHONY: all build test test-steps host browser-host unit scenarios lint vet staticcheck demo demo-browser-check pg-image bench clean

all: build

build:
	$(GO) build ./...

## test: the CI gate — vet, staticcheck, unit tests with -race, the Ginkgo scenario suite,
## the black-box gates, then the gate. It prepares the host first (Docker and the Postgres
## image, the black-box services' tools, headless Chromium: scripts/prepare-*.sh), then runs
## everything on ONE Postgres server (bookingharness with-postgres: testcontainers unless
## HARNESS_PG_DSN or HARNESS_PG_PROVIDER says otherwise) — every test and world still gets a
## database of its own. The suite is compiled once per flavour (suite-race, suite-plain,
## suite-sabotage) and those binaries make every run. Independent steps may run side by side
## (make test -j4); docs/ci.md has the timings and the sharded CI layout.
TEST_PG_PROVIDER := $(or $(HARNESS_PG_PROVIDER),$(if $(HARNESS_PG_DSN),dsn,testcontainers))
test: export HARNESS_PG_PROVIDER = $(TEST_PG_PROVIDER)
test: host blackbox-host browser-host bh
	$(BH_BIN) with-postgres -- $(MAKE) --no-print-directory test-steps

## test-steps: what make test runs on its one Postgres (use make test): the checks and the
## evidence, then the verdict on it. suite-evidence is the suite's run, then the necessity
## runs (their shortcut reads the suite's run).
.PHONY: suite-evidence
test-steps: lint unit suite-evidence gate-selftest blackbox blackbox-node
	@$(MAKE) --no-print-directory gate-verdict
suite-evidence: scenarios
	@$(MAKE) --no-print-directory necessity

## host: make Docker and the Postgres image available for the gate when they are not
## (scripts/prepare-host.sh: quick when they are; as root on Debian-like machines it installs
## docker.io, starts dockerd and builds the image; elsewhere it says what to do).
host:
	@if [ "$(TEST_PG_PROVIDER)" = testcontainers ]; then bash scripts/prepare-host.sh; fi

## browser-host: headless Chromium for the report's and the demo page's browser checks, when
## missing (scripts/prepare-browser.sh: apt-get, as root; quick when it is there).
browser-host:
	bash scripts/prepare-browser.sh

vet:
	$(GO) vet ./...

staticcheck:
	$(STATICCHECK) ./...

lint: vet staticcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

unit:
	$(GO) test -race -count=1 $(UNIT_PKGS)

## The scenario suite, compiled once per flavour and run as often as needed (docs/ci.md):
## suite-race for the whole suite (race detector, the core's coverage), suite-plain for the
## necessity runs, suite-sabotage for the self-test (the sabotage hooks compiled in, one
## chosen per run by HARNESS_SABOTAGE). They live in scenarios/, because ginkgo runs a
## compiled suite in its own directory, where the suite finds its incident catalogue; git
## and the stamps ignore *.test. go test -c relinks only what changed.
SUITE_RACE     := scenarios/suite-race.test
SUITE_PLAIN    := scenarios/suite-plain.test
SUITE_SABOTAGE := scenarios/suite-sabotage.test
.PHONY: bh suites suite-race suite-plain suite-sabotage
suites: suite-race suite-plain suite-sabotage
suite-race:
	$(GO) test -c -race -cover -coverpkg=./core/... -o $(SUITE_RACE) ./scenarios/
suite-plain:
	$(GO) test -c -o $(SUITE_PLAIN) ./scenarios/
suite-sabotage:
	$(GO) test -c -tags bookingharness_sabotage -o $(SUITE_SABOTAGE) ./scenarios/

## bh: the bookingharness command, built once for every target that runs it.
BH_BIN := .bin/bookingharness
BH     := $(BH_BIN)
bh:
	$(GO) build -o $(BH_BIN) ./cmd/bookingharness

## scenarios: the whole suite (suite-race), from a clean slate (no artefact of an older run
## survives), then the coverage profile gets the run's stamp (bookingharness stamp;
## docs/gate.md) and its HTML page and per-function table, which travel with it.
scenarios: suite-race bh
	@mkdir -p $(OUT)
	@rm -rf $(OUT)/ginkgo.json $(OUT)/junit.xml $(OUT)/core.cover $(OUT)/core.cover.stamp.json $(OUT)/timelines $(OUT)/histories
	$(GINKGO) $(GINKGO_FLAGS) --cover --coverprofile=core.cover --junit-report=junit.xml --json-report=ginkgo.json \
		--output-dir=$(OUT) $(SUITE_RACE)
	@rm -f $(OUT)/coverage.html $(OUT)/core.func.txt
	@if [ -s $(OUT)/core.cover ]; then \
		$(BH) stamp --of $(OUT)/ginkgo.json $(OUT)/core.cover && \
		$(GO) tool cover -html=$(OUT)/core.cover -o $(OUT)/coverage.html && \
		$(GO) tool cover -func=$(OUT)/core.cover > $(OUT)/core.func.txt; fi

## demo: the main job — replay the incident catalogue and run a contention load with faults
## under both policies, on whatever Postgres is available (no set-up needed); prints a
## summary and writes reports/out/demo/index.html.
demo:
	$(GO) run ./cmd/bookingharness demo --out $(OUT)/demo

## demo-browser-check: load the demo page in headless Chromium (skips if not installed).
demo-browser-check:
	HARNESS_DEMO_PAGE=$(ABS_OUT)/demo/index.html $(GO) test -count=1 -v -run 'TestDemoPageInBrowser' ./reports/

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
	rm -rf $(OUT) .bin $(SUITE_RACE) $(SUITE_PLAIN) $(SUITE_SABOTAGE)

# ---- Reports and the CI gate (reports/, bookingharness report|gate) ----
DEFAULT_NECESSITY_LAYERS := freshness call_id db_check unique slot_exclusion
NECESSITY_LAYERS ?= $(DEFAULT_NECESSITY_LAYERS)
# Knocked-out runs skip the schema specs (no world), the incident specs (the report replays
# the catalogue per layer itself) and the race detector; specs that force an interleaving at
# the missing layer skip themselves; --timeout bounds a run that hangs anyway.
NECESSITY_FLAGS  ?= -p --skip='Incident replay' --timeout=10m

.PHONY: necessity necessity-runs necessity-compare merge report report-browser-check gate gate-full gate-verdict gate-check gate-selftest blackbox blackbox-host blackbox-node

# The suite run by `make scenarios` draws the race specs' histories with porcupine into
# reports/out/timelines ...
scenarios: export HARNESS_TIMELINES_DIR = $(ABS_OUT)/timelines
# ... and writes every world's history and final state to reports/out/histories, for
# `bookingharness check` to judge again (docs/gate.md).
scenarios: export HARNESS_HISTORY_DIR = $(ABS_OUT)/histories

## necessity: re-run the scenario suite once per layer with that layer switched off
## (HARNESS_LAYERS_OFF); specs fail on purpose, the evidence in necessity/<layer>.json counts.
## It starts from an empty directory, so no file of an older run is mixed in, and refuses an
## empty layer list. The gate holds the runs to reports.NecessityLabelFilter and
## reports.NecessitySkip, and to one run per layer some policy runs.
## The shortcut (NECESSITY_SHORTCUT=1, the default; docs/ci.md): each run only runs the specs
## in which the suite's run ($(OUT)/ginkgo.json: make scenarios first) reached that layer
## (bookingharness reached); in every other world the layer never ran, and the matrix counts
## it unchanged. make necessity-compare holds the shortcut's matrix to the whole runs';
## NECESSITY_SHORTCUT=0 (make gate-full) makes the whole runs.
NECESSITY_SHORTCUT ?= 1
necessity: suite-plain bh
	@test -n "$(strip $(NECESSITY_LAYERS))" || { echo "necessity: NECESSITY_LAYERS is empty: name the layers to knock out (default: $(DEFAULT_NECESSITY_LAYERS))"; exit 2; }
	@if [ "$(NECESSITY_SHORTCUT)" = 1 ] && [ ! -s $(OUT)/ginkgo.json ]; then \
		echo "necessity: the shortcut needs the suite's run, $(OUT)/ginkgo.json: run make scenarios first (or NECESSITY_SHORTCUT=0 for the whole runs)"; exit 2; fi
	@$(BH) with-postgres -- $(MAKE) --no-print-directory necessity-runs
# necessity-runs: necessity's runs, on the one Postgres it hands down (use make necessity).
necessity-runs:
	@rm -rf $(OUT)/necessity && mkdir -p $(OUT)/necessity
	@for l in $(NECESSITY_LAYERS); do \
		set --; \
		if [ "$(NECESSITY_SHORTCUT)" = 1 ]; then \
			focus=$$($(BH) reached --layer $$l --of $(OUT)/ginkgo.json) || exit 2; \
			set -- --focus="$$focus"; \
		fi; \
		echo "necessity: suite with $$l off$${1:+ (shortcut: the specs that reached it)} -> $(OUT)/necessity/$$l.json"; \
		HARNESS_LAYERS_OFF=$$l $(GINKGO) $(NECESSITY_FLAGS) --label-filter='!kind:schema && !forces:'$$l "$$@" --json-report=$$l.json --output-dir=$(OUT)/necessity \
			$(SUITE_PLAIN) > $(OUT)/necessity/$$l.log 2>&1 || true; \
		test -s $(OUT)/necessity/$$l.json || { echo "necessity: the $$l run left no report; see $(OUT)/necessity/$$l.log"; exit 1; }; \
	done

## necessity-compare: the shortcut's necessity matrix against the whole runs' on this suite,
## from the suite's run in $(OUT)/ginkgo.json: both sets of runs go to
## $(OUT)/necessity-compare/{whole,shortcut}, and bookingharness compare --necessity fails
## unless the two matrices are the same, cell for cell and break for break (docs/ci.md).
NC_DIR = $(OUT)/necessity-compare
necessity-compare: suite-plain bh
	@test -s $(OUT)/ginkgo.json || { echo "necessity-compare: $(OUT)/ginkgo.json missing: run make scenarios first"; exit 2; }
	@rm -rf $(NC_DIR) && mkdir -p $(NC_DIR)/whole $(NC_DIR)/shortcut
	@for d in whole shortcut; do cp $(OUT)/ginkgo.json $(NC_DIR)/$$d/; done
	@$(MAKE) --no-print-directory necessity OUT=$(NC_DIR)/whole NECESSITY_SHORTCUT=0
	@$(MAKE) --no-print-directory necessity OUT=$(NC_DIR)/shortcut NECESSITY_SHORTCUT=1
	@for d in whole shortcut; do $(BH) report --out $(NC_DIR)/$$d --incidents '' > /dev/null || exit 1; done
	$(BH) compare --necessity $(NC_DIR)/whole/report.json $(NC_DIR)/shortcut/report.json

## report: reports/out/index.html, summary.md and report.json from what the suite left
## (run `make scenarios` or `make test` first); replays the incident catalogue in-process.
report: bh
	@test -s $(OUT)/ginkgo.json || { echo "report: $(OUT)/ginkgo.json missing; run make scenarios (or make test) first"; exit 2; }
	$(BH) report --out $(OUT)
	@echo "report: open $(OUT)/index.html; paste $(OUT)/summary.md into the pull request"

## merge: join the artefacts CI shards left (SHARDS="DIR…", each one job's reports/out) into
## an empty $(OUT) and build the report from them (bookingharness report --merge: shards
## whose stamps disagree are refused); then make report-browser-check gate-check judge it
## (docs/ci.md).
merge: bh
	@test -n "$(strip $(SHARDS))" || { echo "merge: name the shard directories: make merge SHARDS=\"shards/suite shards/necessity-unique …\""; exit 2; }
	$(BH) report --merge --out $(OUT) $(SHARDS)

## report-browser-check: load the built page in headless Chromium (skips if not installed).
report-browser-check:
	HARNESS_REPORT_PAGE=$(ABS_OUT)/index.html $(GO) test -count=1 -v -run 'TestPageInBrowser' ./reports/

## gate-check: judge an existing report.json (exit 1 with the reasons when it refuses).
gate-check: bh
	$(BH) gate --report $(OUT)/report.json

## gate-selftest: the gate's mutation score (docs/gate.md) — every sabotage of the catalogue
## (internal/sabotage: the core, the checker, the recorder, the fake, the proxy), switched on
## in turn in one suite binary built with -tags bookingharness_sabotage, each on its slice of
## the suite beside a control run; prints "sabotages caught N/N" and any survivor or
## inconclusive run, fails unless every one was caught, and leaves the stamped score in
## reports/out/mutation.json for the report. HARNESS_SELFTEST_ONLY=a,b runs only those
## (no score written); SELFTEST_SHARD=K/N runs shard K of N and writes that shard's score
## (a CI job each; bookingharness report --merge joins them: docs/ci.md). It uses the
## suite-sabotage binary; a sabotaged run stops at its first honest catch.
SELFTEST_SHARD ?=
gate-selftest: suite-sabotage
	@mkdir -p $(OUT)
	@rm -f $(OUT)/mutation.json
	HARNESS_GATE_SELFTEST=1 HARNESS_MUTATION_OUT=$(ABS_OUT)/mutation.json HARNESS_SELFTEST_BIN=$(SUITE_SABOTAGE) \
		$(if $(SELFTEST_SHARD),HARNESS_SELFTEST_SHARD=$(SELFTEST_SHARD)) \
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
blackbox: blackbox-host bh
	$(BH_BIN) gate --sut $(PHP_SUT) --policy seed --name "PHP seed" --require-agreement --out $(OUT)/blackbox

## blackbox-node: the hardened service in Node (examples/node-hardened-service) in black-box
## mode: the black-box gate judged as hardened — every catalogue file run (none skipped),
## webhooks to its receiver, database faults through the proxy, crashes and restarts, the
## layer matrices and the load — into reports/out/blackbox-node.
NODE_SUT := examples/node-hardened-service/sut.yaml
blackbox-node: blackbox-host bh
	$(BH_BIN) gate --sut $(NODE_SUT) --policy hardened --name "Node hardened" --require-agreement --out $(OUT)/blackbox-node

## gate: the CI gate, after `make scenarios`: necessity runs and the gate's own self-test,
## then gate-verdict. `make test` ends with gate-verdict.
gate: necessity gate-selftest
	@$(MAKE) --no-print-directory gate-verdict

## CI shards (docs/ci.md, .github/workflows/booking-gate.yml): each is one job of a CI
## matrix, runs one part of make test on a Postgres of its own and leaves its stamped
## artefacts in $(OUT), which the job uploads; a last job downloads them all, joins them
## (make merge SHARDS="…") and judges them (make report-browser-check gate-check).
## shard-necessity takes LAYER=<layer> and makes the whole run (no shortcut: it does not wait
## for the suite's job); shard-selftest takes SHARD=K/N.
.PHONY: shard-unit shard-suite shard-necessity shard-selftest shard-blackbox
shard-unit: export HARNESS_PG_PROVIDER = $(TEST_PG_PROVIDER)
shard-unit: host bh
	$(BH) with-postgres -- $(MAKE) --no-print-directory lint unit
shard-suite: export HARNESS_PG_PROVIDER = $(TEST_PG_PROVIDER)
shard-suite: host bh
	$(BH) with-postgres -- $(MAKE) --no-print-directory scenarios
shard-necessity: export HARNESS_PG_PROVIDER = $(TEST_PG_PROVIDER)
shard-necessity: host
	@test -n "$(LAYER)" || { echo "shard-necessity: LAYER=<one of $(DEFAULT_NECESSITY_LAYERS)>"; exit 2; }
	@$(MAKE) --no-print-directory necessity NECESSITY_LAYERS=$(LAYER) NECESSITY_SHORTCUT=0
shard-selftest: export HARNESS_PG_PROVIDER = $(TEST_PG_PROVIDER)
shard-selftest: host
	@test -n "$(SHARD)" || { echo "shard-selftest: SHARD=K/N (shard K of N of the sabotage catalogue)"; exit 2; }
	@$(MAKE) --no-print-directory gate-selftest SELFTEST_SHARD=$(SHARD)
shard-blackbox: export HARNESS_PG_PROVIDER = $(TEST_PG_PROVIDER)
shard-blackbox: host blackbox-host bh
	$(BH) with-postgres -- $(MAKE) --no-print-directory blackbox blackbox-node

## shards-check: the test of the CI shards (scripts/shards-check.sh): after make test, run
## every shard as a process of its own, merge them, and compare the merged report's verdict
## and matrices with make test's report.json.
.PHONY: shards-check print-necessity-layers
shards-check: bh
	OUT=$(OUT) MAKE="$(MAKE)" bash scripts/shards-check.sh
print-necessity-layers:
	@echo $(NECESSITY_LAYERS)

## gate-full: make test with the whole necessity runs instead of the shortcut — the weekly
## run that keeps the shortcut honest (docs/ci.md).
gate-full:
	@$(MAKE) --no-print-directory test NECESSITY_SHORTCUT=0

## gate-verdict: the report from what the runs left, its browser check, and the verdict —
## one after the other.
gate-verdict:
	@$(MAKE) --no-print-directory report
	@$(MAKE) --no-print-directory report-browser-check
	@$(MAKE) --no-print-directory gate-check

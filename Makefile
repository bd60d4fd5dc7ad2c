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
test: lint unit scenarios

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

## demo: start Postgres, migrate, and say what happened.
demo: build
	$(GO) run ./cmd/bookingharness demo

## pg-image: build the local Postgres image for machines without a container registry.
pg-image:
	bash scripts/prepare-host.sh

## bench: benchmarks reported as ratios against baselines measured in the same run.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 200x ./pgenv/

clean:
	rm -rf $(OUT)

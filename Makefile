# Abaco for HPC. `make run` serves with embedded defaults; `make test` runs
# every test (Docker and PostgreSQL are used when present; see .ci/run).
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/abaco-hpc/abaco.Version=$(VERSION)
DATA_DIR ?= abaco-data

.PHONY: build run test examples vet clean bench bench-smoke

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/abaco ./cmd/abaco

# Builds the example images too when a Docker engine answers, so that the
# README's quickstart works straight away.
run: build
	@if docker info >/dev/null 2>&1; then $(GO) run ./examples/build; else echo "Docker is not answering: actors will wait in ERROR until it does."; fi
	./bin/abaco serve --data-dir $(DATA_DIR)

examples:
	$(GO) run ./examples/build

# Also: each benchmark scenario once at a tiny size (no timing asserts),
# and the search query parser fuzzed for a short, bounded time.
test: bench-smoke
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 10s ./search/
	$(GO) test -run '^$$' -fuzz '^FuzzParseTime$$' -fuzztime 5s ./search/

# Every benchmark scenario at its default size against bin/abaco, with the
# baselines measured in the same run; prints one table (docs/performance.md).
bench: build
	$(GO) run ./cmd/abaco-bench -bin bin/abaco

# Each scenario once at a tiny size: keeps the harness working, asserts no timings.
bench-smoke: build
	$(GO) run ./cmd/abaco-bench -bin bin/abaco -smoke

clean:
	rm -rf bin

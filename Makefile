# gox: a Go web framework with Incremental Static Regeneration.
SHELL := /bin/bash
GO    ?= go
PORT  ?= 3000
HOST  ?= 127.0.0.1

.PHONY: help demo test modules packages wrk bench-dev check fmt vet staticcheck race generate check-generated bench bench-prerender


help: ## Show the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

demo: ## Build examples/store in production mode and serve it on http://$(HOST):$(PORT).
	cd examples/store && $(GO) run ../../cli/gox build && HOST=$(HOST) PORT=$(PORT) ./bin/store

test: modules packages ## Run every test, with the race detector.
	$(GO) test -race -count=1 -timeout 30m ./...

# Every module of the graph, not only those the build needs: the tests run
# gox new, whose go mod tidy resolves a new app offline (GOPROXY=off).
modules:
	@$(GO) mod download all

# The Debian packages the tests drive for real: chromium (browser tests),
# varnish and varnish-modules (the CDN purge test, xkey), bash-completion
# (completion scripts), gcc-aarch64-linux-gnu (the cross build),
# redis-server (the Redis store and its multi-host tests).
TEST_PACKAGES := chromium varnish varnish-modules bash-completion gcc-aarch64-linux-gnu redis-server

packages: ## Install the Debian packages the tests use, those missing, in one apt-get.
	@command -v dpkg >/dev/null 2>&1 || { echo "the tests use: $(TEST_PACKAGES) (Debian names)"; exit 0; }; \
	missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing for the tests:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "the tests need: sudo apt-get install" $$missing; exit 1; fi

wrk: ## Install Debian's wrk, the load generator of make bench, if missing.
	@command -v wrk >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing wrk for the load test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else echo "the load test needs wrk: sudo apt-get install wrk"; exit 1; fi

check: fmt vet staticcheck check-generated race ## gofmt, vet, staticcheck, generated code, race tests.

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

race: modules packages
	$(GO) test -race -timeout 30m ./...

APPS := $(patsubst %/main.go,%,$(wildcard examples/*/main.go)) cli/buildcmd/testdata/bigapp

generate: ## Regenerate templ code, and each app's gox_routes.go and gox_bundle.go.
	$(GO) tool templ generate -include-version=false -log-level error
	@for d in $(APPS); do $(GO) run ./cli/gox generate --dir $$d >/dev/null || exit 1; done

check-generated: ## Fail if generated code is out of date.
	@$(MAKE) -s generate
	@git diff --exit-code --stat -- '*_templ.go' '*gox_routes.go' '*gox_bundle.go' '*gox_links.go' || (echo "generated code is out of date: run make generate"; exit 1)
	@new=$$(git ls-files --others --exclude-standard -- '*_templ.go' '*gox_routes.go' '*gox_bundle.go' '*gox_links.go'); \
		if [ -n "$$new" ]; then echo "$$new"; echo "generated code is not committed: git add it"; exit 1; fi

BIGAPP := cli/buildcmd/testdata/bigapp

bench: wrk packages ## Benchmarks (-benchmem), the loopback load tests with wrk (ratios to bare net/http; SQLite and Redis), prerendering 10k pages.
	$(GO) test -run '^$$' -bench . -benchmem ./framework/...
	$(GO) run ./framework/internal/loadtest -path /products/1
	$(GO) run ./framework/internal/loadtest -path /big
	$(GO) run ./framework/internal/loadtest -path /big -stores sqlite,redis
	@$(MAKE) -s bench-prerender
	@$(MAKE) -s bench-dev

bench-dev: ## Time gox new to the first page, and gox dev's edits, warm and with an empty Go build cache.
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/gox ./cli/gox && \
	$(GO) run ./cli/internal/devbench -gox $$tmp/gox && \
	$(GO) run ./cli/internal/devbench -gox $$tmp/gox -cold

bench-prerender: ## Prerender 10,000 pages of a fixture app; prints wall time and peak memory.
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) run ./cli/gox build --dir $(BIGAPP) -o $$tmp/bigapp --no-prerender >/dev/null && \
	cd $(BIGAPP) && GOX_CACHE=$$tmp/cache.db /usr/bin/time -f "prerendered 10,000 pages: %e s wall, %M KB peak RSS" $$tmp/bigapp prerender >/dev/null

# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

GO      ?= go
BIN     := bin/chatd
CACHE   := $(CURDIR)/.cache
GOFILES := $(shell find . -name '*.go' -not -path './e2e/*' -not -path './.cache/*' 2>/dev/null)

.PHONY: help run build page admin-ui test test-deps test-bundle test-go test-page test-client test-e2e test-browser fuzz bench clean

## help: list the targets and what each does.
help:
	@awk '/^## [a-z0-9-]+:/ { sub(/^## /, ""); split($$0, p, ": "); printf "  %-13s %s\n", p[1], substr($$0, length(p[1]) + 3); next } \
		/^##/ { sub(/^## ?/, ""); printf "  %-13s %s\n", "", $$0 }' $(MAKEFILE_LIST)

## run: build the page and the binary, then start the service with the embedded default.
run: build
	./$(BIN)

## build: the binary, with the chat page and the Socket.IO Admin UI embedded.
build: page admin-ui $(BIN)

# -buildvcs=auto: stamp the commit into the binary (chatd --version) even
# where GOFLAGS turns stamping off.
$(BIN): $(GOFILES) go.mod go.sum api/openapi.json static/dist/index.html admin/ui/dist/index.html
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/chatd

## page: bundle static/src into static/dist (only when the sources changed).
page: static/dist/index.html

static/node_modules/.package-lock.json: static/package.json static/package-lock.json
	cd static && npm ci --no-audit --no-fund --loglevel=error

static/dist/index.html: static/node_modules/.package-lock.json $(shell find static/src static/build.mjs 2>/dev/null)
	cd static && node build.mjs

## admin-ui: copy the built Socket.IO Admin UI out of its npm package into admin/ui/dist.
admin-ui: admin/ui/dist/index.html

admin/ui/node_modules/.package-lock.json: admin/ui/package.json admin/ui/package-lock.json
	cd admin/ui && npm ci --no-audit --no-fund --loglevel=error

# The source maps stay out: they are most of the package's size.
admin/ui/dist/index.html: admin/ui/node_modules/.package-lock.json
	rm -rf admin/ui/dist/*
	cp -R admin/ui/node_modules/@socket.io/admin-ui/ui/dist/. admin/ui/dist/
	find admin/ui/dist -name '*.map' -delete

## test: install what the tests need, then run every test.
# The bundle is checked before `build` can rebuild it from the sources.
test: test-deps
	$(MAKE) --no-print-directory test-bundle
	$(MAKE) --no-print-directory build
	e2e/scripts/with-services.sh $(MAKE) --no-print-directory test-go test-page test-client test-e2e test-browser

## test-deps: Debian packages, npm packages and the FerretDB binary the tests use.
test-deps:
	e2e/scripts/install-deps.sh

## test-go: gofmt, go vet (for Linux, Windows and macOS) and every Go test, with the race detector.
test-go:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "not gofmt-ed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	$(GO) test -race -count=1 ./...

## test-bundle: the committed static/dist is exactly what static/src gives (so `go install` serves the page).
test-bundle: static/node_modules/.package-lock.json
	cd static && node build.mjs --check

## test-page: the page's own logic in Node (no browser), such as its mention finder.
test-page:
	cd static && node --test --test-reporter=spec test/*.test.mjs

## test-client: the typed client in static/client: tsc --noEmit over it (strict) and over the page
## built on it (static/src, static/tsconfig.json), and the client's own tests.
test-client: static/client/node_modules/.package-lock.json
	static/client/node_modules/.bin/tsc --noEmit -p static/client
	static/client/node_modules/.bin/tsc --noEmit -p static
	cd static/client && node --test --test-reporter=spec test/*.test.mjs

static/client/node_modules/.package-lock.json: static/client/package.json static/client/package-lock.json
	cd static/client && npm ci --no-audit --no-fund --loglevel=error

## test-e2e: the real binary driven by socket.io-client (needs the services of `make test`).
test-e2e: build
	cd e2e && CHATD_BIN=$(CURDIR)/$(BIN) node --test --test-concurrency=1 --test-reporter=spec tests/*.test.mjs

## test-browser: the chat page in headless Chromium (needs the services of `make test`).
test-browser: build
	cd e2e && CHATD_BIN=$(CURDIR)/$(BIN) node --test --test-concurrency=1 --test-reporter=spec browser/*.test.mjs

## fuzz: run each fuzz target for a while (the seed corpora run in `go test`).
fuzz:
	$(GO) test ./wire -run '^$$' -fuzz FuzzDecodeEvent -fuzztime 30s
	$(GO) test ./wire -run '^$$' -fuzz FuzzValidText -fuzztime 30s
	$(GO) test ./auth -run '^$$' -fuzz FuzzParseToken -fuzztime 30s
	$(GO) test ./messages -run '^$$' -fuzz FuzzMentionedNames -fuzztime 30s
	$(GO) test ./cmd/chatbench/load -run '^$$' -fuzz FuzzParseFrame -fuzztime 30s
	$(GO) test ./sockets/wstransport -run '^$$' -fuzz FuzzFrameParser -fuzztime 30s

## bench: run the load scenarios against chatd (embedded store) and a Node.js
## socket.io server, each pinned to one core; writes e2e/bench/BENCHMARKS.md.
## The cluster scenarios run two of each on one redis-server (chatd's on FerretDB;
## `make test-deps` installs redis-server, run.mjs builds FerretDB).
## BENCH_FLAGS passes options to e2e/bench/run.mjs (--rounds, --seconds, --only).
bench: $(BIN) bin/chatbench e2e/bench/node_modules/.package-lock.json
	node e2e/bench/run.mjs --chatd $(BIN) --chatbench bin/chatbench $(BENCH_FLAGS)

bin/chatbench: $(GOFILES) go.mod go.sum
	$(GO) build -o bin/chatbench ./cmd/chatbench

e2e/bench/node_modules/.package-lock.json: e2e/bench/package.json e2e/bench/package-lock.json
	cd e2e/bench && npm ci --no-audit --no-fund --loglevel=error

## clean: remove the binaries and the copied Admin UI (the built page is committed).
clean:
	rm -rf bin admin/ui/dist/*

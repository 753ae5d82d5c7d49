# Lianxin — the two commands that matter are `make run` and `make test`.
# Everything they need (npm packages, Debian's chromium for browser tests)
# they install themselves.

SHELL      := /bin/bash
GO         ?= go
NPM        ?= npm
BIN        := bin/lianxin
VERSION    ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -X main.version=$(VERSION)
FRONT_DEPS := frontend/node_modules/.installed
GO_SOURCES := $(shell find . -name '*.go' -not -path './frontend/node_modules/*') $(wildcard migrations/*.sql) internal/httpapi/openapi.yaml go.mod go.sum

export LIANXIN_ADDR ?= :8080
export LIANXIN_DATA_DIR ?= ./data

.PHONY: run build frontend test test-go test-frontend test-e2e bench chromium clean

## run: build everything and start the hub with the demo alliance on http://localhost:8080
run: build
	./$(BIN) serve --demo

## build: the frontend, then the binary that embeds it
build: frontend $(BIN)

$(BIN): $(GO_SOURCES) frontend/dist/index.html
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/lianxin

$(FRONT_DEPS): frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	touch $@

frontend: frontend/dist/index.html

frontend/dist/index.html: $(FRONT_DEPS) $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && $(NPM) run build

## test: every test — Go (SQLite; Postgres and Redis when LIANXIN_TEST_* are set), frontend units, browser end-to-end
test: test-go test-frontend test-e2e

test-go: frontend
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

test-frontend: $(FRONT_DEPS)
	cd frontend && $(NPM) test

test-e2e: build chromium
	cd frontend && LIANXIN_BIN=$(CURDIR)/$(BIN) $(NPM) run e2e

## bench: measure the referral closed loop over HTTP against pgbench's ceiling, on the PostgreSQL at
## LIANXIN_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), then the video SFU
## (no database: `lianxin sfu` as a child process and Pion clients over loopback); prints two reports.
## The SFU part runs even when the referral part fails (no PostgreSQL); make still reports the failure.
bench: build
	@status=0; ./$(BIN) bench referrals || status=$$?; ./$(BIN) bench sfu || status=$$?; exit $$status

## chromium: install Debian's chromium for the browser tests when missing
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf bin frontend/dist/assets frontend/dist/index.html

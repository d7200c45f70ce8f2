# PatrolDesk. Two commands matter: `make run` and `make test` (see README).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# npm's wasm-opt (binaryen 132) must come before any other on PATH: Debian's breaks the app.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
export CHROMEDRIVER := /usr/bin/chromedriver
PORT ?= 8080

.PHONY: run test bench build-release tools tools-test test-native test-wasm test-e2e clean

## Build and serve the app on http://127.0.0.1:$(PORT).
run: tools
	trunk serve --release --port $(PORT) --address 127.0.0.1

## Every test layer: native domain tests, wasm tests in headless Chromium, end to end.
test: tools-test test-native test-wasm test-e2e

## Size (and, as they land, speed) benchmarks against a release build.
bench: build-release
	node scripts/size.mjs dist

tools:
	scripts/ensure-tools.sh build

tools-test:
	scripts/ensure-tools.sh test

build-release: tools
	trunk build --release

test-native:
	scripts/run-counted.sh native cargo test --locked

test-wasm: tools-test
	scripts/run-counted.sh wasm cargo test --locked --target wasm32-unknown-unknown --test browser

test-e2e: tools-test build-release
	scripts/run-counted.sh e2e npx playwright test

clean:
	cargo clean
	rm -rf dist test-results playwright-report

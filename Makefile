# PatrolDesk. Two commands matter: `make run` and `make test` (see README).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# npm's wasm-opt (binaryen 132) must come before any other on PATH: Debian's breaks the app.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
export CHROMEDRIVER := /usr/bin/chromedriver
# The 100,000-ticket KPI test builds its data set in an unoptimised wasm build (~30 s).
export WASM_BINDGEN_TEST_TIMEOUT := 300
PORT ?= 8080
COMMA := ,

.PHONY: run test bench build-release tools tools-test tools-bench test-native test-wasm test-couch test-e2e clean

## Build and serve the app on http://127.0.0.1:$(PORT).
run: tools
	trunk serve --release --port $(PORT) --address 127.0.0.1

## Every test layer: native domain tests, wasm tests in headless Chromium, end to end.
test: tools-test test-native test-wasm test-couch test-e2e

## Benchmarks against a release build: size, speed beside their references, the scale
## table, and Lighthouse. Results in bench/results.json; each speed figure the median of
## BENCH_RUNS.
BENCH_TICKETS ?= 10000
BENCH_OPEN_TICKETS ?= 8050
BENCH_RUNS ?= 3

bench: build-release tools-bench
	node scripts/size.mjs dist
	@# What the main wasm is made of, by crate and by the app's modules (twiggy).
	node scripts/wasm-breakdown.mjs target/wasm32-unknown-unknown/release/patroldesk.wasm
	@# Export files: BENCH_TICKETS over 90 days, and BENCH_OPEN_TICKETS received in the last
	@# day for the search keystroke (8,050 of them leave about 5,000 open).
	cargo run --release --locked --example make_export -- $(BENCH_TICKETS) target/bench-export.json
	cargo run --release --locked --example make_export -- $(BENCH_OPEN_TICKETS) target/bench-open.json 1
	@# Import vs bare IndexedDB, cold start (CPU 4x slower), keystroke to paint, memory.
	BENCH_RUNS=$(BENCH_RUNS) node scripts/bench.mjs target/bench-export.json target/bench-open.json
	@# KPI engine over 100,000 tickets in headless Chromium, optimised like a release
	@# (own target folder, so the test build of `make test` is not thrown away).
	CARGO_TARGET_DIR=target/bench CARGO_PROFILE_TEST_OPT_LEVEL=3 CARGO_PROFILE_TEST_DEBUG=0 \
	  cargo test --locked --target wasm32-unknown-unknown --test browser kpis_over_100k -- --nocapture 2>&1 | grep 'KPIs over' | tee target/bench-kpi.txt
	node scripts/bench-kpi.mjs target/bench-kpi.txt
	@# The scale table: every everyday action on 200 and on BENCH_TICKETS tickets in one run,
	@# and (BENCH_50K=1) cold start, detail, a step and the KPI view on 50,000.
	cargo run --release --locked --example make_export -- 200 target/bench-200.json
	@# Five sites' files of 10,000 (one file of 50,000 would pass the browser's string limit):
	@# the 50,000 scale run and head office's view over five site databases.
	for t in 1 2 3 4 5; do cargo run --release --locked --example make_export -- 10000 target/bench-site$$t.json 90 $$t; done
	BENCH_RUNS=$(BENCH_RUNS) node scripts/bench-scale.mjs dist 200:target/bench-200.json $(BENCH_TICKETS):target/bench-export.json $(if $(BENCH_50K),50000:target/bench-site1.json$(COMMA)target/bench-site2.json$(COMMA)target/bench-site3.json$(COMMA)target/bench-site4.json$(COMMA)target/bench-site5.json)
	@# Live sync through pouchdb-server: first replication both ways beside Node's _bulk_docs,
	@# one edit from tablet to tablet, head office over five sites.
	BENCH_RUNS=$(BENCH_RUNS) node scripts/bench-couch.mjs target/bench-export.json target/bench-site1.json target/bench-site2.json target/bench-site3.json target/bench-site4.json target/bench-site5.json
	CHROME_PATH=/usr/bin/chromium node scripts/lighthouse.mjs
	node scripts/bench-table.mjs

tools:
	scripts/ensure-tools.sh build

tools-test:
	scripts/ensure-tools.sh test

tools-bench:
	scripts/ensure-tools.sh bench

build-release: tools
	trunk build --release

test-native:
	scripts/run-counted.sh native cargo test --locked

## Under a CouchDB-protocol server (pouchdb-server in memory on 127.0.0.1:5988) for the
## replication over fetch; COUCHDB_TEST_URL=http://admin:pw@host:5984 uses a real CouchDB.
test-wasm: tools-test
	scripts/run-counted.sh wasm scripts/with-couch.sh cargo test --locked --target wasm32-unknown-unknown --test browser

## The server kit against a CouchDB-protocol server: npm's pouchdb-server in memory on
## loopback, started and stopped by the suite (or a real CouchDB: COUCHDB_URL=http://admin:pw@host:5984).
test-couch: tools-test
	scripts/run-counted.sh couch node --test tests/couch/

test-e2e: tools-test build-release
	@# The 10,000-ticket file the live-cache test imports (the same one make bench uses).
	test -f target/bench-export.json || cargo run --release --locked --example make_export -- 10000 target/bench-export.json
	scripts/run-counted.sh e2e npx playwright test

clean:
	cargo clean
	rm -rf dist test-results playwright-report

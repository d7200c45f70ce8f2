#!/usr/bin/env bash
# Installs what the build and the tests need, at exact versions, from the package
# registries only (no prebuilt binaries from elsewhere: those downloads fail here).
# Checks versions, not just presence, so a wrong version is replaced.
# Usage: scripts/ensure-tools.sh build   — wasm target, trunk, wasm-bindgen-cli, wasm-split-cli, npm packages
#        scripts/ensure-tools.sh test    — the above plus Chromium and chromedriver
#        scripts/ensure-tools.sh bench   — the test tools plus twiggy (the wasm size breakdown)
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
TWIGGY_VERSION=0.7.0
# Splits the app's wasm into the first view's and the others' (scripts/build-app.mjs).
WASM_SPLIT_VERSION=0.2.4
# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  step "installing trunk $TRUNK_VERSION (about 8 minutes on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
  # Not --locked: its lock file names a webpki-roots version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# It has no --version: cargo's list of installed packages says which one is there.
if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  step "installing wasm-split-cli $WASM_SPLIT_VERSION (about 2 minutes)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
fi

# npm packages from the committed lock file: binaryen's wasm-opt 132 and Playwright.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages (npm ci)"
  # --ignore-scripts: pouchdb-server (the test CouchDB) pulls leveldown and sqlite3, whose
  # install scripts would fetch prebuilt binaries; it runs in memory and needs neither.
  npm ci --no-audit --no-fund --ignore-scripts
fi

# Trunk runs cargo offline (so it cannot fetch tools either); fetch crates first.
cargo fetch --locked >/dev/null

if [ "${1:-build}" = "test" ] || [ "${1:-build}" = "bench" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    step "installing Chromium and chromedriver from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  # The export files are checked against docs/export.schema.json by an independent validator.
  if ! python3 -c 'import jsonschema' 2>/dev/null; then
    step "installing python3-jsonschema from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema >/dev/null
  fi
  # Spreadsheets are opened in LibreOffice headless, as head office would (about 30 s).
  if ! command -v soffice >/dev/null; then
    step "installing LibreOffice Calc (headless) from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null
  fi
fi

if [ "${1:-build}" = "bench" ] && [ "$(twiggy --version 2>/dev/null || true)" != "twiggy-opt $TWIGGY_VERSION" ]; then
  step "installing twiggy $TWIGGY_VERSION (about 2 minutes)"
  cargo install twiggy --version "$TWIGGY_VERSION" --locked --force
fi

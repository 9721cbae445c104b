#!/usr/bin/env bash
# Installs what building and testing the project needs, skipping whatever is
# already there. Safe to run again. Only package registries are used: no tool
# downloads a browser or a binary of its own.
#
#   scripts/setup.sh          Rust tools only (for `make dev`)
#   scripts/setup.sh --test   also Chromium and the end-to-end npm packages
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# shellcheck source=apt.sh
source scripts/apt.sh

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The release wasm rebuilds the standard library (scripts/build-release.sh).
if ! rustup component list --installed | grep -qx 'rust-src'; then
  log "rustup component add rust-src"
  rustup component add rust-src
fi

# Build tools, not shipped code: compiled for a short build rather than for
# their own speed (no LTO, 16 codegen units, opt-level 1: cargo-leptos's own
# release profile asks for LTO and one codegen unit; 12 minutes instead of
# about 18 on a fresh 2-core machine). They spend their time waiting on
# cargo, rustc and wasm-opt either way.
tool_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_INCREMENTAL=0 cargo install "$@"
}

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (several minutes the first time)"
  tool_install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  tool_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt for release builds: the npm package (Debian's binaryen 108 breaks hydration).
# workerd, which runs the edge build: the npm package ships its binary.
if [[ ! -x end2end/node_modules/.bin/wasm-opt || ! -d end2end/node_modules/@playwright/test \
  || ! -x end2end/node_modules/.bin/workerd ]]; then
  log "npm ci (end2end: Playwright, binaryen and workerd)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

if $want_test; then
  if [[ ! -x /usr/bin/chromium ]]; then
    apt_install chromium chromium-driver
  fi
  # The shared cache's tests start redis-servers of their own (never the
  # system service), on loopback ports in temporary directories.
  if ! command -v redis-server >/dev/null; then
    apt_install redis-server
  fi
  # cargo-lambda, which runs the Lambda function locally (`make
  # lambda-local`): PyPI's binary wheel, in a virtualenv of the build's own.
  # Only where there is a Lambda function (not in an app from the starter).
  CARGO_LAMBDA_VERSION=1.9.2
  if [[ -d lambda ]] && ! target/tools/lambda/bin/cargo-lambda lambda --version 2>/dev/null | grep -q "$CARGO_LAMBDA_VERSION"; then
    python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
    log "pip install cargo-lambda $CARGO_LAMBDA_VERSION (target/tools/lambda)"
    python3 -m venv target/tools/lambda
    target/tools/lambda/bin/pip install --quiet "cargo-lambda==$CARGO_LAMBDA_VERSION"
  fi
fi
log "ready"

#!/usr/bin/env bash
# The framework's floor (bench/floor: Leptos with its router and
# leptos_meta, two pages), built as scripts/build-release.sh builds the
# reference app's wasm: the same profile, the same unstable flags, the same
# wasm-bindgen and wasm-opt -Oz. Prints one line of JSON: the wasm and the
# JS glue, raw, gzip -9 and brotli -q 11. `make bench` puts it beside the
# reference app's bundle; docs/performance.md quotes it.
#
# Needs what scripts/setup.sh installs (the wasm32 target, rust-src,
# wasm-bindgen, end2end's wasm-opt, brotli). Cold, it builds Leptos and the
# standard library for wasm32 in target/floor: about five minutes here.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/floor/out
mkdir -p "$out"
(
  cd bench/floor
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$root/target/floor \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none" \
    cargo build --locked --quiet --profile wasm-release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
)
wasm-bindgen --target web --out-dir "$out" target/floor/wasm32-unknown-unknown/wasm-release/floor.wasm
end2end/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$out/floor_bg.wasm" -o "$out/floor_bg.wasm"
# Each size on its own line, so that a missing gzip or brotli stops the
# script (under `set -e`) instead of printing a size of 0.
sizes() {
  local raw gz br
  raw=$(wc -c <"$1")
  gz=$(gzip -9 -c "$1" | wc -c)
  br=$(brotli -q 11 -c "$1" | wc -c)
  printf '{"raw": %d, "gzip": %d, "brotli": %d}' "$raw" "$gz" "$br"
}
wasm=$(sizes "$out/floor_bg.wasm")
glue=$(sizes "$out/floor.js")
printf '{"wasm": %s, "glue": %s}\n' "$wasm" "$glue"

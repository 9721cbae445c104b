#!/usr/bin/env bash
# The release build of the reference app, as `make test`, `make bench` and
# `make soak` use it: the browser's wasm first, then the server.
#
# Assets are named by their content (cargo-leptos's `hash-files`, so the
# server can send them as immutable; run the server with
# LEPTOS_HASH_FILES=true too) and compressed once here (`.br` and `.gz`
# beside each file). Release builds only: `cargo leptos watch` renames
# nothing on a rebuild.
#
# The wasm is built with the standard library recompiled for it
# (`-Zbuild-std`), so that a panic is a bare trap with no message, no
# formatting and no unwinding code (`-Cpanic=immediate-abort`), `{:?}`
# prints nothing (`-Zfmt-debug=none`) and panics carry no file names
# (`-Zlocation-detail=none`): 8.8% fewer bytes on the wire (brotli), see
# docs/performance.md. These flags are unstable; RUSTC_BOOTSTRAP=1 lets the
# stable toolchain take them (it needs the `rust-src` component, which
# scripts/setup.sh adds). They apply to the wasm alone (cargo-leptos builds
# it in target/front, with its own flags); the server is built as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
export LEPTOS_HASH_FILES=true
RUSTC_BOOTSTRAP=1 \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none" \
  cargo leptos build --release --precompress --frontend-only --split \
  --lib-cargo-args=-Zbuild-std=std,panic_abort
cargo leptos build --release --precompress --server-only

#!/usr/bin/env bash
# The request pipeline alone (feature `ssr`, no batteries) builds, and
# nothing in its dependency tree is an async runtime, an HTTP server or a
# file server: the same pipeline can run in a Lambda function or a wasm
# edge runtime, each bringing its own runtime through `server_props::runtime`.
set -euo pipefail
cd "$(dirname "$0")/.."

core=(-p server_props --no-default-features --features ssr)
cargo check --locked "${core[@]}"
# Every package of the pipeline's build, one name a line (a failure of
# `cargo tree` fails the check: set -e).
tree=$(cargo tree --locked "${core[@]}" -e normal --prefix none -f '{p}')
names=$(awk '{print $1}' <<<"$tree" | sort -u)
[[ $(wc -l <<<"$names") -gt 20 ]] || { echo "check-core: cargo tree listed too little:" >&2; echo "$tree" >&2; exit 1; }
status=0
for crate in tokio hyper hyper-util tower-http mio socket2 leptos_axum; do
  if grep -qx "$crate" <<<"$names"; then
    echo "check-core: the pipeline (feature ssr) depends on $crate:" >&2
    cargo tree --locked "${core[@]}" -e normal -i "$crate" >&2
    status=1
  fi
done
[[ $status -eq 0 ]] && echo "check-core: the pipeline builds without tokio, hyper or a file server ($(wc -l <<<"$names") packages)"
exit $status

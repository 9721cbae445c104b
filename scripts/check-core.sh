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

# The edge build (worker/, wasm32): the pages marked for the edge and what
# they use, nothing of the server's. workers-rs names tokio for its I/O
# traits only (no runtime: `tokio` with no feature), so tokio is allowed
# there and nowhere else.
edge=(-p edge --target wasm32-unknown-unknown)
tree=$(cargo tree --locked "${edge[@]}" -e normal --prefix none -f '{p}')
names=$(awk '{print $1}' <<<"$tree" | sort -u)
[[ $(wc -l <<<"$names") -gt 20 ]] || { echo "check-core: cargo tree listed too little for the edge build" >&2; exit 1; }
for crate in sqlx sqlx-core hyper hyper-util tower-http mio socket2 leptos_axum; do
  if grep -qx "$crate" <<<"$names"; then
    echo "check-core: the edge build depends on $crate:" >&2
    cargo tree --locked "${edge[@]}" -e normal -i "$crate" >&2
    status=1
  fi
done
dependents=$(cargo tree --locked "${edge[@]}" -e normal -i tokio --depth 1 --prefix none -f '{p}' | awk 'NR > 1 {print $1}' | sort -u)
if [[ -n $dependents && $dependents != worker ]]; then
  echo "check-core: in the edge build, tokio is needed by more than workers-rs: $dependents" >&2
  status=1
fi
if cargo tree --locked "${edge[@]}" -e features -i tokio 2>/dev/null | grep -q 'tokio feature "rt'; then
  echo "check-core: the edge build enables a tokio runtime" >&2
  status=1
fi
[[ $status -eq 0 ]] && echo "check-core: the edge build has no database driver, HTTP server or tokio runtime ($(wc -l <<<"$names") packages)"
exit $status

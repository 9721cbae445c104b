#!/usr/bin/env bash
# The request pipeline alone (feature `ssr`, no batteries) builds, and
# nothing in its dependency tree is an async runtime, an HTTP server or a
# file server: the same pipeline can run in a Lambda function or a wasm
# edge runtime, each bringing its own runtime through `server_props::runtime`.
set -euo pipefail
cd "$(dirname "$0")/.."

core=(-p server_props --no-default-features --features ssr)
cargo check --locked "${core[@]}"
status=0
for crate in tokio hyper hyper-util tower-http mio socket2; do
  # `cargo tree -i` prints the paths to a crate on stdout, or nothing (and
  # a warning on stderr) when the crate is not in the tree.
  paths=$(cargo tree --locked "${core[@]}" -e normal -i "$crate" 2>/dev/null || true)
  if [[ -n "$paths" ]]; then
    echo "check-core: the pipeline (feature ssr) depends on $crate:" >&2
    echo "$paths" >&2
    status=1
  fi
done
[[ $status -eq 0 ]] && echo "check-core: the pipeline builds without tokio, hyper or a file server"
exit $status

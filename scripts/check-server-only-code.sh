#!/usr/bin/env bash
# Server-only code stays on the server:
#  1. the release wasm bundle holds none of the strings only loaders use
#     (and does hold a string the client renders, so the check can fail);
#  2. a client build that calls a loader does not compile (and the same
#     crate without the call does).
set -euo pipefail
cd "$(dirname "$0")/.."

# The release build names its assets by their content (`hash-files`).
wasm=$(ls target/site/pkg/reference-app*.wasm 2>/dev/null | head -n 1 || true)
[[ -n $wasm && -f $wasm ]] || { echo "check-server-only-code: target/site/pkg/reference-app*.wasm missing: run the release build first" >&2; exit 1; }

# Present in the client: the 404 page's text.
grep -qaF "This page could not be found." "$wasm" || {
  echo "check-server-only-code: the client's own text is not in $wasm: the check would prove nothing" >&2
  exit 1
}
# Only loaders (and the server) use these.
server_only=(
  "SELECT owner, name, stargazers_count FROM repos"
  "the /error page always fails"
  "the /panic page always panics"
  "hello from loader"
  "CREATE TABLE IF NOT EXISTS repos"
)
for s in "${server_only[@]}"; do
  if grep -qaF "$s" "$wasm"; then
    echo "check-server-only-code: server-only string in the wasm bundle: $s" >&2
    exit 1
  fi
done
echo "check-server-only-code: no loader code in $wasm ($(stat -c %s "$wasm") bytes)"

fixture=compile-fail/client-calls-loader
cp Cargo.lock "$fixture/Cargo.lock"
check() {
  CARGO_TARGET_DIR=target/compile-fail cargo check --quiet --target wasm32-unknown-unknown \
    --manifest-path "$fixture/Cargo.toml" "$@"
}
check --features control || {
  echo "check-server-only-code: the control build of $fixture does not compile" >&2
  exit 1
}
if out=$(check 2>&1); then
  echo "check-server-only-code: a client build calling a loader compiled" >&2
  exit 1
fi
if ! grep -q "Loader" <<<"$out"; then
  echo "check-server-only-code: $fixture failed for another reason:" >&2
  echo "$out" >&2
  exit 1
fi
echo "check-server-only-code: calling a loader from the client does not compile:"
grep -m1 -E "^error" <<<"$out"

#!/usr/bin/env bash
# Server-only code stays on the server:
#  1. the release wasm bundle holds none of the strings only loaders use
#     (and does hold a string the client renders, so the check can fail);
#  2. a client build that calls a loader does not compile (and the same
#     crate without the call does).
set -euo pipefail
cd "$(dirname "$0")/.."

# The release build names its assets by their content (`hash-files`) and
# splits the browser's code by page (`--split`): the main module and every
# page's chunk.
wasm=(target/site/pkg/*.wasm)
[[ -f ${wasm[0]} ]] && ls target/site/pkg/reference-app*.wasm >/dev/null 2>&1 || {
  echo "check-server-only-code: target/site/pkg/reference-app*.wasm missing: run the release build first" >&2
  exit 1
}

# Present in the client: the 404 page's text (the main module), and a
# text only a page's view renders (its chunk), so the check can fail.
for s in "This page could not be found." "Just say hello"; do
  grep -qaF "$s" "${wasm[@]}" || {
    echo "check-server-only-code: the client's own text \"$s\" is in none of ${#wasm[@]} wasm files: the check would prove nothing" >&2
    exit 1
  }
done
# Only loaders (and the server) use these.
server_only=(
  "SELECT owner, name, stargazers_count FROM repos"
  "the /error page always fails"
  "the /panic page always panics"
  "hello from loader"
  "CREATE TABLE IF NOT EXISTS repos"
)
for s in "${server_only[@]}"; do
  if grep -laF "$s" "${wasm[@]}"; then
    echo "check-server-only-code: server-only string in the wasm bundle (the file above): $s" >&2
    exit 1
  fi
done
echo "check-server-only-code: no loader code in ${#wasm[@]} wasm files ($(cat "${wasm[@]}" | wc -c) bytes)"

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

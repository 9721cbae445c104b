#!/usr/bin/env bash
# What compression costs and what the first load weighs on the wire: the
# release server (`make build-release`) pinned to CPU 0, wrk (1 thread, 64
# connections, 3 s warm-up, 10 s) on CPU 1, for a document and a cache hit,
# with no Accept-Encoding, a browser's, and gzip only. Figures in
# docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x target/release/server ]] || { echo "serving-costs: run make build-release first" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  sudo=; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
port=3977
LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=reference-app \
LEPTOS_SITE_PKG_DIR=pkg LEPTOS_HASH_FILES=true LEPTOS_ENV=PROD DATABASE_URL=sqlite::memory: RUST_LOG=warn \
SERVER_PROPS_COOKIE_SECRET=serving-costs-secret-of-thirty-two-bytes \
  taskset -c 0 target/release/server >/dev/null 2>&1 &
pid=$!
trap 'kill $pid' EXIT
for i in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:$port/ && break; sleep 0.2; done
base=http://127.0.0.1:$port
for enc in "" "gzip, deflate, br, zstd" "gzip"; do
  for path in /bench/items/1 /cached; do
    args=()
    [[ -n $enc ]] && args=(-H "Accept-Encoding: $enc")
    size=$(curl -s "${args[@]}" -o /dev/null -w '%{size_download}' $base$path)
    taskset -c 1 wrk -t1 -c64 -d3s "${args[@]}" $base$path >/dev/null
    out=$(taskset -c 1 wrk -t1 -c64 -d10s --latency "${args[@]}" $base$path)
    rps=$(grep Requests/sec <<<"$out" | awk '{print $2}')
    p99=$(grep -E '^\s+99%' <<<"$out" | awk '{print $2}')
    echo "path=$path enc='${enc:-identity}' bytes=$size rps=$rps p99=$p99"
  done
done
doc=$(curl -s $base/bench/items/1)
total=0
for a in $(grep -oE '(src|href)="/pkg/[^"]+"' <<<"$doc" | sed -E 's/.*="([^"]+)"/\1/' | sort -u); do
  n=$(curl -s -H 'Accept-Encoding: br, gzip' -o /dev/null -w '%{size_download}' $base$a)
  echo "asset $a br-on-wire=$n"
  total=$((total+n))
done
echo "first load on the wire (br): $total bytes"

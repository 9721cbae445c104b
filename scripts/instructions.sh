#!/usr/bin/env bash
# Instructions per request of the release server under callgrind, for one
# URL: (instructions after 220 requests − after 20) / 200, so start-up and
# warm-up cancel out. Stable to the thousand on this noisy machine.
#   scripts/instructions.sh /bench/items/1
#   scripts/instructions.sh /_props/cg/bench/items/1.json   (build id "cg")
#   CACHE_BYTES=67108864 scripts/instructions.sh /cached     (shared cache on: hits)
#   WARMUP=100 REQUESTS=900 SERVER=/tmp/other-build scripts/instructions.sh /bench/items/1
#     (1,000 requests less 100: start-up's run-to-run noise divided by 4.5)
#   SERVER=target/release/handwritten SERVER_ARGS=site.json scripts/instructions.sh /bench/items/1
#     (the benchmark's hand-written server: its arguments before the address)
set -euo pipefail
cd "$(dirname "$0")/.."
path=${1:?usage: scripts/instructions.sh PATH}
port=${PORT:-3911}
server=${SERVER:-target/release/server}
[[ -x $server ]] || { echo "instructions: build the release server first (make build-release)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {
  LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=reference-app \
  LEPTOS_HASH_FILES=true LEPTOS_ENV=PROD DATABASE_URL=sqlite::memory: RUST_LOG=warn SERVER_PROPS_CACHE_BYTES=${CACHE_BYTES:-0} \
  SERVER_PROPS_COOKIE_SECRET=instructions-benchmark-secret-of-32-bytes SERVER_PROPS_BUILD_ID=cg \
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1" "$server" ${SERVER_ARGS:-} >/dev/null 2>&1 &
  local pid=$!
  python3 - "$1" "$path" "$port" <<'PY'
import http.client, sys, time
n, path, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", "/bench/hello"); c.getresponse().read(); break
    except OSError:
        time.sleep(0.5)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
for _ in range(n):
    c.request("GET", path); r = c.getresponse(); r.read()
    assert r.status == 200, (path, r.status)
PY
  kill -INT "$pid"; wait "$pid" || true
  awk '/^summary:/ {print $2}' "$out/cg.$1"
}
warmup=${WARMUP:-20} requests=${REQUESTS:-200}
a=$(run "$warmup"); b=$(run $((warmup + requests)))
echo "$path: $(( (b - a) / requests )) instructions per request (over $requests)"

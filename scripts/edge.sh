#!/usr/bin/env bash
# The reference app's edge build (worker/), without wrangler or
# worker-build: what they do, with the tools this repository installs.
#
#   scripts/edge.sh build [out]   the worker: wasm32 build, wasm-bindgen's
#                                 ES modules, the entry module (default out:
#                                 target/edge)
#   scripts/edge.sh serve [out]   workerd in front of the server:
#                                 EDGE_ADDR (127.0.0.1:8788) answers; the
#                                 SERVER_PROPS_* variables of the
#                                 environment become the worker's (ORIGIN,
#                                 BUILD_ID and COOKIE_SECRET required,
#                                 docs/deploy.md "Edge");
#                                 SERVER_PROPS_ASSET_HASHES_FILE
#                                 names the server build's hash.txt, whose
#                                 text becomes SERVER_PROPS_ASSET_HASHES;
#                                 SERVER_PROPS_SPLIT_MANIFEST_FILE the
#                                 site's split manifest, whose text becomes
#                                 SERVER_PROPS_SPLIT_MANIFEST
#
# The config `serve` writes (out/config.capnp) holds the variables as
# they were given, the cookie secret included: it is a local file under
# target/, for development and tests; a deployment keeps the secret in the
# platform's secrets.
#
# build: `cargo build` for wasm32-unknown-unknown in the wasm-release profile
# (size, as the browser's wasm), `wasm-bindgen --target module` (the CLI of
# the lockfile's version, as scripts/setup.sh installs it), wasm-opt, and
# worker/shim.mjs as the entry. serve: a workerd config naming each module
# (the wasm, wasm-bindgen's glue and snippets), the variables as text
# bindings, and outbound fetches allowed to loopback (the origin in tests
# and in development).
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:?usage: scripts/edge.sh build|serve [out]}
out=${2:-target/edge}

case $command in
build)
  # The asset names the server's build uses (worker/src/lib.rs reads it
  # when it is compiled).
  LEPTOS_OUTPUT_NAME=${LEPTOS_OUTPUT_NAME:-reference-app} \
    cargo build --locked -p edge --target wasm32-unknown-unknown --profile wasm-release
  rm -rf "$out"
  wasm-bindgen target/wasm32-unknown-unknown/wasm-release/edge.wasm \
    --out-dir "$out" --out-name index --target module --no-typescript \
    --experimental-reset-state-function --force-enable-abort-handler
  # For size, as worker-build's release builds: wasm-opt (npm's binaryen,
  # as for the browser's wasm) with the features wasm-bindgen's output uses.
  # Measured on the reference app: 2,056,404 -> 1,154,375 bytes
  # (docs/deploy.md, "Edge").
  "${WASM_OPT:-end2end/node_modules/.bin/wasm-opt}" -Oz \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --enable-exception-handling \
    "$out/index_bg.wasm" -o "$out/index_bg.wasm"
  # wasm-bindgen imports the module as a source phase import, which
  # worker-build (and so workerd's loader as used here) takes as a plain one.
  sed -i 's/^import source /import /' "$out/index.js"
  cp worker/shim.mjs "$out/shim.mjs"
  echo "edge: built $out ($(stat -c %s "$out/index_bg.wasm") bytes of wasm)"
  ;;
serve)
  [[ -f $out/index_bg.wasm ]] || { echo "edge: no build in $out: scripts/edge.sh build" >&2; exit 1; }
  : "${SERVER_PROPS_ORIGIN:?name the server the edge forwards to}"
  : "${SERVER_PROPS_BUILD_ID:?give the edge the server's build id}"
  : "${SERVER_PROPS_COOKIE_SECRET:?give the edge the server's cookie secret (32 bytes or more)}"
  addr=${EDGE_ADDR:-127.0.0.1:8788}
  workerd=${WORKERD:-end2end/node_modules/.bin/workerd}
  # A path (not a name on PATH) still names it after the `cd` below.
  [[ $workerd == */* ]] && workerd=$(realpath "$workerd")
  config=$out/config.capnp
  {
    echo 'using Workerd = import "/workerd/workerd.capnp";'
    echo
    echo 'const config :Workerd.Config = ('
    echo '  services = ['
    echo '    (name = "edge", worker = .edge),'
    echo '    (name = "loopback", network = (allow = ["public", "private", "local"])),'
    echo '  ],'
    echo "  sockets = [ (name = \"http\", address = \"$addr\", http = (), service = \"edge\") ],"
    echo ');'
    echo
    echo 'const edge :Workerd.Worker = ('
    echo '  modules = ['
    echo '    (name = "shim.mjs", esModule = embed "shim.mjs"),'
    echo '    (name = "index.js", esModule = embed "index.js"),'
    (cd "$out" && find snippets -type f -name '*.js' 2>/dev/null | sort) | while read -r snippet; do
      echo "    (name = \"$snippet\", esModule = embed \"$snippet\"),"
    done
    echo '    (name = "index_bg.wasm", wasm = embed "index_bg.wasm"),'
    echo '  ],'
    echo '  compatibilityDate = "2025-09-01",'
    echo '  bindings = ['
    for name in SERVER_PROPS_ORIGIN SERVER_PROPS_BUILD_ID SERVER_PROPS_COOKIE_SECRET SERVER_PROPS_HTTPS; do
      if [[ -n ${!name:-} ]]; then
        if [[ ${!name} == *[[:cntrl:]]* ]]; then
          echo "edge: $name holds a control character, which no such value has" >&2
          exit 1
        fi
        value=${!name//\\/\\\\}
        echo "    (name = \"$name\", text = \"${value//\"/\\\"}\"),"
      fi
    done
    # The hash file's text, as a file beside the config (it has lines).
    if [[ -n ${SERVER_PROPS_ASSET_HASHES_FILE:-} ]]; then
      cp "$SERVER_PROPS_ASSET_HASHES_FILE" "$out/hash.txt"
    elif [[ -n ${SERVER_PROPS_ASSET_HASHES:-} ]]; then
      printf '%s\n' "$SERVER_PROPS_ASSET_HASHES" > "$out/hash.txt"
    else
      rm -f "$out/hash.txt"
    fi
    if [[ -f $out/hash.txt ]]; then
      echo '    (name = "SERVER_PROPS_ASSET_HASHES", text = embed "hash.txt"),'
    fi
    # A build split by page: its manifest, so documents preload their
    # page's chunk.
    if [[ -n ${SERVER_PROPS_SPLIT_MANIFEST_FILE:-} ]]; then
      cp "$SERVER_PROPS_SPLIT_MANIFEST_FILE" "$out/split-manifest.json"
      echo '    (name = "SERVER_PROPS_SPLIT_MANIFEST", text = embed "split-manifest.json"),'
    else
      rm -f "$out/split-manifest.json"
    fi
    echo '  ],'
    echo '  globalOutbound = "loopback",'
    echo ');'
  } > "$config"
  cd "$out"
  exec "$workerd" serve config.capnp
  ;;
*)
  echo "usage: scripts/edge.sh build|serve [out]" >&2
  exit 2
  ;;
esac

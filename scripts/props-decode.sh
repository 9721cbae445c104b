#!/usr/bin/env bash
# Decoding `/bench/items/1`'s props in the browser's engine two ways
# (bench/props-decode): serde_json over the JSON text, or `JSON.parse` and
# serde-wasm-bindgen over its value. Builds each as the reference app's
# wasm is built (the wasm-release profile, the standard library rebuilt
# with scripts/build-release.sh's flags, wasm-bindgen, wasm-opt -Oz),
# prints each wasm's size (raw, gzip -9, brotli -q 11) and the median time
# of a decode in Node's V8 (Chromium's engine), 2,000 decodes after 500 of
# warm-up, the JSON made as the server makes it (`ItemsProps::for_id(1)`).
# docs/performance.md, "Decoding props without serde_json", quotes it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/props-decode
mkdir -p "$out"
for way in serde-json js-parse; do
  (
    cd bench/props-decode
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$root/target/props-decode/$way \
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none" \
      cargo build --locked --quiet --profile wasm-release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort --features "$way"
  )
  rm -rf "$out/$way-pkg"
  wasm-bindgen --target nodejs --out-dir "$out/$way-pkg" \
    "target/props-decode/$way/wasm32-unknown-unknown/wasm-release/props_decode.wasm"
  end2end/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/$way-pkg/props_decode_bg.wasm" -o "$out/$way-pkg/props_decode_bg.wasm"
done
node - "$out" <<'JS'
const path = require("path");
const zlib = require("zlib");
const fs = require("fs");
const out = process.argv[2];
// The props of /bench/items/1, as the server makes them (app/src/pages/bench.rs).
const id = 1;
const items = [];
for (let k = 0; k < 50; k++) {
  items.push({
    name: `item-${id}-${k}`,
    stars: (id * 7919 + k * 104729) % 100000,
    description: `Description of item ${k} in collection ${id}, with some text to make it realistic.`,
  });
}
const text = JSON.stringify({ id, title: `Collection ${id}`, items });
const rows = [];
for (const way of ["serde-json", "js-parse"]) {
  const dir = path.join(out, `${way}-pkg`);
  const wasm = fs.readFileSync(path.join(dir, "props_decode_bg.wasm"));
  const glue = fs.readFileSync(path.join(dir, "props_decode.js"));
  const m = require(path.join(dir, "props_decode.js"));
  const once = way === "serde-json" ? () => m.decode(text) : () => m.decode(JSON.parse(text));
  const expected = once();
  for (let i = 0; i < 500; i++) once();
  const times = [];
  for (let i = 0; i < 2000; i++) {
    const t = process.hrtime.bigint();
    if (once() !== expected) throw new Error("the checksum changed");
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  const br = (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  rows.push({
    way,
    checksum: expected,
    wasm: { raw: wasm.length, gzip: zlib.gzipSync(wasm, { level: 9 }).length, brotli: br(wasm) },
    glue_brotli: br(glue),
    decode_us: { median: times[1000], p90: times[1800] },
  });
}
console.log(JSON.stringify({ json_bytes: text.length, node: process.version, rows }, null, 2));
JS

// How long an edit takes to show in the open page under `make dev`
// (`cargo leptos watch`), from the moment the file is saved.
//
//   node scripts/dev-timing.mjs reference            the reference app (this checkout)
//   node scripts/dev-timing.mjs starter DIR          an app made by `make new-app DEST=DIR`
//   EDITS=3 node scripts/dev-timing.mjs ...           edits of each kind (default 5)
//   WATCH_ARGS=--hot-reload node scripts/dev-timing.mjs ...   more `cargo leptos watch` arguments
//
// (`make dev-timing` runs both, the starter in a temporary directory.)
// Per kind of edit (a text in a page's `view!`, a line of its loader, a
// rule of the style sheet) it makes EDITS edits, one at a time, each
// waiting for the last to show, and prints the median and range of the
// seconds from saving to the change showing in headless Chromium, and the
// parts of the build that follows as cargo-leptos reports them: the wasm
// build (cargo: compile and link), wasm-bindgen, the server build (cargo:
// compile and link, run beside the wasm's), the restart, the browser's
// reload (none when a `--hot-reload` patch showed the change first), and
// when the rebuilt server answered. Each edit starts once the last one's
// build has been served. The files are restored at the end, whatever
// happens.
//
// Needs a built app (its first `make dev` builds it) and the end2end
// packages (`make setup-test`). Measures; never fails on a figure.

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "end2end", "package.json"));
const { chromium } = require("@playwright/test");
const { executablePath, args: chromiumArgs } = await import(path.join(root, "end2end", "chromium.mjs"));

const which = process.argv[2];
const edits = Number(process.env.EDITS ?? 5);
const port = Number(process.env.PORT ?? 3611);

// Each app: the page to open, and per kind of edit the file, the text the
// edit replaces, what replaces it (`N` is the edit's number) and what the
// page shows once it has taken effect.
const apps = {
  reference: {
    dir: root,
    url: "/runtime",
    env: { DATABASE_URL: "sqlite::memory:" },
    edits: {
      view: {
        file: "app/src/pages/runtime.rs",
        from: '<h1>"Runtime"</h1>',
        to: (n) => `<h1>"Runtime ${n}"</h1>`,
        shows: (n) => `document.querySelector("h1")?.textContent === "Runtime ${n}"`,
      },
      loader: {
        file: "app/src/pages/runtime.rs",
        from: "runtime: state.runtime.to_owned(),",
        to: (n) => `runtime: format!("{} ${n}", state.runtime),`,
        shows: (n) => `document.querySelector(".runtime")?.textContent?.endsWith(" ${n}")`,
      },
      style: styleEdit("style/main.css", ".runtime"),
    },
  },
  starter: {
    dir: process.argv[3],
    url: "/",
    env: {},
    edits: {
      view: {
        file: "app/src/pages.rs",
        from: '<h1>"Notes"</h1>',
        to: (n) => `<h1>"Notes ${n}"</h1>`,
        shows: (n) => `document.querySelector("h1")?.textContent === "Notes ${n}"`,
      },
      loader: {
        file: "app/src/pages.rs",
        from: "Ok(NotesProps { notes, yours })",
        to: (n) => `Ok(NotesProps { notes, yours: yours + ${n * 1000} })`,
        shows: (n) => `document.querySelector(".yours")?.textContent === "Yours: ${n * 1000}"`,
      },
      style: styleEdit("style/main.css", ".yours"),
    },
  },
};

/// A rule appended to the style sheet: the element's outline takes a color
/// of the edit's own.
function styleEdit(file, selector) {
  return {
    file,
    from: null,
    to: (n) => `\n${selector} { outline: 1px solid rgb(${n}, 2, 3); }\n`,
    shows: (n) =>
      `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).outlineColor === "rgb(${n}, 2, 3)"`,
  };
}

const app = apps[which];
if (!app || !app.dir) {
  console.error("usage: node scripts/dev-timing.mjs reference | starter DIR");
  process.exit(2);
}

// cargo-leptos's lines, each with the time it arrived.
const lines = [];
// WATCH_ARGS: more arguments for `cargo leptos watch` (`--hot-reload`).
const watchArgs = (process.env.WATCH_ARGS ?? "").split(" ").filter(Boolean);
const watch = spawn("cargo", ["leptos", "watch", ...watchArgs], {
  cwd: app.dir,
  env: {
    ...process.env,
    ...app.env,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_RELOAD_PORT: String(port + 1),
    RUST_LOG: "warn",
    NO_COLOR: "1",
  },
  stdio: ["ignore", "pipe", "pipe"],
  detached: true,
});
for (const stream of [watch.stdout, watch.stderr]) {
  let rest = "";
  stream.on("data", (chunk) => {
    const now = performance.now();
    rest += chunk.toString();
    const parts = rest.split("\n");
    rest = parts.pop();
    for (const line of parts) {
      lines.push({ at: now, text: line.replace(/\x1b\[[0-9;]*m/g, "") });
      if (process.env.VERBOSE) console.error(line);
    }
  });
}

const originals = new Map();
function restore() {
  for (const [file, text] of originals) writeFileSync(file, text);
  originals.clear();
}
function stop() {
  restore();
  try {
    process.kill(-watch.pid, "SIGTERM");
  } catch {}
}
process.on("SIGINT", () => {
  stop();
  process.exit(130);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function served(timeoutMs) {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${app.url}`);
      if (r.ok) return;
    } catch {}
    await sleep(250);
  }
  throw new Error(`nothing served at ${app.url} within ${timeoutMs / 1000} s`);
}

/// Once a Rust file saved at `since` is built and served: what shows may
/// come sooner (a `--hot-reload` patch), and the next edit must not meet
/// this one's build. A style sheet is not built.
async function rebuilt(file, since) {
  if (!file.endsWith(".rs")) return;
  const end = performance.now() + 5 * 60 * 1000;
  while (!lineAfter(since, /Serving at/)) {
    if (performance.now() > end) throw new Error(`${file}: no restart after the edit`);
    await sleep(50);
  }
}

/// The first line at or after `since` that matches `re`.
function lineAfter(since, re) {
  return lines.find((l) => l.at >= since && re.test(l.text));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const secs = (ms) => (ms === undefined ? "–" : (ms / 1000).toFixed(2));

let browser;
try {
  await served(30 * 60 * 1000);
  browser = await chromium.launch({ executablePath, args: chromiumArgs });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}${app.url}`);
  await sleep(1000); // the live-reload socket connects
  const rows = [];
  let n = 0;
  for (const [kind, edit] of Object.entries(app.edits)) {
    const file = path.join(app.dir, edit.file);
    if (!originals.has(file)) originals.set(file, readFileSync(file, "utf8"));
    const times = [];
    for (let i = 0; i < edits; i++) {
      n += 1;
      const original = originals.get(file);
      let text;
      if (edit.from === null) {
        text = original + edit.to(n);
      } else {
        if (!original.includes(edit.from)) throw new Error(`${edit.file} no longer has ${edit.from}`);
        text = original.replace(edit.from, edit.to(n));
      }
      await sleep(1500); // the watcher settles after the last build
      const saved = performance.now();
      writeFileSync(file, text);
      const deadline = saved + 5 * 60 * 1000;
      let shown;
      while (performance.now() < deadline) {
        try {
          if (await page.evaluate(edit.shows(n))) {
            shown = performance.now();
            break;
          }
        } catch {} // the page is reloading
        await sleep(20);
      }
      if (shown === undefined) throw new Error(`edit ${n} (${kind}) never showed`);
      // The build that follows (after a `--hot-reload` patch too): its
      // lines are all in once the server has restarted.
      await rebuilt(edit.file, saved);
      const at = (re) => lineAfter(saved, re)?.at;
      const front = at(/Cargo finished cargo build --package=\S+ --lib /);
      const bindgen = at(/Finished generating JS\/WASM for front/);
      const server = at(/Cargo finished cargo build --package=\S+ --bin/);
      const serving = at(/Serving at/);
      const part = (a, b) => (a !== undefined && b !== undefined && b >= a ? b - a : undefined);
      const built = Math.max(bindgen ?? saved, server ?? saved);
      times.push({
        total: shown - saved,
        wasm: part(saved, front),
        bindgen: part(front, bindgen),
        server: part(saved, server),
        restart: serving !== undefined ? part(built, serving) : undefined,
        // The browser's share: from the restart to the change showing (none
        // when a patch showed it before the restart).
        browser: shown > (serving ?? built) ? shown - (serving ?? built) : undefined,
        reloaded: serving !== undefined ? serving - saved : undefined,
      });
      console.error(`${which} ${kind} edit ${i + 1}: ${secs(shown - saved)} s`);
    }
    // The file as it was, built and shown, before the next kind of edit.
    const restored = performance.now();
    writeFileSync(file, originals.get(file));
    const back = performance.now() + 5 * 60 * 1000;
    for (;;) {
      try {
        if (!(await page.evaluate(edit.shows(n)))) break;
      } catch {}
      if (performance.now() > back) throw new Error(`${edit.file} restored never showed`);
      await sleep(50);
    }
    await rebuilt(edit.file, restored);
    rows.push({ kind, times });
  }
  const cols = ["total", "wasm", "bindgen", "server", "restart", "browser", "reloaded"];
  console.log(`\n${which}${watchArgs.length ? ` (${watchArgs.join(" ")})` : ""} (${edits} edits each; seconds, median and range; parts: median)\n`);
  console.log("| edit | saved → shown | wasm build | wasm-bindgen | server build | restart | browser | saved → rebuilt server |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const { kind, times } of rows) {
    const cells = cols.map((c) => {
      const xs = times.map((t) => t[c]).filter((x) => x !== undefined);
      if (!xs.length) return "–";
      if (c !== "total") return secs(median(xs));
      return `**${secs(median(xs))}** (${secs(Math.min(...xs))}–${secs(Math.max(...xs))})`;
    });
    console.log(`| ${kind} | ${cells.join(" | ")} |`);
  }
} finally {
  await browser?.close();
  stop();
}

// `node end2end/bench/chunk.mjs <base URL> [count]`: link navigation to a
// page whose code is not loaded yet (a build split by page), in headless
// Chromium (Debian's): click to the new <h1> painted.
//
// Each sample is a fresh browser context (an empty HTTP cache): it opens
// <base>/bench/items/1, waits for hydration, and clicks the navigation's
// "Counter" link, whose page's chunk the document did not load; the kit
// fetches the chunk beside the page's props. Timed inside the page, from
// just before `click()` to the first animation frame after the <h1> shows
// "Counter". 5 unmeasured warm-up samples first. Also counts, per sample,
// the chunk files and props answers the navigation fetched. A navigation
// that reloads the document is an error, not a sample. Prints one JSON line:
// {"samples":n,"median_ms":…,"p95_ms":…,"min_ms":…,"max_ms":…,"chunk_files":…,"props_requests":…}.

import { chromium } from "@playwright/test";
import { args, executablePath } from "../chromium.mjs";
import { timedClick } from "./click.mjs";
import { summary } from "./summary.mjs";

const base = process.argv[2];
const count = Number(process.argv[3] ?? 50);
const warmup = 5;
if (!base) {
  console.error("usage: node chunk.mjs <base URL> [count]");
  process.exit(2);
}

const browser = await chromium.launch({ executablePath, args });
try {
  const samples = [];
  let chunkFiles = 0;
  let propsRequests = 0;
  for (let i = 0; i < warmup + count; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/bench/items/1`, { waitUntil: "networkidle" });
    await page.waitForFunction(() => window.__serverPropsHydrated === true);
    const requests = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    const ms = await timedClick(page, { selector: 'nav a[href="/counter"]' }, { text: "Counter" });
    if (i >= warmup) {
      samples.push(ms);
      chunkFiles += requests.filter((p) => /^\/pkg\/(split|chunk)_/.test(p)).length;
      propsRequests += requests.filter((p) => p.startsWith("/_props/")).length;
    }
    await context.close();
  }
  console.log(
    summary(samples, {
      chunk_files: chunkFiles / samples.length,
      props_requests: propsRequests / samples.length,
    }),
  );
} finally {
  await browser.close();
}

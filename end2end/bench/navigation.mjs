// `node end2end/bench/navigation.mjs <base URL> [count]`: link-navigation
// latency in headless Chromium (Debian's), click to the new <h1> painted.
//
// Opens <base>/bench/items/1, waits for hydration, then clicks "Next
// collection" `count` times (after 5 unmeasured warm-up clicks). Each click
// is timed inside the page: from just before `click()` to the first animation
// frame after the <h1> shows the next collection's title. A navigation that
// reloads the document is an error, not a sample. Prints one JSON line:
// {"samples":n,"median_ms":…,"p95_ms":…,"min_ms":…,"max_ms":…}.

import { chromium } from "@playwright/test";
import { args, executablePath } from "../chromium.mjs";
import { timedClick } from "./click.mjs";
import { summary } from "./summary.mjs";

const base = process.argv[2];
const count = Number(process.argv[3] ?? 50);
const warmup = 5;
if (!base) {
  console.error("usage: node navigation.mjs <base URL> [count]");
  process.exit(2);
}

const browser = await chromium.launch({ executablePath, args });
try {
  const page = await browser.newPage();
  await page.goto(`${base}/bench/items/1`, { waitUntil: "networkidle" });
  // Hydrated: our kit sets this flag; Next.js exposes its router.
  await page.waitForFunction(
    () => window.__serverPropsHydrated === true || (window.next && window.next.router),
  );
  const samples = [];
  for (let i = 0; i < warmup + count; i++) {
    const ms = await timedClick(page, { text: "Next collection" });
    if (i >= warmup) samples.push(ms);
  }
  console.log(summary(samples));
} finally {
  await browser.close();
}

// `node end2end/bench/dashboard.mjs <base URL> [count]`: a client navigation
// between two dashboard projects in headless Chromium (Debian's), click to
// the new project's heading painted, signed in.
//
// Signs in through the app's login form handler, opens
// <base>/dashboard/projects/1, waits for hydration, then clicks the other
// project's link in the layout's list `count` times (after 5 unmeasured
// warm-up clicks), alternating between projects 1 and 2. Each click is timed
// inside the page, from just before `click()` to the first animation frame
// after the page's heading shows the other project. Every click must make
// exactly one props request, whose answer carries no layout data (the
// layout's loader did not run): anything else is an error, not a sample.
// Prints one JSON line: {"samples":n,"median_ms":…,"p95_ms":…,…}.

import { chromium } from "@playwright/test";
import { args, executablePath } from "../chromium.mjs";
import { timedClick } from "./click.mjs";
import { summary } from "./summary.mjs";

const base = process.argv[2];
const count = Number(process.argv[3] ?? 50);
const warmup = 5;
if (!base) {
  console.error("usage: node dashboard.mjs <base URL> [count]");
  process.exit(2);
}

const browser = await chromium.launch({ executablePath, args });
try {
  const context = await browser.newContext();
  const login = await context.request.post(`${base}/login`, { form: { name: "bench" }, maxRedirects: 0 });
  if (login.status() !== 303) throw new Error(`signing in: ${login.status()}`);
  const page = await context.newPage();
  const answers = [];
  page.on("response", async (r) => {
    if (new URL(r.url()).pathname.startsWith("/_props/")) answers.push(r);
  });
  await page.goto(`${base}/dashboard/projects/1`, { waitUntil: "networkidle" });
  await page.waitForFunction(() => window.__serverPropsHydrated === true);
  const samples = [];
  for (let i = 0; i < warmup + count; i++) {
    answers.length = 0;
    const target = i % 2 === 0 ? 2 : 1;
    const ms = await timedClick(
      page,
      { selector: `.projects a[href="/dashboard/projects/${target}"]` },
      { heading: ".dashboard-page h2" },
    );
    if (answers.length !== 1) throw new Error(`click ${i}: ${answers.length} props requests, not 1`);
    const json = await answers[0].json();
    if (json.layouts !== undefined) throw new Error(`click ${i}: the layout's loader ran`);
    if (i >= warmup) samples.push(ms);
  }
  console.log(summary(samples));
} finally {
  await browser.close();
}

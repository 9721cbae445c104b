// `node end2end/bench/submission.mjs <base URL> [count]`: form-submission
// latency in headless Chromium (Debian's), click to the answer painted.
//
// Opens <base>/guestbook, waits for hydration, then signs the guestbook
// `count` times (after 5 unmeasured warm-up submissions). Each submission is
// timed inside the page: from just before the button's `click()` to the
// first animation frame after the stored entry (not the optimistic one)
// shows the message. A submission that makes more than one request, or
// reloads the document, is an error, not a sample. Prints one JSON line:
// {"samples":n,"median_ms":…,"p95_ms":…,"min_ms":…,"max_ms":…,"requests_per_submission":1}.

import { chromium } from "@playwright/test";
import { args, executablePath } from "../chromium.mjs";
import { summary } from "./summary.mjs";

const base = process.argv[2];
const count = Number(process.argv[3] ?? 50);
const warmup = 5;
if (!base) {
  console.error("usage: node submission.mjs <base URL> [count]");
  process.exit(2);
}

const browser = await chromium.launch({ executablePath, args });
try {
  const page = await browser.newPage();
  await page.goto(`${base}/guestbook`, { waitUntil: "networkidle" });
  await page.waitForFunction(() => window.__serverPropsHydrated === true);
  await page.evaluate(() => (window.__sameDocument = true));
  let requests = 0;
  page.on("request", (r) => {
    if (!r.url().endsWith("/favicon.svg")) requests++;
  });
  const samples = [];
  for (let i = 0; i < warmup + count; i++) {
    const message = `bench ${i} ${Date.now()}`;
    await page.fill("form.sign textarea[name=message]", message);
    await page.fill("form.sign input[name=name]", "bench");
    requests = 0;
    const ms = await page.evaluate(
      (message) =>
        new Promise((resolve, reject) => {
          const button = document.querySelector("form.sign button[type=submit]");
          const timer = setTimeout(() => reject(new Error("the submission took over 10 s")), 10_000);
          const shown = () =>
            [...document.querySelectorAll(".entry:not(.pending) .message")].some(
              (m) => m.textContent === message,
            );
          const observer = new MutationObserver(() => {
            if (shown()) {
              observer.disconnect();
              requestAnimationFrame(() => {
                clearTimeout(timer);
                resolve(performance.now() - start);
              });
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          const start = performance.now();
          button.click();
        }),
      message,
    );
    if (!(await page.evaluate(() => window.__sameDocument === true))) {
      throw new Error("the submission reloaded the document");
    }
    if (requests !== 1) throw new Error(`a submission made ${requests} requests`);
    if (i >= warmup) samples.push(ms);
  }
  console.log(summary(samples, { requests_per_submission: 1 }));
} finally {
  await browser.close();
}

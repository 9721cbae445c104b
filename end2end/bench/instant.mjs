// `node end2end/bench/instant.mjs <base URL> [count]`: click-to-paint in
// headless Chromium (Debian's) for the two navigations the props cache
// answers without a request: Back/Forward to a page still fresh by its
// `Cache-Control`, and a click on a link whose props were prefetched.
//
// History: opens <base>/catalog/1000, follows "Next catalog" once, then
// alternates Back and Forward `count` times (after 5 unmeasured warm-ups),
// each timed in the page from `history.back()`/`forward()` to the first
// animation frame after the <h1> shows the other catalog. Prefetched: on
// /catalog/2000, `count` times (after 5 warm-ups), hovers "Next catalog",
// waits for its prefetch to be answered, then times the click the same way.
// Back/Forward is counted from the `popstate` event ("history") and from the
// `history.back()` call ("history_from_call", which adds the browser's own
// history traversal). A measured navigation that makes any request, or
// reloads the document, is an error. Prints one JSON line:
// {"history":{…},"history_from_call":{…},"prefetched":{…}} with the fields
// of summary.mjs.

import { chromium } from "@playwright/test";
import { args, executablePath } from "../chromium.mjs";
import { summary } from "./summary.mjs";

const base = process.argv[2];
const count = Number(process.argv[3] ?? 50);
const warmup = 5;
if (!base) {
  console.error("usage: node instant.mjs <base URL> [count]");
  process.exit(2);
}

/**
 * Runs `action` in the page and resolves with `[from the call, from the
 * event]`: the ms until the <h1> changed and painted, counted from the call
 * (`history.back()`, `click()`) and from the event the page got (the
 * `popstate`'s or the click's own timestamp: the browser's history
 * traversal before the `popstate` is not the page's to speed up).
 */
const timed = (page, action) =>
  page.evaluate(
    (action) =>
      new Promise((resolve, reject) => {
        const before = document.querySelector("h1").textContent;
        const timer = setTimeout(() => reject(new Error("the navigation took over 10 s")), 10_000);
        let eventAt = null;
        const note = (e) => {
          if (eventAt === null) eventAt = e.timeStamp;
        };
        window.addEventListener("popstate", note, { once: true });
        window.addEventListener("click", note, { once: true, capture: true });
        const observer = new MutationObserver(() => {
          const h1 = document.querySelector("h1");
          if (h1 && h1.textContent !== before) {
            observer.disconnect();
            requestAnimationFrame(() => {
              clearTimeout(timer);
              const now = performance.now();
              window.removeEventListener("popstate", note);
              window.removeEventListener("click", note, { capture: true });
              resolve([now - start, now - (eventAt ?? start)]);
            });
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        const start = performance.now();
        if (action === "back") history.back();
        else if (action === "forward") history.forward();
        else document.querySelector("a.next").click();
      }),
    action,
  );

const browser = await chromium.launch({ executablePath, args });
try {
  const page = await browser.newPage();
  let requests = 0;
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/_props/")) requests++;
  });
  const hydrated = () => page.waitForFunction(() => window.__serverPropsHydrated === true);

  await page.goto(`${base}/catalog/1000`, { waitUntil: "networkidle" });
  await hydrated();
  await page.evaluate(() => (window.__sameDocument = true));
  await page.click("a.next");
  await page.waitForFunction(() => document.querySelector("h1").textContent === "Catalog 1001");
  const history = [];
  const historyCall = [];
  for (let i = 0; i < warmup + count; i++) {
    requests = 0;
    const [fromCall, fromEvent] = await timed(page, i % 2 === 0 ? "back" : "forward");
    if (requests !== 0) throw new Error(`a Back/Forward made ${requests} requests`);
    if (i >= warmup) {
      history.push(fromEvent);
      historyCall.push(fromCall);
    }
  }

  await page.goto(`${base}/catalog/2000`, { waitUntil: "networkidle" });
  await hydrated();
  await page.evaluate(() => (window.__sameDocument = true));
  const prefetched = [];
  for (let i = 0; i < warmup + count; i++) {
    const next = 2001 + i;
    const answered = page.waitForResponse((r) => r.url().includes(`/catalog/${next}.json`));
    await page.hover("a.next");
    await answered;
    // Let the answer reach the props cache.
    await page.waitForTimeout(20);
    requests = 0;
    const [ms] = await timed(page, "click");
    if (requests !== 0) throw new Error(`a prefetched click made ${requests} requests`);
    if (i >= warmup) prefetched.push(ms);
    await page.mouse.move(0, 0);
  }
  if (!(await page.evaluate(() => window.__sameDocument === true))) {
    throw new Error("a navigation reloaded the document");
  }
  console.log(
    `{"history":${summary(history)},"history_from_call":${summary(historyCall)},"prefetched":${summary(prefetched)}}`,
  );
} finally {
  await browser.close();
}

import { expect, Page, Request, test } from "@playwright/test";
import { hydrated, isSoft, markWindow, recordRequests } from "./helpers";

/** Props requests for a page path. */
function propsFor(requests: Request[], path: string): Request[] {
  return requests.filter((r) => {
    const url = new URL(r.url());
    return url.pathname.startsWith("/_props/") && url.pathname.endsWith(`${path}.json`);
  });
}

async function loadedAt(page: Page): Promise<string> {
  return (await page.locator("time.loaded-at").textContent()) ?? "";
}

test("Back to a page still fresh makes no request and shows the same loader time", async ({ page }) => {
  await page.goto("/catalog/1");
  await hydrated(page);
  await markWindow(page);
  const first = await loadedAt(page);
  // Scrolled down; a click from script keeps the position (Playwright's own
  // click would scroll the link into view first).
  await page.evaluate(() => window.scrollTo(0, 400));
  await page.evaluate(() => (document.querySelector("a.next") as HTMLElement).click());
  await expect(page.locator("h1")).toHaveText("Catalog 2");
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
  const requests = recordRequests(page);
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Catalog 1");
  expect(await loadedAt(page)).toBe(first);
  // The kept page comes back where it was left.
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(400);
  await page.goForward();
  await expect(page.locator("h1")).toHaveText("Catalog 2");
  expect(requests.props()).toEqual([]);
  expect(await isSoft(page)).toBe(true);
});

test("use_refresh re-runs the loader of a page the browser keeps", async ({ page }) => {
  await page.goto("/catalog/70");
  await hydrated(page);
  const first = await loadedAt(page);
  const requests = recordRequests(page);
  await page.click("button.refresh");
  await expect.poll(() => loadedAt(page)).not.toBe(first);
  expect(propsFor(requests.all, "/catalog/70")).toHaveLength(1);
  await expect(page.locator("h1")).toHaveText("Catalog 70");
});

test("an action's tags drop what the browser kept", async ({ page }) => {
  await page.goto("/catalog/80");
  await hydrated(page);
  await markWindow(page);
  const first = await loadedAt(page);
  await page.click("a.next");
  await expect(page.locator("h1")).toHaveText("Catalog 81");
  // Kept: Back needs no request.
  const requests = recordRequests(page);
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Catalog 80");
  expect(requests.props()).toEqual([]);
  await page.goForward();
  await expect(page.locator("h1")).toHaveText("Catalog 81");
  // The restock answer says `catalog` changed: every kept catalog goes.
  const restocked = page.waitForResponse((r) => r.request().method() === "POST");
  await page.click("form.restock button");
  expect((await restocked).headers()["x-server-props-invalidate"]).toBe("catalog");
  await expect(page.locator("h1")).toHaveText("Catalog 81");
  const before = propsFor(requests.all, "/catalog/80").length;
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Catalog 80");
  await expect.poll(() => loadedAt(page)).not.toBe(first);
  expect(propsFor(requests.all, "/catalog/80")).toHaveLength(before + 1);
  expect(requests.documents()).toEqual([]);
  expect(await isSoft(page)).toBe(true);
});

test("a prefetched no-store answer serves one click within the prefetch window", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  const requests = recordRequests(page);
  await page.hover("a.prefetch-blog");
  await expect.poll(() => propsFor(requests.all, "/blog/prefetched").length).toBe(1);
  await page.click("a.prefetch-blog");
  await expect(page.locator("h1")).toHaveText("Post: prefetched");
  expect(propsFor(requests.all, "/blog/prefetched")).toHaveLength(1);
  // It served that click: Back and Forward ask again (the page is no-store).
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
  await page.goForward();
  await expect(page.locator("h1")).toHaveText("Post: prefetched");
  expect(propsFor(requests.all, "/blog/prefetched")).toHaveLength(2);
});

test("a prefetched no-store answer older than the window is not used", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  const requests = recordRequests(page);
  const prefetched = page.waitForResponse((r) => r.url().includes("/blog/prefetched.json"));
  await page.hover("a.prefetch-blog");
  await prefetched;
  await page.mouse.move(0, 0);
  // The reference client's window is 3 s, counted from the answer.
  await page.waitForTimeout(4000);
  await page.evaluate(() => (document.querySelector("a.prefetch-blog") as HTMLElement).click());
  await expect(page.locator("h1")).toHaveText("Post: prefetched");
  expect(propsFor(requests.all, "/blog/prefetched")).toHaveLength(2);
});

/** Records, in the page, when an element matching `selector` appears and goes. */
async function watchPending(page: Page, selector: string): Promise<void> {
  await page.evaluate((selector) => {
    const w = window as any;
    w.__pending = { shown: 0, hidden: 0 };
    new MutationObserver(() => {
      const now = performance.now();
      const present = document.querySelector(selector) !== null;
      if (present && !w.__pending.shown) w.__pending.shown = now;
      if (!present && w.__pending.shown && !w.__pending.hidden) w.__pending.hidden = now;
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  }, selector);
}

async function pendingTimes(page: Page): Promise<{ shown: number; hidden: number }> {
  return page.evaluate(() => (window as any).__pending);
}

test("a skeleton stays for its minimum time, so an answer just past the delay does not flicker", async ({
  page,
}) => {
  await page.goto("/");
  await hydrated(page);
  await watchPending(page, "h1.report.skeleton");
  // A fast answer: the skeleton (delay 0) still stays its 300 ms.
  await page.evaluate(() => {
    const a = document.createElement("a");
    a.href = "/report/7?ms=20";
    a.className = "fast-report";
    a.textContent = "fast";
    document.body.append(a);
  });
  await page.click("a.fast-report");
  await expect(page.locator("h1.report")).toHaveText("Report 7");
  const { shown, hidden } = await pendingTimes(page);
  expect(shown).toBeGreaterThan(0);
  // At least its 300 ms (a frame's slack for the observer).
  expect(hidden - shown).toBeGreaterThanOrEqual(250);
});

test("an instant pending view never flashes for a fast answer and goes as soon as a slow one arrives", async ({
  page,
}) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  await watchPending(page, "h1.digest.pending");
  await page.click('a[href="/digest/2"]');
  await expect(page.locator("h1.digest")).toHaveText("Digest 2");
  await page.waitForTimeout(200);
  expect((await pendingTimes(page)).shown).toBe(0);
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  await watchPending(page, "h1.digest.pending");
  const started = await page.evaluate(() => performance.now());
  await page.click('a[href="/digest/1?ms=1500"]');
  await expect(page.locator("h1.digest.pending")).toHaveText("Opening digest 1…");
  await expect(page.locator("h1.digest")).toHaveText("Digest 1");
  const { shown, hidden } = await pendingTimes(page);
  // Not before its 300 ms delay; gone with the answer (no minimum time).
  expect(shown - started).toBeGreaterThanOrEqual(290);
  expect(hidden - started).toBeGreaterThanOrEqual(1490);
  expect(await isSoft(page)).toBe(true);
  // A document never has it.
  const html = await (await page.request.get("/digest/3?ms=10")).text();
  expect(html).toContain("Digest 3");
  expect(html).not.toContain("Opening digest");
});

test("hovering a prefetch link makes one request, and the click then none", async ({ page }) => {
  // Recorded from the start: rendering the link alone prefetches nothing.
  const requests = recordRequests(page);
  await page.goto("/catalog/10");
  await hydrated(page);
  await page.waitForTimeout(200);
  expect(propsFor(requests.all, "/catalog/11")).toEqual([]);
  await page.hover("a.next");
  await expect.poll(() => propsFor(requests.all, "/catalog/11").length).toBe(1);
  // Leaving before ~50 ms prefetches nothing.
  await page.hover("h1");
  await page.click("a.next");
  await expect(page.locator("h1")).toHaveText("Catalog 11");
  expect(propsFor(requests.all, "/catalog/11")).toHaveLength(1);
  expect(requests.props()).toHaveLength(1);
});

test("focusing a prefetch link prefetches it too", async ({ page }) => {
  await page.goto("/catalog/15");
  await hydrated(page);
  const requests = recordRequests(page);
  await page.focus("a.next");
  await expect.poll(() => propsFor(requests.all, "/catalog/16").length).toBe(1);
  await page.keyboard.press("Enter");
  await expect(page.locator("h1")).toHaveText("Catalog 16");
  expect(propsFor(requests.all, "/catalog/16")).toHaveLength(1);
});

test("a pointer that leaves at once prefetches nothing", async ({ page }) => {
  await page.goto("/catalog/20");
  await hydrated(page);
  const requests = recordRequests(page);
  const box = (await page.locator("a.next").boundingBox())!;
  await page.mouse.move(box.x + 2, box.y + 2);
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  expect(requests.props()).toEqual([]);
});

test("an answer past its max-age is revalidated with If-None-Match, and a 304 reuses it", async ({
  page,
}) => {
  // Make /search's props revalidate at once (max-age=0), keeping the ETag.
  await page.route(/\/_props\/.*\/search\.json/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), "cache-control": "private, max-age=0" } });
  });
  await page.goto("/");
  await hydrated(page);
  await page.click('a[href="/search?q=leptos&page=2"]');
  await expect(page.locator("h1.results")).toHaveText("Results for leptos, page 2");
  const requests = recordRequests(page);
  const responses: number[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/search.json")) responses.push(r.status());
  });
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
  await page.goForward();
  await expect(page.locator("h1.results")).toHaveText("Results for leptos, page 2");
  const search = propsFor(requests.all, "/search");
  expect(search).toHaveLength(1);
  expect(await search[0].headerValue("if-none-match")).toMatch(/^"/);
  await expect.poll(() => responses).toEqual([304]);
});

test("a stale answer within stale-while-revalidate renders at once, then the page updates", async ({
  page,
}) => {
  let served = 0;
  await page.route(/\/_props\/.*\/catalog\/31\.json/, async (route) => {
    // The revalidation takes a moment, so the kept answer is seen first.
    if (served++ > 0) await new Promise((r) => setTimeout(r, 400));
    const response = await route.fetch();
    await route.fulfill({
      response,
      // Never fresh, always servable while revalidating.
      headers: { ...response.headers(), "cache-control": "private, stale-while-revalidate=60" },
    });
  });
  await page.goto("/catalog/30");
  await hydrated(page);
  await page.click("a.next");
  await expect(page.locator("h1")).toHaveText("Catalog 31");
  const before = await loadedAt(page);
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Catalog 30");
  const requests = recordRequests(page);
  await page.goForward();
  // At once: the kept answer, the old time.
  await expect(page.locator("h1")).toHaveText("Catalog 31");
  expect(await loadedAt(page)).toBe(before);
  // Then the background revalidation's new time, and no further request
  // (the re-render takes the new props; it does not revalidate again).
  await expect.poll(() => loadedAt(page)).not.toBe(before);
  await page.waitForTimeout(500);
  expect(propsFor(requests.all, "/catalog/31")).toHaveLength(1);
});

test("the report shows its skeleton at once on client navigation, never in its document", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  await page.click('a[href="/report/1?ms=1000"]');
  await expect(page.locator("h1.report")).toHaveText("Loading report 1…", { timeout: 500 });
  await expect(page.locator("h1.report")).toHaveText("Report 1");
  expect(await isSoft(page)).toBe(true);
  const doc = await page.request.get("/report/2?ms=10");
  const html = await doc.text();
  expect(html).toContain("Report 2");
  expect(html).not.toContain("Loading report");
});

test("pages whose props are no-store make exactly one request per navigation, Back included", async ({
  page,
}) => {
  await page.goto("/");
  await hydrated(page);
  const requests = recordRequests(page);
  await page.click('a[href="/blog/hello?from=home"]');
  await expect(page.locator("h1")).toHaveText("Post: hello");
  expect(requests.props()).toHaveLength(1);
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
  await page.goForward();
  await expect(page.locator("h1")).toHaveText("Post: hello");
  expect(requests.props()).toHaveLength(2);
});

test("a prefetch superseded by a click to another page is aborted", async ({ page }) => {
  await page.route(/\/_props\/.*\/catalog\/41\.json/, async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue().catch(() => {});
  });
  await page.goto("/catalog/40");
  await hydrated(page);
  const failed: string[] = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  const requests = recordRequests(page);
  await page.hover("a.next");
  await expect.poll(() => propsFor(requests.all, "/catalog/41").length).toBe(1);
  await page.click("a.previous");
  await expect(page.locator("h1")).toHaveText("Catalog 39");
  await expect.poll(() => failed.filter((u) => u.includes("/catalog/41.json")).length).toBe(1);
});

test("a no-store page that restores on Back shows its last props at once and refetches them", async ({
  page,
}) => {
  await page.goto("/");
  await hydrated(page);
  await page.click('a[href="/slow?ms=800"]');
  await expect(page.locator("h1")).toHaveText("Slow 800");
  await page.click('header a[href="/"]');
  await expect(page.locator("h1")).toHaveText("Home");
  const requests = recordRequests(page);
  // The refetch is held until the page has shown its last props: they
  // cannot have come from it.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(
    (url) => url.pathname.startsWith("/_props/") && url.pathname.endsWith("/slow.json"),
    async (route) => {
      await held;
      await route.continue().catch(() => {});
    },
  );
  try {
    await page.goBack();
    await expect(page.locator("h1")).toHaveText("Slow 800");
    await expect.poll(() => propsFor(requests.all, "/slow").length).toBe(1);
  } finally {
    release();
  }
});

test("a viewport link prefetches when it comes into view, and its click needs no request", async ({ page }) => {
  await page.goto("/catalog/5");
  await hydrated(page);
  const requests = recordRequests(page);
  await page.waitForTimeout(200);
  expect(propsFor(requests.all, "/catalog/1")).toEqual([]);
  await page.locator("a.first").scrollIntoViewIfNeeded();
  await expect.poll(() => propsFor(requests.all, "/catalog/1").length).toBe(1);
  await page.waitForTimeout(100);
  await page.click("a.first");
  await expect(page.locator("h1")).toHaveText("Catalog 1");
  expect(propsFor(requests.all, "/catalog/1")).toHaveLength(1);
});

test("Save-Data turns prefetching off", async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(navigator, "connection", { value: { saveData: true }, configurable: true });
  });
  await page.goto("/catalog/50");
  await hydrated(page);
  const requests = recordRequests(page);
  await page.hover("a.next");
  await page.waitForTimeout(300);
  expect(requests.props()).toEqual([]);
  await page.click("a.next");
  await expect(page.locator("h1")).toHaveText("Catalog 51");
  expect(requests.props()).toHaveLength(1);
});

// Per-page browser code (the release build is split by page: cargo-leptos's
// `--split`). The first document loads its own page's chunk beside the main
// module and no other page's; a navigation fetches the next page's chunk
// beside its props; a prefetch brings both, so the click asks for nothing.
import { expect, Page, Request, test } from "@playwright/test";
import { expectNoErrors, hydrated, isSoft, markWindow, recordErrors, recordRequests } from "./helpers";

/** The split-off wasm files a page asked for: its pages' own and shared chunks. */
function chunkRequests(requests: Request[]): string[] {
  return requests
    .map((r) => new URL(r.url()).pathname)
    .filter((path) => /^\/pkg\/(split|chunk)_[^/]*\.wasm$/.test(path));
}

/** The page's own split file, by the page type's name. */
function splitOf(paths: string[], page: string): string[] {
  return paths.filter((path) => path.startsWith(`/pkg/split_page_${page}_`));
}

/** The wasm files the document preloads. */
async function preloaded(page: Page): Promise<string[]> {
  return page.$$eval('link[rel="preload"][as="fetch"]', (links) =>
    links.map((l) => new URL((l as HTMLLinkElement).href).pathname),
  );
}

test("the first document loads its own page's chunk, preloaded, and no other page's", async ({ page }) => {
  const errors = recordErrors(page);
  const requests = recordRequests(page);
  await page.goto("/bench/items/1");
  await hydrated(page);
  await expect(page.locator("h1")).toHaveText("Collection 1");
  const wanted = await preloaded(page);
  const own = splitOf(wanted, "BenchItems");
  expect(own, wanted.join("\n")).toHaveLength(1);
  const fetched = chunkRequests(requests.all);
  // Its own chunk came, and every chunk that came was one the document
  // named: hydration asked for nothing after the main module.
  expect(fetched).toContain(own[0]);
  for (const path of fetched) expect(wanted).toContain(path);
  expect(fetched.filter((p) => p.startsWith("/pkg/split_") && p !== own[0])).toEqual([]);
  // Hydrated: a link navigates in place.
  await markWindow(page);
  await page.click('nav a[href="/counter"]');
  await expect(page.locator("h1")).toHaveText("Counter");
  expect(await isSoft(page)).toBe(true);
  await expectNoErrors(errors);
});

test("a navigation fetches the next page's chunk beside its props, in parallel", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  // The props answer held back a little: long enough that a chunk asked
  // for only once the props are in could not start before they end.
  await page.route(/\/_props\/[^/]+\/guestbook\.json/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    await route.continue();
  });
  const requests = recordRequests(page);
  const clicked = await page.evaluate(() => performance.now());
  await page.click('a[href="/guestbook"]');
  await expect(page.locator("h1")).toHaveText("Guestbook");
  expect(await isSoft(page)).toBe(true);
  const chunks = chunkRequests(requests.all);
  expect(splitOf(chunks, "Guestbook")).toHaveLength(1);
  expect(requests.props()).toHaveLength(1);
  // The browser's own timings of what the click asked for.
  const timings = await page.evaluate((clicked) =>
    performance
      .getEntriesByType("resource")
      .filter((e) => e.startTime >= clicked)
      .map((e) => {
        const r = e as PerformanceResourceTiming;
        return { path: new URL(r.name).pathname, start: r.startTime, end: r.responseEnd };
      }),
    clicked,
  );
  const props = timings.find((t) => t.path.startsWith("/_props/") && t.path.endsWith("/guestbook.json"));
  const files = timings.filter((t) => /^\/pkg\/(split|chunk)_/.test(t.path));
  expect(props, JSON.stringify(timings)).toBeTruthy();
  expect(files.map((f) => f.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/pkg\/split_page_Guestbook_/)]));
  // The props first (they would queue behind the chunk's files on HTTP/1.1's
  // six connections), the chunk's files asked for before the props are in.
  const chunkStart = Math.min(...files.map((f) => f.start));
  const chunkEnd = Math.max(...files.map((f) => f.end));
  expect(props!.start).toBeLessThanOrEqual(chunkStart);
  expect(chunkStart).toBeLessThan(props!.end);
  expect(props!.start).toBeLessThan(chunkEnd);
  await expectNoErrors(errors);
});

test("a prefetch brings the chunk with the props: the click and Back ask for nothing", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.hover("a.prefetch-blog");
  await expect.poll(() => requests.props().length).toBe(1);
  await expect.poll(() => splitOf(chunkRequests(requests.all), "Blog").length).toBe(1);
  // Whatever else the chunk needs has come too.
  await page.waitForLoadState("networkidle");
  requests.clear();
  await page.click("a.prefetch-blog");
  await expect(page.locator("h1")).toHaveText("Post: prefetched");
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
  expect(requests.props()).toEqual([]);
  expect(chunkRequests(requests.all)).toEqual([]);
  expect(await isSoft(page)).toBe(true);
});

test("a page whose chunk does not load is loaded as a document, and stays readable", async ({ page }) => {
  // The guestbook's own chunk never arrives. Counted from the last document
  // request on.
  let refused = 0;
  await page.route(/\/pkg\/split_page_Guestbook_[^/]*\.wasm$/, (route) => {
    refused += 1;
    return route.abort();
  });
  page.on("request", (r) => {
    if (r.resourceType() === "document") refused = 0;
  });
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click('a[href="/guestbook"]');
  // The navigation gives up on rendering in place and asks the server.
  await expect(page.locator("h1")).toHaveText("Guestbook");
  await expect.poll(() => requests.documents().length).toBe(1);
  expect(await isSoft(page)).toBe(false);
  // That document cannot hydrate either (its chunk is still refused, twice):
  // it stays as the server sent it, and its links work as plain links.
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as any).__serverPropsHydrated)).not.toBe(true);
  // Asked for twice: the document's preload (whose failure the loader's
  // first try takes), then the second try.
  expect(refused).toBe(2);
  await page.click('nav a[href="/counter"]');
  await expect(page.locator("h1")).toHaveText("Counter");
  expect(new URL(page.url()).pathname).toBe("/counter");
});

import { expect, Page, test } from "@playwright/test";
import { hydrated, recordRequests } from "./helpers";

async function addLink(page: Page, attrs: Record<string, string>) {
  await page.evaluate((attrs) => {
    const a = document.createElement("a");
    for (const [k, v] of Object.entries(attrs)) a.setAttribute(k, v);
    a.textContent = attrs.id;
    document.querySelector("main")!.prepend(a);
  }, attrs);
}

test("a plain same-origin <a> navigates client-side", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.evaluate(() => ((window as any).__soft = true));
  await addLink(page, { id: "plain", href: "/blog/plain" });
  const requests = recordRequests(page);
  await page.click("#plain");
  await expect(page.locator("h1")).toHaveText("Post: plain");
  expect(requests.props()).toHaveLength(1);
  expect(requests.documents()).toEqual([]);
  expect(await page.evaluate(() => (window as any).__soft)).toBe(true);
});

test("rel=external and download links are left to the browser", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.evaluate(() => ((window as any).__soft = true));
  await addLink(page, { id: "external", href: "/blog/external", rel: "external" });
  const requests = recordRequests(page);
  await page.click("#external");
  await expect(page.locator("h1")).toHaveText("Post: external");
  expect(requests.props()).toEqual([]);
  expect(requests.documents()).toHaveLength(1);
  expect(await page.evaluate(() => (window as any).__soft)).toBeUndefined();

  await hydrated(page);
  await addLink(page, { id: "download", href: "/raw", download: "raw.txt" });
  requests.clear();
  const download = page.waitForEvent("download");
  await page.click("#download");
  expect((await download).suggestedFilename()).toBe("raw.txt");
  expect(requests.props()).toEqual([]);
});

test("a modifier click opens a new tab and leaves this page alone", async ({ page, context }) => {
  await page.goto("/");
  await hydrated(page);
  const requests = recordRequests(page);
  const popup = context.waitForEvent("page");
  await page.click('a[href="/bench/hello"]', { modifiers: ["Control"] });
  await (await popup).waitForLoadState();
  await expect(page.locator("h1")).toHaveText("Home");
  expect(requests.props()).toEqual([]);
});

test("a document navigation that would repeat at once shows the error page instead", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.route("**/_props/**", (route) => route.abort("failed"));
  // First failure: one document navigation.
  await page.click('a[href="/bench/hello"]');
  await expect(page.locator("main p")).toHaveText("hello");
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
  await hydrated(page);
  const requests = recordRequests(page);
  // The same failure again at once: no second reload, the error page in place.
  await page.click('a[href="/bench/hello"]');
  await expect(page.locator("h1")).toHaveText("500");
  expect(requests.documents()).toEqual([]);
});

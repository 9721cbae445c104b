import { expect, Page, test } from "@playwright/test";
import { hydrated, isSoft, markWindow, recordRequests } from "./helpers";

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
  await markWindow(page);
  await addLink(page, { id: "plain", href: "/blog/plain" });
  const requests = recordRequests(page);
  await page.click("#plain");
  await expect(page.locator("h1")).toHaveText("Post: plain");
  expect(requests.props()).toHaveLength(1);
  expect(requests.documents()).toEqual([]);
  expect(await isSoft(page)).toBe(true);
});

test("rel=external and download links are left to the browser", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  await addLink(page, { id: "external", href: "/blog/external", rel: "external" });
  const requests = recordRequests(page);
  await page.click("#external");
  await expect(page.locator("h1")).toHaveText("Post: external");
  expect(requests.props()).toEqual([]);
  expect(requests.documents()).toHaveLength(1);
  expect(await isSoft(page)).toBe(false);

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

test("a failed client navigation falls back to one document navigation each time", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.route("**/_props/**", (route) => route.abort("failed"));
  const requests = recordRequests(page);
  await page.click('a[href="/bench/hello"]');
  await expect(page.getByText("hello", { exact: true })).toBeVisible();
  expect(requests.documents()).toHaveLength(1);
  // One history entry for the failed navigation, not two.
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
  await hydrated(page);
  requests.clear();
  await page.click('a[href="/bench/hello"]');
  await expect(page.getByText("hello", { exact: true })).toBeVisible();
  expect(requests.documents()).toHaveLength(1);
});

test("a document the kit just loaded that would load itself again shows the error page", async ({ page }) => {
  await page.goto("/");
  // Hydration reads (and clears) the record, so write it after.
  await hydrated(page);
  // What the kit records before its document navigation to /something.
  await page.evaluate(() => sessionStorage.setItem("server_props:hard-navigation", `${Date.now()} /something`));
  await page.goto("/something");
  await hydrated(page);
  await page.route("**/_props/**", (route) => route.abort("failed"));
  const requests = recordRequests(page);
  await page.click("button.refresh");
  await expect(page.locator("h1")).toHaveText("500");
  expect(requests.documents()).toEqual([]);
});

test("percent-encoded paths reach the loader decoded once", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await addLink(page, { id: "encoded", href: "/blog/caf%C3%A9%20cr%C3%A8me" });
  const requests = recordRequests(page);
  await page.click("#encoded");
  await expect(page.locator("h1")).toHaveText("Post: café crème");
  expect(requests.props()).toHaveLength(1);
  expect(requests.props()[0]).toContain("/blog/caf%C3%A9%20cr%C3%A8me.json");
  expect(requests.documents()).toEqual([]);
});

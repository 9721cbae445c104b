import { expect, Page, test } from "@playwright/test";
import { hydrated, isSoft, markWindow, recordRequests } from "./helpers";

/** Records every text the page's <h1> shows, so a flash of a superseded page is seen. */
async function recordHeadings(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = ((window as any).__headings = []);
    const note = () => {
      const h = document.querySelector("main h1");
      if (h && seen[seen.length - 1] !== h.textContent) seen.push(h.textContent ?? "");
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
    note();
  });
}
async function headings(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as any).__headings);
}

/** Records whether the progress bar was ever visible. */
async function recordProgress(page: Page) {
  await page.evaluate(() => {
    (window as any).__progressShown = false;
    const bar = document.querySelector(".progress-bar")!;
    new MutationObserver(() => {
      if (bar.classList.contains("visible")) (window as any).__progressShown = true;
    }).observe(bar, { attributes: true });
  });
}

test("programmatic navigation: push and replace fetch props once each", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click("button.push-blog");
  await expect(page.locator("h1")).toHaveText("Post: pushed");
  expect(requests.props()).toHaveLength(1);
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
  requests.clear();
  await page.click("button.replace-repo");
  await expect(page.locator("h1")).toHaveText("leptos-rs/leptos");
  expect(requests.props()).toHaveLength(1);
  expect(requests.documents()).toEqual([]);
  expect(await isSoft(page)).toBe(true);
});

test("refresh re-runs the loader of the page on screen", async ({ page }) => {
  await page.goto("/something?x=1");
  await hydrated(page);
  const before = await page.locator(".loaded-at").textContent();
  const requests = recordRequests(page);
  await page.click("button.refresh");
  await expect(page.locator(".loaded-at")).not.toHaveText(before!);
  expect(requests.props()).toHaveLength(1);
  expect(requests.props()[0]).toContain("/something.json?x=1");
  await expect(page).toHaveURL(/\/something\?x=1$/);
});

test("a same-origin redirect navigates client-side and keeps the origin's entry", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click('a[href="/redirect/to-blog"]');
  await expect(page.locator("h1")).toHaveText("Post: redirected");
  await expect(page).toHaveURL(/\/blog\/redirected$/);
  expect(requests.documents()).toEqual([]);
  expect(requests.props()).toHaveLength(2);
  expect(await isSoft(page)).toBe(true);
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
});

test("an external redirect makes one document navigation", async ({ page }) => {
  await page.route("https://example.com/**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<h1>example.com</h1>" }),
  );
  await page.goto("/");
  await hydrated(page);
  await page.click('a[href="/redirect/external"]');
  await expect(page).toHaveURL("https://example.com/");
  await expect(page.locator("h1")).toHaveText("example.com");
});

for (const [url, status] of [
  ["/error", "500"],
  ["/panic", "500"],
] as const) {
  test(`${url} during navigation becomes one document navigation to its error page`, async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    await markWindow(page);
    const requests = recordRequests(page);
    await page.click(`a[href="${url}"]`);
    await expect(page.locator("h1")).toHaveText(status);
    await expect(page).toHaveURL(new RegExp(`${url}$`));
    expect(await isSoft(page)).toBe(false);
    expect(requests.documents()).toHaveLength(1);
  });
}

test("a props answer from another build reloads the page once", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  await page.route("**/_props/**", (route) =>
    route.fulfill({
      status: 410,
      contentType: "application/json",
      headers: { "x-server-props": "new-build" },
      body: '{"staleBuild":true}',
    }),
  );
  const requests = recordRequests(page);
  await page.click('a[href="/bench/items/1"] >> nth=-1');
  await expect(page.locator("h1")).toHaveText("Collection 1");
  expect(await isSoft(page)).toBe(false);
  expect(requests.documents()).toHaveLength(1);
});

test("a network failure falls back to a document navigation", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  await page.route("**/_props/**", (route) => route.abort("failed"));
  await page.click('a[href="/bench/hello"]');
  await expect(page.getByText("hello", { exact: true })).toBeVisible();
  expect(await isSoft(page)).toBe(false);
});

test("a superseded navigation never paints and its request is aborted", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await recordHeadings(page);
  const failed: string[] = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  await page.click('a[href="/slow?ms=800"]');
  await page.waitForTimeout(100);
  await page.click('header a[href="/blog/hello"]');
  await expect(page.locator("h1")).toHaveText("Post: hello");
  await page.waitForTimeout(1000);
  await expect(page.locator("h1")).toHaveText("Post: hello");
  expect(await headings(page)).toEqual(["Home", "Post: hello"]);
  expect(failed.some((u) => u.includes("/slow.json"))).toBe(true);
});

test("four rapid clicks ask for the props once", async ({ page }) => {
  await page.goto("/cached");
  await hydrated(page);
  await page.click('header a[href="/"]');
  await expect(page.locator("h1")).toHaveText("Home");
  const requests = recordRequests(page);
  // Four clicks before the first navigation can finish.
  await page.evaluate(() => {
    const link = document.querySelector('main a[href="/cached"]') as HTMLAnchorElement;
    for (let i = 0; i < 4; i++) link.click();
  });
  await expect(page.locator("h1")).toHaveText("Cached");
  // The shared cache may answer it (s-maxage=10): one request either way.
  await expect(page.locator(".runs")).toHaveText(/^[0-9]+$/);
  expect(requests.props()).toHaveLength(1);
});

test("the progress bar shows for slow navigations only", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await recordProgress(page);
  await page.click('a[href="/slow?ms=800"]');
  await expect(page.locator(".progress-bar")).toHaveClass(/visible/);
  // The old page stays until the props arrive.
  await expect(page.locator("h1")).toHaveText("Home");
  await expect(page.locator("h1")).toHaveText("Slow 800");
  await expect(page.locator(".progress-bar")).not.toHaveClass(/visible/);

  await page.goto("/");
  await hydrated(page);
  await recordProgress(page);
  await page.evaluate(() => {
    const a = document.createElement("a");
    a.href = "/slow?ms=10";
    a.id = "fast";
    a.textContent = "fast";
    document.querySelector("main")!.appendChild(a);
  });
  await page.click("#fast");
  await expect(page.locator("h1")).toHaveText("Slow 10");
  await page.waitForTimeout(200);
  expect(await page.evaluate(() => (window as any).__progressShown)).toBe(false);
});

test("Back and Forward re-fetch props and restore the scroll position", async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 400 });
  await page.goto("/bench/items/1");
  await hydrated(page);
  await page.evaluate(() => window.scrollTo(0, 900));
  await page.waitForTimeout(100);
  const requests = recordRequests(page);
  // A click from script: Playwright's own click would first scroll the link
  // (at the bottom) into view, and that position is what Back restores.
  await page.evaluate(() => (document.querySelector("#bottom a") as HTMLAnchorElement).click());
  await expect(page.locator("h1")).toHaveText("Collection 2");
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Collection 1");
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(900);
  await page.goForward();
  await expect(page.locator("h1")).toHaveText("Collection 2");
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
  expect(requests.props()).toHaveLength(3);
  expect(requests.documents()).toEqual([]);
});

test("a link with a hash scrolls to its target", async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 400 });
  await page.goto("/");
  await hydrated(page);
  await page.evaluate(() => {
    const a = document.createElement("a");
    a.href = "/bench/items/4#bottom";
    a.id = "to-hash";
    a.textContent = "to hash";
    document.querySelector("main")!.prepend(a);
  });
  await page.click("#to-hash");
  await expect(page.locator("h1")).toHaveText("Collection 4");
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(500);
});

import { expect, test } from "@playwright/test";
import { expectNoErrors, hydrated, isSoft, markWindow, recordErrors, recordRequests } from "./helpers";

async function stillSoft(page: import("@playwright/test").Page) {
  expect(await isSoft(page)).toBe(true);
}

test("a link to a loader page fetches its props once and renders in place", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click('a[href="/repos/vercel/next.js"] >> nth=-1');
  await expect(page.locator("h1")).toHaveText("vercel/next.js");
  await expect(page).toHaveURL(/\/repos\/vercel\/next\.js$/);
  await expect(page).toHaveTitle("vercel/next.js");
  expect(requests.props()).toHaveLength(1);
  expect(requests.props()[0]).toMatch(/\/_props\/[^/]+\/repos\/vercel\/next\.js\.json$/);
  expect(requests.documents()).toEqual([]);
  await stillSoft(page);
  await expectNoErrors(errors);
});

test("same page, other params: the page follows its URL", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/bench/items/1");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click("text=Next collection");
  await expect(page.locator("h1")).toHaveText("Collection 2");
  await page.click("text=Next collection");
  await expect(page.locator("h1")).toHaveText("Collection 3");
  await expect(page.locator("ul.items li")).toHaveCount(50);
  expect(requests.props()).toHaveLength(2);
  expect(requests.documents()).toEqual([]);
  await stillSoft(page);
  await expectNoErrors(errors);
});

test("a query-only change refetches; a hash-only change does not", async ({ page }) => {
  await page.goto("/something");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click('a[href="/something?another=thing"]');
  await expect(page.locator("ul.query")).toContainText("another=thing");
  expect(requests.props()).toHaveLength(1);
  requests.clear();
  await page.evaluate(() => {
    const a = document.createElement("a");
    a.href = "/something?another=thing#details";
    a.textContent = "hash";
    a.id = "hash-link";
    document.querySelector("main")!.appendChild(a);
  });
  await page.click("#hash-link");
  await expect(page).toHaveURL(/#details$/);
  expect(requests.props()).toEqual([]);
  await stillSoft(page);
});

test("a page without a loader navigates with no request", async ({ page }) => {
  await page.goto("/counter");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click('header a[href="/"]');
  await expect(page.locator("h1")).toHaveText("Home");
  expect(requests.props()).toEqual([]);
  expect(requests.documents()).toEqual([]);
  await stillSoft(page);
});

test("not found renders the 404 page in place and keeps the URL", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click('a[href="/repos/nobody/nothing"]');
  await expect(page.locator("main")).toContainText("This page could not be found.");
  await expect(page).toHaveURL(/\/repos\/nobody\/nothing$/);
  expect(requests.props()).toHaveLength(1);
  expect(requests.documents()).toEqual([]);
  await stillSoft(page);
});

import { expect, test } from "@playwright/test";

test("the page hydrates, the form adds a note in one request, a link fetches props only", async ({ page }) => {
  await page.goto("/");
  await page.waitForFunction(() => (window as any).__serverPropsHydrated === true);
  await page.evaluate(() => ((window as any).__soft = true));
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(r.url());
  });
  await page.fill('input[name="note"]', "from the browser");
  await page.click("button:has-text('Add')");
  await expect(page.locator("ul.notes")).toContainText("from the browser");
  // The visitor's session counted it.
  await expect(page.locator("p.yours")).toHaveText("Yours: 1");
  expect(posts).toHaveLength(1);
  expect(await page.evaluate(() => (window as any).__soft)).toBe(true);
  const props: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/_props/")) props.push(r.url());
  });
  await page.click("text=Hello");
  await expect(page.locator("h1")).toHaveText("Hello, world!");
  expect(props).toHaveLength(1);
  expect(await page.evaluate(() => (window as any).__soft)).toBe(true);
});

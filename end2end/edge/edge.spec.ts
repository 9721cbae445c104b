// One site, two runtimes: the edge build answers `/edge/hello` (its
// document and its props), the server everything else, forwarded by the
// edge. A navigation crosses between them without a reload.
import { expect, test } from "@playwright/test";
import { expectNoErrors, hydrated, isSoft, markWindow, recordErrors, recordRequests } from "../tests/helpers";

const build = process.env.EDGE_BUILD ?? "";

test("a client navigation to the edge page fetches its props from the edge", async ({ page, context }) => {
  const errors = recordErrors(page);
  const requests = recordRequests(page);
  // The home page is the server's, forwarded.
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  requests.clear();
  await page.click('a[href="/edge/hello"]');
  await expect(page.locator("h1")).toHaveText("Hello from the edge");
  await expect(page.locator("p.runtime")).toHaveText("Runtime: edge");
  expect(await isSoft(page)).toBe(true);
  expect(requests.documents()).toEqual([]);
  expect(requests.props().map((u) => new URL(u).pathname)).toEqual([`/_props/${build}/edge/hello.json`]);
  const cookies = await context.cookies();
  expect(cookies.find((c) => c.name === "edge")?.value).toBe("1");

  // On to a server page: its props come from the server, through the edge.
  requests.clear();
  await page.click('nav a[href="/repos/vercel/next.js"]');
  await expect(page.locator("h1")).toHaveText("vercel/next.js");
  expect(await isSoft(page)).toBe(true);
  expect(requests.documents()).toEqual([]);
  expect(requests.props().map((u) => new URL(u).pathname)).toEqual([`/_props/${build}/repos/vercel/next.js.json`]);
  await expectNoErrors(errors);
});

test("the edge's document hydrates, and its links work", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/edge/hello");
  await hydrated(page);
  await expect(page.locator("p.runtime")).toHaveText("Runtime: edge");
  await markWindow(page);
  await page.click('nav a[href="/blog/hello"]');
  await expect(page.locator("h1")).toContainText("hello");
  expect(await isSoft(page)).toBe(true);
  await page.goBack();
  await expect(page.locator("p.runtime")).toHaveText("Runtime: edge");
  await expectNoErrors(errors);
});

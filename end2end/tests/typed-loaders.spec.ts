import { expect, test } from "@playwright/test";
import { expectNoErrors, hydrated, isSoft, markWindow, recordErrors, recordRequests } from "./helpers";
import { signIn } from "./session";

test("a typed query page renders by client navigation, and a bad page number is a 400", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click('a[href="/search?q=leptos&page=2"]');
  await expect(page.locator("h1.results")).toHaveText("Results for leptos, page 2");
  expect(requests.props()).toHaveLength(1);
  expect(requests.props()[0]).toMatch(/\/_props\/[^/]+\/search\.json\?q=leptos&page=2$/);
  await page.click("text=Next page");
  await expect(page.locator("h1.results")).toHaveText("Results for leptos, page 3");
  expect(requests.props()).toHaveLength(2);
  expect(requests.documents()).toEqual([]);
  expect(await isSoft(page)).toBe(true);
  await expectNoErrors(errors);

  // A page number that does not parse: the props answer is a 400, so the
  // browser loads the document, which is the 400 error page.
  const bad = await page.request.get("/search?page=0");
  expect(bad.status()).toBe(400);
  await page.evaluate(() => {
    const a = document.createElement("a");
    a.href = "/search?q=x&page=abc";
    a.id = "bad-page";
    a.textContent = "bad";
    document.querySelector("main")!.appendChild(a);
  });
  const response = page.waitForResponse((r) => r.url().endsWith("/search?q=x&page=abc"));
  await page.click("#bad-page");
  expect((await response).status()).toBe(400);
  await expect(page.locator("main h1")).toHaveText("400");
});

test("the layout shows the signed-in user after a document load and after client navigation", async ({
  page,
  context,
  baseURL,
}) => {
  const errors = recordErrors(page);
  await page.goto("/");
  await expect(page.locator(".session")).toHaveText("Not signed in");
  await signIn(context, "ada");
  await page.goto("/");
  await hydrated(page);
  await expect(page.locator(".session")).toHaveText("Signed in as ada");
  await markWindow(page);
  const requests = recordRequests(page);
  await page.click('a[href="/blog/hello?from=home"]');
  await expect(page.locator("h1")).toHaveText("Post: hello");
  await expect(page.locator(".session")).toHaveText("Signed in as ada");
  // The session ends (another tab signed out): the next navigation's props
  // answer carries the new layout data, with no extra request.
  await context.clearCookies();
  await page.click("text=Another post");
  await expect(page.locator("h1")).toHaveText("Post: other");
  await expect(page.locator(".session")).toHaveText("Not signed in");
  expect(requests.props()).toHaveLength(2);
  expect(requests.documents()).toEqual([]);
  expect(await isSoft(page)).toBe(true);
  // A forged session is no session: the real cookie, one character changed.
  await signIn(context, "ada");
  const real = (await context.cookies()).find((c) => c.name === "session")!;
  const changed = real.value.slice(0, 20) + (real.value[20] === "A" ? "B" : "A") + real.value.slice(21);
  await context.clearCookies();
  await context.addCookies([{ name: "session", value: changed, url: baseURL! }]);
  await page.goto("/");
  await expect(page.locator(".session")).toHaveText("Not signed in");
  await expectNoErrors(errors);
});

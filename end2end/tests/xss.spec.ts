import { expect, Page, test } from "@playwright/test";
import { expectNoErrors, hydrated, recordErrors } from "./helpers";

// Every place the reference app reflects input, with payloads that run a
// script if they are ever parsed as markup or script: in the server-rendered
// document and in a page the browser renders from props after a link click.
// A payload that ran sets `window.__xss`, opens a dialog, or (blocked by the
// Content-Security-Policy) logs a violation; all three fail the test.

const PAYLOADS = [
  "</script><script>window.__xss=1</script>",
  '<img src=x onerror="window.__xss=1">',
  '"><svg onload=window.__xss=1>',
  "<!--<script>window.__xss=1</script>-->",
  "'-alert(1)-'",
  '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
  "\u2028\u2029</ScRiPt><script>alert(1)</script>",
];

/** Header and cookie values cannot hold every character: these can. */
const HEADER_PAYLOADS = [
  "</script><script>window.__xss=1</script>",
  "<img/src=x/onerror=window.__xss=1>",
  "<svg/onload=alert(1)>",
];

type Case = { name: string; url: (p: string) => string; shown: (page: Page, p: string) => Promise<void> };

const enc = encodeURIComponent;

const CASES: Case[] = [
  {
    name: "/blog/:post param",
    url: (p) => `/blog/${enc(p)}`,
    shown: (page, p) => expect(page.locator("h1")).toHaveText(`Post: ${p}`),
  },
  {
    name: "query value",
    url: (p) => `/blog/q?v=${enc(p)}`,
    shown: (page, p) => expect(page.locator("main")).toContainText(p),
  },
  {
    name: "query name and value",
    url: (p) => `/something?${enc(p)}=${enc(p)}`,
    shown: (page, p) => expect(page.locator("main")).toContainText(p),
  },
  {
    name: "catch-all segment",
    url: (p) => `/catchall/${enc(p)}/x`,
    shown: (page, p) => expect(page.locator(".segments li").first()).toHaveText(p),
  },
];

/** Fails the test on any sign that a payload ran. */
function watch(page: Page) {
  const errors = recordErrors(page);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return async () => {
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await expectNoErrors(errors);
  };
}

/** Navigates in the browser (a link click the router takes). */
async function clickTo(page: Page, url: string) {
  await page.evaluate((href) => {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = "go";
    document.querySelector("main")!.append(a);
    a.click();
  }, url);
}

for (const c of CASES) {
  test(`XSS: ${c.name} in the document and after a link click`, async ({ page }) => {
    const check = watch(page);
    for (const p of PAYLOADS) {
      await page.goto(c.url(p));
      await c.shown(page, p);
      await hydrated(page);
      await check();
    }
    await page.goto("/");
    await hydrated(page);
    for (const p of PAYLOADS) {
      await clickTo(page, c.url(p));
      await c.shown(page, p);
      await check();
    }
    // Still one document: every payload above was rendered by the client.
    expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
  });
}

test("XSS: /request headers and cookie", async ({ browser }) => {
  for (const p of HEADER_PAYLOADS) {
    const context = await browser.newContext({ userAgent: p });
    // Chromium sets Accept-Language from the locale: set it on the wire.
    await context.route("**/*", (route) =>
      route.continue({ headers: { ...route.request().headers(), "accept-language": p } }),
    );
    await context.addCookies([{ name: "theme", value: p, url: test.info().project.use.baseURL! }]);
    const page = await context.newPage();
    const check = watch(page);
    await page.goto("/request");
    await expect(page.locator(".user-agent")).toHaveText(p);
    await expect(page.locator(".accept-language")).toHaveText(p);
    await expect(page.locator(".theme")).toHaveText(p);
    await hydrated(page);
    await check();
    // And rendered by the client from the props answer.
    await clickTo(page, "/blog/away");
    await expect(page.locator("h1")).toHaveText("Post: away");
    await clickTo(page, "/request");
    await expect(page.locator(".user-agent")).toHaveText(p);
    await expect(page.locator(".theme")).toHaveText(p);
    await check();
    await context.close();
  }
});

test("XSS: /xss props, in the document and after a link click", async ({ page }) => {
  const check = watch(page);
  await page.goto("/xss");
  await hydrated(page);
  await expect(page.locator(".payloads li").first()).toHaveText("</script><script>window.__xss=1</script>");
  await check();
  await clickTo(page, "/blog/away");
  await expect(page.locator("h1")).toHaveText("Post: away");
  await clickTo(page, "/xss");
  await expect(page.locator(".payloads li").first()).toHaveText("</script><script>window.__xss=1</script>");
  await check();
});

test("the app hydrates and navigates under its Content-Security-Policy", async ({ page }) => {
  const violations: string[] = [];
  await page.exposeFunction("__reportViolation", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as any).__reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const check = watch(page);
  const response = await page.goto("/counter");
  const csp = response!.headers()["content-security-policy"];
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval' 'nonce-");
  expect(csp.split(";").find((d) => d.trim().startsWith("script-src "))).not.toContain("unsafe-inline");
  await hydrated(page);
  await page.locator("button.increment").click();
  await expect(page.locator(".count")).toHaveText("6");
  await page.locator("header a", { hasText: "Blog" }).click();
  await expect(page.locator("h1")).toHaveText("Post: hello");
  await check();
  expect(violations).toEqual([]);
  // An injected inline script without the nonce is refused.
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__xss = 1";
    document.body.append(s);
  });
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  await expect.poll(() => violations.length).toBeGreaterThan(0);
});

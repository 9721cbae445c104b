import { expect, test } from "@playwright/test";
import { expectNoErrors, hydrated, recordErrors, recordRequests } from "./helpers";

test("pages render on the server and hydrate without a props request", async ({ page }) => {
  const errors = recordErrors(page);
  const requests = recordRequests(page);
  for (const [url, heading] of [
    ["/", "Home"],
    ["/repos/vercel/next.js", "vercel/next.js"],
    ["/blog/hello?x=1", "Post: hello"],
    ["/catchall/a/b/c", "Catch-all"],
    ["/bench/items/3", "Collection 3"],
  ]) {
    requests.clear();
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    await hydrated(page);
    await expect(page.locator("h1")).toHaveText(heading);
    expect(requests.props(), `props requests while loading ${url}`).toEqual([]);
  }
  await expectNoErrors(errors);
});

test("the counter starts from props and increments once hydrated", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/counter");
  await expect(page.locator(".count")).toHaveText("5");
  await hydrated(page);
  await page.click("button.increment");
  await page.click("button.increment");
  await expect(page.locator(".count")).toHaveText("7");
  await expectNoErrors(errors);
});

test("/xss runs no script and shows the payloads as text", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/xss");
  await hydrated(page);
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  await expect(page.locator(".payloads li").first()).toHaveText("</script><script>window.__xss=1</script>");
  await expect(page.locator(".payloads li").nth(1)).toHaveText("<!--");
  await expect(page.locator(".payloads li").nth(4)).toHaveText("&amp;");
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  await expectNoErrors(errors);
});

test("status pages render and hydrate: 404, not found loader, 500", async ({ page }) => {
  const errors = recordErrors(page);
  for (const [url, status, text] of [
    ["/no/such/page", 404, "This page could not be found."],
    ["/not-found", 404, "This page could not be found."],
    ["/error", 500, "Internal Server Error."],
    ["/panic", 500, "Internal Server Error."],
  ] as const) {
    const response = await page.goto(url);
    expect(response?.status()).toBe(status);
    await hydrated(page);
    await expect(page.locator("main")).toContainText(text);
    await expect(page.locator("h1")).toHaveText(String(status));
  }
  // The browser logs failed document loads as console errors: only ours count.
  await expectNoErrors(errors.filter((e) => !e.includes("Failed to load resource")));
});

test("a redirect loader sends the browser to the destination", async ({ page }) => {
  await page.goto("/redirect/to-blog");
  await expect(page).toHaveURL(/\/blog\/redirected$/);
  await expect(page.locator("h1")).toHaveText("Post: redirected");
});

test("/request sees the cookie and sets one", async ({ page, context }) => {
  await context.addCookies([{ name: "theme", value: "dark", url: "http://127.0.0.1" }]);
  await page.goto("/request");
  await expect(page.locator(".theme")).toHaveText("dark");
  await expect(page.locator(".method")).toHaveText("GET");
  const cookies = await context.cookies();
  const visited = cookies.find((c) => c.name === "visited");
  expect(visited?.value).toBe("1");
  expect(visited?.httpOnly).toBe(true);
  expect(visited?.sameSite).toBe("Lax");
});

test("the first load comes compressed, its assets hashed and immutable", async ({ page }) => {
  const seen: Promise<{ url: string; document: boolean; headers: Record<string, string> }>[] = [];
  page.on("response", (r) =>
    seen.push(
      r.allHeaders().then((headers) => ({ url: r.url(), document: r.request().resourceType() === "document", headers })),
    ),
  );
  await page.goto("/bench/items/1");
  await hydrated(page);
  const responses = await Promise.all(seen);
  const document = responses.find((r) => r.document)!.headers;
  const assets = responses
    .filter((r) => new URL(r.url).pathname.startsWith("/pkg/"))
    .map((r) => ({
      url: r.url,
      encoding: r.headers["content-encoding"],
      cacheControl: r.headers["cache-control"],
      vary: r.headers["vary"],
    }));
  // Compressed on the fly: gzip, the cheaper one, when both are taken.
  expect(document["content-encoding"]).toBe("gzip");
  expect(document["vary"]).toContain("accept-encoding");
  // The wasm, its JavaScript and the stylesheet, each named by its content;
  // and, the build being split by page, the page's chunks and their loader.
  const kinds = assets.map((a) => new URL(a.url).pathname.split(".").pop()).sort();
  expect(kinds).toEqual(expect.arrayContaining(["css", "js", "wasm"]));
  for (const asset of assets) {
    expect(new URL(asset.url).pathname, asset.url).toMatch(
      /^\/pkg\/(reference-app|__wasm_split|chunk_\d+|split_page_BenchItems_[0-9a-f]{8})\.[A-Za-z0-9_-]{16,}\.(js|wasm|css)$/,
    );
    // Compressed at build time: brotli.
    expect(asset.encoding, asset.url).toBe("br");
    // Kept for good, but for a split build's glue: cargo-leptos names it by
    // its content before it writes the split loader's name into it.
    const glue = /^\/pkg\/reference-app\.[^.]+\.js$/.test(new URL(asset.url).pathname);
    expect(asset.cacheControl, asset.url).toBe(glue ? "no-cache" : "public, max-age=31536000, immutable");
    expect(asset.vary, asset.url).toContain("accept-encoding");
  }
});

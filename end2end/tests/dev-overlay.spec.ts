import { expect, test } from "@playwright/test";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { hydrated, isSoft, markWindow, recordErrors, recordRequests } from "./helpers";
import { COOKIE_SECRET } from "./session";

// The development error overlay, against two servers of the app's own,
// both in Leptos's `DEV` env (what a binary run with `LEPTOS_ENV` unset
// reads too): a debug build (as `cargo leptos watch` runs), which shows
// the overlay, and the release build, which must show nothing of the error
// whatever its env says. Both serve the release build's site.
const root = resolve(__dirname, "../..");
const release = process.env.E2E_SERVER ?? "target/release/server";
const debug = process.env.E2E_DEV_SERVER ?? "target/debug/server";

async function start(binary: string, port: number): Promise<ChildProcess> {
  // The asset hashes are in the file the release build wrote beside the
  // release binary; the server looks for it relative to its own directory.
  const hashFile = relative(dirname(resolve(root, binary)), resolve(root, dirname(release), "hash.txt"));
  const child = spawn(resolve(root, binary), [], {
    cwd: root,
    stdio: "ignore",
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: "target/site",
      LEPTOS_OUTPUT_NAME: "reference-app",
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_HASH_FILES: "true",
      LEPTOS_HASH_FILE_NAME: hashFile || "hash.txt",
      LEPTOS_ENV: "DEV",
      // A release build starts only with the cookie key's secret.
      SERVER_PROPS_COOKIE_SECRET: COOKIE_SECRET,
      DATABASE_URL: "sqlite::memory:",
      RUST_LOG: "error",
    },
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${binary} did not start on port ${port}`);
}

const basePort = Number(process.env.E2E_PORT ?? 3100);

test.describe("a release build in the DEV env", () => {
  const port = basePort + 7;
  let server: ChildProcess;
  test.beforeAll(async () => {
    server = await start(release, port);
  });
  test.afterAll(() => server?.kill());

  for (const path of ["/error", "/panic"]) {
    test(`${path}: the 500 page has no detail and no overlay`, async ({ page, request }) => {
      const base = `http://127.0.0.1:${port}`;
      const doc = await request.get(`${base}${path}`);
      expect(doc.status()).toBe(500);
      const html = await doc.text();
      expect(html).toContain("Internal Server Error.");
      expect(html).not.toContain("always");
      expect(html).not.toContain("server-props-dev-overlay");
      expect(html).not.toContain('"dev"');
      expect(html).not.toContain('"detail"');
      await page.goto(`${base}/`);
      await hydrated(page);
      await page.click(`a[href="${path}"]`);
      await expect(page.locator("main h1")).toHaveText("500");
      await expect(page.locator("#server-props-dev-overlay")).toHaveCount(0);
      await expect(page.locator("pre.detail")).toHaveCount(0);
    });
  }
});

test.describe("a debug build in the DEV env", () => {
  const port = basePort + 8;
  const base = `http://127.0.0.1:${port}`;
  let server: ChildProcess;
  test.beforeAll(async () => {
    if (!existsSync(resolve(root, debug))) {
      // `make test` builds it (cargo test) before the browser tests run.
      if (process.env.E2E_DEV_SERVER) throw new Error(`no ${debug}: run cargo test first`);
      test.skip(true, `no ${debug} (built by cargo test)`);
    }
    server = await start(debug, port);
  });
  test.afterAll(() => server?.kill());

  test("a document shows the overlay: message, source, page and request", async ({ page }) => {
    const errors = recordErrors(page);
    await page.goto(`${base}/panic?why=test`);
    await hydrated(page);
    const overlay = page.locator("#server-props-dev-overlay");
    await expect(overlay).toBeVisible();
    await expect(overlay).toContainText("Server error 500");
    await expect(overlay).toContainText("loader panicked: the /panic page always panics");
    await expect(overlay).toContainText(/app\/src\/pages\/outcomes\.rs:\d+:\d+/);
    await expect(overlay).toContainText("Page     /panic\n");
    await expect(overlay).toContainText("GET /panic?why=test");
    // The app's own error page is underneath.
    await expect(page.locator("main h1")).toHaveText("500");
    // Hydrated without a mismatch (the one error logged is the document's own 500).
    expect(errors.filter((e) => !e.includes("status of 500"))).toEqual([]);
  });

  test("after a client navigation it shows in place, and goes with the next page", async ({ page }) => {
    await page.goto(`${base}/`);
    await hydrated(page);
    await markWindow(page);
    const requests = recordRequests(page);
    await page.click('a[href="/error"]');
    const overlay = page.locator("#server-props-dev-overlay");
    await expect(overlay).toBeVisible();
    await expect(overlay).toContainText("the /error page always fails");
    await expect(overlay).toContainText(/app\/src\/pages\/outcomes\.rs:\d+:\d+/);
    await expect(overlay).toContainText("GET /error (props answer)");
    await expect(page).toHaveURL(/\/error$/);
    // In place: one props request, no document load, the loader ran once.
    expect(requests.documents()).toEqual([]);
    expect(requests.props()).toHaveLength(1);
    expect(await isSoft(page)).toBe(true);
    // The next successful navigation takes it away.
    await page.goBack();
    await expect(page.locator("h1")).toHaveText("Home");
    await expect(overlay).toHaveCount(0);
    expect(await isSoft(page)).toBe(true);
  });

  test("Dismiss hides it and leaves the error page", async ({ page }) => {
    await page.goto(`${base}/error`);
    await hydrated(page);
    const overlay = page.locator("#server-props-dev-overlay");
    await expect(overlay).toBeVisible();
    await overlay.getByRole("button", { name: "Dismiss" }).click();
    await expect(overlay).toBeHidden();
    await expect(page.locator("main h1")).toHaveText("500");
  });
});

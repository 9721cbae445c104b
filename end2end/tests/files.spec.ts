import { expect, Page, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { expectNoErrors, hydrated, isSoft, markWindow, recordErrors, recordRequests } from "./helpers";

/** A name no other test uses. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The most `/files` takes of one file (`app::pages::MAX_FILE_BYTES`). */
const MAX_FILE_BYTES = 1024 * 1024;

type Progress = { sent: number; total: number | null };

/** Records every upload progress the page shows (`.upload-progress`). */
async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Progress[] = [];
    (window as any).__progress = seen;
    const look = () => {
      for (const p of document.querySelectorAll<HTMLElement>(".upload-progress")) {
        const sent = Number(p.dataset.sent);
        const total = p.dataset.total === undefined ? null : Number(p.dataset.total);
        const last = seen[seen.length - 1];
        if (!last || last.sent !== sent || last.total !== total) seen.push({ sent, total });
      }
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
  });
}

async function progressSeen(page: Page): Promise<Progress[]> {
  return page.evaluate(() => (window as any).__progress as Progress[]);
}

async function upload(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[], note = "") {
  await page.setInputFiles("form.upload input[type=file]", files);
  await page.fill("form.upload input[name=note]", note);
  await page.click("form.upload button[type=submit]");
}

test.describe("with JavaScript", () => {
  test("an upload of two files is one request, its progress shown meanwhile", async ({ page }) => {
    const errors = recordErrors(page);
    await page.goto("/files");
    await hydrated(page);
    await markWindow(page);
    await recordProgress(page);
    // A slow uplink, so the upload takes a while (Chromium's throttling).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 512 * 1024,
    });
    const requests = recordRequests(page);
    const [small, large] = [unique("small") + ".txt", unique("large") + ".bin"];
    const big = Buffer.alloc(700_000, 7);
    await upload(
      page,
      [
        { name: small, mimeType: "text/plain", buffer: Buffer.from("the first file\n") },
        { name: large, mimeType: "application/octet-stream", buffer: big },
      ],
      "two at once",
    );
    // Under way: what it sends and how much of it.
    const progress = page.locator(".upload-progress");
    await expect(progress).toContainText(`Uploading ${small}, ${large}`);
    await expect(page.locator("form.upload")).toHaveAttribute("aria-busy", "true");
    // Then the list with both, rendered in place.
    const rows = page.locator("tr.file");
    await expect(rows.filter({ hasText: small })).toHaveCount(1, { timeout: 20_000 });
    await expect(rows.filter({ hasText: large }).locator(".size")).toHaveText(String(big.length));
    await expect(rows.filter({ hasText: large }).locator(".note")).toHaveText("two at once");
    await expect(progress).toHaveCount(0);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });

    const seen = await progressSeen(page);
    const sizes = seen.filter((p) => p.total !== null);
    expect(seen[0], JSON.stringify(seen)).toEqual({ sent: 0, total: null });
    expect(sizes.length, JSON.stringify(seen)).toBeGreaterThan(1);
    expect(sizes.some((p) => p.sent > 0 && p.sent < p.total!), JSON.stringify(seen)).toBe(true);
    const last = sizes[sizes.length - 1];
    expect(last.sent).toBe(last.total);
    expect(last.total!).toBeGreaterThan(big.length);

    // One request: a multipart POST of the props URL, and no document.
    const posts = requests.all.filter((r) => r.method() === "POST");
    expect(posts.map((r) => r.url())).toHaveLength(1);
    expect(posts[0].url()).toMatch(/\/_props\/[^/]+\/files\.json$/);
    expect(await posts[0].headerValue("content-type")).toMatch(/^multipart\/form-data; boundary=/);
    expect(requests.all.filter((r) => !r.url().endsWith("/favicon.svg"))).toHaveLength(1);
    expect(requests.documents()).toEqual([]);
    expect(await isSoft(page)).toBe(true);
    // The form is empty again.
    await expect(page.locator("form.upload input[type=file]")).toHaveValue("");
    await expect(page.locator("form.upload input[name=note]")).toHaveValue("");

    // Its link downloads the file under its own name.
    const download = page.waitForEvent("download");
    await rows.filter({ hasText: small }).locator("a").click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe(small);
    expect(await readFile((await saved.path())!, "utf8")).toBe("the first file\n");
    expect(await isSoft(page)).toBe(true);
    await expectNoErrors(errors);
  });

  test("a file over 1 MiB shows the error page, and nothing is stored", async ({ page }) => {
    const errors = recordErrors(page);
    await page.goto("/files");
    await hydrated(page);
    await markWindow(page);
    const requests = recordRequests(page);
    const [fits, over] = [unique("fits") + ".txt", unique("over") + ".bin"];
    const answer = page.waitForResponse((r) => r.request().method() === "POST");
    await upload(page, [
      { name: fits, mimeType: "text/plain", buffer: Buffer.from("fits") },
      { name: over, mimeType: "application/octet-stream", buffer: Buffer.alloc(MAX_FILE_BYTES + 1, 1) },
    ]);
    expect((await answer).status()).toBe(413);
    await expect(page.locator("h1")).toHaveText("413");
    expect(requests.documents()).toEqual([]);
    expect(await isSoft(page)).toBe(true);
    await page.goto("/files");
    await expect(page.locator("h1")).toHaveText("Files");
    await expect(page.locator("tr.file", { hasText: fits })).toHaveCount(0);
    await expect(page.locator("tr.file", { hasText: over })).toHaveCount(0);
    // The 413 is the answer the page expected, not an error of the page.
    await expectNoErrors(errors.filter((e) => !e.includes("413")));
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("an upload of two files is POST, 303, GET", async ({ page }) => {
    await page.goto("/files");
    const documents: string[] = [];
    page.on("response", (r) => {
      if (r.request().resourceType() === "document") {
        documents.push(`${r.request().method()} ${r.status()}`);
      }
    });
    const [one, two] = [unique("plain-one") + ".txt", unique("plain-two") + ".txt"];
    const post = page.waitForRequest((r) => r.method() === "POST");
    await upload(
      page,
      [
        { name: one, mimeType: "text/plain", buffer: Buffer.from("one") },
        { name: two, mimeType: "text/plain", buffer: Buffer.from("two!") },
      ],
      "no script",
    );
    expect(await (await post).headerValue("content-type")).toMatch(/^multipart\/form-data; boundary=/);
    await expect(page.locator("tr.file", { hasText: one }).locator(".size")).toHaveText("3");
    await expect(page.locator("tr.file", { hasText: two }).locator(".size")).toHaveText("4");
    await expect(page.locator("tr.file", { hasText: two }).locator(".note")).toHaveText("no script");
    expect(documents).toEqual(["POST 303", "GET 200"]);
    expect(new URL(page.url()).pathname).toBe("/files");
  });

  test("a file over 1 MiB shows the error page, and nothing is stored", async ({ page }) => {
    await page.goto("/files");
    const over = unique("plain-over") + ".bin";
    const answer = page.waitForResponse((r) => r.request().method() === "POST");
    await upload(page, [
      { name: over, mimeType: "application/octet-stream", buffer: Buffer.alloc(MAX_FILE_BYTES + 1, 2) },
    ]);
    expect((await answer).status()).toBe(413);
    await expect(page.locator("h1")).toHaveText("413");
    await expect(page).toHaveTitle(/^413/);
    await page.goto("/files");
    await expect(page.locator("tr.file", { hasText: over })).toHaveCount(0);
  });
});

import { expect, Page, Request } from "@playwright/test";

/** Waits until the kit has hydrated the page. */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).__serverPropsHydrated === true);
}

/** Records the requests a page makes, split by kind. */
export function recordRequests(page: Page) {
  const all: Request[] = [];
  page.on("request", (r) => all.push(r));
  return {
    all,
    props: () => all.filter((r) => new URL(r.url()).pathname.startsWith("/_props/")).map((r) => r.url()),
    documents: () => all.filter((r) => r.resourceType() === "document").map((r) => r.url()),
    clear: () => {
      all.length = 0;
    },
  };
}

/** Collects console errors and page errors: hydration mismatches show here. */
export function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}

export async function expectNoErrors(errors: string[]): Promise<void> {
  expect(errors, errors.join("\n")).toEqual([]);
}

/** Marks the page's JavaScript state: a soft navigation keeps it, a document load loses it. */
export async function markWindow(page: Page): Promise<void> {
  await page.evaluate(() => ((window as any).__soft = true));
}

/** Whether the mark set by `markWindow` is still there. */
export async function isSoft(page: Page): Promise<boolean> {
  return (await page.evaluate(() => (window as any).__soft)) === true;
}

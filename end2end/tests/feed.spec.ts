import { expect, test } from "@playwright/test";
import { expectNoErrors, hydrated, isSoft, markWindow, recordErrors, recordRequests } from "./helpers";

// `/feed`: streamed (deferred) props. The heading and the items show before
// the recommendations, which follow on the same response: in place in the
// document (with JavaScript and without), and in the page after a client
// navigation, where "Loading recommendations…" holds their place.

const items = ["Item 1", "Item 2", "Item 3"];
const recommended = ["Recommended 1", "Recommended 2", "Recommended 3"];

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("the document shows the items first, then the recommendations in place, on one request", async ({
      page,
    }) => {
      const errors = recordErrors(page);
      const requests = recordRequests(page);
      await page.goto("/feed?ms=1500", { waitUntil: "commit" });
      await expect(page.locator(".feed-items li")).toHaveText(items);
      // The items are on screen while the recommendations are not sent yet.
      await expect(page.locator("h1")).toHaveText("Feed");
      expect(await page.locator(".feed-recommendations").count()).toBe(0);
      expect(await page.locator(".feed-loading").count()).toBe(0);
      await expect(page.locator(".feed-recommendations li")).toHaveText(recommended);
      // In place: after the items, before the end of the page.
      const order = await page.evaluate(() => {
        const list = document.querySelector(".feed-items")!;
        const recs = document.querySelector(".feed-recommendations")!;
        return list.compareDocumentPosition(recs) & Node.DOCUMENT_POSITION_FOLLOWING;
      });
      expect(order).toBeTruthy();
      expect(requests.documents()).toHaveLength(1);
      expect(requests.props()).toEqual([]);
      if (javaScriptEnabled) {
        // Hydrated from what the document carried: no request, no error.
        await hydrated(page);
        await expect(page.locator(".feed-recommendations li")).toHaveText(recommended);
        expect(requests.props()).toEqual([]);
        await expectNoErrors(errors);
      }
    });
  });
}

test("a client navigation renders the items at once and the recommendations when they follow, one request", async ({
  page,
}) => {
  const errors = recordErrors(page);
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.locator('a[href="/feed"]').click();
  await expect(page.locator(".feed-items li")).toHaveText(items);
  await expect(page.locator(".feed-loading")).toHaveText("Loading recommendations…");
  expect(await page.locator(".feed-recommendations").count()).toBe(0);
  await expect(page.locator(".feed-recommendations li")).toHaveText(recommended);
  await expect(page.locator(".feed-loading")).toHaveCount(0);
  expect(requests.props()).toHaveLength(1);
  expect(requests.documents()).toEqual([]);
  expect(await isSoft(page)).toBe(true);

  // Back and Forward again: the page comes back whole, still client-side.
  await page.goBack();
  await expect(page.locator("h1")).toHaveText("Home");
  requests.clear();
  await page.goForward();
  await expect(page.locator(".feed-items li")).toHaveText(items);
  await expect(page.locator(".feed-recommendations li")).toHaveText(recommended);
  expect(requests.props().length).toBeLessThanOrEqual(1);
  expect(requests.documents()).toEqual([]);
  expect(await isSoft(page)).toBe(true);
  await expectNoErrors(errors);
});

test("a deferred value that fails shows its error in place, after a navigation too", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/feed?ms=10&fail=1");
  await hydrated(page);
  await expect(page.locator(".feed-error")).toHaveText("Recommendations failed: Service Unavailable");
  await expect(page.locator(".feed-items li")).toHaveText(items);
  await page.goto("/");
  await hydrated(page);
  await page.evaluate(() => {
    const a = document.createElement("a");
    a.href = "/feed?ms=200&fail=1";
    a.textContent = "failing feed";
    a.id = "failing-feed";
    document.querySelector("main")!.append(a);
  });
  await page.locator("#failing-feed").click();
  await expect(page.locator(".feed-error")).toHaveText("Recommendations failed: Service Unavailable");
  await expectNoErrors(errors);
});

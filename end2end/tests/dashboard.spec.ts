import { expect, test } from "@playwright/test";
import { expectNoErrors, hydrated, isSoft, markWindow, recordErrors, recordRequests } from "./helpers";
import { signIn } from "./session";

// `/dashboard`: a nested layout with its own loader, which guards every
// page under it, and the pages it frames.

test("signed out, a dashboard page goes to the login page and back", async ({ page }) => {
  const errors = recordErrors(page);
  await page.goto("/dashboard/projects/2");
  await expect(page).toHaveURL(/\/login\?next=\/dashboard\/projects\/2$/);
  await hydrated(page);
  await page.locator("form.login input[name=name]").fill("grace");
  await page.locator("form.login button").click();
  await expect(page).toHaveURL(/\/dashboard\/projects\/2$/);
  await expect(page.locator(".dashboard h1")).toHaveText("Dashboard of grace");
  await expect(page.locator(".dashboard-page h2")).toHaveText("Project Beta");
  await expectNoErrors(errors);
});

test("from Home, the dashboard and its projects are client navigations of one request each", async ({
  page,
  context,
}) => {
  await signIn(context, "ada");
  const errors = recordErrors(page);
  await page.goto("/");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  await page.locator('a[href="/dashboard"]').first().click();
  await expect(page.locator(".dashboard h1")).toHaveText("Dashboard of ada");
  await expect(page.locator(".dashboard-page h2")).toHaveText("Overview: 3 projects");
  expect(requests.props()).toHaveLength(1);
  expect(requests.documents()).toEqual([]);

  requests.clear();
  await page.locator('.projects a[href="/dashboard/projects/1"]').click();
  await expect(page.locator(".dashboard-page h2")).toHaveText("Project Alpha");
  await expect(page.locator(".dashboard h1")).toHaveText("Dashboard of ada");
  expect(requests.props()).toHaveLength(1);

  // Project to project: the same route, one request, which runs and
  // carries only the page's loader: the layout's data is the browser's.
  const layoutLoaded = await page.locator(".layout-loaded").textContent();
  const pageLoaded = await page.locator(".page-loaded").textContent();
  requests.clear();
  const answer = page.waitForResponse((r) => r.url().includes("/_props/") && r.url().includes("projects/2"));
  await page.locator('.projects a[href="/dashboard/projects/2"]').click();
  const json = await (await answer).json();
  expect(json.props.project.name).toBe("Beta");
  expect(json.layouts).toBeUndefined();
  await expect(page.locator(".dashboard-page h2")).toHaveText("Project Beta");
  await expect(page).toHaveURL(/\/dashboard\/projects\/2$/);
  await expect(page.locator(".layout-loaded")).toHaveText(layoutLoaded!);
  await expect(page.locator(".page-loaded")).not.toHaveText(pageLoaded!);
  expect(requests.props()).toHaveLength(1);
  expect(requests.documents()).toEqual([]);
  expect(await isSoft(page)).toBe(true);
  await expectNoErrors(errors);
});

test("an unknown project renders the dashboard's not-found view inside the dashboard", async ({
  page,
  context,
}) => {
  await signIn(context, "ada");
  const errors = recordErrors(page);
  const response = await page.goto("/dashboard/projects/99");
  expect(response?.status()).toBe(404);
  await hydrated(page);
  await expect(page.locator(".dashboard-page .not-found")).toHaveText("No such project.");
  await expect(page.locator(".projects")).toContainText("Alpha");
  // Still a working page: a project link navigates on the client.
  await markWindow(page);
  await page.locator('.projects a[href="/dashboard/projects/1"]').click();
  await expect(page.locator(".dashboard-page h2")).toHaveText("Project Alpha");
  expect(await isSoft(page)).toBe(true);
  // The browser logs the 404 document as a console error: only ours count.
  await expectNoErrors(errors.filter((e) => !e.includes("status of 404")));
});

test("the settings form renames the project, and the layout's list shows it after one request", async ({
  page,
  context,
}) => {
  await signIn(context, "ada");
  const errors = recordErrors(page);
  await page.goto("/dashboard/projects/3/settings");
  await hydrated(page);
  await markWindow(page);
  const requests = recordRequests(page);
  const renamed = `Gamma ${Date.now()}`;
  await page.locator("form.rename input[name=name]").fill(renamed);
  await page.locator("form.rename button").click();
  await expect(page).toHaveURL(/\/dashboard\/projects\/3$/);
  await expect(page.locator(".dashboard-page h2")).toHaveText(`Project ${renamed}`);
  await expect(page.locator('.projects a[href="/dashboard/projects/3"]')).toHaveText(renamed);
  expect(requests.all.filter((r) => r.method() === "POST")).toHaveLength(1);
  expect(requests.props()).toHaveLength(1);
  expect(await isSoft(page)).toBe(true);

  // A blank name is refused in place, the value kept.
  await page.locator('a[href="/dashboard/projects/3/settings"]').click();
  await expect(page.locator("form.rename input[name=name]")).toHaveValue(renamed);
  await page.locator("form.rename input[name=name]").fill("   ");
  await page.locator("form.rename button").click();
  await expect(page.locator("form.rename .error")).toHaveText("Name is required.");
  await expect(page.locator("form.rename input[name=name]")).toHaveValue("   ");

  // Back to the seed's name, for the other tests.
  await page.locator("form.rename input[name=name]").fill("Gamma");
  await page.locator("form.rename button").click();
  await expect(page.locator('.projects a[href="/dashboard/projects/3"]')).toHaveText("Gamma");
  // The browser logs the refused submission's 422 as a console error.
  await expectNoErrors(errors.filter((e) => !e.includes("status of 422")));
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the guard, the layout and a refused rename all work as plain HTML", async ({ page, context }) => {
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);
    await signIn(context, "ada");
    await page.goto("/dashboard/projects/1/settings");
    await expect(page.locator(".dashboard h1")).toHaveText("Dashboard of ada");
    await page.locator("form.rename input[name=name]").fill("");
    await page.locator("form.rename button").click();
    await expect(page.locator("form.rename .error")).toHaveText("Name is required.");
    await expect(page.locator(".projects")).toContainText("Alpha");
  });
});

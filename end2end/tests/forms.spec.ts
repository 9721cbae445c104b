import { expect, Page, test } from "@playwright/test";
import { expectNoErrors, hydrated, isSoft, markWindow, recordErrors, recordRequests } from "./helpers";

/** A message no other test writes. */
function unique(prefix: string): string {
  return `${prefix} ${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The POSTs a page made, by URL. */
function posts(requests: ReturnType<typeof recordRequests>): string[] {
  return requests.all.filter((r) => r.method() === "POST").map((r) => r.url());
}

/** Holds the page's guestbook submissions until `release()` is called. */
async function holdSubmissions(page: Page): Promise<() => void> {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route(/\/_props\/.*guestbook\.json/, async (route) => {
    if (route.request().method() === "POST") await held;
    await route.continue();
  });
  return release;
}

async function sign(page: Page, name: string, message: string) {
  await page.fill("form.sign input[name=name]", name);
  await page.fill("form.sign textarea[name=message]", message);
  await page.click("form.sign button[type=submit]");
}

test.describe("with JavaScript", () => {
  test("a guestbook submission is one request, rendered in place", async ({ page }) => {
    const errors = recordErrors(page);
    await page.goto("/guestbook");
    await hydrated(page);
    await markWindow(page);
    const requests = recordRequests(page);
    const message = unique("Hello from the browser");
    const answer = page.waitForResponse((r) => r.request().method() === "POST");
    await sign(page, "Ann", message);
    expect((await answer).status()).toBe(200);
    await expect(page.locator(".entry:not(.pending) .message").first()).toHaveText(message);
    // The form is fresh again: the page re-rendered with its loader's props.
    await expect(page.locator("form.sign textarea[name=message]")).toHaveValue("");
    expect(posts(requests)).toHaveLength(1);
    expect(posts(requests)[0]).toMatch(/\/_props\/[^/]+\/guestbook\.json$/);
    expect(requests.all.filter((r) => !r.url().endsWith("/favicon.svg"))).toHaveLength(1);
    expect(requests.documents()).toEqual([]);
    expect(await isSoft(page)).toBe(true);
    expect(page.url()).toMatch(/\/guestbook$/);
    await expectNoErrors(errors);
  });

  test("a submission from code (use_submit) is the same single request", async ({ page }) => {
    await page.goto("/guestbook");
    await hydrated(page);
    await markWindow(page);
    const before = await page.locator(".entry:not(.pending)", { hasText: "Hello!" }).count();
    const requests = recordRequests(page);
    await page.click("button.wave");
    await expect(page.locator(".entry:not(.pending)", { hasText: "Hello!" })).toHaveCount(before + 1);
    expect(posts(requests)).toHaveLength(1);
    expect(requests.all[0].postData()).toBe("intent=add&name=Guest&message=Hello%21");
    expect(requests.documents()).toEqual([]);
    expect(await isSoft(page)).toBe(true);
  });

  test("an invalid submission renders the 422 in place, keeping the name", async ({ page }) => {
    const errors = recordErrors(page);
    await page.goto("/guestbook");
    await hydrated(page);
    const kept = unique("Kept");
    await sign(page, "Kim", kept);
    await expect(page.locator(".entry:not(.pending) .message").first()).toHaveText(kept);
    await markWindow(page);
    const requests = recordRequests(page);
    const answer = page.waitForResponse((r) => r.request().method() === "POST");
    await sign(page, "Ann", "   ");
    const refused = await answer;
    expect(refused.status()).toBe(422);
    // The action's data beside the props its page's loader made.
    const body = await refused.json();
    expect(body.actionData.error).toBe("Message is required.");
    expect(body.props.entries[0].message).toBe(kept);
    await expect(page.locator("form.sign .error")).toHaveText("Message is required.");
    await expect(page.locator("form.sign input[name=name]")).toHaveValue("Ann");
    await sign(page, "Ann", "x".repeat(501));
    await expect(page.locator("form.sign .error")).toHaveText("Message is too long.");
    // What was typed stays, and so does the list.
    await expect(page.locator("form.sign textarea[name=message]")).toHaveValue("x".repeat(501));
    await expect(page.locator(".entry .message").first()).toHaveText(kept);
    expect(posts(requests)).toHaveLength(2);
    expect(requests.documents()).toEqual([]);
    expect(await isSoft(page)).toBe(true);
    // A submission that goes through shows no error any more.
    const fixed = unique("Fixed");
    await sign(page, "Ann", fixed);
    await expect(page.locator(".entry:not(.pending) .message").first()).toHaveText(fixed);
    await expect(page.locator("form.sign .error")).toHaveCount(0);
    await expect(page.locator("form.sign input[name=name]")).toHaveValue("");
    // Expected 422s are not errors of the page.
    await expectNoErrors(errors.filter((e) => !e.includes("422")));
  });

  test("a refused submission's 422 document hydrates with its action data and keeps working", async ({
    page,
  }) => {
    const errors = recordErrors(page);
    await page.goto("/guestbook");
    await hydrated(page);
    // A plain form posted by the browser itself (not the kit's <Form>): the
    // 422 document loads with JavaScript on, and hydrates.
    const loaded = page.waitForResponse((r) => r.request().resourceType() === "document");
    await page.evaluate(() => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = "/guestbook";
      for (const [name, value] of [
        ["name", "Hy"],
        ["message", ""],
      ]) {
        const input = document.createElement("input");
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    });
    expect((await loaded).status()).toBe(422);
    await expect(page.locator("form.sign .error")).toHaveText("Message is required.");
    await hydrated(page);
    await expect(page.locator("form.sign .error")).toHaveText("Message is required.");
    await expect(page.locator("form.sign input[name=name]")).toHaveValue("Hy");
    // Hydrated: the next submission is one request, rendered in place.
    await markWindow(page);
    const message = unique("After a 422");
    await sign(page, "Hy", message);
    await expect(page.locator(".entry:not(.pending) .message").first()).toHaveText(message);
    await expect(page.locator("form.sign .error")).toHaveCount(0);
    expect(await isSoft(page)).toBe(true);
    await expectNoErrors(errors.filter((e) => !e.includes("422")));
  });

  test("a text the HTML parser would drop (U+0000) leaves the page hydrated", async ({ page }) => {
    const errors = recordErrors(page);
    await page.goto("/search?q=%00");
    await hydrated(page);
    await expect(page.locator("h1.results")).toContainText("Results for");
    await markWindow(page);
    // Hydrated: a link navigates client-side.
    await page.click("text=Next page");
    await expect(page.locator("h1.results")).toContainText("page 2");
    expect(await isSoft(page)).toBe(true);
    await expectNoErrors(errors);
  });

  test("an entry with a carriage return leaves the guestbook hydrated", async ({ page, context }) => {
    const errors = recordErrors(page);
    const stored = await context.request.post("/guestbook", {
      form: { name: "Cr", message: "a\rb" },
      maxRedirects: 0,
    });
    expect(stored.status()).toBe(303);
    await page.goto("/guestbook");
    await hydrated(page);
    await markWindow(page);
    // Hydrated: the button that submits from code works, in one request.
    const requests = recordRequests(page);
    const before = await page.locator(".entry:not(.pending)").count();
    await page.click("button.wave");
    await expect(page.locator(".entry:not(.pending)")).toHaveCount(before + 1);
    expect(posts(requests)).toHaveLength(1);
    expect(await isSoft(page)).toBe(true);
    await expectNoErrors(errors);
  });

  test("delete removes the entry with one request", async ({ page }) => {
    await page.goto("/guestbook");
    await hydrated(page);
    const message = unique("To be deleted");
    await sign(page, "Del", message);
    const entry = page.locator(".entry:not(.pending)", { hasText: message });
    await expect(entry).toHaveCount(1);
    const requests = recordRequests(page);
    await entry.locator("button", { hasText: "Delete" }).click();
    await expect(entry).toHaveCount(0);
    expect(posts(requests)).toHaveLength(1);
    expect(requests.all.find((r) => r.method() === "POST")!.postData()).toContain("intent=delete");
    expect(requests.documents()).toEqual([]);
  });

  test("the new entry shows while the submission is in flight, and a second submit is ignored", async ({
    page,
  }) => {
    await page.goto("/guestbook");
    await hydrated(page);
    const release = await holdSubmissions(page);
    const requests = recordRequests(page);
    const message = unique("Optimistic");
    await sign(page, "Opti", message);
    await expect(page.locator(".entry.pending .message")).toHaveText(message);
    await expect(page.locator("form.sign")).toHaveAttribute("aria-busy", "true");
    // The navigation state is "submitting" with the form's URL, and the
    // progress bar shows it.
    await expect(page.locator(".progress-bar")).toHaveAttribute("data-navigation", "submitting /guestbook");
    await expect(page.locator(".progress-bar.visible")).toHaveCount(1);
    // A double click while in flight adds nothing.
    await page.click("form.sign button[type=submit]");
    release();
    await expect(page.locator(".entry.pending")).toHaveCount(0);
    await expect(page.locator(".entry .message", { hasText: message })).toHaveCount(1);
    await expect(page.locator("form.sign")).not.toHaveAttribute("aria-busy", "true");
    await expect(page.locator(".progress-bar")).toHaveAttribute("data-navigation", "idle");
    expect(posts(requests)).toHaveLength(1);
  });

  test("a failed submission shows the error page and is never sent again", async ({ page }) => {
    await page.goto("/guestbook");
    await hydrated(page);
    await markWindow(page);
    await page.route(/\/_props\/.*guestbook\.json/, (route) =>
      route.request().method() === "POST" ? route.abort("connectionreset") : route.continue(),
    );
    const requests = recordRequests(page);
    const message = unique("Lost");
    await sign(page, "Net", message);
    await expect(page.locator("main h1")).toHaveText("503");
    await expect(page.locator(".entry.pending")).toHaveCount(0);
    await page.unroute(/\/_props\/.*guestbook\.json/);
    await page.route(/\/_props\/.*guestbook\.json/, (route) =>
      route.request().method() === "POST"
        ? route.fulfill({ status: 502, body: "bad gateway", contentType: "text/plain" })
        : route.continue(),
    );
    await page.goto("/guestbook");
    await hydrated(page);
    await markWindow(page);
    requests.clear();
    await sign(page, "Net", message);
    await expect(page.locator("main h1")).toHaveText("502");
    expect(posts(requests)).toHaveLength(1);
    expect(requests.documents()).toEqual([]);
    expect(await isSoft(page)).toBe(true);
    // Nothing reached the server.
    await page.unroute(/\/_props\/.*guestbook\.json/);
    await page.goto("/guestbook");
    await expect(page.locator(".entry .message", { hasText: message })).toHaveCount(0);
  });

  test("after a deploy, the submission is made again as a document, the clicked button included", async ({
    page,
  }) => {
    await page.goto("/guestbook");
    await hydrated(page);
    const message = unique("Across a deploy");
    await sign(page, "Dep", message);
    const entry = page.locator(".entry:not(.pending)", { hasText: message });
    await expect(entry).toHaveCount(1);
    // The server now runs another build: its props answer says so.
    await page.route(/\/_props\/.*guestbook\.json/, (route) =>
      route.request().method() === "POST"
        ? route.fulfill({
            status: 410,
            headers: { "x-server-props": "another-build", "content-type": "application/json" },
            body: '{"staleBuild":true}',
          })
        : route.continue(),
    );
    await markWindow(page);
    const documentPost = page.waitForRequest((r) => r.resourceType() === "document" && r.method() === "POST");
    await entry.locator("button", { hasText: "Delete" }).click();
    const post = await documentPost;
    expect(post.postData()).toContain("intent=delete");
    await expect(page.locator(".entry", { hasText: message })).toHaveCount(0);
    expect(await isSoft(page)).toBe(false);
  });

  test("a link clicked while a submission is in flight wins", async ({ page }) => {
    await page.goto("/guestbook");
    await hydrated(page);
    const release = await holdSubmissions(page);
    await sign(page, "Away", unique("Left behind"));
    await page.click('nav a[href="/counter"]');
    await expect(page.locator("h1")).toHaveText("Counter");
    release();
    await page.waitForTimeout(300);
    await expect(page.locator("h1")).toHaveText("Counter");
    expect(page.url()).toMatch(/\/counter$/);
  });

  test("login goes to next with the new session, Back never re-submits, logout returns home", async ({
    page,
  }) => {
    const errors = recordErrors(page);
    await page.goto("/");
    await hydrated(page);
    await markWindow(page);
    await page.click('a[href="/login?next=/guestbook"]');
    await expect(page.locator("h1")).toHaveText("Sign in");
    const requests = recordRequests(page);
    await page.fill("form.login input[name=name]", "Ada");
    await page.click("form.login button[type=submit]");
    await expect(page.locator("h1")).toHaveText("Guestbook");
    await expect(page.locator(".session")).toHaveText("Signed in as Ada");
    expect(page.url()).toMatch(/\/guestbook$/);
    // One request: the destination's props came with the answer. (Its code,
    // in a chunk of its own, is static files, fetched beside it.)
    const made = requests.all.map((r) => `${r.method()} ${new URL(r.url()).pathname}`);
    const code = /^GET \/pkg\/(split|chunk)_[^/]*\.wasm$/;
    expect(made.filter((r) => !r.endsWith("/favicon.svg") && !code.test(r))).toEqual([
      expect.stringMatching(/^POST \/_props\/[^/]+\/login\.json$/),
    ]);
    expect(await isSoft(page)).toBe(true);

    // Back: the login page again, by GET; Forward: the guestbook, by GET.
    requests.clear();
    await page.goBack();
    await expect(page.locator("h1")).toHaveText("Sign in");
    await page.goForward();
    await expect(page.locator("h1")).toHaveText("Guestbook");
    expect(posts(requests)).toEqual([]);

    // A reload of the result is a GET of the guestbook, not a re-post.
    requests.clear();
    await page.reload();
    await hydrated(page);
    await expect(page.locator(".session")).toHaveText("Signed in as Ada");
    expect(posts(requests)).toEqual([]);

    await markWindow(page);
    requests.clear();
    await page.click("form.sign-out button");
    await expect(page.locator("h1")).toHaveText("Home");
    await expect(page.locator(".session")).toHaveText("Not signed in");
    expect(page.url()).toMatch(/:\d+\/$/);
    expect(posts(requests)).toHaveLength(1);
    expect(requests.all.filter((r) => !r.url().endsWith("/favicon.svg"))).toHaveLength(1);
    expect(await isSoft(page)).toBe(true);
    await expectNoErrors(errors);
  });

  test("an empty name is refused in place", async ({ page }) => {
    await page.goto("/login");
    await hydrated(page);
    await markWindow(page);
    await page.click("form.login button[type=submit]");
    await expect(page.locator("form.login .error")).toHaveText("Name is required.");
    await expect(page.locator(".session")).toHaveText("Not signed in");
    expect(await isSoft(page)).toBe(true);
  });

  for (const hostile of ["//evil.example/x", "/\\evil.example", "/%09/evil.example", "https://evil.example/"]) {
    test(`a hostile next (${hostile}) stays on the site`, async ({ page, baseURL }) => {
      await page.goto(`/login?next=${encodeURIComponent(hostile)}`);
      await hydrated(page);
      await page.fill("form.login input[name=name]", "Eve");
      await page.click("form.login button[type=submit]");
      await expect(page.locator("h1")).toHaveText("Home");
      expect(page.url()).toBe(`${baseURL}/`);
    });
  }
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the guestbook works by POST, 303, GET, and shows a 422 with its errors", async ({ page }) => {
    await page.goto("/guestbook");
    const message = unique("No script");
    const responses: number[] = [];
    page.on("response", (r) => {
      if (r.request().resourceType() === "document") responses.push(r.status());
    });
    await sign(page, "Plain", message);
    await expect(page.locator(".entry .message").first()).toHaveText(message);
    expect(responses).toEqual([303, 200]);
    expect(page.url()).toMatch(/\/guestbook$/);

    responses.length = 0;
    await sign(page, "Plain", "");
    await expect(page.locator("form.sign .error")).toHaveText("Message is required.");
    await expect(page.locator("form.sign input[name=name]")).toHaveValue("Plain");
    expect(responses).toEqual([422]);

    responses.length = 0;
    await sign(page, "Plain", "x".repeat(501));
    await expect(page.locator("form.sign .error")).toHaveText("Message is too long.");
    expect(responses).toEqual([422]);
    // The 422 document: the typed values and the list, from the loader.
    await expect(page.locator("form.sign textarea[name=message]")).toHaveValue("x".repeat(501));
    await expect(page.locator(".entry .message").first()).toHaveText(message);

    const entry = page.locator(".entry", { hasText: message });
    await entry.locator("button", { hasText: "Delete" }).click();
    await expect(page.locator(".entry", { hasText: message })).toHaveCount(0);
  });

  test("login and logout work, and next stays on the site", async ({ page, baseURL }) => {
    await page.goto("/login?next=/guestbook");
    await page.click("form.login button[type=submit]");
    await expect(page.locator("form.login .error")).toHaveText("Name is required.");
    await expect(page.locator(".session")).toHaveText("Not signed in");
    await page.fill("form.login input[name=name]", "Nojs");
    await page.click("form.login button[type=submit]");
    await expect(page.locator("h1")).toHaveText("Guestbook");
    await expect(page.locator(".session")).toHaveText("Signed in as Nojs");
    await page.click("form.sign-out button");
    await expect(page.locator("h1")).toHaveText("Home");
    await expect(page.locator(".session")).toHaveText("Not signed in");

    await page.goto(`/login?next=${encodeURIComponent("//evil.example")}`);
    await page.fill("form.login input[name=name]", "Nojs");
    await page.click("form.login button[type=submit]");
    expect(page.url()).toBe(`${baseURL}/`);
  });
});

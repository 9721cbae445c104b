import type { BrowserContext } from "@playwright/test";

/** The secret the test server keeps its cookies with (32 bytes or more). */
export const COOKIE_SECRET = "end-to-end tests' cookie secret: not for production";

/**
 * Signs `name` in through the app's own login action, as a form without
 * JavaScript would: the context then holds the session cookie the server
 * set (an encrypted cookie only the server can read or write).
 */
export async function signIn(context: BrowserContext, name: string): Promise<void> {
  const response = await context.request.post("/login", { form: { name }, maxRedirects: 0 });
  if (response.status() !== 303) {
    throw new Error(`signing in as ${name}: ${response.status()} ${await response.text()}`);
  }
}

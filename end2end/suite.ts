// What every Playwright configuration here shares: one test at a time in
// Debian's Chromium (chromium.mjs), the same timeouts and reporter. The
// configurations add where the app is and what starts it.
import type { PlaywrightTestConfig } from "@playwright/test";
import { args, executablePath } from "./chromium.mjs";

export function suite(testDir: string, baseURL: string): PlaywrightTestConfig {
  return {
    testDir,
    timeout: 30_000,
    expect: { timeout: 5_000 },
    fullyParallel: false,
    workers: 1,
    retries: 0,
    forbidOnly: !!process.env.CI,
    reporter: [["list"]],
    use: {
      baseURL,
      browserName: "chromium",
      headless: true,
      launchOptions: { executablePath, args },
    },
  };
}

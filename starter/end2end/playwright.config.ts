import { defineConfig } from "@playwright/test";
import { args, executablePath } from "./chromium.mjs";

const port = Number(process.env.E2E_PORT ?? 3200);
const baseURL = `http://127.0.0.1:${port}`;
// The server binary to test (the Makefile passes the one it built).
const server = process.env.E2E_SERVER ?? "target/debug/{{name}}_server";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  workers: 1,
  reporter: [["list"]],
  use: { baseURL, browserName: "chromium", headless: true, launchOptions: { executablePath, args } },
  webServer: {
    command: `cd .. && exec ${JSON.stringify(server)}`,
    url: `${baseURL}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: { LEPTOS_SITE_ADDR: `127.0.0.1:${port}`, RUST_LOG: "warn" },
  },
});

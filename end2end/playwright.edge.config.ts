import { defineConfig } from "@playwright/test";
import { args, executablePath } from "./chromium.mjs";

// The edge build in workerd in front of the server, both started by
// scripts/edge_local.py (`make edge-local`), which gives the edge's URL.
const baseURL = process.env.EDGE_URL;
if (!baseURL) {
  throw new Error("EDGE_URL is not set: run `make edge-local`");
}

export default defineConfig({
  testDir: "./edge",
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
});

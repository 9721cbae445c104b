import { defineConfig } from "@playwright/test";
import { suite } from "./suite";
import { COOKIE_SECRET } from "./tests/session";

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// The server binary to test: the release build by default (`make test`).
const server = process.env.E2E_SERVER ?? "target/release/server";

export default defineConfig({
  ...suite("./tests", baseURL),
  webServer: {
    command: `cd .. && exec ${server}`,
    url: `${baseURL}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: "target/site",
      LEPTOS_OUTPUT_NAME: "reference-app",
      LEPTOS_SITE_PKG_DIR: "pkg",
      // The release build names its assets by their content (`hash-files`).
      LEPTOS_HASH_FILES: "true",
      LEPTOS_ENV: "PROD",
      DATABASE_URL: "sqlite::memory:",
      SERVER_PROPS_COOKIE_SECRET: COOKIE_SECRET,
      RUST_LOG: "warn",
    },
  },
});

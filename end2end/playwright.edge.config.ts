import { defineConfig } from "@playwright/test";
import { suite } from "./suite";

// The edge build in workerd in front of the server, both started by
// scripts/edge_local.py (`make edge-local`), which gives the edge's URL.
const baseURL = process.env.EDGE_URL;
if (!baseURL) {
  throw new Error("EDGE_URL is not set: run `make edge-local`");
}

export default defineConfig(suite("./edge", baseURL));

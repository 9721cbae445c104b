// The worker's entry module: hands each request to the wasm's `fetch`
// (workers-rs's `#[event(fetch)]`), as workers-rs's worker-build writes it,
// without the bundler: workerd loads wasm-bindgen's modules as they are.
// After a trap (a `WebAssembly.RuntimeError`, which leaves the instance in
// an unknown state) the next request starts from a fresh instance.
import { WorkerEntrypoint } from "cloudflare:workers";
import * as exports from "./index.js";

const state = exports.__worker_init_state();

function reinitializeAfterATrap() {
  if (state.criticalError) {
    console.log("server_props edge: reinitializing the wasm instance after a trap");
    exports.__wbg_reset_state();
    state.criticalError = false;
    state.instanceId++;
  }
}

function noteTrap(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    console.error("server_props edge: trap", error);
    state.criticalError = true;
  }
}

addEventListener("error", (event) => noteTrap(event.error));

export default class extends WorkerEntrypoint {
  async fetch(request) {
    reinitializeAfterATrap();
    try {
      return await exports.fetch.call(this, request, this.env, this.ctx);
    } catch (error) {
      noteTrap(error);
      throw error;
    }
  }
}

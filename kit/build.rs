//! Whether this build of the kit splits the browser's code by page.
//!
//! cargo-leptos's `--split` links the browser's wasm with `--emit-relocs`,
//! which its splitter needs to cut each split point's code out of the main
//! module. A browser build of the kit linked so gets `server_props_split`,
//! and `#[page]` marks each page's view as a split point
//! (`src/chunk.rs`); any other build (the server, a browser build without
//! `--split`) keeps every page in the main module. One flag decides both,
//! so they never disagree: a split point in a wasm that is not split would
//! import a module that does not exist.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(server_props_split)");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let relocs = std::env::var("CARGO_ENCODED_RUSTFLAGS")
        .unwrap_or_default()
        .split('\x1f')
        .any(|flag| flag.contains("--emit-relocs"));
    let hydrate = std::env::var_os("CARGO_FEATURE_HYDRATE").is_some();
    if wasm && relocs && hydrate {
        println!("cargo::rustc-cfg=server_props_split");
    }
}

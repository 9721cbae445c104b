//! The build's assets by their served names, and the scripts that load them.
//!
//! With cargo-leptos's `hash-files` (`LEPTOS_HASH_FILES=true` for the
//! release build and for the server that serves it; `cargo leptos watch`
//! renames nothing on a rebuild, so not in development), the JavaScript,
//! WebAssembly and CSS files under `/pkg/` carry a hash of their content in
//! their names
//! (`app.3f2a….wasm`), so they can be kept by browsers and CDNs for a year
//! (`Cache-Control: … immutable`, which
//! [`AppServer`](crate::app::AppServer) sends for them) and a deploy can
//! never pair a new document with an old cached bundle. cargo-leptos writes
//! the hashes to a file beside the server binary; Leptos's own
//! `HydrationScripts` reads that file on every document it renders.
//! [`Assets::of`] reads it once per process, and [`HydrationScripts`] and
//! [`Stylesheet`] render the same tags from it.
//!
//! ```
//! use leptos::{config::LeptosOptions, prelude::*};
//! use server_props::assets::{HydrationScripts, Stylesheet};
//!
//! fn shell(options: LeptosOptions) -> impl IntoView {
//!     view! {
//!         <!DOCTYPE html>
//!         <html>
//!             <head>
//!                 <Stylesheet options=options.clone()/>
//!                 <HydrationScripts options/>
//!             </head>
//!             <body>"…"</body>
//!         </html>
//!     }
//! }
//! # let _ = shell;
//! ```

use leptos::{config::LeptosOptions, prelude::*};
use std::sync::{Arc, Mutex};

/// What names a build's assets: output name, pkg dir, hash file (when on).
type Key = (Arc<str>, Arc<str>, Option<Arc<str>>);

/// The assets of each configuration seen (an app has one; a test process
/// may build several), each made once and kept for the process.
static KNOWN: Mutex<Vec<(Key, &'static Known)>> = Mutex::new(Vec::new());

/// What is kept for a configuration: its assets, the module script made
/// from their names once rather than on every document, and, for a build
/// split by page, each page chunk's preload tags.
struct Known {
    assets: Assets,
    module_script: String,
    /// The hash file's text.
    hashes: String,
    /// Read on first use, where the site's files are at hand.
    chunks: std::sync::OnceLock<Chunks>,
}

/// A split build's chunks (`crate::chunk`), from cargo-leptos's manifest.
#[derive(Default)]
struct Chunks {
    /// Per split point, the `<link rel="preload">` tags of the files it
    /// needs (its own and the chunks it shares with other pages), with the
    /// split loader's `<link rel="modulepreload">` first.
    tags: std::collections::HashMap<String, String>,
    /// Every file of every split, and the loader, by URL.
    urls: Vec<String>,
}

impl Chunks {
    /// The preload tags of each split in the manifest `json`, whose files
    /// are under `/{pkg}/`; `loader` is the split loader's file name.
    fn from_manifest(pkg: &str, json: &str, loader: &str) -> Self {
        let Ok(manifest) =
            serde_json::from_str::<std::collections::HashMap<String, Vec<String>>>(json)
        else {
            leptos::logging::error!(
                "server_props: the wasm split manifest does not parse: documents preload no chunk"
            );
            return Self::default();
        };
        let module = format!("<link rel=\"modulepreload\" href=\"/{pkg}/{loader}\">");
        let mut urls: Vec<String> = manifest
            .values()
            .flatten()
            .map(|file| format!("/{pkg}/{file}.wasm"))
            .chain([format!("/{pkg}/{loader}")])
            .collect();
        urls.sort_unstable();
        urls.dedup();
        let tags = manifest
            .into_iter()
            .map(|(split, files)| {
                let mut tags = module.clone();
                for file in files {
                    // The same request as the loader's `fetch`, so the
                    // browser uses the preloaded answer.
                    tags.push_str(&format!(
                        "<link rel=\"preload\" href=\"/{pkg}/{file}.wasm\" as=\"fetch\" \
                         type=\"application/wasm\" crossorigin>"
                    ));
                }
                (split, tags)
            })
            .collect();
        Self { tags, urls }
    }

    /// The preload tags of a page's chunk.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    fn preloads(&self, chunk: &str) -> Option<&str> {
        self.tags.get(chunk).map(String::as_str)
    }
}

impl Assets {
    /// The URLs of a split build's chunks and their loader, when the
    /// build names them by their content (`hash-files`): kept by browsers
    /// for good, as the glue and the wasm are. Empty otherwise.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn hashed_chunks(options: &LeptosOptions) -> &'static [String] {
        let known = Self::known_of(options);
        match known.chunks.get() {
            Some(chunks) if hash_of(&known.hashes, "manifest").is_some() => &chunks.urls,
            _ => &[],
        }
    }
}

/// A hash in the hash file's text (`js: …`, `manifest: …` lines), by kind.
fn hash_of(hashes: &str, kind: &str) -> Option<String> {
    hashes.lines().find_map(|line| {
        let (k, hash) = line.split_once(':')?;
        (k.trim() == kind)
            .then(|| hash.trim().to_owned())
            .filter(|hash| !hash.is_empty())
    })
}

/// The chunks of the build `options` describes, from cargo-leptos's
/// manifest in the site's pkg directory (named with its hash when the hash
/// file has one). None for a build not split, which its glue (at `glue`,
/// under the site root) tells: only a split build's glue imports the split
/// loader, and an unhashed manifest may be an earlier build's.
fn read_chunks(options: &LeptosOptions, hashes: &str, glue: &str) -> Chunks {
    let pkg = options.site_pkg_dir.trim_matches('/');
    let root = std::path::Path::new(&*options.site_root);
    let split = std::fs::read_to_string(root.join(glue.trim_start_matches('/')))
        .is_ok_and(|glue| glue.contains("__wasm_split"));
    if !split {
        return Chunks::default();
    }
    let manifest = match hash_of(hashes, "manifest") {
        Some(hash) => format!("__wasm_split_manifest.{hash}.json"),
        None => "__wasm_split_manifest.json".to_owned(),
    };
    match std::fs::read_to_string(root.join(pkg).join(&manifest)) {
        Ok(json) => Chunks::from_manifest(pkg, &json, &loader_name(hashes)),
        Err(e) => {
            leptos::logging::error!(
                "server_props: the build is split by page but its manifest `{pkg}/{manifest}` \
                 could not be read ({e}): documents preload no chunk"
            );
            Chunks::default()
        }
    }
}

/// The split loader's file name, by its hash in the hash file's text (as
/// cargo-leptos names it), or unhashed.
fn loader_name(hashes: &str) -> String {
    match hash_of(hashes, "split") {
        Some(hash) => format!("__wasm_split.{hash}.js"),
        None => "__wasm_split.______________________.js".to_owned(),
    }
}

/// The URLs the build's assets are served at.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Assets {
    /// The JavaScript glue (`/pkg/<name>[.<hash>].js`).
    pub js: String,
    /// The WebAssembly module (`/pkg/<name>[.<hash>].wasm`).
    pub wasm: String,
    /// The stylesheet (`/pkg/<name>[.<hash>].css`).
    pub css: String,
    /// Whether the names carry their content's hash (so a new build never
    /// reuses one, and they can be cached for good).
    pub hashed: bool,
}

impl Assets {
    /// The assets of the build `options` describes. With `hash_files`, the
    /// hashes come from cargo-leptos's hash file beside the running binary,
    /// read once per process; a missing file (a build without hashes) is
    /// logged once and the plain names are used.
    pub fn of(options: &LeptosOptions) -> &'static Assets {
        &Self::known_of(options).assets
    }

    /// What is kept for the build `options` describes, read as
    /// [`Assets::of`] says.
    fn known_of(options: &LeptosOptions) -> &'static Known {
        let known = Self::known(options, || {
            if !options.hash_files {
                return String::new();
            }
            std::env::current_exe()
                .ok()
                .and_then(|exe| {
                    let file = exe.parent()?.join(&*options.hash_file);
                    std::fs::read_to_string(file).ok()
                })
                .unwrap_or_else(|| {
                    leptos::logging::error!(
                        "server_props: hash-files is on but no hash file `{}` is beside the server binary",
                        options.hash_file
                    );
                    String::new()
                })
        });
        // A split build's manifest, read with the hash file, once.
        known
            .chunks
            .get_or_init(|| read_chunks(options, &known.hashes, &known.assets.js));
        known
    }

    /// Gives the hash file's text for the build `options` describes (with
    /// `hash_files` on), for a host without the file beside its binary
    /// (the edge build, a wasm worker): [`Assets::of`] then names these
    /// assets instead of reading the file. The first text given for a
    /// configuration is kept.
    pub fn provide(options: &LeptosOptions, hashes: &str) -> &'static Assets {
        &Self::known(options, || hashes.to_owned()).assets
    }

    /// [`Assets::provide`] for a build split by page (cargo-leptos's
    /// `--split`), with its manifest's text
    /// (`pkg/__wasm_split_manifest.<hash>.json`), so this host's documents
    /// preload their page's chunk as the server's do. Without it such a
    /// host's documents preload none, and the page's chunk is fetched when
    /// the browser half asks for it. As with `provide`, the first text
    /// given for a configuration is kept.
    pub fn provide_split(options: &LeptosOptions, hashes: &str, manifest: &str) -> &'static Assets {
        let known = Self::known(options, || hashes.to_owned());
        let pkg = options.site_pkg_dir.trim_matches('/');
        let loader = loader_name(&known.hashes);
        let mut given = false;
        known.chunks.get_or_init(|| {
            given = true;
            Chunks::from_manifest(pkg, manifest, &loader)
        });
        if !given {
            leptos::logging::error!(
                "server_props: a split manifest came after this build's assets were read: \
                 it is ignored"
            );
        }
        &known.assets
    }

    /// The assets of `options`, made from the hash file's text that
    /// `hashes` gives the first time this configuration is seen, and kept
    /// for the process.
    fn known(options: &LeptosOptions, hashes: impl FnOnce() -> String) -> &'static Known {
        let key = Self::key(options);
        let mut known = crate::sync::lock(&KNOWN);
        if let Some((_, kept)) = known.iter().find(|(k, _)| *k == key) {
            return kept;
        }
        let hashes = hashes();
        let assets = Self::from_hashes(options, &hashes);
        let module_script = module_script(&assets.js, &assets.wasm);
        let kept: &'static Known = Box::leak(Box::new(Known {
            assets,
            module_script,
            hashes,
            chunks: std::sync::OnceLock::new(),
        }));
        known.push((key, kept));
        kept
    }

    /// What the assets of `options` are known by.
    fn key(options: &LeptosOptions) -> Key {
        (
            options.output_name.clone(),
            options.site_pkg_dir.clone(),
            options.hash_files.then(|| options.hash_file.clone()),
        )
    }

    /// The names for the hash file's text (`js: …`, `wasm: …`, `css: …`
    /// lines; an absent line is an unhashed name).
    ///
    /// ```
    /// use leptos::config::LeptosOptions;
    /// use server_props::assets::Assets;
    ///
    /// let options = LeptosOptions::builder().output_name("app").build();
    /// let assets = Assets::from_hashes(&options, "js: Abc\nwasm: Def\ncss: Ghi\n");
    /// assert_eq!(assets.js, "/pkg/app.Abc.js");
    /// assert_eq!(assets.wasm, "/pkg/app.Def.wasm");
    /// assert_eq!(assets.css, "/pkg/app.Ghi.css");
    /// assert!(assets.hashed);
    /// let plain = Assets::from_hashes(&options, "");
    /// assert_eq!(plain.js, "/pkg/app.js");
    /// assert!(!plain.hashed);
    /// ```
    #[must_use]
    pub fn from_hashes(options: &LeptosOptions, hashes: &str) -> Assets {
        let hash_of = |kind: &str| hash_of(hashes, kind);
        let pkg = options.site_pkg_dir.trim_matches('/');
        let name = &*options.output_name;
        let url = |stem: &str, ext: &str| match hash_of(ext) {
            Some(hash) if !hash.is_empty() => format!("/{pkg}/{name}.{hash}.{ext}"),
            _ => format!("/{pkg}/{stem}.{ext}"),
        };
        // wasm-bindgen names the module `<name>_bg.wasm`; cargo-leptos
        // (which sets `LEPTOS_OUTPUT_NAME` for the build) renames it.
        let wasm_stem = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            name.to_owned()
        } else {
            format!("{name}_bg")
        };
        Assets {
            js: url(name, "js"),
            wasm: url(&wasm_stem, "wasm"),
            css: url(name, "css"),
            hashed: ["js", "wasm", "css"]
                .into_iter()
                .all(|ext| hash_of(ext).is_some_and(|h| !h.is_empty())),
        }
    }
}

/// What the document's module script does when hydration traps (`e`, in a
/// `catch`), given the app's element `#server-props-root` (`AppRoot`):
///
/// - no such element, or one marked `data-recover="off"` (the answer to a
///   submission: loading it again would lose what was typed): nothing, the
///   error stands;
/// - the page was already left for the browser (`data-render="browser"`)
///   and rendering it failed too: the server's HTML of the URL once more,
///   noted in `sessionStorage`, which then shows as it is;
/// - that note for this URL: the second failure of the server's HTML:
///   nothing more (the note goes);
/// - else: the URL with `__render=browser` appended as it is (every other
///   parameter kept byte for byte), for the browser to render.
const RECOVER: &str = concat!(
    "const r=document.getElementById(\"server-props-root\"),k=\"server-props-recovered\",",
    "c=location.pathname+location.search.replace(/[?&]__render=browser/g,\"\").replace(/^&/,\"?\");",
    "if(!r||r.dataset.recover===\"off\")throw e;",
    "if(r.dataset.render===\"browser\"){sessionStorage.setItem(k,c);location.replace(c+location.hash);return}",
    "if(sessionStorage.getItem(k)===c){sessionStorage.removeItem(k);throw e}",
    "const s=location.search;",
    "location.replace(location.pathname+(s?s+\"&\":\"?\")+\"__render=browser\"+location.hash)",
);

/// Under `cargo leptos watch`: reloads the page the moment a rebuilt server
/// answers. The page holds the server's live stream
/// ([`LIVE_PATH`](crate::protocol::LIVE_PATH)), whose one event is the
/// server's process id; when the stream ends (the server is shutting down
/// for a restart) it asks `?ping` every 25 ms until a process with another
/// id answers, then reloads. cargo-leptos's own reload message comes too,
/// but it waits for the new server's port in steps of 500 ms. Nothing
/// happens once the page is being left (a navigation or a form's post).
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
const LIVE: &str = concat!(
    "(()=>{const u=\"/_server_props/live\";let id,gone=false;",
    "addEventListener(\"beforeunload\",()=>{gone=true});addEventListener(\"pagehide\",()=>{gone=true});",
    "const s=new EventSource(u);s.onmessage=e=>{id=e.data};",
    "s.onerror=()=>{s.close();if(id===undefined)return;",
    "const t=()=>{if(gone)return;fetch(u+\"?ping\",{cache:\"no-store\"}).then(r=>r.ok?r.text():id)",
    ".then(n=>{n!==id?location.reload():setTimeout(t,25)},()=>setTimeout(t,25))};t()}})()",
);

/// Whether this server runs under `cargo leptos watch` (which sets
/// `LEPTOS_WATCH`), read once: the live-reload scripts and the live stream's
/// route (`ssr::server::app`) go by it.
#[cfg(feature = "ssr")]
pub(crate) fn watched() -> bool {
    static WATCHED: std::sync::LazyLock<bool> =
        std::sync::LazyLock::new(|| std::env::var_os("LEPTOS_WATCH").is_some());
    *WATCHED
}

/// Loads the app's JavaScript and WebAssembly and hydrates the page, as
/// Leptos's `HydrationScripts` does, from names read once per process
/// (see the [module](self)). The script carries the request's CSP nonce.
///
/// If hydrating traps (something in the browser changed the page inside the
/// app's element before the wasm ran), the page is loaded once more for the
/// browser to render (`protocol::RENDER_PARAM`); see `RECOVER`.
#[component]
pub fn HydrationScripts(
    /// The app's Leptos options.
    options: LeptosOptions,
) -> impl IntoView {
    let known = Assets::known_of(&options);
    let assets = &known.assets;
    // The page's chunk in a split build: fetched beside the main module.
    // (No context looked up for a build not split: a document's render is
    // a hot path.)
    let chunk = known
        .chunks
        .get()
        .filter(|chunks| !chunks.tags.is_empty())
        .and_then(|chunks| {
            let chunk = use_context::<crate::view::Source>()?.0.document_chunk()?;
            chunks.preloads(chunk)
        })
        .map(leptos::tachys::html::InertElement::new);
    let nonce = leptos::nonce::use_nonce();
    let crossorigin = nonce.as_ref().map(|n| n.to_string()).unwrap_or_default();
    view! {
        <link rel="modulepreload" href=assets.js.as_str() crossorigin=crossorigin.clone()/>
        <link
            rel="preload"
            href=assets.wasm.as_str()
            r#as="fetch"
            r#type="application/wasm"
            crossorigin=crossorigin
        />
        {chunk}
        <script type="module" nonce=nonce.clone()>{known.module_script.as_str()}</script>
        {live().then(|| view! { <script nonce=nonce>{LIVE}</script> })}
    }
}

/// Whether the page watches the development server for restarts ([`LIVE`]).
fn live() -> bool {
    #[cfg(feature = "ssr")]
    {
        watched()
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// The app's stylesheet (`<link rel="stylesheet">`), by its served name.
#[component]
pub fn Stylesheet(
    /// The app's Leptos options.
    options: LeptosOptions,
) -> impl IntoView {
    view! { <link rel="stylesheet" id="leptos" href=Assets::of(&options).css.as_str()/> }
}

/// The global the module script leaves a guard in, for a hydration that
/// runs after `hydrate` has returned (a page whose code is in a chunk,
/// loaded first): the browser half hydrates through it
/// (`client::recovery::guarded`), and a trap then recovers as one in
/// `hydrate` does.
pub(crate) const GUARD_GLOBAL: &str = "__serverPropsGuard";

/// The module script: it imports the glue, initialises the wasm and calls
/// the client crate's exported `hydrate`; if that traps, `RECOVER` runs.
/// It leaves the same `try`/`catch` in [`GUARD_GLOBAL`] for a hydration that
/// starts later.
fn module_script(js: &str, wasm: &str) -> String {
    format!(
        "import({js:?}).then(m=>m.default({{module_or_path:{wasm:?}}}).then(()=>{{\
         const g=h=>{{try{{h()}}catch(e){{{RECOVER}}}}};globalThis.{GUARD_GLOBAL}=g;g(()=>m.hydrate())}}));"
    )
}

#[cfg(test)]
mod tests {
    use super::{LIVE, RECOVER};
    use crate::protocol::{LIVE_PATH, RENDER_IN_BROWSER, RENDER_PARAM};

    #[test]
    fn the_recovery_names_the_protocols_parameter_and_is_javascript() {
        let param = format!("{RENDER_PARAM}={RENDER_IN_BROWSER}");
        assert_eq!(RECOVER.matches(&param).count(), 2, "{RECOVER}");
        assert!(RECOVER.contains(&format!("\"{}\"", crate::ROOT_ID)));
        // Parsed as the module script's `catch` block.
        check_javascript(&format!(
            "async function f(){{try{{}}catch(e){{{RECOVER}}}}}"
        ));
    }

    #[test]
    fn a_split_manifest_gives_each_page_the_preloads_of_its_files() {
        let chunks = super::Chunks::from_manifest(
            "pkg",
            r#"{"page_A_1": ["chunk_3.h3", "split_page_A_1.hA"], "page_B_2": []}"#,
            "__wasm_split.hS.js",
        );
        assert_eq!(
            chunks.tags["page_A_1"],
            "<link rel=\"modulepreload\" href=\"/pkg/__wasm_split.hS.js\">\
             <link rel=\"preload\" href=\"/pkg/chunk_3.h3.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>\
             <link rel=\"preload\" href=\"/pkg/split_page_A_1.hA.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>"
        );
        assert_eq!(
            chunks.tags["page_B_2"],
            "<link rel=\"modulepreload\" href=\"/pkg/__wasm_split.hS.js\">"
        );
        // Every file once, for the static files' `Cache-Control`.
        assert_eq!(
            chunks.urls,
            [
                "/pkg/__wasm_split.hS.js",
                "/pkg/chunk_3.h3.wasm",
                "/pkg/split_page_A_1.hA.wasm"
            ]
        );
        // Not a manifest: no preloads, and the documents still render.
        assert!(super::Chunks::from_manifest("pkg", "[", "x.js")
            .tags
            .is_empty());
    }

    #[test]
    fn the_manifest_is_read_by_the_names_the_hash_file_gives_for_a_split_build_only() {
        let dir = std::env::temp_dir().join(format!("server-props-split-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        let manifest = r#"{"page_A_1": ["split_page_A_1.hA"]}"#;
        std::fs::write(dir.join("pkg/__wasm_split_manifest.M1.json"), manifest).unwrap();
        // An unhashed one, as an earlier split build left it.
        std::fs::write(dir.join("pkg/__wasm_split_manifest.json"), manifest).unwrap();
        // A split build's glue imports the split loader; another's does not.
        std::fs::write(
            dir.join("pkg/app.J.js"),
            "import * as s from './__wasm_split.S1.js';",
        )
        .unwrap();
        std::fs::write(dir.join("pkg/app.js"), "export function f() {}").unwrap();
        let options = leptos::config::LeptosOptions::builder()
            .output_name("app")
            .site_root(dir.to_string_lossy().into_owned())
            .build();
        let hashes = "js: J\nwasm: W\nmanifest: M1\nsplit: S1\n";
        let chunks = super::read_chunks(&options, hashes, "/pkg/app.J.js");
        assert!(chunks.tags["page_A_1"].contains("/pkg/__wasm_split.S1.js"));
        assert!(chunks.tags["page_A_1"].contains("/pkg/split_page_A_1.hA.wasm"));
        // A manifest the hash file names but the site lacks: none (logged).
        let missing = "js: J\nmanifest: M2\nsplit: S2\n";
        assert!(super::read_chunks(&options, missing, "/pkg/app.J.js")
            .tags
            .is_empty());
        // A build not split, with an earlier build's manifest beside it: none.
        assert!(super::read_chunks(&options, "", "/pkg/app.js")
            .tags
            .is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_module_script_is_javascript() {
        check_javascript(&super::module_script(
            "/pkg/app.Abc.js",
            "/pkg/app.Def.wasm",
        ));
    }

    #[test]
    fn the_live_reload_names_the_live_path_and_is_javascript() {
        assert!(LIVE.contains(&format!("\"{LIVE_PATH}\"")), "{LIVE}");
        check_javascript(LIVE);
    }

    /// `program` parses, where node is at hand (`make test` installs it
    /// before the Rust tests run).
    fn check_javascript(program: &str) {
        match std::process::Command::new("node")
            .args(["--check", "-"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
        {
            Ok(mut node) => {
                use std::io::Write;
                node.stdin
                    .take()
                    .unwrap()
                    .write_all(program.as_bytes())
                    .unwrap();
                let out = node.wait_with_output().unwrap();
                assert!(
                    out.status.success(),
                    "{}\n{program}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Err(e) => eprintln!("node not found ({e}): the script's syntax is checked in Chromium"),
        }
    }
}

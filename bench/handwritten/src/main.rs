//! The benchmark's hand-written server: what a Rust developer would write
//! for the kit's benchmark pages without a hydration framework, with axum
//! and askama.
//!
//! It does the work the page asks for and nothing the kit's framework adds:
//! the same props computed the same way (`ItemsProps::for_id`), serialised
//! with serde_json and embedded in the same envelope, escaped for a
//! `<script>` element; a fresh nonce per document in the markup and in the
//! `Content-Security-Policy` header; the same shell, navigation and page
//! markup; and the props answer (`/_props/<build>/bench/items/<id>.json`) as
//! serde_json writes it. The ratio of the kit's throughput to this server's
//! is what the kit and Leptos cost on top of the page's own work (`make
//! bench`).
//!
//! Its headers are the kit's security headers, `Cache-Control` and `Vary`;
//! what it leaves out is the kit's own bookkeeping, which a
//! hand-written server would not have: `Server-Timing`, the shared cache's
//! `X-Cache` and `Age`, the props answer's `ETag` (a hash of its body) and
//! build header, and the build check (any build id in the path is
//! answered).
//!
//! `handwritten <site.json> [<addr>] [--leptos]`: the site file names the build id, the
//! style sheet, the module script and its wasm, as the kit's document of the
//! same build links them (`scripts/bench.py` reads them off that document);
//! the address defaults to `LEPTOS_SITE_ADDR`, as the kit's server's does
//! (`scripts/instructions.sh` starts either). Runs on the same runtime as the
//! kit's server (`#[tokio::main]`). With `--leptos`, the documents'
//! markup is made by Leptos's `view!` instead of askama ([`leptos_markup`]):
//! what Leptos's renderer costs by itself, without its router, leptos_meta
//! or the kit.

#![forbid(unsafe_code)]

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{
        header::{
            CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, VARY,
            X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
        },
        HeaderName, HeaderValue, StatusCode,
    },
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde::{Deserialize, Serialize};
use std::{env, error::Error, fs};

mod leptos_markup;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What the kit's document of the same build links (read at start-up), and
/// how documents are made.
#[derive(Deserialize)]
struct Site {
    #[serde(skip)]
    markup: Markup,
    build: String,
    css: String,
    js: String,
    wasm: String,
    module_script: String,
}

/// What makes a document's markup.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Markup {
    /// askama's templates (`templates/`): what a Rust developer would write.
    #[default]
    Askama,
    /// Leptos's `view!`, without its router, leptos_meta or the kit.
    Leptos,
}

/// The navigation in the shell: `(href, text)`, as the reference app's layout.
const NAV: &[(&str, &str)] = &[
    ("/", "Home"),
    ("/repos/vercel/next.js", "Repo"),
    ("/blog/hello", "Blog"),
    ("/counter", "Counter"),
    ("/bench/items/1", "Bench"),
];

#[derive(Serialize)]
struct Item {
    name: String,
    stars: u64,
    description: String,
}

#[derive(Serialize)]
struct ItemsProps {
    id: u64,
    title: String,
    items: Vec<Item>,
}

impl ItemsProps {
    /// The reference app's formula (`app/src/pages/bench.rs`).
    fn for_id(id: u64) -> Self {
        let items = (0..50u64)
            .map(|k| Item {
                name: format!("item-{id}-{k}"),
                stars: (id.wrapping_mul(7919).wrapping_add(k * 104_729)) % 100_000,
                description: format!(
                    "Description of item {k} in collection {id}, with some text to make it realistic."
                ),
            })
            .collect();
        Self {
            id,
            title: format!("Collection {id}"),
            items,
        }
    }
}

#[derive(Serialize)]
struct HelloProps {
    message: &'static str,
}

/// The props envelope embedded in a document and sent as a props answer.
#[derive(Serialize)]
struct Envelope<'a, P> {
    #[serde(skip_serializing_if = "Option::is_none")]
    build: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    props: &'a P,
    layout: Layout,
}

#[derive(Serialize)]
struct Layout {
    user: Option<String>,
}

/// The shell's parts every document needs. (The kit's document also
/// carries Leptos's hydration markers, leptos_meta's `<!--HEAD-->` and
/// Leptos's resources script; and Leptos writes the nonce as the preload
/// links' `crossorigin`, copied here so the bytes match.)
struct Shell<'a> {
    site: &'a Site,
    nonce: &'a str,
    title: &'a str,
    path: &'a str,
    props_json: &'a str,
}

#[derive(Template)]
#[template(path = "items.html")]
struct ItemsPage<'a> {
    shell: Shell<'a>,
    props: &'a ItemsProps,
    next: String,
}

#[derive(Template)]
#[template(path = "hello.html")]
struct HelloPage<'a> {
    shell: Shell<'a>,
    props: &'a HelloProps,
}

type Shared = &'static Site;

fn nonce() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// JSON for a `<script type="application/json">`: nothing in it can end the
/// element or open a comment, and the two line separators JavaScript once
/// refused are escaped too. The runs between escapes are copied whole.
fn script_json<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("props serialise");
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len() + 16);
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let (escaped, width) = match byte {
            b'<' => ("\\u003c", 1),
            b'>' => ("\\u003e", 1),
            b'&' => ("\\u0026", 1),
            0xE2 if bytes[i + 1..].starts_with(&[0x80, 0xA8]) => ("\\u2028", 3),
            0xE2 if bytes[i + 1..].starts_with(&[0x80, 0xA9]) => ("\\u2029", 3),
            _ => continue,
        };
        out.push_str(&json[start..i]);
        out.push_str(escaped);
        start = i + width;
    }
    out.push_str(&json[start..]);
    out
}

/// The kit's headers (less its bookkeeping: see the module's documentation),
/// for an answer of `content_type`.
fn headers(content_type: &'static str) -> [(HeaderName, HeaderValue); 6] {
    [
        (VARY, HeaderValue::from_static("Cookie, accept-encoding")),
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache, no-store, max-age=0, must-revalidate"),
        ),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (
            REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
        (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}

/// A document: the kit's headers and its `Content-Security-Policy` with the
/// document's nonce.
fn document(nonce: &str, body: Result<String, askama::Error>) -> Response {
    let Ok(body) = body else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; \
         style-src 'self' 'nonce-{nonce}'; style-src-attr 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    (
        headers("text/html; charset=utf-8"),
        [(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("a nonce is a header value"),
        )],
        body,
    )
        .into_response()
}

async fn items(State(site): State<Shared>, Path(id): Path<u64>) -> Response {
    let props = ItemsProps::for_id(id);
    let path = format!("/bench/items/{id}");
    let props_json = script_json(&Envelope {
        build: Some(&site.build),
        url: Some(&path),
        props: &props,
        layout: Layout { user: None },
    });
    let nonce = nonce();
    let next = format!("/bench/items/{}", id + 1);
    if site.markup == Markup::Leptos {
        let shell = leptos_markup::Shell {
            site,
            nonce: nonce.clone(),
            title: props.title.clone(),
            path,
            props_json,
        };
        return document(&nonce, Ok(leptos_markup::items(shell, props, next)));
    }
    let page = ItemsPage {
        shell: Shell {
            site,
            nonce: &nonce,
            title: &props.title,
            path: &path,
            props_json: &props_json,
        },
        props: &props,
        next,
    };
    document(&nonce, page.render())
}

async fn hello(State(site): State<Shared>) -> Response {
    let props = HelloProps { message: "hello" };
    let props_json = script_json(&Envelope {
        build: Some(&site.build),
        url: Some("/bench/hello"),
        props: &props,
        layout: Layout { user: None },
    });
    let nonce = nonce();
    if site.markup == Markup::Leptos {
        let shell = leptos_markup::Shell {
            site,
            nonce: nonce.clone(),
            title: "server_props reference app".to_owned(),
            path: "/bench/hello".to_owned(),
            props_json,
        };
        return document(&nonce, Ok(leptos_markup::hello(shell, &props)));
    }
    let page = HelloPage {
        shell: Shell {
            site,
            nonce: &nonce,
            title: "server_props reference app",
            path: "/bench/hello",
            props_json: &props_json,
        },
        props: &props,
    };
    document(&nonce, page.render())
}

/// The props answer of a link navigation: the same props, as JSON.
async fn items_json(Path((_build, file)): Path<(String, String)>) -> Response {
    let Some(Ok(id)) = file.strip_suffix(".json").map(str::parse::<u64>) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let props = ItemsProps::for_id(id);
    let body = serde_json::to_vec(&Envelope {
        build: None,
        url: None,
        props: &props,
        layout: Layout { user: None },
    })
    .expect("props serialise");
    (headers("application/json"), body).into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = env::args().skip(1);
    let usage = "usage: handwritten <site.json> [<addr>] [--leptos]";
    let mut markup = Markup::Askama;
    let mut positional = Vec::new();
    for arg in args.by_ref() {
        match arg.as_str() {
            "--leptos" => markup = Markup::Leptos,
            flag if flag.starts_with("--") => return Err(format!("{flag}? {usage}").into()),
            _ => positional.push(arg),
        }
    }
    if positional.len() > 2 {
        return Err(usage.into());
    }
    let mut positional = positional.into_iter();
    let site_file = positional.next().ok_or(usage)?;
    let addr = positional
        .next()
        .or_else(|| env::var("LEPTOS_SITE_ADDR").ok())
        .ok_or(usage)?;
    let mut site: Site =
        serde_json::from_slice(&fs::read(&site_file).map_err(|e| format!("{site_file}: {e}"))?)?;
    site.markup = markup;
    // Read once, kept for the process's life: handlers borrow it.
    let site: &'static Site = Box::leak(Box::new(site));
    let app = Router::new()
        .route("/bench/items/{id}", get(items))
        .route("/bench/hello", get(hello))
        .route("/_props/{build}/bench/items/{file}", get(items_json))
        .with_state(site);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // Stops on Ctrl-C or SIGINT, which a background job of a script
    // ignores unless a handler is installed (`scripts/instructions.sh`
    // stops the server under callgrind with it, and the count is written
    // at exit).
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            markup: Markup::Askama,
            build: "b1".into(),
            css: "/pkg/app.css".into(),
            js: "/pkg/app.js".into(),
            wasm: "/pkg/app.wasm".into(),
            module_script: "import('/pkg/app.js')".into(),
        }
    }

    #[test]
    fn script_json_cannot_end_its_element() {
        let json = script_json(&"</script><!-- & \u{2028}");
        assert_eq!(json, r#""\u003c/script\u003e\u003c!-- \u0026 \u2028""#);
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, "</script><!-- & \u{2028}");
    }

    /// The items page's document for build `b1`, by askama, and its props JSON.
    fn askama_items(site: &'static Site) -> (String, String) {
        let props = ItemsProps::for_id(1);
        let props_json = script_json(&Envelope {
            build: Some("b1"),
            url: Some("/bench/items/1"),
            props: &props,
            layout: Layout { user: None },
        });
        let html = ItemsPage {
            shell: Shell {
                site,
                nonce: "n0",
                title: &props.title,
                path: "/bench/items/1",
                props_json: &props_json,
            },
            props: &props,
            next: "/bench/items/2".into(),
        }
        .render()
        .unwrap();
        (html, props_json)
    }

    #[test]
    fn the_items_document_has_the_pages_markup_and_props() {
        let (html, _) = askama_items(Box::leak(Box::new(site())));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>Collection 1</title>"));
        assert!(html.contains(r#"<script type="module" nonce="n0">import('/pkg/app.js')</script>"#));
        assert_eq!(html.matches("<li>").count(), 50);
        assert!(html.contains(
            r#"<li><strong>item-1-0</strong> <span class="stars">7919</span> <span>Description of item 0 in collection 1, with some text to make it realistic.</span></li>"#
        ));
        assert!(html.contains(r#"<a href="/bench/items/2">Next collection</a>"#));
        let start = html.find(r#"type="application/json">"#).unwrap() + 24;
        let end = start + html[start..].find("</script>").unwrap();
        let envelope: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(
            envelope["props"]["items"][3]["stars"],
            (7919 + 3 * 104_729) % 100_000
        );
        assert_eq!(envelope["build"], "b1");
        assert_eq!(envelope["layout"]["user"], serde_json::Value::Null);
    }

    /// `--leptos` makes the same documents, byte for byte but for the
    /// marker Leptos writes after each list (`<!>`, for hydration).
    #[test]
    fn leptos_makes_the_same_documents_as_askama() {
        let site: &'static Site = Box::leak(Box::new(site()));
        let (askama, props_json) = askama_items(site);
        let shell = leptos_markup::Shell {
            site,
            nonce: "n0".into(),
            title: "Collection 1".into(),
            path: "/bench/items/1".into(),
            props_json,
        };
        let leptos = leptos_markup::items(shell, ItemsProps::for_id(1), "/bench/items/2".into());
        assert_eq!(leptos.matches("<!>").count(), 2);
        assert_eq!(leptos.replace("<!>", ""), askama);

        let hello = HelloProps { message: "hello" };
        let props_json = script_json(&Envelope {
            build: Some("b1"),
            url: Some("/bench/hello"),
            props: &hello,
            layout: Layout { user: None },
        });
        let askama = HelloPage {
            shell: Shell {
                site,
                nonce: "n0",
                title: "server_props reference app",
                path: "/bench/hello",
                props_json: &props_json,
            },
            props: &hello,
        }
        .render()
        .unwrap();
        let shell = leptos_markup::Shell {
            site,
            nonce: "n0".into(),
            title: "server_props reference app".into(),
            path: "/bench/hello".into(),
            props_json,
        };
        let leptos = leptos_markup::hello(shell, &hello);
        assert_eq!(leptos.matches("<!>").count(), 1);
        assert_eq!(leptos.replace("<!>", ""), askama);
    }

    #[test]
    fn nonces_are_fresh_and_header_safe() {
        let (a, b) = (nonce(), nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }
}

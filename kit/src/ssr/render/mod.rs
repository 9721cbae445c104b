//! Server rendering of a document whose props are already loaded.
//!
//! The loader has run before rendering starts, so nothing the page renders
//! waits: the kit renders the app's shell to a string synchronously, in a
//! fresh reactive owner with the contexts Leptos components expect
//! (`RequestUrl`, leptos_meta's `ServerMetaContext`, leptos_axum's
//! `ResponseOptions`). Then it adds the `<title>`/meta tags, the embedded
//! props and Leptos's hydration data. No streaming machinery is needed, and
//! status and headers are known before the first byte.

use crate::ssr::{loader::panic::panic_message, middleware::security::CompiledPolicy};
use crate::Erase;
use crate::{
    navigation::ActionJson,
    page::PageError,
    pages::{Content, PageKind},
    view::{PageView, PropsSource, Source},
};
use futures::{FutureExt, StreamExt};
use hydration_context::{SharedContext, SsrSharedContext};
use leptos::tachys::view::Position;
use leptos::{config::LeptosOptions, nonce::Nonce, prelude::*};
use leptos_meta::ServerMetaContext;
use leptos_router::location::RequestUrl;
use std::{
    any::Any,
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

/// What a component set the Leptos way while rendering: leptos_axum's
/// `ResponseOptions` (a status, headers), which apps written for
/// leptos_axum use; with the `server` feature only, as leptos_axum brings
/// tokio.
#[cfg(feature = "server")]
pub(crate) type ComponentResponse = leptos_axum::ResponseOptions;
/// Without the `server` feature, nothing.
#[cfg(not(feature = "server"))]
pub(crate) type ComponentResponse = ();

/// What the matched page shows in this render.
pub(crate) enum PageState {
    /// A page without a loader.
    Static,
    /// The typed props the loader returned.
    Props(Box<dyn Any + Send>),
    /// The props as JSON: a page whose deferred values are rendered again
    /// as they arrive (`ssr::handler::streamed`).
    Json(String),
    /// The 404 page.
    NotFound,
    /// The error page.
    Error(PageError),
}

/// The render's context: which page the server matched and what it shows.
#[derive(Clone)]
pub(crate) struct RenderState(Arc<RenderInner>);

struct RenderInner {
    page: Option<usize>,
    state: Mutex<Option<PageState>>,
    /// The layout loader's data, as JSON.
    layout: Option<Arc<str>>,
    /// The nested layouts' data, as JSON, by prefix, outermost first.
    nested: Vec<(&'static str, String)>,
    /// What the page's action said of a refused submission.
    action: Option<ActionJson>,
    /// What the render puts around the page.
    around: Around,
}

/// What a render puts around the page: what the app's element is for
/// (`<AppRoot>`), and, for props rendered from JSON, the deferred values
/// that have arrived.
#[derive(Clone, Default)]
pub(crate) struct Around {
    pub(crate) root: crate::root::RootMode,
    pub(crate) deferred: Option<crate::DeferredValues>,
    /// The page's chunk in a split browser build, whose files the
    /// document preloads (`assets::HydrationScripts`).
    pub(crate) chunk: Option<&'static str>,
}

impl RenderState {
    pub(crate) fn new(
        page: Option<usize>,
        state: PageState,
        (layout, nested): (Option<&str>, &[(&'static str, String)]),
        action: Option<ActionJson>,
        around: Around,
    ) -> Self {
        Self(Arc::new(RenderInner {
            page,
            state: Mutex::new(Some(state)),
            layout: layout.map(Arc::from),
            nested: nested.to_vec(),
            action,
            around,
        }))
    }

    /// The view of the page the Leptos router matched, from the loaded state.
    pub(crate) fn take_view(&self, view: PageView) -> AnyView {
        let pages = view.pages;
        let mut state = crate::sync::lock(&self.0.state);
        if matches!(*state, Some(PageState::NotFound)) && self.0.page != Some(view.index) {
            // However the routers disagree, "not found" is the 404 page.
            state.take();
            return pages.not_found.run();
        }
        if self.0.page != Some(view.index) {
            tracing::error!(
                router = pages.entries[view.index].pattern.as_str(),
                "server_props: the Leptos router and the server matched different pages"
            );
            return pages.render_error(PageError::new(500));
        }
        let content = match (state.take(), &pages.entries[view.index].kind) {
            (Some(PageState::Props(props)), PageKind::Props(page)) => {
                Content::Page((page.render)(props))
            }
            (Some(PageState::Json(json)), PageKind::Props(page)) => {
                // A server build is never split: the page's code is here.
                let decoded = match &self.0.around.deferred {
                    Some(values) => values.scope(|| page.code.render(&json)),
                    None => page.code.render(&json),
                };
                match decoded {
                    Some(Ok(view)) => Content::Page(view),
                    Some(Err(e)) => Content::Error(
                        PageError::new(500).with_detail(Some(format!("props do not decode: {e}"))),
                    ),
                    None => Content::Error(PageError::new(500)),
                }
            }
            (Some(PageState::NotFound), _) => Content::NotFound,
            (Some(PageState::Error(e)), _) => Content::Error(e),
            (Some(PageState::Static), PageKind::Static(v)) => Content::Page(v.run()),
            _ => Content::Error(PageError::new(500)),
        };
        let nested: Vec<(&str, &str)> = self
            .0
            .nested
            .iter()
            .map(|(prefix, json)| (*prefix, json.as_str()))
            .collect();
        pages.framed(view.index, &nested, content)
    }
}

/// The server's props source: what the loaders already produced.
impl PropsSource for RenderState {
    fn first_view(&self, view: PageView) -> crate::view::ViewFuture {
        Box::pin(std::future::ready(self.take_view(view)))
    }

    fn navigated_view(
        &self,
        _view: PageView,
        _url: String,
        _reload: bool,
    ) -> crate::view::ViewFuture {
        // A server render never sees its URL change.
        Box::pin(std::future::ready(().erase()))
    }

    fn layout_json(&self) -> ArcSignal<Option<Arc<str>>> {
        ArcSignal::stored(self.0.layout.clone())
    }

    fn action_json(&self) -> ArcSignal<Option<ActionJson>> {
        ArcSignal::stored(self.0.action.clone())
    }

    fn document_chunk(&self) -> Option<&'static str> {
        self.0.around.chunk
    }
}

/// A render that panicked: the message, and where (when development
/// mode's panic hook saw it).
#[derive(Debug)]
pub(crate) struct Panicked {
    pub(crate) message: String,
    pub(crate) location: Option<String>,
}

type ShellFn = dyn Fn(LeptosOptions) -> AnyView + Send + Sync;

/// Renders the app's shell into a complete HTML document.
pub(crate) struct Renderer {
    pub(crate) options: LeptosOptions,
    pub(crate) shell: Arc<ShellFn>,
    /// The policy sent with each document; `None` sends none and draws no nonce.
    pub(crate) csp: Option<CompiledPolicy>,
    /// Per page of the table (and one more for documents of no page): the
    /// length of its last document, the size of its next render's buffer.
    pub(crate) size_hints: Box<[AtomicUsize]>,
}

/// The largest buffer a render starts with (a larger document grows it).
const MAX_SIZE_HINT: usize = 1 << 20;

impl Renderer {
    /// A fresh nonce for one document, when a policy is set.
    pub(crate) fn nonce(&self) -> Option<Nonce> {
        self.csp.as_ref().map(|_| Nonce::new())
    }

    /// Renders the document for `url`. `embedded` is the props payload,
    /// already escaped for a script element; `nonce` goes to Leptos's
    /// scripts through its context and to the hydration data script. A panic
    /// while rendering is returned as its message and location.
    pub(crate) async fn render(
        &self,
        url: &str,
        state: RenderState,
        embedded: &str,
        nonce: Option<&Nonce>,
    ) -> Result<(String, ComponentResponse), Panicked> {
        let size_hint = state
            .0
            .page
            .and_then(|page| self.size_hints.get(page))
            .or(self.size_hints.last())
            .expect("one size hint per page, and one more");
        let shared: Arc<dyn SharedContext + Send + Sync> = Arc::new(SsrSharedContext::new());
        let owner = Owner::new_root(Some(shared));
        let (meta, meta_output) = ServerMetaContext::new();
        #[cfg_attr(not(feature = "server"), allow(clippy::let_unit_value))]
        let response_options = ComponentResponse::default();
        let rendered = catch_unwind(AssertUnwindSafe(|| {
            owner.with(|| {
                provide_context(RequestUrl::new(&router_url(url)));
                #[cfg(feature = "server")]
                provide_context(response_options.clone());
                provide_context(meta);
                provide_context(state.0.around.root);
                provide_context(Source(Arc::new(state)));
                if let Some(nonce) = nonce {
                    provide_context(nonce.clone());
                }
                // Into a buffer the size of the page's last document: growing one
                // from empty by doubling copies it about twice over.
                let mut html = String::with_capacity(size_hint.load(Ordering::Relaxed));
                (self.shell)(self.options.clone()).to_html_with_buf(
                    &mut html,
                    &mut Position::FirstChild,
                    true,
                    false,
                    vec![],
                );
                (html, hydration_data())
            })
        }));
        owner.unset_with_forced_cleanup();
        let (html, hydration) = rendered.map_err(|p| {
            let message = panic_message(p.as_ref());
            Panicked {
                location: crate::ssr::loader::panic::take_panic_location(message),
                message: message.to_owned(),
            }
        })?;
        // leptos_meta's title, tags and `<html>`/`<body>` attributes go into
        // the document's head and its `<body>` tag, so only that part is
        // handed to it: given the whole document, it copied all of it once
        // more, before the kit's assembly copied it again.
        let html = parser_safe(html);
        let (head, body) = html.split_at(head_len(&html));
        let chunks = meta_output
            .inject_meta_context(futures::stream::once(futures::future::ready(
                head.to_owned(),
            )))
            .await;
        let head = parser_safe(std::pin::pin!(chunks).next().await.unwrap_or_default());
        let document = assemble(&head, body, embedded, &hydration, nonce.map(|n| &**n));
        size_hint.store(document.len().min(MAX_SIZE_HINT), Ordering::Relaxed);
        Ok((document, response_options))
    }

    /// The error page with no app shell: the last resort when rendering the
    /// app itself panics.
    pub(crate) fn bare_error_page(status: u16) -> String {
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{status}</title></head>\
             <body><h1>{status}</h1><p>Internal Server Error.</p></body></html>"
        )
    }
}

/// The rendered HTML as the browser's parser will keep it. The parser drops
/// U+0000 from text (and turns it into U+FFFD in attribute values), so a
/// text that is nothing but NUL characters (a name someone stored) would be
/// no text node at all in the browser while the page's view expects one:
/// hydration traps, and the page is dead for every visitor. Written as
/// U+FFFD, the text node is there on both sides. (The embedded props and
/// the hydration data are JSON, where a NUL is always escaped.)
fn parser_safe(html: String) -> String {
    if memchr::memchr(0, html.as_bytes()).is_none() {
        return html;
    }
    html.replace('\0', "\u{FFFD}")
}

/// The URL as the Leptos router is given it. Leptos parses it relative to a
/// base URL and panics when that fails, and `//host/…` or `/\\host/…` (as
/// the URL standard reads a backslash) would be read as another host: such a
/// path is given with one leading slash. The kit has matched the path as it
/// came (no page matches a path starting with an empty segment), so this
/// only changes what the 404 page's router sees.
fn router_url(url: &str) -> std::borrow::Cow<'_, str> {
    let rest = url.trim_start_matches(['/', '\\']);
    if url.len() - rest.len() > 1 || !url.starts_with('/') {
        format!("/{rest}").into()
    } else {
        url.into()
    }
}

/// Leptos's own hydration data (`__RESOLVED_RESOURCES` and friends) as far as
/// it is ready now; the client reads these globals when it hydrates.
fn hydration_data() -> String {
    let mut out = String::new();
    if let Some(mut chunks) = Owner::current_shared_context().and_then(|sc| sc.pending_data()) {
        while let Some(Some(chunk)) = chunks.next().now_or_never() {
            out.push_str(&chunk);
        }
    }
    out
}

/// The length of the document's head: up to the end of the `<body …>` tag
/// after `</head>`, or through `</head>` when no `<body` follows (the whole
/// document when there is no `</head>`).
fn head_len(html: &str) -> usize {
    use memchr::memmem;
    let bytes = html.as_bytes();
    let Some(head_end) = memmem::find(bytes, b"</head>") else {
        return html.len();
    };
    memmem::find(&bytes[head_end..], b"<body")
        .and_then(|body| {
            let body = head_end + body;
            memchr::memchr(b'>', &bytes[body..]).map(|end| body + end + 1)
        })
        .unwrap_or(head_end + "</head>".len())
}

/// The opening tag of the props script (`protocol::SCRIPT_ID`).
const SCRIPT_OPEN: &str = "<script id=\"__SERVER_PROPS__\" type=\"application/json\">";
/// The closing tag of the props script and of the hydration data's.
const SCRIPT_CLOSE: &str = "</script>";
/// The opening tag of the hydration data's script, without a nonce.
const HYDRATION_OPEN: &str = "<script>";
/// The opening tag of the hydration data's script up to its nonce, and
/// what follows the nonce.
const HYDRATION_OPEN_NONCE: &str = "<script nonce=\"";
const NONCE_END: &str = "\">";

/// The document from its head (through the `<body>` tag, `head_len`) and
/// the rest: the props script at the end of `<head>` and the hydration data
/// at the end of `<body>`.
fn assemble(
    head: &str,
    body: &str,
    embedded: &str,
    hydration: &str,
    nonce: Option<&str>,
) -> String {
    // Exactly what is pushed below: a capacity short by a few bytes made
    // the last push double the buffer, copying the whole document again.
    let mut out = String::with_capacity(document_len(head, body, embedded, hydration, nonce));
    // Both near an end: searched from it.
    let head_end = memchr::memmem::rfind(head.as_bytes(), b"</head>").unwrap_or(0);
    let body_end = memchr::memmem::rfind(body.as_bytes(), b"</body>").unwrap_or(body.len());
    out.push_str(&head[..head_end]);
    out.push_str(SCRIPT_OPEN);
    out.push_str(embedded);
    out.push_str(SCRIPT_CLOSE);
    out.push_str(&head[head_end..]);
    out.push_str(&body[..body_end]);
    if !hydration.is_empty() {
        match nonce {
            // base64url: nothing to escape in the attribute.
            Some(nonce) => {
                out.push_str(HYDRATION_OPEN_NONCE);
                out.push_str(nonce);
                out.push_str(NONCE_END);
            }
            None => out.push_str(HYDRATION_OPEN),
        }
        out.push_str(hydration);
        out.push_str(SCRIPT_CLOSE);
    }
    out.push_str(&body[body_end..]);
    debug_assert_eq!(
        out.len(),
        document_len(head, body, embedded, hydration, nonce)
    );
    out
}

/// The length of the document [`assemble`] makes of these parts.
fn document_len(
    head: &str,
    body: &str,
    embedded: &str,
    hydration: &str,
    nonce: Option<&str>,
) -> usize {
    let props_tags = SCRIPT_OPEN.len() + SCRIPT_CLOSE.len();
    let hydration_tags = match (hydration.is_empty(), nonce) {
        (true, _) => 0,
        (false, Some(nonce)) => {
            HYDRATION_OPEN_NONCE.len() + nonce.len() + NONCE_END.len() + SCRIPT_CLOSE.len()
        }
        (false, None) => HYDRATION_OPEN.len() + SCRIPT_CLOSE.len(),
    };
    head.len() + body.len() + embedded.len() + hydration.len() + props_tags + hydration_tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SCRIPT_ID;

    /// `<textarea>`'s text is escapable raw text: the HTML parser ends it
    /// at `</textarea` and decodes `&…;` in it, so it is written escaped
    /// (the workspace's patch of Leptos's renderer), never as markup, and an
    /// empty value stays empty.
    #[test]
    fn textarea_text_is_escaped_as_the_parser_reads_it() {
        let text = "</textarea><b>x</b> &amp; <!-- c";
        let html = view! { <textarea name="m">{text}</textarea> }.to_html();
        assert_eq!(
            html,
            "<textarea name=\"m\">&lt;/textarea&gt;&lt;b&gt;x&lt;/b&gt; &amp;amp; &lt;!-- c</textarea>"
        );
        let empty = view! { <textarea>{String::new()}</textarea> }.to_html();
        assert_eq!(empty, "<textarea></textarea>");
        let plain = view! { <p>{text}</p> }.to_html();
        assert!(plain.starts_with("<p>&lt;/textarea&gt;"), "{plain}");
    }

    #[test]
    fn nul_characters_are_written_as_the_parser_keeps_them() {
        let html = "<li><strong>\0</strong> <a title=\"a\0b\">x</a></li>".to_owned();
        assert_eq!(
            parser_safe(html),
            "<li><strong>\u{FFFD}</strong> <a title=\"a\u{FFFD}b\">x</a></li>"
        );
        let plain = "<p>nothing to change</p>".to_owned();
        assert_eq!(parser_safe(plain.clone()), plain);
    }

    #[test]
    fn router_urls_never_name_another_host() {
        assert_eq!(router_url("/a/b?c"), "/a/b?c");
        assert_eq!(router_url("//evil/x"), "/evil/x");
        assert_eq!(router_url("/\\evil/x"), "/evil/x");
        assert_eq!(router_url("/\\/\\x"), "/x");
        assert_eq!(router_url("*"), "/*");
        for url in ["//%3C", "/\\%3C", "///", "*", "//[", "/\\a:b@c"] {
            let parsed = RequestUrl::new(&router_url(url)).parse().unwrap();
            assert_eq!(parsed.origin(), "https://leptos.dev", "{url}");
        }
    }

    #[test]
    fn the_script_tag_names_the_protocol_id() {
        assert!(SCRIPT_OPEN.contains(&format!("id=\"{SCRIPT_ID}\"")));
    }

    #[test]
    fn assemble_places_props_in_head_and_data_in_body() {
        let html = "<html><head><title>t</title></head><body><p>x</p></body></html>";
        let (head, body) = html.split_at(head_len(html));
        assert_eq!(head, "<html><head><title>t</title></head><body>");
        let out = assemble(head, body, "{\"a\":1}", "__R=[];", None);
        assert_eq!(
            out,
            "<html><head><title>t</title><script id=\"__SERVER_PROPS__\" type=\"application/json\">\
             {\"a\":1}</script></head><body><p>x</p><script>__R=[];</script></body></html>"
        );
        let out = assemble(head, body, "{}", "__R=[];", Some("n0nce"));
        assert!(out.contains("<script nonce=\"n0nce\">__R=[];</script>"));
    }

    /// The document is made in one allocation of its length: a capacity a
    /// few bytes short doubled the buffer on the last push.
    #[test]
    fn assemble_allocates_the_document_once() {
        let html = "<html><head><title>t</title></head><body><p>x</p></body></html>";
        let (head, body) = html.split_at(head_len(html));
        for (hydration, nonce) in [
            ("__R=[];", None),
            ("__R=[];", Some("n0nce-of-twenty-two-bb")),
            ("", Some("n0nce")),
            ("", None),
        ] {
            let out = assemble(head, body, "{\"a\":1}", hydration, nonce);
            // What the one allocation is asked for is what is pushed.
            assert_eq!(
                out.len(),
                document_len(head, body, "{\"a\":1}", hydration, nonce)
            );
        }
    }

    #[test]
    fn the_head_ends_with_the_body_tag() {
        let html = "<html><head></head><body data-x=\"1\"><p>&lt;body</p></body></html>";
        assert_eq!(
            &html[..head_len(html)],
            "<html><head></head><body data-x=\"1\">"
        );
        // No body after the head: the head alone, so the hydration data
        // still goes before a `</body>` in the rest.
        for html in [
            "<html><head></head></html>",
            "<body><head></head><p>x</p></body>",
        ] {
            let end = html.find("</head>").unwrap() + "</head>".len();
            assert_eq!(head_len(html), end, "{html}");
        }
        // No head: all of it.
        assert_eq!(head_len("<p>x</p>"), "<p>x</p>".len());
    }
}

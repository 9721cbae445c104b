//! The browser half (feature `hydrate`): hydration from the embedded props,
//! and props fetched for client navigation.
//!
//! [`hydrate`] reads the `<script id="__SERVER_PROPS__">` payload once,
//! before Leptos hydrates, so the first page's view has its props on the
//! first poll and hydration makes no request. After that, a page with a
//! loader fetches `/_props/<build>/<page>.json` once per navigation:
//!
//! * identical requests in flight share one `fetch`, and a request nobody
//!   waits for any more (a newer navigation superseded it) is aborted, which
//!   also drops the loader's future on the server;
//! * the navigation state ([`use_navigation`](crate::use_navigation)) is
//!   `Loading` meanwhile, and the old page stays on screen;
//! * anything the browser cannot render in place (another origin's
//!   redirect, an error, a stale build, a response that is not props, a
//!   network failure) becomes one document navigation, with a guard against
//!   reload loops;
//! * Back/Forward restores the scroll position of the entry once its page
//!   has rendered.
//!
//! The modules split it by concern: [`fetch`] talks to the server,
//! `navigate` turns an answer into what happens next (and applies it to
//! the props cache), `scroll` keeps positions; this one hydrates and
//! provides the browser's props source, which owns everything the tab
//! remembers, in one object (`state`).

use crate::{
    navigation::{self, BrowserHalf},
    page_url::PageUrl,
    pages::Pages,
    protocol::{PropsPayload, DEFERRED_SCRIPT_ID, SCRIPT_ID},
    view::{PageView, PropsSource, Source, ViewFuture},
};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use state::BrowserState;
use std::sync::Arc;

pub mod fetch;
mod navigate;
pub(crate) mod prefetch;
mod props_cache;
mod scroll;
mod state;
pub(crate) mod submit;

/// The `window` property set to `true` once hydration has finished: tests and
/// tools wait for it instead of guessing when the page became interactive.
pub const HYDRATED_FLAG: &str = "__serverPropsHydrated";

thread_local! {
    /// The tab's props source, made on first use and never dropped (the tab
    /// runs this one wasm thread for its whole life): the one the app's
    /// context gets, and the owner of the browser half's state, which
    /// [`state`] hands to code no component calls.
    static SOURCE: &'static BrowserSource = Box::leak(Box::new(BrowserSource {
        state: SendWrapper::new(BrowserState::new()),
    }));
}

/// The browser half's state: the tab's props source's.
fn state() -> &'static BrowserState {
    SOURCE.with(|source| source.state())
}

/// The tab's navigation signals, as the shared `navigation` module asks
/// for them (`Signals::installed`).
fn signals() -> navigation::Signals {
    state().signals.clone()
}

/// Settings of the browser half, for [`hydrate_with`].
///
/// ```no_run
/// use server_props::client::{hydrate_with, ClientOptions};
/// use std::time::Duration;
/// # fn App() -> impl leptos::IntoView {}
/// # static PAGES: std::sync::LazyLock<server_props::Pages> = std::sync::LazyLock::new(server_props::Pages::new);
/// hydrate_with(App, &PAGES, ClientOptions::default().prefetch_window(Duration::from_secs(5)));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
#[must_use]
pub struct ClientOptions {
    prefetch_window: std::time::Duration,
}

impl Default for ClientOptions {
    /// A prefetched answer that allows no caching serves a click for 10 s.
    fn default() -> Self {
        Self {
            prefetch_window: props_cache::DEFAULT_PREFETCH_WINDOW,
        }
    }
}

impl ClientOptions {
    /// How long a prefetched props answer whose `Cache-Control` allows no
    /// caching (`no-store`, `max-age=0`) still serves one click on its
    /// link. An answer that allows caching is kept as long as it says.
    pub fn prefetch_window(mut self, window: std::time::Duration) -> Self {
        self.prefetch_window = window;
        self
    }
}

/// Hydrates the app rendered by the server, giving its first page the props
/// embedded in the document. Call it from the client crate's `hydrate`
/// export, with the app's page table: in a build split by page
/// (cargo-leptos's `--split`), the first page's code is loaded before
/// hydration, and a link's prefetch loads its target's.
pub fn hydrate<F, V>(app: F, pages: &'static Pages)
where
    F: FnOnce() -> V + 'static,
    V: IntoView,
{
    hydrate_with(app, pages, ClientOptions::default());
}

/// [`hydrate`] with settings of the app's own.
pub fn hydrate_with<F, V>(app: F, pages: &'static Pages, options: ClientOptions)
where
    F: FnOnce() -> V + 'static,
    V: IntoView,
{
    let state = state();
    state.pages.set(Some(pages));
    // Hydration is synchronous: the page's view must be here first. Its
    // chunk is on its way already (the document preloads it).
    let first = pages
        .page_for(&window().location().pathname().unwrap_or_default())
        .map(|index| PageView { pages, index });
    match first {
        Some(view) if navigate::in_chunk(view) => {
            // Not Leptos's executor: hydration starts it.
            wasm_bindgen_futures::spawn_local(async move {
                // Once more if the first try fails (the loader keeps no
                // failure): a network blip should not leave the page dead.
                if navigate::load_code(view).await || navigate::load_code(view).await {
                    recovery::guarded(move || hydrate_now(app, options));
                } else {
                    // The page stays as the server sent it: its links and
                    // forms work as plain HTML.
                    leptos::logging::error!(
                        "server_props: the page's code did not load; not hydrating"
                    );
                }
            });
        }
        _ => hydrate_now(app, options),
    }
}

/// Hydrates, with the first page's code in.
fn hydrate_now<F, V>(app: F, options: ClientOptions)
where
    F: FnOnce() -> V + 'static,
    V: IntoView,
{
    // The app's own element (`AppRoot`), when the shell has one: left empty
    // by the server when hydrating this page failed here before.
    let root = window()
        .document()
        .and_then(|d| d.get_element_by_id(crate::ROOT_ID))
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
    let in_browser = root.as_ref().is_some_and(|r| {
        r.get_attribute("data-render").as_deref() == Some(crate::root::IN_BROWSER)
    });
    if in_browser {
        recovery::arrived();
    } else {
        recovery::watch_hydration();
    }
    let source = SOURCE.with(|source| *source);
    let state = source.state();
    state.cache.set_prefetch_window(options.prefetch_window);
    navigation::install(BrowserHalf {
        submitter: submit::submitter,
        signals,
    });
    navigate::note_arrival(state);
    if let Some(payload) = read_embedded() {
        if let Some(build) = &payload.build {
            state.build.borrow_mut().clone_from(build);
        }
        set_layout(state, &payload);
        if let Some(url) = &payload.url {
            // The nested layouts' data it carries, with their tokens: the
            // first navigation under a layout can leave it out.
            state.kept_layouts.borrow_mut().note(
                &payload,
                &PageUrl::parse(url),
                js_sys::Date::now(),
            );
        }
        // Before anything hydrates (a layout component may read it too),
        // as the server rendered it: the document's own page's, which its
        // view then names.
        if payload.url.as_deref().map(PageUrl::parse) == Some(PageUrl::parse(&location_url())) {
            navigate::set_action_data(state, &payload, None);
        }
        *state.initial.borrow_mut() = Some(payload);
    }
    // Before the router's own `popstate` listener (listeners run in the
    // order they were added): a Back/Forward navigation is known as one by
    // the time the router chooses the page's view.
    scroll::track_scroll(state);
    let app = move || {
        provide_context(Source(Arc::new(source)));
        app()
    };
    // From the app's own element when the shell has one (`AppRoot`), so
    // what an extension adds to `<body>` is never walked; else `<body>`.
    match root {
        Some(root) if in_browser => {
            leptos::mount::mount_to(root, app).forget();
            // The browser looked for the `#fragment` before the page was
            // there.
            let hash = window().location().hash().unwrap_or_default();
            if hash.len() > 1 {
                scroll::scroll_to_hash_after_render(hash);
            }
        }
        Some(root) => leptos::mount::hydrate_from(root, app).forget(),
        None => leptos::mount::hydrate_body(app),
    }
    recovery::hydrated();
    // Hydration is synchronous: whatever page was going to use the embedded
    // props has done so. A later page must never take them (the location
    // still shows the old URL while a navigation chooses its view).
    state.initial.borrow_mut().take();
    let _ = js_sys::Reflect::set(&window(), &HYDRATED_FLAG.into(), &true.into());
}

/// The build id of the server that rendered this document.
pub fn build_id() -> String {
    state().build()
}

/// When hydration fails: the browser renders the page instead.
///
/// Hydration walks the server's HTML expecting exactly what the app renders;
/// something in the browser that changed the page inside the app's element
/// before the wasm ran (a page translator wrapping text in `<font>`, an
/// extension) makes it meet a node it does not expect, and the wasm traps:
/// the page would stay as HTML with nothing working. The document's module
/// script catches that and loads the same URL once more with
/// `protocol::RENDER_PARAM`, for which the server sends the shell with an
/// empty app element and the embedded props; the browser then renders the
/// page itself, as React recovers by rendering on the client. A fresh load
/// also gives a fresh wasm instance: the trapped one is never called again.
/// In a debug build the panic's message (where server and browser
/// disagreed) is kept across the reload and shown in an overlay.
mod recovery {
    use leptos::prelude::window;

    /// Where the panic's message waits for the reload (debug builds).
    const MESSAGE_KEY: &str = "server-props-hydration-panic";

    thread_local! {
        static HYDRATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Notes a panic while hydrating, for the overlay after the reload.
    pub(super) fn watch_hydration() {
        HYDRATING.with(|h| h.set(true));
        if !cfg!(debug_assertions) {
            return;
        }
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if HYDRATING.with(std::cell::Cell::get) {
                if let Ok(Some(storage)) = window().session_storage() {
                    let _ = storage.set_item(MESSAGE_KEY, &info.to_string());
                }
            }
            previous(info);
        }));
    }

    pub(super) fn hydrated() {
        HYDRATING.with(|h| h.set(false));
    }

    /// Runs a hydration that starts after the module script's `hydrate()`
    /// has returned (the first page's chunk was loaded first), so that a
    /// trap in it recovers as one in `hydrate()` itself does: through the
    /// function the module script leaves for it (`assets::GUARD_GLOBAL`),
    /// which calls it inside a `try` whose `catch` is `RECOVER`. A shell
    /// without the kit's module script has none: then it is called as it
    /// is.
    pub(super) fn guarded(hydrate: impl FnOnce() + 'static) {
        use wasm_bindgen::JsCast;
        let guard = js_sys::Reflect::get(&js_sys::global(), &crate::assets::GUARD_GLOBAL.into())
            .ok()
            .and_then(|guard| guard.dyn_into::<js_sys::Function>().ok());
        match guard {
            Some(guard) => {
                let hydrate = wasm_bindgen::closure::Closure::once_into_js(hydrate);
                // Called by the browser in a microtask of its own, not from
                // here: a trap in it then unwinds to the guard and leaves no
                // frame of this instance to return into.
                let call = guard.bind1(&wasm_bindgen::JsValue::NULL, &hydrate);
                window().queue_microtask(call.unchecked_ref());
            }
            None => hydrate(),
        }
    }

    /// The page was left for the browser: the parameter comes off the
    /// address (before anything reads it), and in a debug build the
    /// overlay says why.
    pub(super) fn arrived() {
        let location = window().location();
        let search = location.search().unwrap_or_default();
        let kept: Vec<&str> = search
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty() && p.split('=').next() != Some(crate::protocol::RENDER_PARAM))
            .collect();
        let path = location.pathname().unwrap_or_default();
        let hash = location.hash().unwrap_or_default();
        let query = if kept.is_empty() {
            String::new()
        } else {
            format!("?{}", kept.join("&"))
        };
        if let Ok(history) = window().history() {
            let state = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
            let _ =
                history.replace_state_with_url(&state, "", Some(&format!("{path}{query}{hash}")));
        }
        leptos::logging::warn!(
            "server_props: hydrating this page failed (something changed it before the wasm \
             ran); it was rendered in the browser instead"
        );
        let message = window().session_storage().ok().flatten().and_then(|s| {
            let message = s.get_item(MESSAGE_KEY).ok().flatten();
            let _ = s.remove_item(MESSAGE_KEY);
            message
        });
        if let (true, Some(message)) = (cfg!(debug_assertions), message) {
            show_overlay(&message);
        }
    }

    /// The development overlay for a failed hydration.
    fn show_overlay(message: &str) {
        let Some(document) = window().document() else {
            return;
        };
        let Ok(overlay) = document.create_element("div") else {
            return;
        };
        overlay.set_id("server-props-hydration-overlay");
        let _ = overlay.set_attribute(
            "style",
            "position:fixed;bottom:0;left:0;right:0;z-index:2147483647;max-height:40vh;\
             overflow:auto;background:#fff5f5;color:#611;border-top:3px solid #c00;\
             font:13px/1.4 ui-monospace,monospace;padding:12px 16px;white-space:pre-wrap",
        );
        overlay.set_text_content(Some(&format!(
            "Hydration failed: the page in the browser was not what the server rendered, \
             so it was rendered in the browser instead (development mode only shows this).\n\n{message}"
        )));
        if let Some(body) = document.body() {
            let _ = body.append_child(&overlay);
        }
    }
}

fn read_embedded() -> Option<PropsPayload> {
    let text = document().get_element_by_id(SCRIPT_ID)?.text_content()?;
    match serde_json::from_str::<PropsPayload>(&text) {
        Ok(payload) => {
            // The deferred values' outcomes, at the end of the document
            // (the wasm runs once it is all there): hydration renders them
            // as the server did, with no request.
            if payload.deferred.count() > 0 {
                let values = document()
                    .get_element_by_id(DEFERRED_SCRIPT_ID)
                    .and_then(|script| script.text_content());
                match values.map(|json| payload.deferred.arrive_all(&json)) {
                    Some(Ok(())) => {}
                    Some(Err(e)) => {
                        leptos::logging::error!("server_props: deferred values do not parse: {e}");
                    }
                    None => leptos::logging::error!("server_props: deferred values missing"),
                }
            }
            Some(payload)
        }
        Err(e) => {
            leptos::logging::error!("server_props: embedded props do not parse: {e}");
            None
        }
    }
}

fn location_url() -> String {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    PageUrl::from_search(&path, &search).into_string()
}

/// The path and query of a URL of this origin (resolved against the
/// document's), or `None` for another origin.
pub(crate) fn same_origin_page_url(url: &str) -> Option<String> {
    page_url_parts(url).map(|(key, _)| key)
}

/// `(path and query, #hash)` of a same-origin URL.
pub(crate) fn page_url_parts(url: &str) -> Option<(String, String)> {
    let location = window().location();
    let base = location.href().ok()?;
    let parsed = web_sys::Url::new_with_base(url, &base).ok()?;
    if parsed.origin() != location.origin().ok()? {
        return None;
    }
    let page_url = PageUrl::from_search(&parsed.pathname(), &parsed.search());
    Some((page_url.into_string(), parsed.hash()))
}

/// Whether a URL is an absolute `http:` or `https:` URL: the only
/// redirects to another site the browser half follows (a navigation's, a
/// submission's).
fn is_web_url(url: &str) -> bool {
    let lower = url
        .trim_start()
        .get(..8)
        .unwrap_or_default()
        .to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The layout data an answer carries, for `use_layout_data`.
fn set_layout(state: &BrowserState, payload: &PropsPayload) {
    if let Some(layout) = &payload.layout {
        state.signals.layout.set(Some(Arc::from(layout.get())));
    }
}

/// The browser's props source: the embedded props on hydration, fetched
/// props afterwards. It owns the browser half's state, and hands it to the
/// navigator with each view it is asked for.
struct BrowserSource {
    /// Everything the tab remembers. Only ever touched on the tab's one
    /// thread; the wrapper gives the source the `Send` and `Sync` that
    /// context asks of it.
    state: SendWrapper<BrowserState>,
}

impl BrowserSource {
    fn state(&'static self) -> &'static BrowserState {
        &self.state
    }
}

impl PropsSource for &'static BrowserSource {
    fn first_view(&self, view: PageView) -> ViewFuture {
        Box::pin(SendWrapper::new(navigate::first_view(self.state(), view)))
    }

    fn navigated_view(&self, view: PageView, url: String, reload: bool) -> ViewFuture {
        let state = self.state();
        Box::pin(SendWrapper::new(async move {
            let page_url = url.clone();
            let view_future = navigate::fetched_view(state, view, url, reload);
            navigate::with_pending(view, &page_url, view_future).await
        }))
    }

    fn layout_json(&self) -> ArcSignal<Option<Arc<str>>> {
        self.state().signals.layout.clone().into()
    }

    fn action_json(&self) -> ArcSignal<Option<crate::navigation::ActionJson>> {
        self.state().signals.action.clone().into()
    }
}

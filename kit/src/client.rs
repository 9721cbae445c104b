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

use crate::{
    navigation::{NavigationState, Signals},
    page::PageError,
    pages::PageKind,
    protocol::{self, PropsPayload, PROPS_HEADER, SCRIPT_ID},
    view::PageView,
};
use futures::{
    future::{LocalBoxFuture, Shared},
    FutureExt,
};
use leptos::prelude::*;
use leptos_router::{hooks::use_url, NavigateOptions};
use serde_json::value::RawValue;
use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
};
use wasm_bindgen::{closure::Closure, JsCast};
use wasm_bindgen_futures::JsFuture;

/// The `window` property set to `true` once hydration has finished: tests and
/// tools wait for it instead of guessing when the page became interactive.
pub const HYDRATED_FLAG: &str = "__serverPropsHydrated";

/// `sessionStorage` key of the last document navigation the kit made.
const LAST_HARD_NAVIGATION: &str = "server_props:hard-navigation";
/// A document loaded by the kit's document navigation that wants another one
/// to the same URL within this many milliseconds is in a loop: the kit shows
/// the error page instead.
const LOOP_WINDOW_MS: f64 = 10_000.0;

type FetchFuture = LocalBoxFuture<'static, Result<PropsPayload, ()>>;
type PropsFetch = Shared<FetchFuture>;

thread_local! {
    /// The embedded payload, until hydration is over.
    static INITIAL: RefCell<Option<PropsPayload>> = const { RefCell::new(None) };
    /// The server build the page was rendered by.
    static BUILD: RefCell<String> = const { RefCell::new(String::new()) };
    /// Props requests in flight, by props URL, with how many navigations wait for each.
    static IN_FLIGHT: RefCell<HashMap<String, (PropsFetch, usize)>> = RefCell::new(HashMap::new());
    /// Numbers navigations, so only the newest one resets the state to idle.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// When and to which URL the kit's document navigation loaded this document.
    static ARRIVED_BY_DOCUMENT_NAVIGATION: RefCell<Option<(f64, String)>> = const { RefCell::new(None) };
    /// Scroll positions of the history entries seen, by URL.
    static SCROLL: RefCell<HashMap<String, f64>> = RefCell::new(HashMap::new());
}

/// Hydrates the app rendered by the server, giving its first page the props
/// embedded in the document. Call it from the client crate's `hydrate` export.
pub fn hydrate<F, V>(app: F)
where
    F: FnOnce() -> V + 'static,
    V: IntoView,
{
    note_arrival();
    if let Some(payload) = read_embedded() {
        if let Some(build) = &payload.build {
            BUILD.with(|b| b.borrow_mut().clone_from(build));
        }
        INITIAL.with(|i| *i.borrow_mut() = Some(payload));
    }
    leptos::mount::hydrate_body(app);
    // Hydration is synchronous: whatever page was going to use the embedded
    // props has done so. A later page must never take them (the location
    // still shows the old URL while a navigation chooses its view).
    INITIAL.with(|i| i.borrow_mut().take());
    track_scroll();
    let _ = js_sys::Reflect::set(&window(), &HYDRATED_FLAG.into(), &true.into());
}

/// The build id of the server that rendered this document.
pub fn build_id() -> String {
    BUILD.with(|b| b.borrow().clone())
}

fn read_embedded() -> Option<PropsPayload> {
    let text = document().get_element_by_id(SCRIPT_ID)?.text_content()?;
    match serde_json::from_str(&text) {
        Ok(payload) => Some(payload),
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
    path + &search
}

/// A page URL without an empty query (`/a?` is `/a`: `location.search` is empty for both).
fn normalized(url: &str) -> &str {
    url.strip_suffix('?').unwrap_or(url)
}

/// The view of the page a navigation (or hydration) chose: the embedded
/// props on hydration, fetched props otherwise.
pub(crate) async fn first_view(view: PageView) -> AnyView {
    let initial = INITIAL.with(|i| i.borrow_mut().take());
    if let Some(payload) = initial {
        if payload.url.as_deref().map(normalized) == Some(location_url().as_str()) {
            if let Next::View(view) = render_payload(view, payload, None) {
                return view;
            }
        }
    }
    let url = use_url().get_untracked();
    let page_url = if url.search().is_empty() {
        url.path().to_owned()
    } else {
        format!("{}?{}", url.path(), url.search())
    };
    let hash = url.hash().trim_start_matches('#').to_owned();
    let view = fetched_view(view, page_url).await;
    if !hash.is_empty() {
        scroll_to_hash_after_render(hash);
    }
    view
}

/// Scrolls the element the `#hash` names into view once the page that holds
/// it is in the document (the router scrolls before a loader page has
/// rendered, when the element does not exist yet).
fn scroll_to_hash_after_render(hash: String) {
    request_animation_frame(move || {
        let id: String = js_sys::decode_uri_component(&hash)
            .map(String::from)
            .unwrap_or(hash);
        if let Some(element) = document().get_element_by_id(&id) {
            element.scroll_into_view();
        }
    });
}

/// The view of a page after fetching its props for `page_url` (path as the
/// router holds it, percent-encoded as in `location.pathname`, plus the query).
///
/// When the answer calls for another navigation (a redirect, or a document
/// load), the returned future never completes: Leptos then never commits
/// the abandoned URL to history, and the page on screen stays until the
/// browser leaves it.
pub(crate) async fn fetched_view(view: PageView, page_url: String) -> AnyView {
    let navigate = leptos_router::hooks::use_navigate();
    let loading = Loading::start(&page_url);
    let next = match fetch_props(&page_url).await {
        Ok(payload) => render_payload(view, payload, Some(&page_url)),
        Err(()) => Next::Document(page_url.clone()),
    };
    // Whether the router has already put this URL in history (a page that
    // follows its own URL): then the next navigation replaces the entry.
    let committed = location_url() == page_url;
    match next {
        Next::View(view) => {
            drop(loading);
            return view;
        }
        Next::Redirect(destination) => {
            navigate(
                &destination,
                NavigateOptions {
                    replace: committed,
                    ..Default::default()
                },
            );
        }
        Next::Document(url) => {
            if let Some(error) = document_navigation(&url, committed) {
                drop(loading);
                return error;
            }
        }
    }
    std::future::pending().await
}

/// What a props answer leads to.
enum Next {
    /// Render this view in place.
    View(AnyView),
    /// Navigate client-side to this same-origin URL.
    Redirect(String),
    /// Load this URL as a document.
    Document(String),
}

/// Marks a navigation as loading until it is dropped (done or superseded).
struct Loading(u64);

impl Loading {
    fn start(url: &str) -> Self {
        let generation = GENERATION.with(|g| {
            g.set(g.get() + 1);
            g.get()
        });
        Signals::get().state.set(NavigationState::Loading {
            url: url.to_owned(),
        });
        Self(generation)
    }
}

impl Drop for Loading {
    fn drop(&mut self) {
        if GENERATION.with(Cell::get) == self.0 {
            Signals::get().state.set(NavigationState::Idle);
            restore_scroll_if_popped();
        }
    }
}

/// The outcome of a props answer. `page_url` is `None` on hydration, where
/// the document already is the server's answer and everything renders in place.
fn render_payload(view: PageView, payload: PropsPayload, page_url: Option<&str>) -> Next {
    let pages = view.pages;
    let PageKind::Props(page) = &pages.entries[view.index].kind else {
        return Next::View(().into_any());
    };
    if payload.not_found {
        return Next::View(pages.not_found.run());
    }
    if let (Some(redirect), Some(_)) = (&payload.redirect, page_url) {
        let destination = redirect.destination.clone();
        return if redirect.is_same_origin() {
            Next::Redirect(destination)
        } else if is_web_url(&destination) {
            Next::Document(destination)
        } else {
            // `javascript:` and friends: never followed.
            leptos::logging::error!("server_props: refusing to redirect to {destination:?}");
            Next::View(pages.render_error(PageError {
                status: 500,
                detail: None,
            }))
        };
    }
    if payload.error.is_some() {
        if let Some(url) = page_url {
            // A failed navigation: let the server render its error page.
            return Next::Document(url.to_owned());
        }
        return Next::View(pages.render_error(PageError {
            status: payload.status.unwrap_or(500),
            detail: payload.detail,
        }));
    }
    // `"props":null` (props of type `()`) reads as no `props` field.
    let json = payload.props.as_deref().map_or("null", RawValue::get);
    match (page.render_json)(json) {
        Ok(view) => Next::View(view),
        Err(e) => {
            leptos::logging::error!("server_props: props do not match the page: {e}");
            match page_url {
                Some(url) => Next::Document(url.to_owned()),
                None => Next::View(pages.render_error(PageError {
                    status: 500,
                    detail: Some(e.to_string()),
                })),
            }
        }
    }
}

/// Whether a URL is an absolute `http:` or `https:` URL.
fn is_web_url(url: &str) -> bool {
    let lower = url
        .trim_start()
        .get(..8)
        .unwrap_or_default()
        .to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Starts one document navigation to `url` (replacing the current entry if
/// the router already pushed it), unless this very document was loaded by
/// the kit's document navigation to the same URL moments ago: a loop. Then it
/// returns the error page to show in place.
fn document_navigation(url: &str, replace: bool) -> Option<AnyView> {
    let now = js_sys::Date::now();
    let storage = window().session_storage().ok().flatten();
    if let Some((at, arrived)) = ARRIVED_BY_DOCUMENT_NAVIGATION.with(|a| a.borrow().clone()) {
        if arrived == url && now - at < LOOP_WINDOW_MS {
            leptos::logging::error!("server_props: not reloading {url} again (loop)");
            return Some(
                view! {
                    <h1>"500"</h1>
                    <p>"Internal Server Error."</p>
                }
                .into_any(),
            );
        }
    }
    if let Some(storage) = storage {
        let _ = storage.set_item(LAST_HARD_NAVIGATION, &format!("{} {url}", now as u64));
    }
    let location = window().location();
    let result = if replace {
        location.replace(url)
    } else {
        location.assign(url)
    };
    if let Err(e) = result {
        leptos::logging::error!("server_props: navigation to {url} failed: {e:?}");
    }
    // The document may never unload (a download, a 204): not loading any more.
    Signals::get().state.set(NavigationState::Idle);
    None
}

/// Notes whether this document was loaded by the kit's own document
/// navigation (the loop guard's evidence), and forgets the record.
fn note_arrival() {
    let Some(storage) = window().session_storage().ok().flatten() else {
        return;
    };
    let record = storage.get_item(LAST_HARD_NAVIGATION).ok().flatten();
    let _ = storage.remove_item(LAST_HARD_NAVIGATION);
    if let Some((at, url)) = record.as_deref().and_then(|r| r.split_once(' ')) {
        if let (Ok(at), true) = (at.parse::<u64>().map(|at| at as f64), url == location_url()) {
            ARRIVED_BY_DOCUMENT_NAVIGATION.with(|a| *a.borrow_mut() = Some((at, url.to_owned())));
        }
    }
}

/// Fetches the props answer for a page URL, sharing a request already in
/// flight for the same URL. `Err` means "not props": the caller falls back
/// to a document navigation.
async fn fetch_props(page_url: &str) -> Result<PropsPayload, ()> {
    let url = protocol::props_url(&build_id(), page_url);
    let fetch = IN_FLIGHT.with(|in_flight| {
        let mut in_flight = in_flight.borrow_mut();
        let entry = in_flight
            .entry(url.clone())
            .or_insert_with(|| (fetch_once(url.clone()).boxed_local().shared(), 0));
        entry.1 += 1;
        entry.0.clone()
    });
    let _waiting = Waiting(url);
    fetch.await
}

/// One navigation waiting for an in-flight request. When the last one stops
/// waiting (done, or superseded), the request is forgotten, which aborts it
/// if it is still running. That happens a moment later, so that a repeat of
/// the same navigation (a second click on one link) joins it instead of
/// starting a new request and a second loader run.
struct Waiting(String);

impl Drop for Waiting {
    fn drop(&mut self) {
        let url = std::mem::take(&mut self.0);
        let last = IN_FLIGHT.with(|in_flight| {
            let mut in_flight = in_flight.borrow_mut();
            in_flight.get_mut(&url).is_some_and(|entry| {
                entry.1 -= 1;
                entry.1 == 0
            })
        });
        if last {
            set_timeout(
                move || {
                    IN_FLIGHT.with(|in_flight| {
                        let mut in_flight = in_flight.borrow_mut();
                        if in_flight.get(&url).is_some_and(|entry| entry.1 == 0) {
                            in_flight.remove(&url);
                        }
                    })
                },
                std::time::Duration::ZERO,
            );
        }
    }
}

/// Aborts a `fetch` when dropped before it is disarmed.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

async fn fetch_once(url: String) -> Result<PropsPayload, ()> {
    let controller = web_sys::AbortController::new().ok();
    let mut guard = AbortOnDrop(controller.clone());
    let init = web_sys::RequestInit::new();
    if let Some(controller) = &controller {
        init.set_signal(Some(&controller.signal()));
    }
    let response = JsFuture::from(window().fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|_| ())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| ())?;
    let has_marker = response
        .headers()
        .get(PROPS_HEADER)
        .ok()
        .flatten()
        .is_some();
    if !has_marker {
        return Err(());
    }
    let text = JsFuture::from(response.text().map_err(|_| ())?)
        .await
        .map_err(|_| ())?;
    guard.0 = None;
    let payload: PropsPayload =
        serde_json::from_str(&text.as_string().unwrap_or_default()).map_err(|_| ())?;
    if payload.stale_build {
        return Err(());
    }
    Ok(payload)
}

thread_local! {
    /// Set by Back/Forward: the URL whose scroll position to restore once its page is shown.
    static POPPED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Takes over scroll restoration: the browser's own happens before the new
/// page has rendered, so the kit remembers each URL's position and restores
/// it after a Back/Forward navigation has rendered.
fn track_scroll() {
    if let Ok(history) = window().history() {
        let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
    }
    let on_scroll = Closure::<dyn Fn()>::new(|| {
        if POPPED.with(|p| p.borrow().is_some()) {
            // The entry being restored: its saved position must survive
            // scrolls the page swap causes.
            return;
        }
        let y = window().scroll_y().unwrap_or(0.0);
        SCROLL.with(|s| s.borrow_mut().insert(location_url(), y));
    });
    let on_popstate = Closure::<dyn Fn()>::new(|| {
        POPPED.with(|p| *p.borrow_mut() = Some(location_url()));
        // A page without a loader renders at once: restore after it has.
        request_animation_frame(|| {
            if !Signals::get().state.get_untracked().is_loading() {
                restore_scroll_if_popped();
            }
        });
    });
    let _ = window().add_event_listener_with_callback("scroll", on_scroll.as_ref().unchecked_ref());
    let _ =
        window().add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
    on_scroll.forget();
    on_popstate.forget();
}

fn restore_scroll_if_popped() {
    let Some(url) = POPPED.with(|p| p.borrow_mut().take()) else {
        return;
    };
    let y = SCROLL
        .with(|s| s.borrow().get(&url).copied())
        .unwrap_or(0.0);
    // After the new page's DOM is in place.
    request_animation_frame(move || window().scroll_to_with_x_and_y(0.0, y));
}

//! What a props answer leads to: the page rendered in place, a client-side
//! redirect, or one document navigation (with a guard against reload loops).

use super::{
    fetch::{fetch_props, Fetched},
    is_web_url, location_url, normalized,
    props_cache::{self, Found},
    scroll, set_layout, INITIAL,
};
use crate::Erase;
use crate::{
    freshness::{Answer, Freshness, Keep},
    navigation::{NavigationState, Signals},
    page::PageError,
    pages::PageKind,
    protocol::{self, PropsPayload},
    view::PageView,
};
use leptos::prelude::*;
use leptos_router::{hooks::use_url, NavigateOptions};
use serde_json::value::RawValue;
use std::cell::{Cell, RefCell};

/// `sessionStorage` key of the last document navigation the kit made.
const LAST_HARD_NAVIGATION: &str = "server_props:hard-navigation";
/// A document loaded by the kit's document navigation that wants another one
/// to the same URL within this many milliseconds is in a loop: the kit shows
/// the error page instead.
const LOOP_WINDOW_MS: f64 = 10_000.0;

thread_local! {
    /// Numbers navigations, so only the newest one resets the state to idle.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// When and to which URL the kit's document navigation loaded this document.
    static ARRIVED_BY_DOCUMENT_NAVIGATION: RefCell<Option<(f64, String)>> = const { RefCell::new(None) };
}

/// The view of the page a navigation (or hydration) chose: the embedded
/// props on hydration, fetched props otherwise.
pub(super) async fn first_view(view: PageView) -> AnyView {
    let initial = INITIAL.with(|i| i.borrow_mut().take());
    if let Some(payload) = initial {
        if payload.url.as_deref().map(normalized) == Some(location_url().as_str()) {
            seed(view, &payload);
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
    let view = with_pending(view, &page_url.clone(), fetched_view(view, page_url, false)).await;
    if !hash.is_empty() {
        scroll::scroll_to_hash_after_render(hash);
    }
    view
}

/// The view of a page after fetching its props for `page_url` (path as the
/// router holds it, percent-encoded as in `location.pathname`, plus the query).
///
/// When the answer calls for another navigation (a redirect, or a document
/// load), the returned future never completes: Leptos then never commits
/// the abandoned URL to history, and the page on screen stays until the
/// browser leaves it.
pub(super) async fn fetched_view(view: PageView, page_url: String, reload: bool) -> AnyView {
    // A form submission's answer for this page: rendered as it is, errors
    // included (the submission is over; nothing is fetched again).
    if let Some(payload) = super::submit::take_answer(&page_url) {
        note_new_view();
        if let Next::View(view) = render_payload(view, payload, None) {
            return view;
        }
    }
    // A background revalidation's new props for the page on screen.
    if let Some(payload) = take_revalidated(&page_url) {
        if let Next::View(view) = render_payload(view, payload, Some(&page_url)) {
            return view;
        }
    }
    super::prefetch::cancel_others(&page_url);
    let props_url = protocol::props_url(&super::build_id(), &page_url);
    let keeps_last = restores_on_back(view);
    let restores = keeps_last && scroll::is_popped();
    let mut etag = None;
    if reload {
        props_cache::forget(&props_url);
    } else {
        let cached = match props_cache::lookup(&props_url) {
            Found::Fresh(payload) => Some(payload),
            Found::Stale(payload, etag) => {
                revalidate_in_background(page_url.clone(), etag, keeps_last);
                Some(payload)
            }
            Found::Expired(tag) if restores => {
                // A page that restores its last props on Back/Forward.
                revalidate_in_background(page_url.clone(), Some(tag), keeps_last);
                props_cache::last(&props_url)
            }
            Found::Expired(tag) => {
                etag = Some(tag);
                None
            }
            Found::Miss if restores => {
                // A page that restores its last props on Back/Forward.
                let last = props_cache::last(&props_url);
                if last.is_some() {
                    revalidate_in_background(page_url.clone(), None, keeps_last);
                }
                last
            }
            Found::Miss => None,
        };
        if let Some(payload) = cached {
            if let Next::View(view) = render_payload(view, payload, Some(&page_url)) {
                scroll::restore_scroll_if_popped();
                return view;
            }
        }
    }
    let navigate = leptos_router::hooks::use_navigate();
    let loading = Loading::start(&page_url);
    // A refresh asks anew; it never joins a request already on its way.
    let next = match fetch_props(&page_url, etag, !reload).await {
        Ok(fetched) => {
            let payload = keep(&props_url, fetched, keeps_last).0;
            match payload {
                Some(payload) => render_payload(view, payload, Some(&page_url)),
                // A 304 for an entry that is gone since: ask again, plainly,
                // with a request of its own.
                None => match fetch_props(&page_url, None, false).await {
                    Ok(fetched) => match keep(&props_url, fetched, keeps_last).0 {
                        Some(payload) => render_payload(view, payload, Some(&page_url)),
                        None => Next::Document(page_url.clone()),
                    },
                    Err(error) => {
                        error.log(&page_url);
                        Next::Document(page_url.clone())
                    }
                },
            }
        }
        Err(error) => {
            error.log(&page_url);
            Next::Document(page_url.clone())
        }
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

/// The page's view from `future`, or, as the page's [`Navigation`]
/// (crate::Navigation) says, its pending view while the props are on their
/// way: after the navigation's delay, and then for at least its minimum
/// display time, so a fast answer never flashes it and one just past the
/// delay does not make it flicker. A ready answer (a kept one, a
/// submission's) renders at once.
pub(super) async fn with_pending(
    view: PageView,
    page_url: &str,
    future: impl std::future::Future<Output = AnyView> + 'static,
) -> AnyView {
    let entry = &view.pages.entries[view.index];
    let PageKind::Props(page) = &entry.kind else {
        return future.await;
    };
    let Some(delay) = page.navigation.pending_delay() else {
        return future.await;
    };
    let path = page_url.split(['?', '#']).next().unwrap_or_default();
    let pending = entry
        .pattern
        .decode_params(path)
        .ok()
        .and_then(|params| (page.pending)(&params));
    let Some(pending) = pending else {
        return future.await;
    };
    let mut future = Box::pin(future);
    match futures::future::select(future, Box::pin(sleep(delay.as_secs_f64() * 1000.0))).await {
        futures::future::Either::Left((view, _)) => return view,
        futures::future::Either::Right((_, rest)) => future = rest,
    }
    let shown_at = js_sys::Date::now();
    let min_ms = page.navigation.pending_min_display().as_secs_f64() * 1000.0;
    let page_view = std::sync::Arc::new(std::sync::Mutex::new(None::<AnyView>));
    let pending = std::sync::Arc::new(std::sync::Mutex::new(Some(pending)));
    let ready = ArcRwSignal::new(false);
    {
        let page_view = page_view.clone();
        let ready = ready.clone();
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let view = future.await;
            let left = shown_at + min_ms - js_sys::Date::now();
            if left > 0.0 {
                sleep(left).await;
            }
            *crate::sync::lock(&page_view) = Some(view);
            ready.set(true);
        });
    }
    (move || {
        let slot = if ready.get() { &page_view } else { &pending };
        crate::sync::lock(slot).take().unwrap_or_else(|| ().erase())
    })
    .erase()
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: f64) {
    let (done, wait) = futures::channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = done.send(());
        },
        std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0),
    );
    let _ = wait.await;
}

/// Whether the page restores its last props on Back/Forward.
fn restores_on_back(view: PageView) -> bool {
    match &view.pages.entries[view.index].kind {
        PageKind::Props(page) => page.navigation.restores_on_back(),
        PageKind::Static(_) => false,
    }
}

/// Keeps a fetched answer as its headers allow (and, `keep_last`, for
/// Back/Forward when they allow nothing) and returns what to render (the
/// answer, or the kept one for a `304`; `None` if that is gone) and whether
/// the cache kept it.
pub(super) fn keep(
    props_url: &str,
    mut fetched: Fetched,
    keep_last: bool,
) -> (Option<PropsPayload>, bool) {
    if fetched.not_modified() {
        let kept = props_cache::revalidated(props_url, &fetched.freshness);
        let found = kept.is_some();
        return (kept, found);
    }
    let kept = (fetched.status < 400 || fetched.payload.not_found)
        && props_cache::store(props_url, fetched.answer(), back_or_as_allowed(keep_last));
    (Some(fetched.payload), kept)
}

/// How a page's own answers are kept: for Back/Forward too when the page
/// restores its last props there.
fn back_or_as_allowed(keep_last: bool) -> Keep {
    if keep_last {
        Keep::LastForBack
    } else {
        Keep::AsAllowed
    }
}

thread_local! {
    /// New props a background revalidation found for the page on screen:
    /// its re-render takes them, without looking at the cache again (which
    /// would start another revalidation of an entry still stale).
    static REVALIDATED: RefCell<Option<(String, PropsPayload)>> = const { RefCell::new(None) };
}

/// Something new is on screen (a kept answer, a submission's): a
/// background revalidation started before it must not replace it.
pub(super) fn note_new_view() {
    GENERATION.with(|g| g.set(g.get() + 1));
}

fn take_revalidated(page_url: &str) -> Option<PropsPayload> {
    REVALIDATED.with(|r| {
        let (url, payload) = r.borrow_mut().take()?;
        (url == page_url).then_some(payload)
    })
}

/// Revalidates a kept answer without holding up the page; when the props
/// changed and nothing happened meanwhile (no navigation, no submission, no
/// write or session change), the page re-renders with them.
fn revalidate_in_background(page_url: String, etag: Option<String>, keep_last: bool) {
    let generation = GENERATION.with(Cell::get);
    leptos::task::spawn_local(async move {
        let props_url = protocol::props_url(&super::build_id(), &page_url);
        let before = props_cache::last(&props_url);
        let Ok(fetched) = fetch_props(&page_url, etag, true).await else {
            return;
        };
        if fetched.epoch != props_cache::epoch() && !fetched.not_modified() {
            // Sent before a write or a session change: old news.
            return;
        }
        let changed = !fetched.not_modified()
            && fetched.status < 400
            && fetched.payload.props.is_some()
            && before.as_ref().map(|p| raw(&p.props)) != Some(raw(&fetched.payload.props));
        let payload = fetched.payload.clone();
        let _ = keep(&props_url, fetched, keep_last);
        let undisturbed = GENERATION.with(Cell::get) == generation
            && Signals::get()
                .state
                .with_untracked(|s| *s == NavigationState::Idle)
            && location_url() == page_url;
        if changed && undisturbed {
            set_layout(&payload);
            REVALIDATED.with(|r| *r.borrow_mut() = Some((page_url, payload)));
            Signals::get().revalidated.update(|n| *n += 1);
        }
    });
}

fn raw(value: &Option<Box<RawValue>>) -> Option<String> {
    value.as_ref().map(|v| v.get().to_owned())
}

/// Keeps the document's embedded props as the props answer for its URL
/// would be kept: the first page counts for Back and repeat visits too.
fn seed(view: PageView, payload: &PropsPayload) {
    let tags = payload.tags.clone();
    let Some(url) = payload.url.as_deref() else {
        return;
    };
    if payload.props.is_none() {
        return;
    }
    let freshness = Freshness::parse(payload.cache_control.as_deref());
    let props_url = protocol::props_url(&super::build_id(), normalized(url));
    let answer = Answer {
        payload,
        freshness: &freshness,
        etag: None,
        tags,
        sent_at: props_cache::epoch(),
    };
    props_cache::store(
        &props_url,
        answer,
        back_or_as_allowed(restores_on_back(view)),
    );
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
            scroll::restore_scroll_if_popped();
        }
    }
}

/// The outcome of a props answer. `page_url` is `None` on hydration, where
/// the document already is the server's answer and everything renders in place.
fn render_payload(view: PageView, payload: PropsPayload, page_url: Option<&str>) -> Next {
    let pages = view.pages;
    let PageKind::Props(page) = &pages.entries[view.index].kind else {
        return Next::View(().erase());
    };
    set_layout(&payload);
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
            Next::View(pages.render_error(PageError::new(500)))
        };
    }
    if payload.error.is_some() {
        if let (Some(url), None) = (page_url, &payload.dev) {
            // A failed navigation: let the server render its error page.
            return Next::Document(url.to_owned());
        }
        // Hydration, or development mode: the error page (and the overlay)
        // in place, from this answer; the failing loader does not run twice.
        return Next::View(
            pages.render_error(
                PageError::new(payload.status.unwrap_or(500))
                    .with_detail(payload.detail)
                    .with_dev(payload.dev),
            ),
        );
    }
    // `"props":null` (props of type `()`) reads as no `props` field.
    let json = payload.props.as_deref().map_or("null", RawValue::get);
    match (page.render_json)(json) {
        Ok(view) => Next::View(view),
        Err(e) => {
            leptos::logging::error!("server_props: props do not match the page: {e}");
            match page_url {
                Some(url) => Next::Document(url.to_owned()),
                None => Next::View(
                    pages.render_error(PageError::new(500).with_detail(Some(e.to_string()))),
                ),
            }
        }
    }
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
                .erase(),
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
pub(super) fn note_arrival() {
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

//! What a props answer leads to: the page rendered in place, a client-side
//! redirect, or one document navigation (with a guard against reload loops).
//!
//! The navigator is also what applies an answer to the props cache: what
//! the answer keeps (its props, as its headers allow) and what it drops
//! (the fetch returns the tags a write invalidated and a stale build as a
//! value, [`apply`] drops them), for every props request the browser half
//! makes, a prefetch's and a submission's included.

use super::{
    fetch::{self, FetchError, Fetched},
    is_web_url, location_url,
    props_cache::Found,
    scroll, set_layout,
    state::BrowserState,
};
use crate::Erase;
use crate::{
    bookkeeping::Arrival,
    chunk::PageCode,
    freshness::{Answer, Freshness, Invalidation, Keep},
    navigation::NavigationState,
    page::PageError,
    page_url::PageUrl,
    pages::{Content, PageKind},
    protocol::{PayloadBody, PropsPayload},
    view::PageView,
};
use leptos::prelude::*;
use leptos_router::{hooks::use_url, NavigateOptions};

/// `sessionStorage` key of the last document navigation the kit made.
const LAST_HARD_NAVIGATION: &str = "server_props:hard-navigation";

/// The props answer for a page URL (see [`fetch::fetch_props`]: shared with
/// a request in flight unless `share` is false), with what it says about
/// the answers kept already applied to the props cache.
pub(super) async fn fetch_props(
    state: &'static BrowserState,
    page_url: &str,
    etag: Option<String>,
    share: bool,
) -> Result<Fetched, FetchError> {
    let (props_url, left_out) = state.props_request(page_url);
    let epoch = state.cache.epoch();
    let reply = fetch::fetch_props(&state.flights, props_url, epoch, etag, share).await;
    apply(state, &reply.invalidation);
    let mut fetched = reply.result?;
    let url = PageUrl::parse(page_url);
    let complete = {
        let mut kept = state.kept_layouts.borrow_mut();
        kept.note(&fetched.payload, &url, js_sys::Date::now());
        fetched.not_modified() || kept.fill(&mut fetched.payload, &left_out)
    };
    if complete {
        return Ok(fetched);
    }
    // A layout it left out was dropped meanwhile (a write changed it): ask
    // again for everything, with a request of its own.
    let props_url = state.submit_url(page_url);
    let reply = fetch::fetch_props(&state.flights, props_url, epoch, None, false).await;
    apply(state, &reply.invalidation);
    let fetched = reply.result?;
    state
        .kept_layouts
        .borrow_mut()
        .note(&fetched.payload, &url, js_sys::Date::now());
    Ok(fetched)
}

/// Applies what an answer said about the answers kept: the ones carrying a
/// tag a write changed go, and every one when the session changed or
/// another build is serving. Either starts a new epoch of the props cache,
/// so answers on their way, sent before, are never kept.
pub(super) fn apply(state: &BrowserState, invalidation: &Invalidation) {
    match invalidation {
        Invalidation::Nothing => {}
        Invalidation::Tags(tags) => {
            state.cache.invalidate(tags.iter().map(String::as_str));
            state
                .kept_layouts
                .borrow_mut()
                .invalidate(tags.iter().map(String::as_str));
        }
        Invalidation::Everything => {
            state.cache.clear();
            state.kept_layouts.borrow_mut().clear();
        }
    }
}

/// The view of the page a navigation (or hydration) chose: the embedded
/// props on hydration, fetched props otherwise.
pub(super) async fn first_view(state: &'static BrowserState, view: PageView) -> AnyView {
    let initial = state.initial.borrow_mut().take();
    if let Some(payload) = initial {
        let for_here = payload.url.as_deref().map(PageUrl::parse);
        if for_here.is_some_and(|url| url == *location_url()) {
            seed(state, view, &payload);
            if let Next::View(view) = render_answer(state, view, payload, None).await {
                return view;
            }
        }
    }
    let url = use_url().get_untracked();
    let page_url = PageUrl::new(url.path(), url.search()).into_string();
    let hash = url.hash().trim_start_matches('#').to_owned();
    let view = with_pending(
        view,
        &page_url.clone(),
        fetched_view(state, view, page_url, false),
    )
    .await;
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
pub(super) async fn fetched_view(
    state: &'static BrowserState,
    view: PageView,
    page_url: String,
    reload: bool,
) -> AnyView {
    // A form submission's answer for this page, which the submission left
    // in the state for it: rendered as it is, errors included (the
    // submission is over; nothing is fetched again).
    let submitted = state.submitted.borrow_mut().take_for(&page_url);
    if let Some(payload) = submitted {
        note_new_view(state);
        if let Next::View(view) = render_answer(state, view, payload, None).await {
            return view;
        }
    }
    // A background revalidation's new props for the page on screen.
    let revalidated = state.revalidated.borrow_mut().take_for(&page_url);
    if let Some(payload) = revalidated {
        if let Next::View(view) = render_answer(state, view, payload, Some(&page_url)).await {
            return view;
        }
    }
    cancel_other_prefetches(state, &page_url);
    let props_url = state.props_url(&page_url);
    let keeps_last = restores_on_back(view);
    let restores = keeps_last && state.scroll.borrow().is_popped();
    let mut etag = None;
    if reload {
        state.cache.forget(&props_url);
    } else {
        let cached = match state.cache.lookup(&props_url) {
            Found::Fresh(payload) => Some(payload),
            Found::Stale(payload, etag) => {
                revalidate_in_background(state, page_url.clone(), etag, keeps_last);
                Some(payload)
            }
            Found::Expired(tag) if restores => {
                // A page that restores its last props on Back/Forward.
                revalidate_in_background(state, page_url.clone(), Some(tag), keeps_last);
                state.cache.last(&props_url)
            }
            Found::Expired(tag) => {
                etag = Some(tag);
                None
            }
            Found::Miss if restores => {
                // A page that restores its last props on Back/Forward.
                let last = state.cache.last(&props_url);
                if last.is_some() {
                    revalidate_in_background(state, page_url.clone(), None, keeps_last);
                }
                last
            }
            Found::Miss => None,
        };
        if let Some(payload) = cached {
            if let Next::View(view) = render_answer(state, view, payload, Some(&page_url)).await {
                scroll::restore_scroll_if_popped(state);
                return view;
            }
        }
    }
    let navigate = leptos_router::hooks::use_navigate();
    let loading = Loading::start(state, &page_url);
    // The page's code, when in a chunk not loaded yet, is asked for beside
    // the props, just after them: over HTTP/1.1's six connections a page's
    // chunk files would otherwise queue the props request behind them.
    // (Rendered from the cache or a submission's answer, `render_answer`
    // loads it.) A refresh asks anew; it never joins a request already on
    // its way.
    let props = fetch_props(state, &page_url, etag, !reload);
    let (fetched, ()) = futures::future::join(props, async { start_loading(view) }).await;
    let next = match fetched {
        Ok(fetched) => {
            let payload = keep(state, &props_url, fetched, keeps_last).0;
            match payload {
                Some(payload) => render_answer(state, view, payload, Some(&page_url)).await,
                // A 304 for an entry that is gone since: ask again, plainly,
                // with a request of its own.
                None => match fetch_props(state, &page_url, None, false).await {
                    Ok(fetched) => match keep(state, &props_url, fetched, keeps_last).0 {
                        Some(payload) => render_answer(state, view, payload, Some(&page_url)).await,
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
            if let Some(error) = document_navigation(state, &url, committed) {
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
/// display time counted from when it is first rendered, so a fast answer
/// never flashes it and one just past the delay does not make it flicker.
/// A ready answer (a kept one, a submission's) renders at once, and so does
/// a page whose props arrive before its pending view was rendered.
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
    let min_ms = page.navigation.pending_min_display().as_secs_f64() * 1000.0;
    let page_view = std::sync::Arc::new(std::sync::Mutex::new(None::<AnyView>));
    let pending = std::sync::Arc::new(std::sync::Mutex::new(Some(pending)));
    // When the pending view was built, which tachys does in the same task
    // as it mounts it: the minimum display time counts from there, not from
    // the end of the delay, since a busy renderer may build it later.
    let shown_at = std::sync::Arc::new(std::sync::Mutex::new(None::<f64>));
    let ready = ArcRwSignal::new(false);
    {
        let page_view = page_view.clone();
        let shown_at = shown_at.clone();
        let ready = ready.clone();
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let view = future.await;
            let shown = *crate::sync::lock(&shown_at);
            if let Some(shown) = shown {
                let left = shown + min_ms - js_sys::Date::now();
                if left > 0.0 {
                    sleep(left).await;
                }
            }
            *crate::sync::lock(&page_view) = Some(view);
            ready.set(true);
        });
    }
    (move || {
        if ready.get() {
            return crate::sync::lock(&page_view)
                .take()
                .unwrap_or_else(|| ().erase());
        }
        match crate::sync::lock(&pending).take() {
            Some(view) => {
                *crate::sync::lock(&shown_at) = Some(js_sys::Date::now());
                view
            }
            None => ().erase(),
        }
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

/// Aborts every prefetch under way but the one for `page_url` (which the
/// navigation to it joins).
fn cancel_other_prefetches(state: &BrowserState, page_url: &str) {
    let others = state.prefetches.borrow_mut().all_but(page_url);
    for prefetch in others {
        prefetch.abort();
    }
}

/// Keeps a fetched answer as its headers allow (and, `keep_last`, for
/// Back/Forward when they allow nothing) and returns what to render (the
/// answer, or the kept one for a `304`; `None` if that is gone) and whether
/// the cache kept it.
fn keep(
    state: &BrowserState,
    props_url: &str,
    mut fetched: Fetched,
    keep_last: bool,
) -> (Option<PropsPayload>, bool) {
    if fetched.not_modified() {
        let kept = state.cache.revalidated(props_url, &fetched.freshness);
        let found = kept.is_some();
        return (kept, found);
    }
    let kept = (fetched.status < 400 || fetched.payload.is_not_found())
        && state
            .cache
            .store(props_url, fetched.answer(), back_or_as_allowed(keep_last));
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

/// Something new is on screen (a kept answer, a submission's): a
/// background revalidation started before it must not replace it.
fn note_new_view(state: &BrowserState) {
    state.generation.next();
}

/// Revalidates a kept answer without holding up the page; when the props
/// changed and nothing happened meanwhile (no navigation, no submission, no
/// write or session change), the page re-renders with them.
fn revalidate_in_background(
    state: &'static BrowserState,
    page_url: String,
    etag: Option<String>,
    keep_last: bool,
) {
    let generation = state.generation.newest();
    leptos::task::spawn_local(async move {
        let props_url = state.props_url(&page_url);
        let before = state.cache.last(&props_url);
        let Ok(fetched) = fetch_props(state, &page_url, etag, true).await else {
            return;
        };
        if fetched.epoch != state.cache.epoch() && !fetched.not_modified() {
            // Sent before a write or a session change: old news.
            return;
        }
        let changed = !fetched.not_modified()
            && fetched.status < 400
            && fetched.payload.props().is_some()
            && before.as_ref().map(raw) != Some(raw(&fetched.payload));
        let payload = fetched.payload.clone();
        let _ = keep(state, &props_url, fetched, keep_last);
        let undisturbed = state.generation.newest() == generation
            && state
                .signals
                .state
                .with_untracked(|s| *s == NavigationState::Idle)
            && location_url() == page_url;
        if changed && undisturbed {
            set_layout(state, &payload);
            state.revalidated.borrow_mut().put(page_url, payload);
            state.signals.revalidated.update(|n| *n += 1);
        }
    });
}

/// What the action said of a refused submission, from the answer `page` is
/// rendered from (none: any other answer), for `use_action_data`.
pub(super) fn set_action_data(
    state: &BrowserState,
    payload: &PropsPayload,
    page: Option<&'static str>,
) {
    let data = match &payload.body {
        PayloadBody::Props {
            action_data: Some(data),
            ..
        } => Some(crate::navigation::ActionJson {
            page,
            json: data.get().into(),
        }),
        _ => None,
    };
    let action = &state.signals.action;
    if action.with_untracked(|now| *now != data) {
        action.set(data);
    }
}

/// The props of a payload as their JSON, to tell whether they changed.
fn raw(payload: &PropsPayload) -> Option<String> {
    payload.props().map(|v| v.get().to_owned())
}

/// Keeps the document's embedded props as the props answer for its URL
/// would be kept: the first page counts for Back and repeat visits too.
fn seed(state: &BrowserState, view: PageView, payload: &PropsPayload) {
    let PayloadBody::Props {
        cache_control,
        tags,
        action_data: None,
        ..
    } = &payload.body
    else {
        // A refused submission's page (422) is no page's props to keep.
        return;
    };
    let tags = tags.clone();
    let Some(url) = payload.url.as_deref() else {
        return;
    };
    let freshness = Freshness::parse(cache_control.as_deref());
    let props_url = state.props_url(url);
    let answer = Answer {
        payload,
        freshness: &freshness,
        etag: None,
        tags,
        sent_at: state.cache.epoch(),
    };
    state.cache.store(
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
struct Loading {
    state: &'static BrowserState,
    /// The navigation's number: only the newest one sets the state back.
    generation: u64,
}

impl Loading {
    fn start(state: &'static BrowserState, url: &str) -> Self {
        let generation = state.generation.next();
        state.signals.state.set(NavigationState::Loading {
            url: url.to_owned(),
        });
        Self { state, generation }
    }
}

impl Drop for Loading {
    fn drop(&mut self) {
        if self.state.generation.newest() == self.generation {
            self.state.signals.state.set(NavigationState::Idle);
            scroll::restore_scroll_if_popped(self.state);
        }
    }
}

/// Where a navigation's redirect leads: a page of this site through the
/// router, another site by a document navigation, anything else nowhere.
fn follow(pages: &crate::pages::Pages, redirect: crate::redirect::Redirect) -> Next {
    let destination = redirect.destination;
    if crate::redirect::is_same_origin_path(&destination) {
        Next::Redirect(destination)
    } else if is_web_url(&destination) {
        Next::Document(destination)
    } else {
        // `javascript:` and friends: never followed.
        leptos::logging::error!("server_props: refusing to redirect to {destination:?}");
        Next::View(pages.render_error(PageError::new(500)))
    }
}

/// Starts loading the code of the page `view` shows, when it is in a chunk
/// not loaded yet (`chunk`): a navigation asks for it beside the props.
pub(super) fn start_loading(view: PageView) {
    if let PageCode::Chunk(chunk) = page_code(view) {
        let mut load = (chunk.load)();
        // Polled once now, not first in a task of its own: the loader asks
        // for the chunk's files at once, in this task, right after the
        // props request its caller made first.
        if crate::chunk::now_or_never(load.as_mut()).is_none() {
            wasm_bindgen_futures::spawn_local(async move {
                load.await;
            });
        }
    }
}

/// Whether the code of the page `view` shows is in a chunk of its own.
pub(super) fn in_chunk(view: PageView) -> bool {
    matches!(page_code(view), PageCode::Chunk(_))
}

/// Loads the code of the page `view` shows: `false` when its chunk could
/// not be loaded.
pub(super) async fn load_code(view: PageView) -> bool {
    page_code(view).load().await
}

/// Starts loading the code of the page at `page_url` (path and query), if
/// the table has one there in a chunk: a prefetch brings it with the props.
pub(super) fn start_loading_at(state: &BrowserState, page_url: &str) {
    let Some(pages) = state.pages.get() else {
        return;
    };
    let path = page_url.split(['?', '#']).next().unwrap_or_default();
    if let Some(index) = pages.page_for(path) {
        start_loading(PageView { pages, index });
    }
}

/// Where the browser code of the page `view` shows is.
fn page_code(view: PageView) -> PageCode {
    match &view.pages.entries[view.index].kind {
        PageKind::Props(page) => page.code,
        // A page without props renders no props view (`render_payload`).
        PageKind::Static(_) => PageCode::Inline(|_| Ok(().erase())),
    }
}

/// [`render_payload`] once the page's code is in: at once when it is in the
/// main module or its chunk is loaded, else when the chunk has arrived. A
/// chunk that cannot be loaded makes a navigation a document load (the
/// server renders the page), as a failed props answer does.
async fn render_answer(
    state: &BrowserState,
    view: PageView,
    payload: PropsPayload,
    page_url: Option<&str>,
) -> Next {
    if !page_code(view).load().await {
        leptos::logging::error!(
            "server_props: the code of page {} did not load",
            view.pages.entries[view.index].name
        );
        return match page_url {
            Some(url) => Next::Document(url.to_owned()),
            None => Next::View(view.pages.render_error(PageError::new(500))),
        };
    }
    render_payload(state, view, payload, page_url)
}

/// The outcome of a props answer. `page_url` is `None` on hydration, where
/// the document already is the server's answer and everything renders in place.
fn render_payload(
    state: &BrowserState,
    view: PageView,
    payload: PropsPayload,
    page_url: Option<&str>,
) -> Next {
    let pages = view.pages;
    let PageKind::Props(page) = &pages.entries[view.index].kind else {
        return Next::View(().erase());
    };
    set_layout(state, &payload);
    set_action_data(state, &payload, Some(pages.entries[view.index].name));
    // The page inside the nested layouts this answer carries the data of.
    let layouts: Vec<(&str, &str)> = payload
        .layouts
        .iter()
        .map(|(prefix, json)| (prefix.as_str(), json.get()))
        .collect();
    let framed = |content| Next::View(pages.framed(view.index, &layouts, content));
    let props = match &payload.body {
        PayloadBody::NotFound => return framed(Content::NotFound),
        PayloadBody::Redirect(redirect) => match page_url {
            Some(_) => return follow(pages, redirect.clone()),
            // Hydration: the document is the server's answer.
            None => None,
        },
        PayloadBody::Error {
            status,
            detail,
            dev,
            ..
        } => {
            if let (Some(url), None) = (page_url, dev) {
                // A failed navigation: let the server render its error page.
                return Next::Document(url.to_owned());
            }
            // Hydration, or development mode: the error page (and the overlay)
            // in place, from this answer; the failing loader does not run twice.
            let error = PageError::new(*status)
                .with_detail(detail.clone())
                .with_dev(dev.clone());
            return framed(Content::Error(error));
        }
        PayloadBody::Props { props, .. } => Some(props),
        // `"props":null` (props of type `()`) reads as no `props` field.
        _ => None,
    };
    let json = props.map_or("null", |props| props.get());
    let rendered = payload.deferred.scope(|| page.code.render(json));
    // `render_answer` loaded the page's code first.
    let rendered =
        rendered.unwrap_or_else(|| Err(serde::de::Error::custom("the page's code is not loaded")));
    match rendered {
        Ok(view) => framed(Content::Page(view)),
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
fn document_navigation(state: &BrowserState, url: &str, replace: bool) -> Option<AnyView> {
    let now = js_sys::Date::now();
    let storage = window().session_storage().ok().flatten();
    let looping = state
        .arrival
        .borrow()
        .as_ref()
        .is_some_and(|arrival| arrival.is_loop(url, now));
    if looping {
        leptos::logging::error!("server_props: not reloading {url} again (loop)");
        return Some(
            view! {
                <h1>"500"</h1>
                <p>"Internal Server Error."</p>
            }
            .erase(),
        );
    }
    if let Some(storage) = storage {
        let _ = storage.set_item(LAST_HARD_NAVIGATION, &Arrival::record(now, url));
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
    state.signals.state.set(NavigationState::Idle);
    None
}

/// Notes whether this document was loaded by the kit's own document
/// navigation (the loop guard's evidence), and forgets the record.
pub(super) fn note_arrival(state: &BrowserState) {
    let Some(storage) = window().session_storage().ok().flatten() else {
        return;
    };
    let record = storage.get_item(LAST_HARD_NAVIGATION).ok().flatten();
    let _ = storage.remove_item(LAST_HARD_NAVIGATION);
    if let Some(arrival) = record.and_then(|r| Arrival::from_record(&r, &location_url())) {
        *state.arrival.borrow_mut() = Some(arrival);
    }
}

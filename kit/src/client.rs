//! The browser half (feature `hydrate`): hydration from the embedded props,
//! and props fetched for client navigation.
//!
//! [`hydrate`] reads the `<script id="__SERVER_PROPS__">` payload once,
//! before Leptos hydrates, so the first page's view has its props on the
//! first poll and hydration makes no request. A later `choose()` for a page
//! with a loader fetches `/_props/<build>/<page>.json` once and renders the
//! answer; anything the browser cannot render in place (another origin's
//! redirect, an error, a stale build, a response that is not props) becomes
//! one document navigation to the page's URL.

use crate::{
    page::PageError,
    pages::PageKind,
    protocol::{self, PropsPayload, PROPS_HEADER, SCRIPT_ID},
    view::PageView,
};
use leptos::prelude::*;
use leptos_router::{hooks::use_url, NavigateOptions};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// The embedded payload, until the first page takes it.
    static INITIAL: RefCell<Option<PropsPayload>> = const { RefCell::new(None) };
    /// The server build the page was rendered by.
    static BUILD: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The `window` property set to `true` once hydration has finished: tests and
/// tools wait for it instead of guessing when the page became interactive.
pub const HYDRATED_FLAG: &str = "__serverPropsHydrated";

/// Hydrates the app rendered by the server, giving its first page the props
/// embedded in the document. Call it from the client crate's `hydrate` export.
pub fn hydrate<F, V>(app: F)
where
    F: FnOnce() -> V + 'static,
    V: IntoView,
{
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

/// The view of the page a navigation (or hydration) chose: the embedded
/// props on hydration, fetched props otherwise.
pub(crate) async fn first_view(view: PageView) -> AnyView {
    let initial = INITIAL.with(|i| i.borrow_mut().take());
    if let Some(payload) = initial {
        if payload.url.as_deref() == Some(location_url().as_str()) {
            return render_payload(view, payload, None);
        }
    }
    let url = use_url().get_untracked();
    let page_url = if url.search().is_empty() {
        url.path().to_owned()
    } else {
        format!("{}?{}", url.path(), url.search())
    };
    fetched_view(view, page_url).await
}

/// The view of a page after fetching its props for `page_url` (path as the
/// router holds it, decoded, plus the query).
pub(crate) async fn fetched_view(view: PageView, page_url: String) -> AnyView {
    let page_url = match page_url.split_once('?') {
        Some((path, query)) => format!("{}?{query}", String::from(js_sys::encode_uri(path))),
        None => js_sys::encode_uri(&page_url).into(),
    };
    match fetch_props(&page_url).await {
        Ok(payload) => render_payload(view, payload, Some(&page_url)),
        Err(()) => hard_navigate(&page_url),
    }
}

fn render_payload(view: PageView, payload: PropsPayload, page_url: Option<&str>) -> AnyView {
    let pages = view.pages;
    let PageKind::Props(page) = &pages.entries[view.index].kind else {
        return ().into_any();
    };
    if payload.not_found {
        return pages.not_found.run();
    }
    if let Some(redirect) = payload.redirect {
        if redirect.is_same_origin() {
            let navigate = leptos_router::hooks::use_navigate();
            request_animation_frame(move || {
                navigate(
                    &redirect.destination,
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            });
            return ().into_any();
        }
        return hard_navigate(&redirect.destination);
    }
    if payload.error.is_some() {
        if let Some(url) = page_url {
            // A failed navigation: let the server render its error page.
            return hard_navigate(url);
        }
        return pages.render_error(PageError {
            status: payload.status.unwrap_or(500),
            detail: payload.detail,
        });
    }
    let Some(props) = payload.props else {
        return match page_url {
            Some(url) => hard_navigate(url),
            None => ().into_any(),
        };
    };
    match (page.render_json)(props.get()) {
        Ok(view) => view,
        Err(e) => {
            leptos::logging::error!("server_props: props do not match the page: {e}");
            match page_url {
                Some(url) => hard_navigate(url),
                None => pages.render_error(PageError {
                    status: 500,
                    detail: Some(e.to_string()),
                }),
            }
        }
    }
}

fn hard_navigate(url: &str) -> AnyView {
    if let Err(e) = window().location().assign(url) {
        leptos::logging::error!("server_props: navigation to {url} failed: {e:?}");
    }
    ().into_any()
}

/// Fetches the props answer for a page URL. `Err` means "not props": the
/// caller falls back to a document navigation.
async fn fetch_props(page_url: &str) -> Result<PropsPayload, ()> {
    let url = protocol::props_url(&build_id(), page_url);
    let response = JsFuture::from(window().fetch_with_str(&url))
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
    let payload: PropsPayload =
        serde_json::from_str(&text.as_string().unwrap_or_default()).map_err(|_| ())?;
    if payload.stale_build {
        return Err(());
    }
    Ok(payload)
}

//! `/cached` and `/custom-cache`: loaders that set `Cache-Control`;
//! `/cached` is tagged `cached`, and its form purges it from the shared
//! cache (`invalidate("cached")`), every instance's when they share a store.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// What `/cached` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedProps {
    /// How many times the loader has run since the server started.
    pub runs: u64,
    /// When it ran this time.
    pub loaded_at: String,
}

/// The reference text's caching example.
#[page("/cached")]
pub fn Cached(props: CachedProps) -> impl IntoView {
    view! {
        <Title text="Cached"/>
        <h1>"Cached"</h1>
        <p>"Loader runs: " <span class="runs">{props.runs}</span></p>
        <p>"Loader ran at " <time class="loaded-at">{props.loaded_at}</time></p>
        <Form attr:class="purge">
            <button type="submit">"Purge from the shared cache"</button>
        </Form>
    }
}

#[loader(Cached)]
async fn load_cached(
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> LoaderResult<CachedProps> {
    head.set_cache_control("public, s-maxage=10, stale-while-revalidate=59")?;
    head.tag("cached")?;
    let runs = state
        .cached_runs
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + 1;
    Ok(CachedProps {
        runs,
        loaded_at: crate::pages::now(),
    })
}

/// Purges `/cached` (every query of it, document and props) from the shared
/// cache: the next request runs the loader again.
#[action(Cached)]
async fn purge_cached(head: &ResponseHead) -> ActionResult {
    head.invalidate("cached")?;
    Ok(ActionOutcome::Done)
}

/// What `/custom-cache` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomCacheProps {
    /// When the loader ran.
    pub loaded_at: String,
}

/// A page cacheable by browsers for an hour.
#[page("/custom-cache")]
pub fn CustomCache(props: CustomCacheProps) -> impl IntoView {
    view! {
        <Title text="Custom cache"/>
        <h1>"Custom cache"</h1>
        <p>"Loader ran at " <time class="loaded-at">{props.loaded_at}</time></p>
    }
}

#[loader(CustomCache)]
async fn load_custom_cache(head: &ResponseHead) -> LoaderResult<CustomCacheProps> {
    head.set_cache_control("public, max-age=3600")?;
    Ok(CustomCacheProps {
        loaded_at: crate::pages::now(),
    })
}

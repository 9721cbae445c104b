//! `/cached` and `/custom-cache`: loaders that set `Cache-Control`.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::Page;

/// What `/cached` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedProps {
    /// How many times the loader has run since the server started.
    pub runs: u64,
    /// When it ran this time.
    pub loaded_at: String,
}

/// The reference text's caching example.
pub struct Cached;

impl Page for Cached {
    type Props = CachedProps;

    fn view(props: CachedProps) -> impl IntoView {
        view! {
            <Title text="Cached"/>
            <h1>"Cached"</h1>
            <p>"Loader runs: " <span class="runs">{props.runs}</span></p>
            <p>"Loader ran at " <time class="loaded-at">{props.loaded_at}</time></p>
        }
    }
}

/// What `/custom-cache` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomCacheProps {
    /// When the loader ran.
    pub loaded_at: String,
}

/// A page cacheable by browsers for an hour.
pub struct CustomCache;

impl Page for CustomCache {
    type Props = CustomCacheProps;

    fn view(props: CustomCacheProps) -> impl IntoView {
        view! {
            <Title text="Custom cache"/>
            <h1>"Custom cache"</h1>
            <p>"Loader ran at " <time class="loaded-at">{props.loaded_at}</time></p>
        }
    }
}

#[cfg(feature = "ssr")]
mod loader {
    use super::*;
    use crate::state::AppState;
    use server_props::{Loader, LoaderContext, LoaderResult};
    use std::sync::atomic::Ordering;

    impl Loader for Cached {
        type State = AppState;

        async fn load(cx: &mut LoaderContext<AppState>) -> LoaderResult<CachedProps> {
            cx.response()
                .set_cache_control("public, s-maxage=10, stale-while-revalidate=59")?;
            let runs = cx.state().cached_runs.fetch_add(1, Ordering::Relaxed) + 1;
            Ok(CachedProps {
                runs,
                loaded_at: crate::pages::now(),
            }
            .into())
        }
    }

    impl Loader for CustomCache {
        type State = ();

        async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<CustomCacheProps> {
            cx.response().set_cache_control("public, max-age=3600")?;
            Ok(CustomCacheProps {
                loaded_at: crate::pages::now(),
            }
            .into())
        }
    }
}

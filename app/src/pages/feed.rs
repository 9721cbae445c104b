//! `/feed`: streamed (deferred) props. The heading and three items come at
//! once; the recommendations are a [`Deferred`] the loader hands over, sent
//! after them on the same response.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;
use server_props::Deferred;

/// The longest `?ms=` `/feed` waits for its recommendations.
pub const MAX_FEED_MS: u64 = 5_000;

/// What `/feed` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FeedProps {
    /// The fast part: ready when the loader returns.
    pub items: Vec<String>,
    /// The slow part: after `?ms=` milliseconds, on the same response.
    pub recommendations: Deferred<Vec<String>>,
}

/// `/feed?ms=N` (default 800): `Feed`, `Item 1` to `Item 3`, then the
/// recommendations when they follow. `?fail=1` makes the recommendations
/// fail, which shows in their place.
#[page("/feed")]
pub fn Feed(props: FeedProps) -> impl IntoView {
    let FeedProps {
        items,
        recommendations,
    } = props;
    view! {
        <Title text="Feed"/>
        <h1>"Feed"</h1>
        <ul class="feed-items">
            {items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}
        </ul>
        <h2>"Recommended for you"</h2>
        {recommendations.show(
            || view! { <p class="feed-loading">"Loading recommendations…"</p> },
            |list| {
                view! {
                    <ul class="feed-recommendations">
                        {list.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                    </ul>
                }
            },
            |error| view! { <p class="feed-error">"Recommendations failed: " {error}</p> },
        )}
    }
}

/// `/feed`'s query.
#[cfg(feature = "ssr")]
#[derive(Deserialize)]
struct FeedQuery {
    ms: Option<u64>,
    /// `1`: the recommendations fail.
    #[serde(default)]
    fail: u8,
}

#[loader(Feed)]
async fn load_feed(
    Query(query): Query<FeedQuery>,
    State(state): State<crate::state::AppState>,
) -> LoaderResult<FeedProps> {
    let ms = query.ms.unwrap_or(800).min(MAX_FEED_MS);
    let log = state.feed.clone();
    let fail = query.fail != 0;
    let recommendations = Deferred::new(async move {
        let running = log.start();
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        running.finish();
        if fail {
            return Err(LoaderError::unavailable("the recommender is down"));
        }
        Ok((1..=3).map(|i| format!("Recommended {i}")).collect())
    });
    Ok(FeedProps {
        items: (1..=3).map(|i| format!("Item {i}")).collect(),
        recommendations,
    })
}

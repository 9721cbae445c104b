//! `/search?q=&page=`: a typed query.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;
use std::num::NonZeroU32;

/// What `/search` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchProps {
    /// What was searched for (empty by default).
    pub q: String,
    /// The page of results, from 1.
    pub page: u32,
}

/// The query `/search` takes: `page` must be a positive integer, or the
/// request is a 400 (the error page, or a 400 props answer).
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    /// The search text.
    #[serde(default)]
    pub q: String,
    /// The page of results.
    pub page: Option<NonZeroU32>,
}

/// Search results.
#[page("/search")]
pub fn Search(props: SearchProps) -> impl IntoView {
    let next = format!("/search?q={}&page={}", encode(&props.q), props.page + 1);
    view! {
        <Title text=format!("Search: {}", props.q)/>
        <h1 class="results">"Results for " {props.q} ", page " {props.page}</h1>
        <p><Link href=next>"Next page"</Link></p>
    }
}

#[loader(Search)]
async fn load_search(Query(query): Query<SearchQuery>) -> LoaderResult<SearchProps> {
    Ok(SearchProps {
        q: query.q,
        page: query.page.map_or(1, NonZeroU32::get),
    })
}

/// `q` as a query value.
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

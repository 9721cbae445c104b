//! `/blog/:post`, `/catchall/*path` and `/something`: params, query and URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// What `/blog/:post` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlogProps {
    /// The `post` route param.
    pub post: String,
    /// The merged query (the route param wins over a query param of the same name).
    pub query: Vec<(String, String)>,
    /// The resolved URL: the page's path and original query.
    pub url: String,
    /// When the loader ran.
    pub loaded_at: String,
}

/// A blog post.
#[page("/blog/:post")]
pub fn Blog(props: BlogProps) -> impl IntoView {
    view! {
        <Title text=format!("Post: {}", props.post)/>
        <h1>"Post: " {props.post}</h1>
        <QueryList query=props.query/>
        <p>"URL: " <code class="url">{props.url}</code></p>
        <p>"Loader ran at " <time class="loaded-at">{props.loaded_at}</time></p>
        <p><A href="/blog/other?x=1">"Another post"</A></p>
    }
}

#[loader(Blog)]
async fn load_blog(#[param] post: String, cx: &LoaderContext<()>) -> LoaderResult<BlogProps> {
    Ok(BlogProps {
        post,
        query: merged_query(cx),
        url: cx.url().to_owned(),
        loaded_at: crate::pages::now(),
    })
}

/// What `/catchall/*path` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchAllProps {
    /// The path segments.
    pub segments: Vec<String>,
}

/// A catch-all page.
#[page("/catchall/*path")]
pub fn CatchAll(props: CatchAllProps) -> impl IntoView {
    view! {
        <Title text="Catch-all"/>
        <h1>"Catch-all"</h1>
        <ol class="segments">
            {props.segments.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
        </ol>
    }
}

#[loader(CatchAll)]
async fn load_catch_all(#[param] path: Vec<String>) -> LoaderResult<CatchAllProps> {
    Ok(CatchAllProps { segments: path })
}

/// What `/something` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SomethingProps {
    /// The query.
    pub query: Vec<(String, String)>,
    /// When the loader ran.
    pub loaded_at: String,
}

/// Next.js's `/something` example.
#[page("/something")]
pub fn Something(props: SomethingProps) -> impl IntoView {
    view! {
        <Title text="Something"/>
        <h1>"Something"</h1>
        <QueryList query=props.query/>
        <p>"Loader ran at " <time class="loaded-at">{props.loaded_at}</time></p>
        <p><A href="/something?another=thing">"Something with another=thing"</A></p>
        <RefreshButton/>
    }
}

#[loader(Something)]
async fn load_something(cx: &LoaderContext<()>) -> LoaderResult<SomethingProps> {
    Ok(SomethingProps {
        query: merged_query(cx),
        loaded_at: crate::pages::now(),
    })
}

/// Re-runs the page's loader in place.
#[component]
fn RefreshButton() -> impl IntoView {
    let refresh = server_props::use_refresh();
    view! { <button class="refresh" on:click=move |_| refresh()>"Refresh"</button> }
}

/// The query as a list, or "no query".
#[component]
fn QueryList(query: Vec<(String, String)>) -> impl IntoView {
    if query.is_empty() {
        return view! { <p class="query">"Query: none"</p> }.erase();
    }
    view! {
        <ul class="query">
            {query.into_iter().map(|(k, v)| view! { <li>{k} "=" {v}</li> }).collect_view()}
        </ul>
    }
    .erase()
}

/// Next.js's merged `query`: route params win over query parameters.
#[cfg(feature = "ssr")]
fn merged_query<S>(cx: &LoaderContext<S>) -> Vec<(String, String)> {
    cx.query_pairs()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

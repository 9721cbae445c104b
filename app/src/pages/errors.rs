//! The 404 and error pages.

use leptos::prelude::*;
use leptos_meta::Title;
use server_props::PageError;

/// Shown for unknown URLs and loaders that return "not found".
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="404: This page could not be found"/>
        <section class="status-page">
            <h1>"404"</h1>
            <p>"This page could not be found."</p>
        </section>
    }
}

/// Shown when a loader fails (500) or rejects its input (4xx).
#[component]
pub fn ErrorPage(error: PageError) -> impl IntoView {
    let text = match error.status {
        500 => "Internal Server Error.",
        400 => "Bad Request.",
        403 => "Forbidden.",
        503 => "Service Unavailable. Please try again in a moment.",
        504 => "Gateway Timeout.",
        _ => "Something went wrong.",
    };
    view! {
        <Title text=format!("{}: {}", error.status, text)/>
        <section class="status-page">
            <h1>{error.status}</h1>
            <p>{text}</p>
            {error.detail.map(|d| view! { <pre class="detail">{d}</pre> })}
        </section>
    }
}

//! `/catalog/:id`, `/report/:id` and `/digest/:id`: the client data
//! layer's pages. The catalog is kept by the browser for 30 s (`private,
//! max-age=30`), its next page is prefetched on intent, a button re-runs
//! its loader (`use_refresh`) and a form drops every kept catalog
//! (`invalidate("catalog")`); the report is slow and shows a skeleton while
//! it loads on client navigation; the digest shows its pending view only
//! when its answer is slower than 300 ms, and no longer than it must.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// What `/catalog/:id` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogProps {
    /// The catalog's number.
    pub id: u32,
    /// `Catalog <id>`.
    pub title: String,
    /// When the loader ran (RFC 3339): a fixed time, so a kept answer shows.
    pub loaded_at: String,
}

/// A catalog page, kept by the browser for 30 seconds.
#[page("/catalog/:id")]
pub fn Catalog(props: CatalogProps) -> impl IntoView {
    let next = format!("/catalog/{}", props.id + 1);
    let previous = format!("/catalog/{}", props.id.saturating_sub(1).max(1));
    let refresh = use_refresh();
    view! {
        <Title text=props.title.clone()/>
        <h1>{props.title}</h1>
        <p>"Loaded at " <time class="loaded-at">{props.loaded_at}</time></p>
        // A <div>, not a <p>: a <form> inside a <p> closes it in the
        // browser's parser, and hydration would then find another tree.
        <div class="catalog-actions">
            <button type="button" class="refresh" on:click=move |_| refresh()>"Refresh"</button>
            <Form attr:class="restock">
                <button type="submit">"Restock every catalog"</button>
            </Form>
        </div>
        <p>
            <Link href=previous attr:class="previous">"Previous catalog"</Link>
            " "
            <Link href=next prefetch=Prefetch::Intent attr:class="next">"Next catalog"</Link>
        </p>
        // Far below the fold: prefetched only once scrolled into view.
        <footer class="catalog-footer">
            <Link href="/catalog/1" prefetch=Prefetch::Viewport attr:class="first">
                "First catalog"
            </Link>
        </footer>
    }
}

#[loader(Catalog)]
async fn load_catalog(
    #[param] id: std::num::NonZeroU32,
    head: &ResponseHead,
) -> LoaderResult<CatalogProps> {
    head.set_cache_control("private, max-age=30")?;
    head.tag("catalog")?.tag(&format!("catalog:{id}"))?;
    Ok(CatalogProps {
        id: id.get(),
        title: format!("Catalog {id}"),
        loaded_at: super::now(),
    })
}

/// Restocks every catalog: whatever the browser kept of any catalog page
/// goes, and this page shows again with fresh props.
#[action(Catalog)]
async fn restock(head: &ResponseHead) -> ActionResult {
    head.invalidate("catalog")?;
    Ok(ActionOutcome::Done)
}

/// The longest `/report` waits.
pub const MAX_REPORT_MS: u64 = 10_000;

/// What `/report/:id` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportProps {
    /// The report's number.
    pub id: u32,
    /// How long the loader took, in ms.
    pub waited_ms: u64,
}

/// The route params of `/report/:id`, for its pending view.
#[derive(Clone, Debug, Deserialize)]
pub struct ReportParams {
    /// The report's number.
    pub id: u32,
}

/// How long the report's loader waits.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// Milliseconds (default 1000, at most 10 000).
    pub ms: Option<u64>,
}

/// A slow report: on client navigation its skeleton shows at once.
#[page("/report/:id", pending = report_loading, navigation = Navigation::skeleton())]
pub fn Report(props: ReportProps) -> impl IntoView {
    view! {
        <Title text=format!("Report {}", props.id)/>
        <h1 class="report">"Report " {props.id}</h1>
        <p>"Ready after " {props.waited_ms} " ms."</p>
    }
}

/// The report's skeleton, from its route params: never in a document.
pub fn report_loading(params: ReportParams) -> impl IntoView {
    view! {
        <h1 class="report skeleton" aria-busy="true">{format!("Loading report {}…", params.id)}</h1>
        <p class="skeleton-line"></p>
    }
}

#[loader(Report)]
async fn load_report(
    #[param] id: u32,
    Query(query): Query<ReportQuery>,
) -> LoaderResult<ReportProps> {
    let waited_ms = query.ms.unwrap_or(1000).min(MAX_REPORT_MS);
    tokio::time::sleep(std::time::Duration::from_millis(waited_ms)).await;
    Ok(ReportProps { id, waited_ms })
}

/// What `/digest/:id` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestProps {
    /// The digest's number.
    pub id: u32,
    /// How long the loader took, in ms.
    pub waited_ms: u64,
}

/// The route params of `/digest/:id`, for its pending view.
#[derive(Clone, Debug, Deserialize)]
pub struct DigestParams {
    /// The digest's number.
    pub id: u32,
}

/// How long the digest's pending view waits before it shows: an answer
/// faster than this never flashes it.
pub const DIGEST_PENDING_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

/// A page whose pending view shows after 300 ms and gives way as soon as
/// the props arrive (`?ms=N`: the loader waits N ms, default 0, at most
/// 10 000).
#[page(
    "/digest/:id",
    pending = digest_pending,
    navigation = Navigation::instant().delay(DIGEST_PENDING_DELAY)
)]
pub fn Digest(props: DigestProps) -> impl IntoView {
    view! {
        <Title text=format!("Digest {}", props.id)/>
        <h1 class="digest">"Digest " {props.id}</h1>
        <p>"Ready after " {props.waited_ms} " ms."</p>
    }
}

/// The digest's pending view, from its typed route params.
pub fn digest_pending(params: DigestParams) -> impl IntoView {
    view! { <h1 class="digest pending" aria-busy="true">{format!("Opening digest {}…", params.id)}</h1> }
}

#[loader(Digest)]
async fn load_digest(
    #[param] id: u32,
    Query(query): Query<ReportQuery>,
) -> LoaderResult<DigestProps> {
    let waited_ms = query.ms.unwrap_or(0).min(MAX_REPORT_MS);
    tokio::time::sleep(std::time::Duration::from_millis(waited_ms)).await;
    Ok(DigestProps { id, waited_ms })
}

//! Every page of the reference app, and the table that routes them.
//!
//! The edge build (feature `edge`) holds only the pages marked
//! `runtime = edge` ([`edge`]) and the error pages: every other module is
//! left out of it, with all its loader uses (the database, tokio), as
//! Next.js bundles an edge page with its own imports only.

mod edge;
mod errors;

/// Items every build but the edge build has (the `cfg_if!` way: one
/// condition for the lot).
macro_rules! not_at_the_edge {
    ($($item:item)*) => { $( #[cfg(not(feature = "edge"))] $item )* };
}

pub use edge::{EdgeHello, EdgeHelloProps};
pub use errors::{ErrorPage, NotFound};

not_at_the_edge! {
    mod bench;
    mod blog;
    mod cache;
    mod catalog;
    mod dashboard;
    mod feed;
    mod files;
    mod guestbook;
    mod home;
    mod outcomes;
    mod repos;
    mod request;
    mod runtime;
    mod search;
    mod session;

    pub use bench::{BenchHello, BenchItems, HelloProps, Item, ItemsProps};
    pub use blog::{Blog, BlogProps, CatchAll, CatchAllProps, Something, SomethingProps};
    pub use cache::{Cached, CustomCache};
    pub use catalog::{
        digest_pending, report_loading, Catalog, CatalogProps, Digest, DigestParams, DigestProps,
        Report, ReportParams, ReportProps, ReportQuery, DIGEST_PENDING_DELAY, MAX_REPORT_MS,
    };
    pub use dashboard::{
        Dashboard, DashboardData, DashboardHome, OverviewProps, Project, ProjectPage, ProjectProps,
        ProjectSettings, RenameForm, RenameRefused, MAX_DASHBOARD_MS,
    };
    pub use feed::{Feed, FeedProps, MAX_FEED_MS};
    pub use files::{
        FileDownload, Files, FilesProps, StoredFile, UploadFields, MAX_FILE_BYTES, MAX_NOTE_CHARS,
    };
    pub use guestbook::{
        Entry, Guestbook, GuestbookIntent, GuestbookProps, NewEntry, SignRefused, MAX_MESSAGE_CHARS,
    };
    pub use home::Home;
    pub use outcomes::{Failing, Missing, Panicking, Raw, Redirecting, RedirectingWithStatus};
    pub use repos::{Repo, RepoPage};
    pub use request::{Counter, Echo, EchoProps, RequestInfo, Slow, Xss, MAX_SLOW_MS, XSS_PAYLOADS};
    pub use runtime::{RuntimePage, RuntimeProps};
    pub use search::{Search, SearchProps, SearchQuery};
    pub use session::{next as login_destination, Login, LoginForm, LoginRefused, Logout};
}

use server_props::Pages;
use std::sync::LazyLock;

/// The app's page table, shared by the server and the browser build.
#[cfg(not(feature = "edge"))]
pub static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .static_page("/", Home)
        .page::<RepoPage>()
        .page::<Blog>()
        .page::<CatchAll>()
        .page::<Something>()
        .page::<Missing>()
        .page::<Redirecting>()
        .page::<RedirectingWithStatus>()
        .page::<Failing>()
        .page::<Panicking>()
        .page::<Cached>()
        .page::<CustomCache>()
        .page::<RequestInfo>()
        .page::<Slow>()
        .page::<Xss>()
        .page::<Echo>()
        .page::<Feed>()
        .page::<RuntimePage>()
        .page::<EdgeHello>()
        .page::<Raw>()
        .page::<Counter>()
        .page::<Search>()
        .page::<Guestbook>()
        .page::<Files>()
        .page::<FileDownload>()
        .page::<Catalog>()
        .page::<Report>()
        .page::<Digest>()
        .page::<Login>()
        .page::<Logout>()
        .page::<BenchItems>()
        .page::<BenchHello>()
        .page::<DashboardHome>()
        .page::<ProjectPage>()
        .page::<ProjectSettings>()
        .nested_layout::<Dashboard>()
        .layout::<crate::layout::AppLayout>()
        .not_found(NotFound)
        .error_page(|error| leptos::prelude::view! { <ErrorPage error/> })
});

/// The edge build's page table: the pages marked for the edge, with the
/// app's layout and error pages. Every other URL is forwarded to the
/// server.
#[cfg(feature = "edge")]
pub static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .page::<EdgeHello>()
        .layout::<crate::layout::AppLayout>()
        .not_found(NotFound)
        .error_page(|error| leptos::prelude::view! { <ErrorPage error/> })
});

/// The time now, as the pages that show "when the loader ran" print it.
#[cfg(feature = "server")]
pub(crate) fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

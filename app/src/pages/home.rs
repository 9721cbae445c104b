//! `/`: a page without a loader, linking to every other page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use server_props::{Link, Prefetch};

const LINKS: &[(&str, &str)] = &[
    ("/repos/vercel/next.js", "A repository from the database"),
    ("/repos/nobody/nothing", "An unknown repository"),
    ("/blog/hello?from=home", "A blog post"),
    ("/catchall/a/b/c", "A catch-all route"),
    ("/something", "Something (query and time)"),
    ("/not-found", "A loader that returns not found"),
    ("/not-found/some-slug", "Not found, with a param"),
    ("/redirect/temporary", "Temporary redirect to /"),
    ("/redirect/permanent", "Permanent redirect to /"),
    ("/redirect/status/301", "301 redirect to /"),
    ("/redirect/status/302", "302 redirect to /"),
    ("/redirect/status/303", "303 redirect to /"),
    ("/redirect/to-blog", "Redirect to a blog post"),
    ("/redirect/external", "Redirect to another site"),
    ("/error", "A loader that fails"),
    ("/panic", "A loader that panics"),
    (
        "/cached",
        "Shared cache: s-maxage and stale-while-revalidate",
    ),
    ("/custom-cache", "Cache-Control: max-age"),
    ("/request", "The request: method, headers, cookies"),
    ("/slow?ms=800", "A slow loader (800 ms)"),
    ("/xss", "Props that try to run script"),
    (
        "/echo?text=%C3%A9cho&attr=%00",
        "Echo: any text, as text and attributes",
    ),
    ("/raw", "A loader's own text/plain response"),
    ("/counter", "A counter that hydrates"),
    ("/search?q=leptos&page=2", "Search with a typed query"),
    ("/guestbook", "Guestbook: a form with an action"),
    ("/files", "Files: uploads, with their progress"),
    ("/files/1", "The first file uploaded (a download)"),
    (
        "/catalog/1",
        "Catalog: kept by the browser for 30 s, next page prefetched",
    ),
    ("/report/1?ms=1000", "Report: a slow page with a skeleton"),
    (
        "/digest/1?ms=1500",
        "Digest: a pending view after 300 ms, gone when the props arrive",
    ),
    ("/digest/2", "Digest: a fast answer (no pending view)"),
    (
        "/dashboard",
        "Dashboard: a nested layout that guards its pages",
    ),
    ("/dashboard/projects/1", "Dashboard: a project"),
    (
        "/dashboard/projects/1/settings",
        "Dashboard: a project's settings form",
    ),
    ("/feed", "Feed: recommendations streamed after the items"),
    ("/runtime", "Runtime: which build answered"),
    ("/edge/hello", "Edge: a page that runs at the edge"),
    ("/login?next=/guestbook", "Sign in"),
    ("/logout", "Sign out"),
    ("/bench/items/1", "Benchmark: 50 items"),
    ("/bench/hello", "Benchmark: hello"),
];

/// The home page.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text="server_props reference app"/>
        <h1>"Home"</h1>
        <p>"Every page below has a server-side props loader, except this one."</p>
        <ProgrammaticLinks/>
        <p>
            // `no-store` props: a prefetched answer serves one click within
            // the client's prefetch window.
            <Link href="/blog/prefetched" prefetch=Prefetch::Intent attr:class="prefetch-blog">
                "A blog post, prefetched on intent"
            </Link>
        </p>
        <ul class="links">
            {LINKS
                .iter()
                .map(|(href, text)| view! { <li><Link href=*href>{*text}</Link></li> })
                .collect_view()}
        </ul>
    }
}

/// Navigation from code rather than links (`use_navigate`), push and replace.
#[component]
fn ProgrammaticLinks() -> impl IntoView {
    let navigate = use_navigate();
    let replace = navigate.clone();
    view! {
        <p class="programmatic">
            <button class="push-blog" on:click=move |_| navigate("/blog/pushed", Default::default())>
                "Open a post from code"
            </button>
            " "
            <button
                class="replace-repo"
                on:click=move |_| {
                    replace(
                        "/repos/leptos-rs/leptos",
                        leptos_router::NavigateOptions { replace: true, ..Default::default() },
                    )
                }
            >
                "Replace with a repository"
            </button>
        </p>
    }
}

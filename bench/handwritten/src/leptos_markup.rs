//! The same documents made by Leptos's `view!` instead of askama's
//! templates (`handwritten --leptos`): Leptos's renderer (tachys) inside a
//! reactive owner, as every Leptos render runs, but without its router, its
//! `<A>` links, leptos_meta, components or the kit. Everything else in the
//! server is the same, so the two runs side by side say what the renderer
//! itself costs, apart from what an app's structure adds on top of it
//! (`docs/performance.md`, "What Leptos's renderer costs by itself").
//!
//! The markup is the askama templates' (`templates/`), byte for byte but
//! for the marker Leptos writes after each list (`<!>`, for hydration), as
//! the kit's documents have it too (a unit test holds it).

use crate::{HelloProps, ItemsProps, Site, NAV};
use leptos::prelude::*;

/// What a document's shell needs, all owned or `'static`, as a Leptos view
/// takes it.
pub(crate) struct Shell {
    pub(crate) site: &'static Site,
    pub(crate) nonce: String,
    pub(crate) title: String,
    pub(crate) path: String,
    pub(crate) props_json: String,
}

fn document(shell: Shell, main: impl IntoView + 'static) -> String {
    let Shell {
        site,
        nonce,
        title,
        path,
        props_json,
    } = shell;
    let owner = Owner::new();
    owner.with(move || {
        let nav = NAV
            .iter()
            .map(|&(href, text)| {
                let current = (href == path).then_some("page");
                view! { <a href=href aria-current=current>{text}</a> }
            })
            .collect_view();
        view! {
            <!DOCTYPE html>
            <html lang="en">
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                    <link rel="stylesheet" id="leptos" href=site.css.as_str()/>
                    <link rel="modulepreload" href=site.js.as_str() crossorigin=nonce.clone()/>
                    <link
                        rel="preload"
                        href=site.wasm.as_str()
                        r#as="fetch"
                        r#type="application/wasm"
                        crossorigin=nonce.clone()
                    />
                    <script type="module" nonce=nonce inner_html=site.module_script.as_str()></script>
                    <title>{title}</title>
                    <script id="__SERVER_PROPS__" type="application/json" inner_html=props_json></script>
                </head>
                <body>
                    <div id="server-props-root" style="display:contents">
                        <div role="progressbar" data-navigation="idle" class="progress-bar"></div>
                        <header class="top">
                            <span class="session">"Not signed in"</span>
                            " "
                            <a href="/login" class="sign-in">
                                "Sign in"
                            </a>
                            <nav>{nav}</nav>
                        </header>
                        <main>{main}</main>
                    </div>
                </body>
            </html>
        }
        .to_html()
    })
}

/// `/bench/items/<id>`: the items page.
pub(crate) fn items(shell: Shell, props: ItemsProps, next: String) -> String {
    let ItemsProps { title, items, .. } = props;
    let items = items
        .into_iter()
        .map(|item| {
            view! {
                <li>
                    <strong>{item.name}</strong>
                    " "
                    <span class="stars">{item.stars}</span>
                    " "
                    <span>{item.description}</span>
                </li>
            }
        })
        .collect_view();
    document(
        shell,
        view! {
            <h1>{title}</h1>
            <ul class="items">{items}</ul>
            <p id="bottom">
                <a href=next>"Next collection"</a>
            </p>
        },
    )
}

/// `/bench/hello`: the hello page.
pub(crate) fn hello(shell: Shell, props: &HelloProps) -> String {
    let message = props.message;
    document(shell, view! { <p>{message}</p> })
}

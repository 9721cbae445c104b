//! The development error overlay: what failed on the server, drawn over the
//! app's error page.
//!
//! A server in development mode puts a [`DevError`] in an error answer (the
//! embedded props of a document, or a props answer); [`Pages`](crate::Pages)
//! draws this overlay beside the app's own error page whenever the error
//! carries one. It is part of the page's view, so it comes with the error
//! page (on the first document and after a client navigation) and goes with
//! it: the next page shown, or the reload after a rebuild, has none. Styles
//! are inline, so no stylesheet of the app can hide or restyle it.
//!
//! A release build never sends a [`DevError`], so nothing here ever renders
//! there.

use crate::page::DevError;
use leptos::prelude::*;

const BACKDROP: &str = "position:fixed;inset:0;z-index:2147483647;\
    background:rgba(17,17,17,.72);display:flex;align-items:flex-start;\
    justify-content:center;padding:6vh 16px;overflow:auto;\
    font:14px/1.5 system-ui,sans-serif";
const PANEL: &str = "background:#fff;color:#1a1a1a;max-width:860px;width:100%;\
    border-top:6px solid #d92d20;border-radius:6px;padding:20px 24px;\
    box-shadow:0 12px 40px rgba(0,0,0,.35)";
const MESSAGE: &str = "white-space:pre-wrap;word-break:break-word;background:#fef3f2;\
    color:#7a271a;padding:12px;border-radius:4px;margin:12px 0;\
    font:13px/1.45 ui-monospace,monospace";
const FACTS: &str = "display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0";
const FACT: &str = "margin:0;font:13px/1.45 ui-monospace,monospace;word-break:break-all";
const BUTTON: &str = "float:right;border:1px solid #d0d5dd;background:#fff;\
    border-radius:4px;padding:2px 10px;cursor:pointer;font:inherit";

/// The overlay for one server error (see the [module](self)). Escape or the
/// "Dismiss" button hides it; the error page stays.
#[component]
pub(crate) fn DevOverlay(
    /// What failed.
    error: DevError,
    /// The answer's status.
    status: u16,
) -> impl IntoView {
    let open = RwSignal::new(true);
    let DevError {
        message,
        location,
        page,
        request,
    } = error;
    let fact = |label: &'static str, value: Option<String>| {
        value.map(|value| {
            view! {
                <dt style="margin:0;color:#667085">{label}</dt>
                <dd style=FACT>{value}</dd>
            }
        })
    };
    view! {
        <div
            id="server-props-dev-overlay"
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="server-props-dev-overlay-title"
            style=move || if open.get() { BACKDROP.to_owned() } else { "display:none".to_owned() }
            tabindex="-1"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <section style=PANEL>
                <button type="button" style=BUTTON on:click=move |_| open.set(false)>
                    "Dismiss"
                </button>
                <h2 id="server-props-dev-overlay-title" style="margin:0;font-size:18px">
                    {format!("Server error {status}")}
                </h2>
                <pre data-overlay="message" style=MESSAGE>{message}</pre>
                <dl style=FACTS>
                    {fact("Source", location)}
                    {fact("Page", page)}
                    {fact("Request", Some(request))}
                </dl>
                <p style="margin:12px 0 0;color:#667085;font-size:12px">
                    "Development mode only: a release build shows the error page alone. "
                    "The overlay goes with the next page shown or the next rebuild."
                </p>
            </section>
        </div>
    }
}

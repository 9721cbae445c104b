//! The development error overlay: what failed on the server, drawn over the
//! app's error page.
//!
//! A server in development mode puts a [`DevError`] in an error answer (the
//! embedded props of a document, or a props answer), and
//! [`Pages`](crate::Pages) draws this overlay beside the app's own error page
//! whenever the error carries one. It is part of the page's view, so it comes
//! with the error page (in the first document and after a client navigation)
//! and goes with it: the next page shown, or the reload after a rebuild, has
//! none.
//!
//! It is plain HTML in one element's `inner_html`, not a tree of Leptos
//! views, because the browser build carries its code into production, where
//! it never shows (a release build never sends a [`DevError`]): this way it
//! costs the wasm bundle one element and a `format!`. It is a `<dialog>`
//! whose "Dismiss" button submits a `method="dialog"` form, which closes it
//! with no script (so no content security policy stands in the way), and its
//! styles are inline, so no stylesheet of the app can hide or restyle it.

use crate::page::DevError;
use std::fmt::Write;

/// The overlay for one server error, as HTML (see the [module](self)).
pub(crate) fn html(error: &DevError, status: u16) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str(
        "<dialog open id=\"server-props-dev-overlay\" aria-label=\"Server error\" \
         style=\"position:fixed;inset:0;z-index:2147483647;width:auto;height:auto;\
         max-width:none;max-height:none;margin:0;border:0;\
         background:rgba(17,17,17,.72);padding:6vh 16px;overflow:auto\">\
         <pre style=\"background:#fff;color:#1a1a1a;max-width:860px;margin:0 auto;\
         border-top:6px solid #d92d20;border-radius:6px;padding:20px 24px;\
         white-space:pre-wrap;word-break:break-word;font:13px/1.5 ui-monospace,monospace\">",
    );
    let _ = write!(out, "Server error {status}\n\n");
    escape_text(&error.message, &mut out);
    out.push_str("\n\n");
    for (label, value) in [
        ("Source ", error.location.as_deref()),
        ("Page   ", error.page.as_deref()),
        ("Request", Some(error.request.as_str())),
    ] {
        if let Some(value) = value {
            out.push_str(label);
            out.push_str("  ");
            escape_text(value, &mut out);
            out.push('\n');
        }
    }
    out.push_str(
        "\nDevelopment mode only: a release build shows the error page alone.\n\
         This goes with the next page shown or the next rebuild.</pre>\
         <form method=\"dialog\" style=\"position:fixed;top:calc(6vh + 16px);right:24px;margin:0\">\
         <button style=\"border:1px solid #d0d5dd;background:#fff;border-radius:4px;\
         padding:2px 10px;cursor:pointer;font:14px system-ui,sans-serif\">Dismiss</button>\
         </form></dialog>",
    );
    out
}

/// `text` as HTML text: `&`, `<` and `>` escaped (the overlay puts text
/// only between tags, never in an attribute).
fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overlay_escapes_what_it_shows() {
        let error = DevError {
            message: "<script>alert(1)</script> & more".to_owned(),
            location: Some("app/src/x.rs:1:2".to_owned()),
            page: None,
            request: "GET /a?b=<i>".to_owned(),
        };
        let html = html(&error, 500);
        assert!(html.starts_with("<dialog open id=\"server-props-dev-overlay\""));
        assert!(
            html.contains("Server error 500\n\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; more")
        );
        assert!(html.contains("Source   app/src/x.rs:1:2\n"));
        assert!(!html.contains("Page "), "no page, no line");
        assert!(html.contains("Request  GET /a?b=&lt;i&gt;\n"));
        assert!(!html.contains("<script>") && !html.contains("<i>"));
    }
}

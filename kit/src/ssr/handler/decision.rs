//! What a request decided: the one value [`decide`](super::decide) makes
//! and the two writers ([`document`](super::document), [`json`](super::json))
//! write.
//!
//! A request meets two result types on its way down: a run of user code
//! ([`Ran`]: a loader's or an action's result with the head it wrote) and
//! the [`Decision`] made from the runs. Everything a writer needs is in the
//! decision, the request's method and URL included, so no step patches an
//! answer after it was made.

use crate::page_url::PageUrl;
use crate::redirect::{Redirect, RedirectStatus};
use crate::ssr::{
    loader::{error::LoaderError, AnyProps, Ran},
    request::context::RequestParts,
    response::head::ResponseHead,
};
use http::{HeaderValue, Method};

/// What a request's loaders (or its page's action) decided.
pub(crate) struct Decision {
    /// The page that serves the request (`None`: no page does).
    pub(crate) page: Option<usize>,
    /// The request's method.
    pub(crate) method: Method,
    /// The page URL (path and query) the request is for.
    pub(crate) url: PageUrl,
    pub(crate) outcome: Outcome,
    /// The status, headers and cookies the loaders and the action set.
    pub(crate) head: ResponseHead,
    /// The layout loader's data as JSON, when it ran and succeeded.
    pub(crate) layout: Option<String>,
    /// The nested layouts' data as JSON, by prefix, outermost first: those
    /// whose loaders ran and succeeded, up to the first that exited.
    pub(crate) nested: Vec<(&'static str, String)>,
    /// Tokens for the nested layouts whose data the browser may keep.
    pub(crate) reuse: Vec<(&'static str, crate::protocol::Reuse)>,
    /// What the page's action said of a refused submission, as JSON, shown
    /// with the props of [`Outcome::Props`].
    pub(crate) action_data: Option<String>,
    /// Where a submission led, when a props answer is for another page
    /// than the one the request named.
    pub(crate) led_to: Option<String>,
    /// How long the loaders and the action ran, for `Server-Timing`.
    pub(crate) timing: Timing,
    /// The document's page is left for the browser to render: hydrating
    /// this URL failed there (`protocol::RENDER_PARAM`).
    pub(crate) in_browser: bool,
}

/// What the page shows, or why it does not.
pub(crate) enum Outcome {
    /// A page without a loader.
    Static,
    /// Render the page with these props.
    Props(AnyProps),
    /// A submission went through: the page to show next.
    Follow(Box<Follow>),
    /// Not the page: not found, a redirect, a failure or an own response.
    Exit(LoaderError),
}

/// A submission that went through, and where it leads: a document answers
/// it with `303 See Other`; a props answer runs the destination's loaders
/// in the same request (single flight) when it can, else redirects too.
pub(crate) struct Follow {
    /// The action's redirect, or the page itself when the action is done.
    pub(crate) to: Redirect,
    /// The submission's request head, for the destination's loaders.
    pub(crate) request: RequestParts,
}

/// What an answer says of the layouts: the app layout's data, the nested
/// layouts' data and their reuse tokens, as JSON and by prefix.
#[derive(Clone, Copy, Default)]
pub(crate) struct LayoutsShown<'a> {
    pub(crate) app: Option<&'a str>,
    pub(crate) nested: &'a [(&'static str, String)],
    pub(crate) reuse: &'a [(&'static str, crate::protocol::Reuse)],
}

/// The runs of a page's layouts: the app's and the nested ones, by
/// prefix, outermost first.
#[derive(Default)]
pub(crate) struct LayoutRuns {
    pub(crate) app: Option<Ran<AnyProps>>,
    pub(crate) nested: Vec<(&'static str, Ran<AnyProps>)>,
}

impl LayoutRuns {
    /// Only the app's layout's run, if it has one.
    pub(crate) fn app(app: Option<Ran<AnyProps>>) -> Self {
        Self {
            app,
            nested: Vec::new(),
        }
    }

    /// Whether one of them exited early (a redirect, not found, a failure).
    pub(crate) fn exited(&self) -> bool {
        self.app
            .iter()
            .chain(self.nested.iter().map(|(_, run)| run))
            .any(|run| run.result.is_err())
    }

    /// The heads they wrote, outermost first.
    pub(crate) fn into_heads(self) -> impl Iterator<Item = ResponseHead> {
        self.app
            .into_iter()
            .chain(self.nested.into_iter().map(|(_, run)| run))
            .map(|run| run.head)
    }
}

/// What `Server-Timing` reports of a request: the loaders' and the action's
/// durations (the render's is added where it happens).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timing {
    pub(crate) loader: Option<std::time::Duration>,
    pub(crate) layout: Option<std::time::Duration>,
    pub(crate) action: Option<std::time::Duration>,
}

impl Decision {
    /// A decision with nothing but its outcome: no head, no layout data.
    pub(crate) fn new(page: Option<usize>, method: Method, url: PageUrl, outcome: Outcome) -> Self {
        Self {
            page,
            method,
            url,
            outcome,
            head: ResponseHead::default(),
            layout: None,
            nested: Vec::new(),
            reuse: Vec::new(),
            action_data: None,
            led_to: None,
            timing: Timing::default(),
            in_browser: false,
        }
    }

    /// A decision made before any loader ran.
    pub(crate) fn exit(
        page: Option<usize>,
        method: Method,
        url: PageUrl,
        error: LoaderError,
    ) -> Self {
        Self::new(page, method, url, Outcome::Exit(error))
    }

    /// What a page's run and its layouts' runs decided together: the
    /// outermost layout's early exit wins, with its headers and cookies and
    /// those of the layouts around it; then the page's. No page run: a
    /// page without a loader (or one that a layout's exit kept from running).
    pub(crate) fn of_runs(
        page: Option<usize>,
        method: Method,
        url: PageUrl,
        run: Option<Ran<AnyProps>>,
        layouts: LayoutRuns,
    ) -> Self {
        let timing = Timing {
            loader: run.as_ref().map(|r| r.elapsed),
            // They run side by side: the longest is what the request waited.
            layout: layouts
                .app
                .iter()
                .chain(layouts.nested.iter().map(|(_, run)| run))
                .map(|run| run.elapsed)
                .max(),
            action: None,
        };
        let (outcome, head) = match run {
            None => (Outcome::Static, ResponseHead::default()),
            Some(Ran { result, head, .. }) => match result {
                Ok(props) => (Outcome::Props(props), head),
                Err(e) => (Outcome::Exit(e), head),
            },
        };
        let mut decision = Self {
            page,
            method,
            url,
            outcome,
            head,
            layout: None,
            nested: Vec::new(),
            reuse: Vec::new(),
            action_data: None,
            led_to: None,
            timing,
            in_browser: false,
        };
        let LayoutRuns { app, nested } = layouts;
        // The heads of the layouts that went through, outermost first.
        let mut through: Vec<ResponseHead> = Vec::new();
        let runs = app
            .map(|run| (None, run))
            .into_iter()
            .chain(nested.into_iter().map(|(prefix, run)| (Some(prefix), run)));
        for (prefix, Ran { result, head, .. }) in runs {
            let json = result.and_then(|data| {
                let mut json = Vec::with_capacity(64);
                data.write_json(&mut json).map_err(LoaderError::from)?;
                Ok(String::from_utf8(json).expect("serde_json writes UTF-8"))
            });
            match json {
                Ok(json) => {
                    match prefix {
                        None => decision.layout = Some(json),
                        Some(prefix) => decision.nested.push((prefix, json)),
                    }
                    through.push(head);
                }
                Err(exit) => {
                    // This layout's exit is the answer: the page (and the
                    // layouts inside this one) are not shown.
                    decision.outcome = Outcome::Exit(exit);
                    for outer in through {
                        head.merge_layout(outer);
                    }
                    decision.head = head;
                    return decision;
                }
            }
        }
        // Outermost first, as `LayoutRuns::into_heads` gives them to an
        // action's head: of two cookies of one name, the innermost layout's
        // comes last, and a browser keeps the last.
        for head in through {
            decision.head.merge_layout(head);
        }
        decision
    }

    /// An action's early exit (not found, a failure, its own response),
    /// shown as a loader's exit would be, with the layout's run beside it.
    pub(crate) fn of_action_exit(
        page: Option<usize>,
        method: Method,
        url: PageUrl,
        action: Ran<AnyProps>,
        layouts: LayoutRuns,
    ) -> Self {
        let mut decision = Self::of_runs(page, method, url, Some(action), layouts);
        // The page's "loader" here was the action.
        decision.timing.action = decision.timing.loader.take();
        decision
    }

    /// The 404 page for a URL no page serves, with what the layout's
    /// loader decided: its data for the page's header, or its own exit.
    pub(crate) fn not_found(method: Method, url: PageUrl, layout: Option<Ran<AnyProps>>) -> Self {
        let nothing = Ran::failed(crate::NotFound.into(), std::time::Duration::ZERO);
        let layouts = LayoutRuns::app(layout);
        let mut decision = Self::of_runs(None, method, url, Some(nothing), layouts);
        // No page loader ran.
        decision.timing.loader = None;
        decision
    }

    /// Whatever redirects a write (the action, the layout's guard, a
    /// loader's `?`) is a `303 See Other`: the browser follows it with a
    /// `GET`, never posting the form again somewhere else (a 307 would).
    pub(crate) fn see_other_if_write(mut self) -> Self {
        if is_read(&self.method) {
            return self;
        }
        match &mut self.outcome {
            Outcome::Exit(error) => error.see_other_if_redirect(),
            Outcome::Follow(follow) => follow.to.status = RedirectStatus::SeeOther,
            Outcome::Static | Outcome::Props(_) => {}
        }
        self
    }

    /// `OTel`-style name of the outcome, recorded on the request's span:
    /// `static`, `props`, `not_found`, `redirect`, `response` or `error`.
    pub(crate) fn outcome_name(&self) -> &'static str {
        use crate::ssr::loader::error::ErrorKind;
        match &self.outcome {
            Outcome::Static => "static",
            Outcome::Props(_) => "props",
            Outcome::Follow(_) => "redirect",
            Outcome::Exit(e) => match &e.kind {
                ErrorKind::NotFound => "not_found",
                ErrorKind::Redirect(_) => "redirect",
                ErrorKind::Response(_) => "response",
                ErrorKind::Failed { status, .. } if *status == http::StatusCode::NOT_FOUND => {
                    "not_found"
                }
                ErrorKind::Failed { .. } => "error",
            },
        }
    }
}

/// `GET` and `HEAD`: the methods that read a page; the others are writes.
pub(crate) fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

impl Timing {
    /// `action;dur=…, loader;dur=1.23, layout;dur=0.05`, or `None` when
    /// nothing ran.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        let mut out = String::new();
        for (name, elapsed) in [
            ("action", self.action),
            ("loader", self.loader),
            ("layout", self.layout),
        ] {
            if let Some(elapsed) = elapsed {
                push_metric(&mut out, name, elapsed);
            }
        }
        (!out.is_empty()).then(|| HeaderValue::from_str(&out).expect("ASCII metrics"))
    }
}

/// Appends `name;dur=<ms>` to a `Server-Timing` value, the milliseconds
/// with two decimals (rounded), written with integers: a float's
/// formatting costs about a thousand instructions on every answer.
pub(crate) fn push_metric(out: &mut String, name: &str, elapsed: std::time::Duration) {
    use std::fmt::Write;
    if !out.is_empty() {
        out.push_str(", ");
    }
    let hundredths = (elapsed.as_nanos() + 5_000) / 10_000;
    let _ = write!(
        out,
        "{name};dur={}.{:02}",
        hundredths / 100,
        hundredths % 100
    );
}

/// The `Server-Timing` header.
pub(crate) const SERVER_TIMING: http::HeaderName = http::HeaderName::from_static("server-timing");

#[cfg(test)]
mod tests {
    use super::push_metric;
    use std::time::Duration;

    #[test]
    fn metrics_are_milliseconds_with_two_decimals() {
        let mut out = String::new();
        push_metric(&mut out, "loader", Duration::from_micros(1_234));
        push_metric(&mut out, "layout", Duration::from_nanos(5_000));
        push_metric(&mut out, "action", Duration::from_nanos(4_999));
        push_metric(&mut out, "render", Duration::from_millis(12_345));
        assert_eq!(
            out,
            "loader;dur=1.23, layout;dur=0.01, action;dur=0.00, render;dur=12345.00"
        );
    }
}

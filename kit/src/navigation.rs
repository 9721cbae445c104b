//! The navigation state apps can read, and the `refresh` action.
//!
//! A loader page's props arrive some time after a link is clicked; apps show
//! that with [`use_navigation`] (a progress bar, a dimmed page). A form
//! submission is [`NavigationState::Submitting`] until its answer is shown,
//! and [`use_submission`] hands a page the fields in flight, so it can show
//! the new entry before the server has stored it (optimistic UI), and drop
//! it when the submission fails. On the server, and in the browser between
//! navigations, it is [`NavigationState::Idle`]. [`use_refresh`] re-runs the
//! current page's loader in place, like Next.js's
//! `router.replace(router.asPath)`.
//!
//! This module is shared by both builds and names neither: what only the
//! browser has (the tab's navigation [`Signals`], which its state object
//! holds, and [`use_submit`]'s request) reaches it through a [`BrowserHalf`]
//! the browser half installs when it hydrates, as the props themselves
//! reach a page through the `PropsSource` each side provides. Where nothing
//! is installed (the server), the hooks read stored values nothing can
//! change, so concurrent requests share nothing and a render builds no
//! reactive machinery it never uses.

use leptos::prelude::*;
use std::sync::{Arc, OnceLock};

/// Whether a client navigation is waiting for props.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NavigationState {
    /// Nothing is loading.
    #[default]
    Idle,
    /// Props are being fetched for this page URL (path and query).
    Loading {
        /// The page URL being loaded.
        url: String,
    },
    /// A form is being submitted; the page shown next has not arrived.
    Submitting(Submission),
}

impl NavigationState {
    /// Whether props are being fetched.
    pub fn is_loading(&self) -> bool {
        matches!(self, Self::Loading { .. })
    }

    /// Whether a form is being submitted.
    pub fn is_submitting(&self) -> bool {
        matches!(self, Self::Submitting(_))
    }
}

/// A form submission in flight: where it goes and the fields it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The page URL (path and query) the form is submitted to.
    pub url: String,
    /// The fields, in form order (the clicked button's `name=value` too).
    /// A file field's value is the file's name.
    pub fields: Vec<(String, String)>,
    /// How much of a form with files (`multipart/form-data`) has been
    /// sent, from the start of its submission (its `total` unknown until
    /// the browser first reports); `None` for a form without files.
    pub upload: Option<UploadProgress>,
}

impl Submission {
    /// The first value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `other` is the same submission, at any point of its upload.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        self.url == other.url && self.fields == other.fields
    }
}

/// How much of a submission's body the browser has sent, as its
/// `XMLHttpRequest` reports it (`fetch` reports no upload progress).
///
/// ```
/// use leptos::prelude::*;
/// use server_props::use_submission;
///
/// #[component]
/// fn UploadProgress() -> impl IntoView {
///     let submission = use_submission();
///     move || {
///         let upload = submission.get()?.upload?;
///         let percent = upload.percent().unwrap_or(0);
///         Some(view! { <progress max="100" value=percent>{percent}"%"</progress> })
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadProgress {
    /// Bytes of the body sent so far.
    pub sent: u64,
    /// The body's size in bytes, when the browser knows it.
    pub total: Option<u64>,
}

impl UploadProgress {
    /// How much is sent, in whole percent (at most 100); `None` when the
    /// total is unknown.
    #[must_use]
    pub fn percent(&self) -> Option<u8> {
        let total = self.total.filter(|t| *t > 0)?;
        let percent = self.sent.min(total).saturating_mul(100) / total;
        u8::try_from(percent).ok()
    }

    /// Whether the whole body has been sent (the server may still be
    /// working on it).
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.total.is_some_and(|t| self.sent >= t)
    }
}

/// A refused submission's action data, as JSON, and the page it is for
/// (`use_action_data` reads it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ActionJson {
    /// The page's type name (`PageEntry::name`); `None` while a document
    /// hydrates, before its page view has run: the document's own page.
    pub(crate) page: Option<&'static str>,
    pub(crate) json: Arc<str>,
}

/// The kit's navigation signals: the browser tab's one set (its state
/// object holds it); the server has none. Reference-counted signals, so no reactive owner
/// (a render's, a page's) can dispose of them.
#[derive(Clone)]
pub(crate) struct Signals {
    /// Whether a navigation or a submission is under way ([`use_navigation`]).
    pub(crate) state: ArcRwSignal<NavigationState>,
    /// Bumped by [`use_refresh`] (and by a submission's answer for the page
    /// on screen): the page re-renders with props fetched anew.
    pub(crate) refresh: ArcRwSignal<u64>,
    /// Bumped when a background revalidation kept new props for the page
    /// on screen: it re-renders from the cache.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) revalidated: ArcRwSignal<u64>,
    /// The submission in flight, if any.
    pub(crate) submission: ArcRwSignal<Option<Submission>>,
    /// The layout loader's data as the browser last received it (JSON).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) layout: ArcRwSignal<Option<Arc<str>>>,
    /// What the action of the page on screen said of a refused submission,
    /// from the answer the page was rendered from.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) action: ArcRwSignal<Option<ActionJson>>,
}

impl Signals {
    /// A set at the initial values: idle, no submission, no layout data.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) fn new() -> Self {
        Self {
            state: ArcRwSignal::new(NavigationState::Idle),
            refresh: ArcRwSignal::new(0),
            submission: ArcRwSignal::new(None),
            revalidated: ArcRwSignal::new(0),
            layout: ArcRwSignal::new(None),
            action: ArcRwSignal::new(None),
        }
    }

    /// The browser tab's signals, once its browser half is installed
    /// (never on the server).
    pub(crate) fn installed() -> Option<Self> {
        BROWSER_HALF.get().map(|half| (half.signals)())
    }
}

/// What a page view re-renders on: `use_refresh`'s count and the
/// background revalidation's. On the server (nothing installed) values
/// that never change, stored rather than signals: nothing can update them,
/// no render subscribes to anything another render could touch, and a
/// render pays for no reactive machinery it never uses.
pub(crate) fn page_triggers() -> (ArcSignal<u64>, ArcSignal<u64>) {
    match Signals::installed() {
        Some(signals) => (signals.refresh.into(), signals.revalidated.into()),
        None => (ArcSignal::stored(0), ArcSignal::stored(0)),
    }
}

/// The current navigation state: `Loading { url }` while a client navigation
/// waits for props, `Idle` otherwise (always `Idle` on the server).
pub fn use_navigation() -> Signal<NavigationState> {
    match Signals::installed() {
        Some(signals) => signals.state.into(),
        None => Signal::stored(NavigationState::Idle),
    }
}

/// A function that re-runs the current page's loader and re-renders the page
/// with the new props, keeping the URL, the history entry and the scroll
/// position. Does nothing on the server or on a page without a loader.
pub fn use_refresh() -> impl Fn() + Clone + Send + Sync + 'static {
    let refresh = Signals::installed().map(|signals| signals.refresh);
    move || {
        if let Some(refresh) = &refresh {
            refresh.update(|n| *n += 1);
        }
    }
}

/// The form submission in flight (`None` when there is none, and always on
/// the server): show what it adds before the answer arrives, and, for a
/// form with files, how much of it is uploaded ([`Submission::upload`]). A
/// reference-counted signal: the page that reads it re-renders when the
/// answer arrives, and its old view may still read it once.
///
/// ```
/// use leptos::prelude::*;
/// use server_props::use_submission;
///
/// #[component]
/// fn PendingEntry() -> impl IntoView {
///     let submission = use_submission();
///     move || {
///         submission.get().filter(|s| s.field("intent") == Some("add")).map(|s| {
///             let message = s.field("message").unwrap_or_default().to_owned();
///             view! { <li class="pending">{message}</li> }
///         })
///     }
/// }
/// ```
pub fn use_submission() -> ArcSignal<Option<Submission>> {
    match Signals::installed() {
        Some(signals) => signals.submission.into(),
        None => ArcSignal::stored(None),
    }
}

/// Submits fields to the page at a URL (path and query). `Send` and `Sync`
/// as the function [`use_submit`] returns always was on the server, so an
/// app may keep it anywhere.
pub(crate) type Submit = Arc<dyn Fn(&str, Vec<(String, String)>) + Send + Sync>;

/// Makes [`use_submit`]'s function, where `use_submit` is called (inside
/// the app, so under its router).
pub(crate) type Submitter = fn() -> Submit;

/// What only the browser half has, as it installs it when it hydrates.
#[derive(Clone, Copy)]
pub(crate) struct BrowserHalf {
    /// Makes [`use_submit`]'s function.
    pub(crate) submitter: Submitter,
    /// The tab's navigation signals, which the browser's state object holds.
    pub(crate) signals: fn() -> Signals,
}

/// The browser half; never set on the server.
static BROWSER_HALF: OnceLock<BrowserHalf> = OnceLock::new();

/// Installs the browser half (by `hydrate`, before the app runs). The
/// first one stays.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(crate) fn install(half: BrowserHalf) {
    let _ = BROWSER_HALF.set(half);
}

/// A function that submits fields to a page's action as a `<Form>` would
/// (one request, the answer rendered in place): `submit("/guestbook",
/// vec![("intent".into(), "delete".into()), ("id".into(), "3".into())])`.
/// Does nothing on the server.
pub fn use_submit() -> impl Fn(&str, Vec<(String, String)>) + Clone + 'static {
    let submit = BROWSER_HALF.get().map(|half| (half.submitter)());
    move |url: &str, fields: Vec<(String, String)>| match &submit {
        Some(submit) => submit(url, fields),
        // Called, so a browser: one whose entry point did not hydrate
        // through the kit (`server_props::hydrate`), which installs it.
        None => leptos::logging::error!(
            "server_props: use_submit() has no submitter: hydrate with server_props::hydrate"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No browser half is ever installed here, as on the server: the hooks
    /// read values nothing can change, and `use_refresh` does nothing.
    #[test]
    fn without_the_browser_half_the_hooks_are_inert() {
        let owner = Owner::new();
        owner.set();
        assert!(Signals::installed().is_none());
        let refresh = use_refresh();
        refresh();
        refresh();
        assert_eq!(use_navigation().get_untracked(), NavigationState::Idle);
        assert_eq!(use_submission().get_untracked(), None);
        let (refreshed, revalidated) = page_triggers();
        assert_eq!(
            (refreshed.get_untracked(), revalidated.get_untracked()),
            (0, 0)
        );
    }

    #[test]
    fn upload_progress_is_a_bounded_percentage() {
        let progress = |sent, total| UploadProgress { sent, total };
        assert_eq!(progress(50, Some(200)).percent(), Some(25));
        assert_eq!(progress(300, Some(200)).percent(), Some(100));
        assert_eq!(progress(5, None).percent(), None);
        assert_eq!(progress(0, Some(0)).percent(), None);
        assert!(progress(200, Some(200)).is_done());
        assert!(!progress(199, Some(200)).is_done() && !progress(9, None).is_done());
        // Progress is not what tells two submissions apart.
        let a = Submission {
            url: "/files".into(),
            fields: vec![("note".into(), "n".into())],
            upload: None,
        };
        let b = Submission {
            upload: Some(progress(1, Some(2))),
            ..a.clone()
        };
        assert!(a.same_as(&b) && a != b);
    }
}

//! Form submissions in the browser: one request, the answer rendered in
//! place.
//!
//! A `<Form>` submit (or `use_submit`) sends the form's fields to the props
//! URL of the page it posts to. The answer holds what to show next, so
//! nothing else is fetched:
//!
//! * the props of the page to show (the same page after "done" or
//!   "invalid", the destination after a redirect, named by `"url"`), which
//!   are handed to that page's view as a value (left in the browser
//!   state, [`submitted`](super::state::BrowserState::submitted), for
//!   the page's next view to take): the page on screen re-renders in
//!   place when it is that page, otherwise the router navigates there (a
//!   new history entry, as a redirect after a POST makes; the entry is a
//!   `GET` URL, so Back and refresh never post again);
//! * a redirect to another site, followed by the browser;
//! * "not found", an error, a network failure: the app's 404 or error page,
//!   at the URL the form posted to (in place when that is the page on
//!   screen). A failed submission is never sent again.
//!
//! A link clicked while a submission is in flight wins (its answer is not
//! shown); of several submissions in flight, only the newest one's answer
//! is shown and only it ends the pending state.
//!
//! A submission that went through resets its form (its fields take the
//! values the new props give them); an invalid one keeps what was typed.
//!
//! Only when the server runs another build (a deploy between page load and
//! submit, so the action did not run) are the same fields submitted again,
//! as a document, which is what the user asked for.
//!
//! A form with a file input (or one that says
//! `enctype="multipart/form-data"`) is sent as the browser's own `FormData`,
//! `multipart/form-data`, in the same one request. It goes through
//! `XMLHttpRequest` rather than `fetch`, because only the former reports
//! how much of the body is sent: the submission's
//! [`upload`](crate::navigation::Submission::upload) follows it, for the
//! page to show.

use super::{
    fetch, is_web_url, location_url, page_url_parts, same_origin_page_url, set_layout,
    state::BrowserState,
};
use crate::{
    freshness::Invalidation,
    navigation::{NavigationState, Signals, Submission, Submit, UploadProgress},
    protocol::{PayloadBody, PropsPayload, INVALIDATE_HEADER, PROPS_HEADER},
};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use std::{cell::Cell, rc::Rc, sync::Arc};
use wasm_bindgen::{closure::Closure, JsCast};

/// The submit handler of a `<Form>` in the component being built: one
/// request through the router's navigation.
pub(crate) fn submit_handler() -> impl Fn(web_sys::SubmitEvent) + 'static {
    let navigate = leptos_router::hooks::use_navigate();
    move |event: web_sys::SubmitEvent| on_submit(&event, &navigate)
}

/// Handles a `<Form>`'s submit event: submits it in one request, unless it
/// is something the browser must do itself.
fn on_submit<N>(event: &web_sys::SubmitEvent, navigate: &N)
where
    N: Fn(&str, NavigateOptions) + Clone + 'static,
{
    if event.default_prevented() {
        return;
    }
    let Some(form) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return;
    };
    let submitter = event.submitter();
    let attr = |name: &str| submitter.as_ref().and_then(|s| s.get_attribute(name));
    let target = attr("formtarget").unwrap_or_else(|| form.target());
    if !(target.is_empty() || target.eq_ignore_ascii_case("_self")) {
        return;
    }
    let method = attr("formmethod")
        .unwrap_or_else(|| form.method())
        .to_ascii_lowercase();
    if method != "post" && method != "get" {
        // `dialog`: the browser's.
        return;
    }
    let action = attr("formaction").unwrap_or_else(|| form.action());
    let Some(page_url) = same_origin_page_url(&action) else {
        return;
    };
    let Some(entries) = entries(&form, submitter.as_ref()) else {
        // An entry that is neither text nor a file: the browser's.
        return;
    };
    event.prevent_default();
    if method == "get" {
        // A file's name, as the browser puts it in the query.
        let path = page_url.split('?').next().unwrap_or_default();
        let query = encode(&entries.fields);
        let url = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        navigate(&url, NavigateOptions::default());
        return;
    }
    if form.get_attribute("aria-busy").as_deref() == Some("true") {
        // Submitted already, and not answered yet: a double click.
        return;
    }
    let enctype = attr("formenctype").unwrap_or_else(|| form.enctype());
    let body = if entries.files || enctype.eq_ignore_ascii_case("multipart/form-data") {
        Body::Multipart {
            data: entries.data,
            submitter: entries.submitter,
        }
    } else {
        Body::Encoded
    };
    // Busy from now on, before the task first runs.
    let busy = Busy::mark(form);
    leptos::task::spawn_local(submit(
        Some(busy),
        page_url,
        entries.fields,
        body,
        navigate.clone(),
    ));
}

/// How a submission's fields are sent.
enum Body {
    /// Form-encoded (`application/x-www-form-urlencoded`).
    Encoded,
    /// The browser's `FormData`, as `multipart/form-data`, files and all;
    /// with the submitter's `name=value` (in `data` too), should the form
    /// have to be submitted again as a document.
    Multipart {
        data: web_sys::FormData,
        submitter: Option<(String, String)>,
    },
}

/// `use_submit`'s function in the browser ([`Submitter`](crate::navigation::Submitter),
/// installed by `hydrate`): submits through the router of the component
/// that asked.
pub(super) fn submitter() -> Submit {
    // The browser runs one thread: the wrapper only satisfies the type.
    let navigate = send_wrapper::SendWrapper::new(leptos_router::hooks::use_navigate());
    Arc::new(move |url: &str, fields| submit_fields(url, fields, (*navigate).clone()))
}

/// Submits fields to a page's action from code (`use_submit`).
fn submit_fields<N>(url: &str, fields: Vec<(String, String)>, navigate: N)
where
    N: Fn(&str, NavigateOptions) + Clone + 'static,
{
    let Some(page_url) = same_origin_page_url(url) else {
        leptos::logging::error!("server_props: not submitting to another site: {url}");
        return;
    };
    leptos::task::spawn_local(submit(None, page_url, fields, Body::Encoded, navigate));
}

async fn submit<N>(
    busy: Option<Busy>,
    page_url: String,
    fields: Vec<(String, String)>,
    body: Body,
    navigate: N,
) where
    N: Fn(&str, NavigateOptions) + Clone + 'static,
{
    let state = super::state();
    let form = busy.as_ref().map(|b| b.0.clone());
    let number = state.submissions.next();
    let newest = move || state.submissions.newest() == number;
    let signals = &state.signals;
    let multipart = matches!(body, Body::Multipart { .. });
    let submission = Submission {
        url: page_url.clone(),
        fields,
        // An upload from the start, its size not known yet.
        upload: multipart.then_some(UploadProgress {
            sent: 0,
            total: None,
        }),
    };
    signals.submission.set(Some(submission.clone()));
    signals
        .state
        .set(NavigationState::Submitting(submission.clone()));
    let started_at = location_url();
    let props_url = state.submit_url(&page_url);
    let (reply, submitter) = match body {
        Body::Encoded => (
            fetch::submit_props(props_url, encode(&submission.fields)).await,
            None,
        ),
        Body::Multipart { data, submitter } => {
            let on_progress = {
                let submission = submission.clone();
                move |progress| {
                    if newest() {
                        report_progress(signals, &submission, progress);
                    }
                }
            };
            (upload(&props_url, &data, on_progress).await, submitter)
        }
    };
    // What the write changed leaves the props cache at once.
    super::navigate::apply(state, &reply.invalidation);
    let payload = match reply.result {
        Ok((status, payload)) => {
            // As SvelteKit's `enhance` does: a submission that went through
            // empties its form (an invalid one keeps what was typed).
            let refused = matches!(
                payload.body,
                crate::protocol::PayloadBody::Props {
                    action_data: Some(_),
                    ..
                }
            );
            let went_through =
                status < 400 && !refused && !payload.is_error() && !payload.is_not_found();
            if let (true, Some(form)) = (went_through, &form) {
                form.reset();
            }
            // The layouts' data it carries (a write runs every layout), for
            // the navigations after it.
            let shown = payload.url.as_deref().unwrap_or(&page_url);
            state.kept_layouts.borrow_mut().note(
                &payload,
                &crate::page_url::PageUrl::parse(shown),
                js_sys::Date::now(),
            );
            Some(payload)
        }
        Err(fetch::FetchError::StaleBuild) => {
            match &form {
                // Its files too: only the form itself has them.
                Some(form) if multipart => resubmit_form_as_document(form, submitter),
                _ => resubmit_as_document(&submission),
            }
            None
        }
        Err(error) => {
            if cfg!(debug_assertions) {
                leptos::logging::warn!("server_props: submission to {page_url}: {error}");
            }
            Some(failed(&error))
        }
    };
    // Still ours: neither a navigation (a link clicked meanwhile, whose
    // URL is not committed until its page is ready) nor a newer submission
    // owns the state now.
    let ours = newest()
        && signals.state.with_untracked(
            |s| matches!(s, NavigationState::Submitting(s) if s.same_as(&submission)),
        );
    if let Some(payload) = payload {
        if ours && location_url() == started_at {
            show(state, page_url, payload, &navigate);
        } else {
            // The user went elsewhere: the answer is not shown, its session
            // is (and a changed session empties the props cache).
            let before = signals.layout.get_untracked();
            set_layout(state, &payload);
            if signals.layout.get_untracked() != before {
                state.cache.clear();
            }
        }
    }
    if newest() {
        signals.submission.set(None);
    }
    if ours {
        signals.state.set(NavigationState::Idle);
    }
    drop(busy);
}

/// Shows a submission's answer: in place when it is for the page on screen,
/// otherwise by navigating to its page, which takes the answer instead of
/// fetching.
fn show<N>(state: &BrowserState, page_url: String, payload: PropsPayload, navigate: &N)
where
    N: Fn(&str, NavigateOptions),
{
    // A submission that changed the session (a login, a logout) empties the
    // props cache: what it kept was another session's.
    let before = state.signals.layout.get_untracked();
    set_layout(state, &payload);
    if state.signals.layout.get_untracked() != before {
        state.cache.clear();
    }
    if let PayloadBody::Redirect(redirect) = &payload.body {
        let destination = redirect.destination.clone();
        if redirect.is_same_origin() {
            navigate(&destination, NavigateOptions::default());
        } else if is_web_url(&destination) {
            if let Err(e) = window().location().assign(&destination) {
                leptos::logging::error!("server_props: navigation to {destination} failed: {e:?}");
            }
        } else {
            leptos::logging::error!("server_props: refusing to redirect to {destination:?}");
        }
        return;
    }
    let url = payload.url.clone().unwrap_or(page_url);
    let Some((key, hash)) = page_url_parts(&url) else {
        return;
    };
    let here = key == location_url();
    // The answer goes to the page's next view, as a value it takes instead
    // of fetching.
    state.submitted.borrow_mut().put(key.clone(), payload);
    if here {
        // The page on screen re-renders with the answer's props.
        state.signals.refresh.update(|n| *n += 1);
    } else {
        navigate(&format!("{key}{hash}"), NavigateOptions::default());
    }
}

/// The answer shown for a submission that got no props answer: the error
/// page, with the status the server gave, or 503 when it could not be reached.
fn failed(error: &fetch::FetchError) -> PropsPayload {
    let status = match error {
        fetch::FetchError::NotProps(status) if *status >= 400 => *status,
        fetch::FetchError::NotProps(_) => 500,
        _ => 503,
    };
    PropsPayload::new(PayloadBody::Error {
        status,
        error: error.to_string(),
        detail: None,
        dev: None,
    })
}

/// The server runs another build, so the action did not run: submit the
/// same fields as a document (a fresh page load), as the browser would
/// have, through a hidden form of their own (so the clicked button, a
/// `formaction`, a submission from code all count).
fn resubmit_as_document(submission: &Submission) {
    let document = document();
    let Ok(form) = document.create_element("form") else {
        return;
    };
    let _ = form.set_attribute("method", "post");
    let _ = form.set_attribute("action", &submission.url);
    let _ = form.set_attribute("hidden", "");
    for (name, value) in &submission.fields {
        if let Ok(input) = document.create_element("input") {
            let _ = input.set_attribute("type", "hidden");
            let _ = input.set_attribute("name", name);
            let _ = input.set_attribute("value", value);
            let _ = form.append_child(&input);
        }
    }
    let Some(body) = document.body() else {
        return;
    };
    let _ = body.append_child(&form);
    if let Ok(form) = form.dyn_into::<web_sys::HtmlFormElement>() {
        let _ = form.submit();
    }
}

/// The same form submitted again as a document, files and all (a form
/// with files: its fields cannot be copied into another form), as
/// `multipart/form-data`, with the button that submitted it.
fn resubmit_form_as_document(form: &web_sys::HtmlFormElement, submitter: Option<(String, String)>) {
    if let Some((name, value)) = submitter {
        if let Ok(input) = document().create_element("input") {
            let _ = input.set_attribute("type", "hidden");
            let _ = input.set_attribute("name", &name);
            let _ = input.set_attribute("value", &value);
            let _ = form.append_child(&input);
        }
    }
    form.set_enctype("multipart/form-data");
    // `submit()` fires no submit event: this handler stays out of it.
    if let Err(e) = form.submit() {
        leptos::logging::error!("server_props: submitting the form again failed: {e:?}");
    }
}

/// An upload's progress, on the submission while it is still the one in
/// flight (progress says nothing about which submission it is).
fn report_progress(signals: &Signals, submission: &Submission, progress: UploadProgress) {
    let now = Submission {
        upload: Some(progress),
        ..submission.clone()
    };
    let in_state = signals
        .state
        .with_untracked(|s| matches!(s, NavigationState::Submitting(s) if s.same_as(submission)));
    if in_state {
        signals.state.set(NavigationState::Submitting(now.clone()));
    }
    let in_flight = signals
        .submission
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.same_as(submission)));
    if in_flight {
        signals.submission.set(Some(now));
    }
}

/// Sends a form with files to a page's action: one `POST` of the browser's
/// `FormData` (the browser writes it as `multipart/form-data`, with its
/// boundary) to the page's props URL, never repeated. Through
/// `XMLHttpRequest`, whose upload reports its progress to `on_progress`;
/// the answer is read as `fetch::submit_props` reads one.
async fn upload(
    props_url: &str,
    data: &web_sys::FormData,
    on_progress: impl Fn(UploadProgress) + 'static,
) -> fetch::Reply<(u16, PropsPayload)> {
    let failed = |error: fetch::FetchError| fetch::Reply {
        invalidation: Invalidation::Nothing,
        result: Err(error),
    };
    let network = |e: wasm_bindgen::JsValue| failed(fetch::FetchError::Network(format!("{e:?}")));
    let xhr = match web_sys::XmlHttpRequest::new() {
        Ok(xhr) => xhr,
        Err(e) => return network(e),
    };
    if let Err(e) = xhr.open("POST", props_url) {
        return network(e);
    }
    // The request's end, whichever way it ends, settles one channel.
    let (sender, receiver) = futures::channel::oneshot::channel::<Result<(), &'static str>>();
    let sender = Rc::new(Cell::new(Some(sender)));
    let settle = |outcome: Result<(), &'static str>| {
        let sender = Rc::clone(&sender);
        Closure::<dyn FnMut()>::new(move || {
            if let Some(sender) = sender.take() {
                let _ = sender.send(outcome);
            }
        })
    };
    let on_load = settle(Ok(()));
    let on_error = settle(Err("the request failed"));
    let on_abort = settle(Err("the request was aborted"));
    let on_timeout = settle(Err("the request timed out"));
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(on_timeout.as_ref().unchecked_ref()));
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            on_progress(UploadProgress {
                sent: event.loaded() as u64,
                total: event.length_computable().then(|| event.total() as u64),
            });
        });
    let upload = xhr.upload().ok();
    if let Some(upload) = &upload {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    if let Err(e) = xhr.send_with_opt_form_data(Some(data)) {
        return network(e);
    }
    let outcome = receiver.await.unwrap_or(Err("the request was dropped"));
    // No handler is called once it is dropped.
    xhr.set_onload(None);
    xhr.set_onerror(None);
    xhr.set_onabort(None);
    xhr.set_ontimeout(None);
    if let Some(upload) = &upload {
        upload.set_onprogress(None);
    }
    drop((on_load, on_error, on_abort, on_timeout, on_progress));
    if let Err(e) = outcome {
        return failed(fetch::FetchError::Network(e.to_owned()));
    }
    let status = xhr.status().unwrap_or(0);
    let header = |name: &str| xhr.get_response_header(name).ok().flatten();
    if header(PROPS_HEADER).is_none() {
        // Not the kit's answer (a proxy's 413): its headers say nothing.
        return failed(fetch::FetchError::NotProps(status));
    }
    let tags = fetch::header_list(header(INVALIDATE_HEADER));
    let invalidation = Invalidation::from_header(tags);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    let result = match serde_json::from_str::<PropsPayload>(&text) {
        Ok(payload) if matches!(payload.body, PayloadBody::StaleBuild) => {
            // Everything kept is another build's.
            return fetch::Reply {
                invalidation: Invalidation::Everything,
                result: Err(fetch::FetchError::StaleBuild),
            };
        }
        Ok(payload) => Ok((status, payload)),
        Err(e) => Err(fetch::FetchError::Json(e.to_string())),
    };
    fetch::Reply {
        invalidation,
        result,
    }
}

/// Marks a form as submitting (`aria-busy="true"`) until dropped.
struct Busy(web_sys::HtmlFormElement);

impl Busy {
    fn mark(form: web_sys::HtmlFormElement) -> Self {
        let _ = form.set_attribute("aria-busy", "true");
        Self(form)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let _ = self.0.remove_attribute("aria-busy");
    }
}

/// What a form submits.
struct Entries {
    /// Its fields as text, the submitter's `name=value` included; a file
    /// as its name.
    fields: Vec<(String, String)>,
    /// Whether a field is a file.
    files: bool,
    /// The browser's own `FormData` of the form, files and the submitter's
    /// field included: what a multipart submission sends.
    data: web_sys::FormData,
    /// The submitter's `name=value`, if it has a name.
    submitter: Option<(String, String)>,
}

/// The entries a form submits; `None` when one is neither text nor a file.
fn entries(
    form: &web_sys::HtmlFormElement,
    submitter: Option<&web_sys::HtmlElement>,
) -> Option<Entries> {
    let data = web_sys::FormData::new_with_form(form).ok()?;
    let mut fields = Vec::new();
    let mut files = false;
    let iter = js_sys::try_iter(&data).ok()??;
    for entry in iter {
        let entry: js_sys::Array = entry.ok()?.dyn_into().ok()?;
        let name = entry.get(0).as_string()?;
        let value = entry.get(1);
        let value = match value.as_string() {
            Some(text) => text,
            None => {
                files = true;
                value.dyn_into::<web_sys::File>().ok()?.name()
            }
        };
        fields.push((name, value));
    }
    let submitter = submitter.and_then(|submitter| {
        let name = submitter.get_attribute("name").filter(|n| !n.is_empty())?;
        let value = js_sys::Reflect::get(submitter, &"value".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        Some((name, value))
    });
    if let Some((name, value)) = &submitter {
        data.append_with_str(name, value).ok()?;
        fields.push((name.clone(), value.clone()));
    }
    Some(Entries {
        fields,
        files,
        data,
        submitter,
    })
}

fn encode(fields: &[(String, String)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

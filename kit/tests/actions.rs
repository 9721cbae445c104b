//! Page actions through the whole server, without a socket: every outcome
//! (done, invalid, redirect, not found, failure) as a document submission
//! and as a `<Form>` submission to the props URL, single flight with the
//! action's cookies, the layout as a guard, cross-site refusals, 405s, and
//! tag invalidation in the shared cache.

#![cfg(feature = "testing")]

mod common;

use axum::extract::State;
use http::{header, Method, Request};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{
    action,
    app::AppServer,
    extract::{FormData, Json},
    loader, page,
    testing::TestClient,
    use_action_data, ActionOutcome, ActionResult, Layout, Loader, LoaderContext, LoaderResult,
    NotFound, Pages,
};
use std::sync::{Arc, LazyLock, Mutex};

/// The notes the test app keeps, and how many times its action ran.
#[derive(Clone, Debug, Default)]
pub struct Notes {
    list: Arc<Mutex<Vec<String>>>,
    actions: Arc<Mutex<u32>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct NotesProps {
    notes: Vec<String>,
    /// The `draft` cookie the loader saw.
    draft: Option<String>,
}

/// What the action says of a note it refuses: the page's action data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NoteRefused {
    text: String,
    error: String,
}

#[page("/notes")]
pub fn NotesPage(props: NotesProps) -> impl IntoView {
    let refused = use_action_data::<NotesPage>().get();
    let text = refused.as_ref().map(|r| r.text.clone()).unwrap_or_default();
    view! {
        <ul>{props.notes.into_iter().map(|n| view! { <li class="note">{n}</li> }).collect_view()}</ul>
        <form method="post"><input name="text" value=text/></form>
        {refused.map(|r| view! { <p class="error">{r.error}</p> })}
    }
}

#[loader(NotesPage)]
async fn load_notes(cx: &LoaderContext<Notes>) -> LoaderResult<NotesProps> {
    if cx.cookie("gone").is_some() {
        Err(NotFound)?;
    }
    cx.response().tag("notes")?;
    // Shared-cacheable unless the reader has a session.
    if cx.cookie("user").is_none() {
        cx.response().set_cache_control("public, s-maxage=60")?;
    }
    Ok(NotesProps {
        notes: cx.state().list.lock().unwrap().clone(),
        draft: cx.cookie("draft"),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Add {
        text: String,
    },
    Delete {
        index: usize,
    },
    Login {
        user: String,
    },
    Away,
    Temporary,
    Nowhere,
    About,
    Fail,
    Panic,
    /// Refused, keeping a draft in a cookie the page's loader reads.
    Draft {
        text: String,
    },
    /// Refused with a status of the action's own.
    Conflict,
    /// Refused, with a cookie that makes the page's loader say "not found".
    Vanish,
}

#[action(NotesPage)]
async fn notes_action(
    FormData(intent): FormData<Intent>,
    cx: &LoaderContext<Notes>,
) -> ActionResult<NoteRefused> {
    *cx.state().actions.lock().unwrap() += 1;
    let list = &cx.state().list;
    match intent {
        Intent::Add { text } if text.trim().is_empty() => {
            // The page's loader makes the props; the action says only this.
            return Ok(ActionOutcome::Invalid(NoteRefused {
                text,
                error: "Text is required.".into(),
            }));
        }
        Intent::Add { text } => list.lock().unwrap().push(text),
        Intent::Delete { index } => {
            let mut list = list.lock().unwrap();
            if index >= list.len() {
                Err(NotFound)?;
            }
            list.remove(index);
        }
        Intent::Login { user } => {
            let cookie = server_props::cookie::Cookie::new("user", user);
            cx.response().set_cookie(&cookie)?;
            return Ok(ActionOutcome::redirect("/whoami?from=login"));
        }
        Intent::Away => return Ok(ActionOutcome::redirect("https://example.com/")),
        Intent::Temporary => Err(server_props::Redirect::temporary("/about"))?,
        Intent::Nowhere => return Ok(ActionOutcome::redirect("/no-such-page")),
        Intent::About => return Ok(ActionOutcome::redirect("/about")),
        Intent::Fail => Err(server_props::LoaderError::internal("the store is down"))?,
        Intent::Panic => panic!("the action panicked"),
        Intent::Draft { text } => {
            let cookie = server_props::cookie::Cookie::new("draft", text.clone());
            cx.response().set_cookie(&cookie)?;
            let error = "Saved as a draft.".into();
            return Ok(ActionOutcome::Invalid(NoteRefused { text, error }));
        }
        Intent::Conflict => {
            cx.response().set_status(http::StatusCode::CONFLICT);
            let error = "Someone else changed it.".into();
            return Ok(ActionOutcome::Invalid(NoteRefused {
                text: String::new(),
                error,
            }));
        }
        Intent::Vanish => {
            cx.response()
                .set_cookie(&server_props::cookie::Cookie::new("gone", "1"))?;
            let error = "Gone.".into();
            return Ok(ActionOutcome::Invalid(NoteRefused {
                text: String::new(),
                error,
            }));
        }
    }
    cx.response().invalidate("notes")?;
    Ok(ActionOutcome::Done)
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Who {
    user: Option<String>,
    from: Option<String>,
}

#[page("/whoami")]
pub fn WhoAmI(who: Who) -> impl IntoView {
    view! { <p>{who.user}</p> }
}

#[loader(WhoAmI)]
async fn load_who(cx: &LoaderContext<()>) -> LoaderResult<Who> {
    Ok(Who {
        user: cx.cookie("user"),
        from: cx.query_value("from").map(str::to_owned),
    })
}

/// A page with a loader and no action: a write reaches its loader.
#[page("/echo")]
pub fn Echo(method: String) -> impl IntoView {
    view! { <p>{method}</p> }
}

#[loader(Echo)]
async fn load_echo(cx: &LoaderContext<()>) -> LoaderResult<String> {
    Ok(cx.method().to_string())
}

/// A page whose action reads JSON: what an API client or a `fetch` from
/// the page's own script sends.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TasksProps {
    tasks: Vec<String>,
}

#[page("/tasks")]
pub fn TasksPage(props: TasksProps) -> impl IntoView {
    let error = use_action_data::<TasksPage>();
    view! {
        <ul>{props.tasks.into_iter().map(|t| view! { <li class="task">{t}</li> }).collect_view()}</ul>
        {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
    }
}

#[loader(TasksPage)]
async fn load_tasks(cx: &LoaderContext<Notes>) -> LoaderResult<TasksProps> {
    Ok(TasksProps {
        tasks: cx.state().list.lock().unwrap().clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct NewTask {
    title: String,
}

#[action(TasksPage)]
async fn add_task(Json(task): Json<NewTask>, cx: &LoaderContext<Notes>) -> ActionResult<String> {
    *cx.state().actions.lock().unwrap() += 1;
    if task.title.is_empty() {
        return Ok(ActionOutcome::Invalid("A title is required.".into()));
    }
    cx.state().list.lock().unwrap().push(task.title);
    Ok(ActionOutcome::Done)
}

/// A page with an action and no loader: a contact form.
#[page("/contact")]
pub fn Contact() -> impl IntoView {
    let refused = use_action_data::<Contact>();
    view! {
        <form method="post"><textarea name="message"></textarea></form>
        {move || refused.get().map(|r| view! { <p class="error">{r}</p> })}
    }
}

#[derive(Debug, Deserialize)]
pub struct Message {
    message: String,
}

#[action(Contact, no_loader)]
async fn send_message(
    FormData(form): FormData<Message>,
    State(notes): State<Notes>,
) -> ActionResult<String> {
    if form.message.trim().is_empty() {
        return Ok(ActionOutcome::Invalid("Say something.".into()));
    }
    notes.list.lock().unwrap().push(form.message);
    Ok(ActionOutcome::redirect("/about"))
}

/// A page whose action refuses with no data at all: `Invalid(())`.
#[page("/ping")]
pub fn Ping() -> impl IntoView {
    let refused = use_action_data::<Ping>();
    move || {
        refused
            .get()
            .map(|()| view! { <p class="error">"Refused."</p> })
    }
}

#[action(Ping, no_loader, methods(PUT))]
async fn ping(FormData(form): FormData<Message>) -> ActionResult {
    if form.message.is_empty() {
        return Ok(ActionOutcome::Invalid(()));
    }
    Ok(ActionOutcome::Done)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Viewer {
    user: Option<String>,
}

#[derive(Debug)]
pub struct Site;

impl Layout for Site {
    type Data = Viewer;
}

/// The layout reads the session, and refuses everything to `blocked=1`.
#[loader(Site)]
async fn load_site(cx: &LoaderContext<()>) -> LoaderResult<Viewer> {
    if cx.cookie("blocked").is_some() {
        // A 307 here would make the browser post the form to /about.
        Err(server_props::Redirect::temporary("/about"))?;
    }
    Ok(Viewer {
        user: cx.cookie("user"),
    })
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    Pages::new()
        .page::<NotesPage>()
        .page::<WhoAmI>()
        .page::<Echo>()
        .page::<TasksPage>()
        .page::<Contact>()
        .page::<Ping>()
        .static_page("/about", || view! { <h1>"About"</h1> })
        .layout::<Site>()
});

fn app(notes: &Notes) -> TestClient {
    let app = AppServer::new(&PAGES, common::shell(&PAGES))
        .options(LeptosOptions::builder().output_name("app").build())
        .state(notes.clone())
        .build()
        .unwrap();
    let _ = BUILD.set(app.props.build_id().to_owned());
    TestClient::new(&app)
}

static BUILD: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The props URL of a page, for requests made by hand.
fn props_uri(page: &str) -> String {
    server_props::protocol::props_url(BUILD.get().expect("app() first"), page)
}

fn stored(notes: &Notes) -> Vec<String> {
    notes.list.lock().unwrap().clone()
}

fn actions(notes: &Notes) -> u32 {
    *notes.actions.lock().unwrap()
}

#[test]
fn the_loader_knows_its_page_has_an_action() {
    assert!(<NotesPage as Loader>::action().is_some());
    assert!(<WhoAmI as Loader>::action().is_none());
    assert!(<Site as Loader>::action().is_none());
}

#[tokio::test]
async fn a_document_submission_is_post_redirect_get() {
    let notes = Notes::default();
    let client = app(&notes);
    let r = client
        .post_form("/notes?sort=new", &[("intent", "add"), ("text", "first")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/notes?sort=new"));
    assert_eq!(
        r.header("cache-control"),
        Some(server_props::protocol::DEFAULT_CACHE_CONTROL)
    );
    assert_eq!(r.header("x-server-props-invalidate"), Some("notes"));
    assert_eq!(stored(&notes), ["first"]);
    let page = client.get("/notes").await;
    assert!(
        page.html().contains(r#"<li class="note">first</li>"#),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_invalid_document_submission_is_the_page_with_its_errors() {
    let notes = Notes::default();
    notes.list.lock().unwrap().push("kept".into());
    let client = app(&notes);
    let r = client
        .post_form("/notes", &[("intent", "add"), ("text", "  ")])
        .await;
    assert_eq!(r.status, 422);
    // The action's data, rendered by the page and embedded for hydration...
    assert!(r.text().contains("Text is required."), "{}", r.body);
    assert!(r.html().contains(r#"value="  ""#), "{}", r.body);
    assert_eq!(r.embedded()["actionData"]["error"], "Text is required.");
    assert_eq!(r.embedded()["actionData"]["text"], "  ");
    // ...beside the props the page's loader made in the same request.
    assert_eq!(r.embedded()["props"]["notes"], serde_json::json!(["kept"]));
    assert!(
        r.html().contains(r#"<li class="note">kept</li>"#),
        "{}",
        r.body
    );
    assert_eq!(
        r.header("cache-control"),
        Some(server_props::protocol::DEFAULT_CACHE_CONTROL)
    );
    assert_eq!(stored(&notes), ["kept"]);
    // The next request shows the page without it.
    let r = client.get("/notes").await;
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("Text is required."), "{}", r.body);
    assert!(r.embedded().get("actionData").is_none());
}

#[tokio::test]
async fn a_form_submission_answers_with_the_fresh_props_of_the_page() {
    let notes = Notes::default();
    let client = app(&notes);
    let r = client
        .submit_form("/notes", &[("intent", "add"), ("text", "hello")])
        .await;
    assert_eq!(r.status, 200);
    let json = r.json();
    assert_eq!(json["url"], "/notes");
    assert_eq!(json["props"]["notes"], serde_json::json!(["hello"]));
    assert_eq!(json["layout"], serde_json::json!({ "user": null }));
    assert_eq!(r.header("x-server-props-invalidate"), Some("notes"));
    // The loader's own `s-maxage` never makes the answer to a write cacheable.
    assert_eq!(
        r.header("cache-control"),
        Some(server_props::protocol::DEFAULT_CACHE_CONTROL)
    );
    assert_eq!(actions(&notes), 1);
}

#[tokio::test]
async fn an_invalid_form_submission_is_a_422_with_the_props() {
    let notes = Notes::default();
    notes.list.lock().unwrap().push("kept".into());
    let client = app(&notes);
    let r = client
        .submit_form("/notes", &[("intent", "add"), ("text", "")])
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["actionData"]["error"], "Text is required.");
    assert_eq!(r.json()["actionData"]["text"], "");
    assert_eq!(r.json()["props"]["notes"], serde_json::json!(["kept"]));
    assert_eq!(r.json()["layout"], serde_json::json!({ "user": null }));
    assert!(r.header("x-server-props-invalidate").is_none());
    assert_eq!(actions(&notes), 1);
}

#[tokio::test]
async fn a_refused_submission_shows_the_page_as_the_next_get_would() {
    let notes = Notes::default();
    let client = app(&notes);
    // The page's loader sees the cookie the action set.
    let r = client
        .submit_form("/notes", &[("intent", "draft"), ("text", "half")])
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["props"]["draft"], "half");
    assert_eq!(r.json()["actionData"]["error"], "Saved as a draft.");
    assert!(r
        .header_all("set-cookie")
        .iter()
        .any(|c| c.starts_with("draft=half")));
    let r = client
        .post_form("/notes", &[("intent", "draft"), ("text", "whole")])
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.embedded()["props"]["draft"], "whole");
    client.clear_cookies();
    // A status of the action's own stays.
    let r = client
        .submit_form("/notes", &[("intent", "conflict")])
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["actionData"]["error"], "Someone else changed it.");
    // The page's loader says "not found" after the action: the 404, with
    // the action's cookie kept and no action data.
    for r in [
        client.submit_form("/notes", &[("intent", "vanish")]).await,
        client.post_form("/notes", &[("intent", "vanish")]).await,
    ] {
        assert_eq!(r.status, 404, "{}", r.body);
        assert!(r
            .header_all("set-cookie")
            .iter()
            .any(|c| c.starts_with("gone=1")));
        assert!(!r.body.contains("actionData"), "{}", r.body);
        client.clear_cookies();
    }
    // Each submission ran the action once, and only once.
    assert_eq!(actions(&notes), 5);
}

#[tokio::test]
async fn an_action_may_refuse_with_no_data() {
    let notes = Notes::default();
    let client = app(&notes);
    let r = client.submit_form("/ping", &[("message", "")]).await;
    assert_eq!(r.status, 422);
    let json = r.json();
    assert!(
        json.as_object().unwrap().contains_key("actionData"),
        "{json}"
    );
    assert_eq!(json["actionData"], serde_json::Value::Null);
    let r = client.post_form("/ping", &[("message", "")]).await;
    assert_eq!(r.status, 422);
    assert!(
        r.html().contains(r#"<p class="error">Refused.</p>"#),
        "{}",
        r.body
    );
    // The methods of a page without a loader: PUT too.
    let r = client
        .send(
            Request::builder()
                .method(Method::PUT)
                .uri("/ping")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("message=hi"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[tokio::test]
async fn a_page_with_an_action_and_no_loader() {
    let notes = Notes::default();
    let client = app(&notes);
    // Its document and props answer: `()` props, no action data.
    let r = client.get("/contact").await;
    assert_eq!(r.status, 200);
    assert!(r.html().contains("<textarea"), "{}", r.body);
    assert!(r.embedded().get("actionData").is_none());
    let r = client.get(&props_uri("/contact")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["props"], serde_json::Value::Null);
    // Refused, with and without JavaScript.
    let r = client.post_form("/contact", &[("message", " ")]).await;
    assert_eq!(r.status, 422);
    assert!(
        r.html().contains(r#"<p class="error">Say something.</p>"#),
        "{}",
        r.body
    );
    assert_eq!(r.embedded()["actionData"], "Say something.");
    let r = client.submit_form("/contact", &[("message", "")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["actionData"], "Say something.");
    // Through: a redirect, 303 for a document.
    let r = client.post_form("/contact", &[("message", "hi")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/about"));
    assert_eq!(stored(&notes), ["hi"]);
}

#[tokio::test]
async fn not_found_and_failures_from_an_action() {
    let notes = Notes::default();
    let client = app(&notes);
    let r = client
        .submit_form("/notes", &[("intent", "delete"), ("index", "3")])
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["notFound"], true);
    assert_eq!(r.json()["layout"], serde_json::json!({ "user": null }));
    let r = client
        .post_form("/notes", &[("intent", "delete"), ("index", "3")])
        .await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("404"));
    for intent in ["fail", "panic"] {
        let r = client.submit_form("/notes", &[("intent", intent)]).await;
        assert_eq!(r.status, 500, "{intent}");
        assert_eq!(r.json()["error"], "Internal Server Error");
        let r = client.post_form("/notes", &[("intent", intent)]).await;
        assert_eq!(r.status, 500, "{intent}");
    }
    // A form that fits no intent is the client's mistake.
    for body in [
        &[("intent", "drop")][..],
        &[("text", "x")][..],
        &[("intent", "delete"), ("index", "x")][..],
    ] {
        let r = client.submit_form("/notes", &body).await;
        assert_eq!(r.status, 400, "{body:?}");
        let r = client.post_form("/notes", &body).await;
        assert_eq!(r.status, 400, "{body:?}");
    }
}

#[tokio::test]
async fn a_redirect_answers_with_the_destination_props_seeing_the_new_cookie() {
    let notes = Notes::default();
    let client = app(&notes);
    let r = client
        .submit_form("/notes", &[("intent", "login"), ("user", "ann")])
        .await;
    assert_eq!(r.status, 200);
    let json = r.json();
    assert_eq!(json["url"], "/whoami?from=login");
    assert_eq!(
        json["props"],
        serde_json::json!({ "user": "ann", "from": "login" })
    );
    // The layout ran again after the action: the header shows the new session.
    assert_eq!(json["layout"], serde_json::json!({ "user": "ann" }));
    assert_eq!(client.cookie("user").unwrap().value(), "ann");
    // As a document: 303, and the cookie.
    client.clear_cookies();
    let r = client
        .post_form("/notes", &[("intent", "login"), ("user", "bob")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/whoami?from=login"));
    assert_eq!(client.cookie("user").unwrap().value(), "bob");
}

#[tokio::test]
async fn redirects_the_server_cannot_render_go_to_the_browser() {
    let notes = Notes::default();
    let client = app(&notes);
    for (intent, destination) in [
        ("away", "https://example.com/"),
        ("nowhere", "/no-such-page"),
    ] {
        let r = client.submit_form("/notes", &[("intent", intent)]).await;
        assert_eq!(r.status, 200, "{intent}");
        assert_eq!(
            r.json()["redirect"],
            serde_json::json!({ "destination": destination, "status": 303 }),
            "{intent}"
        );
    }
    // A page without a loader: no props, and the layout's data.
    let r = client.submit_form("/notes", &[("intent", "about")]).await;
    assert_eq!(
        r.json(),
        serde_json::json!({ "url": "/about", "props": null, "layout": { "user": null } })
    );
}

#[tokio::test]
async fn every_redirect_answering_a_write_is_a_303() {
    let notes = Notes::default();
    let client = app(&notes);
    let r = client.post_form("/notes", &[("intent", "temporary")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/about"));
    let r = client
        .submit_form("/notes", &[("intent", "temporary")])
        .await;
    assert_eq!(r.json()["redirect"]["status"], 303);
    // A read keeps the status it was given.
    client.set_cookie(server_props::cookie::Cookie::new("blocked", "1"));
    assert_eq!(client.get("/notes").await.status, 307);
}

#[tokio::test]
async fn the_layout_refuses_before_the_action_runs() {
    let notes = Notes::default();
    let client = app(&notes);
    client.set_cookie(server_props::cookie::Cookie::new("blocked", "1"));
    let r = client
        .submit_form("/notes", &[("intent", "add"), ("text", "x")])
        .await;
    assert_eq!(r.json()["redirect"]["destination"], "/about");
    assert_eq!(r.json()["redirect"]["status"], 303);
    let r = client
        .post_form("/notes", &[("intent", "add"), ("text", "x")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(actions(&notes), 0);
    assert!(stored(&notes).is_empty());
}

#[tokio::test]
async fn cross_site_submissions_are_refused_and_run_nothing() {
    let notes = Notes::default();
    let client = app(&notes);
    for uri in ["/notes".to_owned(), props_uri("/notes")] {
        let request = Request::builder()
            .method(Method::POST)
            .uri(&uri)
            .header(header::ORIGIN, "https://evil.example")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("intent=add&text=x"))
            .unwrap();
        let r = client.send(request).await;
        assert_eq!(r.status, 403, "{uri}");
    }
    assert_eq!(actions(&notes), 0);
}

#[tokio::test]
async fn writes_to_pages_that_take_none_are_405() {
    let notes = Notes::default();
    let client = app(&notes);
    let r = client.submit_form("/about", &[("a", "1")]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    let r = client.post_form("/about", &[("a", "1")]).await;
    assert_eq!(r.status, 405);
    // A page without an action: its loader sees the write, on both sides.
    let r = client.submit_form("/echo", &[("a", "1")]).await;
    assert_eq!(r.json()["props"], "POST");
    let r = client.post_form("/echo", &[("a", "1")]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn an_action_drops_what_it_changed_from_the_shared_cache() {
    let notes = Notes::default();
    let client = app(&notes);
    let first = client.get("/notes").await;
    assert_eq!(first.header("x-cache"), Some("MISS"));
    assert_eq!(first.header("x-server-props-tags"), Some("notes"));
    assert_eq!(client.get("/notes").await.header("x-cache"), Some("HIT"));
    assert_eq!(client.props("/notes").await.header("x-cache"), Some("MISS"));
    assert_eq!(client.props("/notes").await.header("x-cache"), Some("HIT"));
    // A change the app makes behind the cache's back is not seen...
    notes.list.lock().unwrap().push("quiet".into());
    assert!(!client.get("/notes").await.text().contains("quiet"));
    // ...one an action names is, at once, on both answers.
    let r = client
        .submit_form("/notes", &[("intent", "add"), ("text", "loud")])
        .await;
    assert_eq!(r.status, 200);
    let page = client.get("/notes").await;
    assert_eq!(page.header("x-cache"), Some("MISS"));
    assert!(page.text().contains("loud"), "{}", page.body);
    let props = client.props("/notes").await;
    assert_eq!(props.header("x-cache"), Some("MISS"));
    assert_eq!(
        props.json()["props"]["notes"],
        serde_json::json!(["quiet", "loud"])
    );
    assert_eq!(client.get("/notes").await.header("x-cache"), Some("HIT"));
}

#[tokio::test]
async fn a_json_body_for_a_form_action_is_a_415_and_runs_nothing() {
    // `FormData<T>` reads form bodies only.
    let notes = Notes::default();
    let client = app(&notes);
    let uri = props_uri("/notes");
    let r = client
        .post_json(&uri, &serde_json::json!({ "intent": "add", "text": "x" }))
        .await;
    assert_eq!(r.status, 415);
    assert!(stored(&notes).is_empty());
}

#[tokio::test]
async fn an_action_reading_json_has_the_same_outcomes_on_both_sides() {
    let notes = Notes::default();
    let client = app(&notes);
    // Done: a document POST is POST, 303, GET...
    let r = client
        .post_json("/tasks", &serde_json::json!({ "title": "one" }))
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/tasks"));
    // ...and the props URL answers with the page's fresh props.
    let r = client
        .post_json(&props_uri("/tasks"), &serde_json::json!({ "title": "two" }))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["props"]["tasks"],
        serde_json::json!(["one", "two"])
    );
    // Invalid: 422 with the action's data and the page's props, on both sides.
    let r = client
        .post_json(&props_uri("/tasks"), &serde_json::json!({ "title": "" }))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["actionData"], "A title is required.");
    assert_eq!(
        r.json()["props"]["tasks"],
        serde_json::json!(["one", "two"])
    );
    let r = client
        .post_json("/tasks", &serde_json::json!({ "title": "" }))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("A title is required."), "{}", r.body);
    // A body that is no such JSON is a 400, a form a 415; neither runs it.
    let r = client
        .post_json("/tasks", &serde_json::json!({ "name": "x" }))
        .await;
    assert_eq!(r.status, 400);
    let r = client.post_form("/tasks", &[("title", "x")]).await;
    assert_eq!(r.status, 415);
    assert_eq!(actions(&notes), 4);
    assert_eq!(stored(&notes), ["one", "two"]);
}

#[tokio::test]
async fn trusted_origins_may_write_and_other_sites_may_not() {
    let notes = Notes::default();
    let app = AppServer::new(&PAGES, common::shell(&PAGES))
        .options(LeptosOptions::builder().output_name("app").build())
        .state(notes.clone())
        .props(|p| p.trusted_origins(["https://admin.example"]))
        .build()
        .unwrap();
    let build = app.props.build_id().to_owned();
    let client = TestClient::new(&app);
    let props = server_props::protocol::props_url(&build, "/notes");
    let post = |uri: &str, origin: Option<&str>, site: Option<&str>| {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request
            .body(axum::body::Body::from("intent=add&text=x"))
            .unwrap()
    };
    for uri in ["/notes", props.as_str()] {
        let trusted = client
            .send(post(uri, Some("https://admin.example"), Some("cross-site")))
            .await;
        assert!(
            matches!(trusted.status.as_u16(), 200 | 303),
            "{uri}: {}",
            trusted.status
        );
        for (origin, site) in [
            (Some("https://evil.example"), None),
            (Some("https://admin.example:8443"), None),
            (Some("null"), None),
            (None, Some("cross-site")),
        ] {
            let refused = client.send(post(uri, origin, site)).await;
            assert_eq!(refused.status, 403, "{uri} {origin:?} {site:?}");
        }
    }
    assert_eq!(actions(&notes), 2);
}

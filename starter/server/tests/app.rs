//! The app over HTTP, without a socket: the document, the props answer, and
//! the form.

use leptos::prelude::LeptosOptions;
use server_props::{app::AppServer, testing::TestClient};

fn client() -> TestClient {
    let key = server_props::cookie::Key::derive_from(b"the tests' cookie secret, 32 bytes or more");
    let app = AppServer::new(&{{name}}_app::PAGES, {{name}}_app::shell)
        .state({{name}}_app::AppState::default())
        .options(LeptosOptions::builder().output_name("{{name}}").build())
        .props(move |p| p.cookie_key(key))
        .build()
        .expect("the app builds");
    TestClient::new(&app)
}

#[tokio::test]
async fn a_note_posted_by_the_form_is_shown() {
    let client = client();
    let home = client.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.html().contains("<h1>Notes</h1>"), "{}", home.body);
    let posted = client.post_form("/", &[("note", "buy milk")]).await;
    assert_eq!(posted.status, 303);
    assert_eq!(posted.location(), Some("/"));
    assert!(client.get("/").await.text().contains("buy milk"));
    assert_eq!(client.props("/").await.json()["props"]["notes"][0], "buy milk");
    let refused = client.post_form("/", &[("note", "  ")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("A note needs some text."));
    assert!(refused.text().contains("buy milk"), "{}", refused.body);
    let refused = client.submit_form("/", &[("note", "")]).await;
    assert_eq!(refused.json()["actionData"], "A note needs some text.");
    assert_eq!(refused.json()["props"]["notes"][0], "buy milk");
    // As the browser's `<Form>` sends it: one request, the new props back.
    let answer = client.submit_form("/", &[("note", "eggs")]).await;
    assert_eq!(answer.json()["props"]["notes"][1], "eggs");
    // The visitor's session counts what they added; another visitor's does not.
    assert_eq!(answer.json()["props"]["yours"], 2);
    assert!(client.get("/").await.text().contains("Yours: 2"));
    client.clear_cookies();
    assert!(client.get("/").await.text().contains("Yours: 0"));
}

#[tokio::test]
async fn the_greeting_comes_as_a_document_and_as_props() {
    let client = client();
    assert!(client.get("/hello/ada").await.text().contains("Hello, ada!"));
    assert_eq!(client.props("/hello/ada").await.json()["props"]["name"], "ada");
}

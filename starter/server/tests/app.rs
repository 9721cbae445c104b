//! The app over HTTP, without a socket: the document, the props answer, and
//! the form.

use leptos::prelude::LeptosOptions;
use server_props::{app::AppServer, testing::TestClient};

fn client() -> TestClient {
    let app = AppServer::new(&{{name}}_app::PAGES, {{name}}_app::shell)
        .state({{name}}_app::AppState::default())
        .options(LeptosOptions::builder().output_name("{{name}}").build())
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
    // As the browser's `<Form>` sends it: one request, the new props back.
    let answer = client.submit_form("/", &[("note", "eggs")]).await;
    assert_eq!(answer.json()["props"]["notes"][1], "eggs");
}

#[tokio::test]
async fn the_greeting_comes_as_a_document_and_as_props() {
    let client = client();
    assert!(client.get("/hello/ada").await.text().contains("Hello, ada!"));
    assert_eq!(client.props("/hello/ada").await.json()["props"]["name"], "ada");
}

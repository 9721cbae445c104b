//! The reference app's forms, without a socket: `/guestbook` (add with
//! validation, delete, unknown ids), `/login` (the session in an encrypted cookie,
//! `next` kept on the site) and `/logout`, each as a document submission
//! (no JavaScript) and as a `<Form>` submission (one request, the next
//! page's props in the answer).

mod common;

use common::TestApp;
use http::StatusCode;
use serde_json::json;

async fn entry_ids(app: &TestApp) -> Vec<i64> {
    let props = app.props("/guestbook").await;
    props.json()["props"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_guestbook_is_a_list_and_a_form() {
    let app = TestApp::new().await;
    let doc = app.get("/guestbook").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.text().contains("Guestbook"));
    assert!(
        doc.html().contains(r#"<form method="post" class="sign">"#),
        "{}",
        doc.body
    );
    assert_eq!(doc.header("x-server-props-tags"), Some("guestbook"));
    let props = app.props("/guestbook").await;
    common::assert_props_answer(&props);
    assert_eq!(props.json()["props"]["entries"], json!([]));
}

#[tokio::test]
async fn signing_without_javascript_is_post_redirect_get() {
    let app = TestApp::new().await;
    // The form's visible fields are enough: no `intent` means "add".
    let r = app
        .client
        .post_form("/guestbook", &[("name", "Ann"), ("message", "Hello there")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/guestbook"));
    app.client
        .post_form(
            "/guestbook",
            &[("intent", "add"), ("name", ""), ("message", "Second")],
        )
        .await;
    let doc = app.get("/guestbook").await;
    let text = doc.text();
    let (second, first) = (
        text.find("Second").unwrap(),
        text.find("Hello there").unwrap(),
    );
    assert!(second < first, "newest first: {text}");
    assert!(text.contains("Anonymous"));
    assert!(text.contains("Ann"));
}

#[tokio::test]
async fn an_empty_or_long_message_is_a_422_keeping_the_name() {
    let app = TestApp::new().await;
    app.client
        .post_form("/guestbook", &[("name", "Bo"), ("message", "Already here")])
        .await;
    let long = "x".repeat(501);
    for (message, error) in [
        ("", "Message is required."),
        ("   \n ", "Message is required."),
        (long.as_str(), "Message is too long."),
    ] {
        let fields = [("name", "Ann"), ("message", message)];
        let doc = app.client.post_form("/guestbook", &fields).await;
        assert_eq!(doc.status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(doc.text().contains(error), "{}", doc.body);
        assert!(doc.html().contains(r#"value="Ann""#), "{}", doc.body);
        // The list is the loader's, read in the same request.
        assert!(doc.text().contains("Already here"), "{}", doc.body);
        assert_eq!(doc.embedded()["actionData"]["error"], error);
        let answer = app.client.submit_form("/guestbook", &fields).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        let json = answer.json();
        assert_eq!(json["actionData"]["error"], error);
        assert_eq!(json["actionData"]["form"]["name"], "Ann");
        assert_eq!(json["actionData"]["form"]["message"], message);
        assert_eq!(json["props"]["entries"][0]["message"], "Already here");
        assert_eq!(json["props"].as_object().unwrap().len(), 1, "{json}");
    }
    // 500 characters (not bytes) is still fine.
    let fields = [
        ("intent", "add"),
        ("name", "Ann"),
        ("message", &"é".repeat(500)),
    ];
    let answer = app.client.submit_form("/guestbook", &fields).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(entry_ids(&app).await.len(), 2);
}

/// A text the HTML parser would drop (U+0000) is written as it keeps it
/// (U+FFFD), so the text node the page's view hydrates is there; the
/// guestbook refuses to store one (no database text holds it).
#[tokio::test]
async fn a_nul_character_is_written_as_the_html_parser_keeps_it() {
    let app = TestApp::new().await;
    let doc = app.get("/search?q=%00").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(!doc.body.contains('\0'), "{:?}", doc.body);
    assert!(
        doc.text().contains("Results for \u{FFFD}, page 1"),
        "{}",
        doc.body
    );
    // The props keep what was asked.
    assert_eq!(doc.embedded()["props"]["q"], "\0");
    let doc = app
        .client
        .post_form("/guestbook", &[("name", "\0"), ("message", "x")])
        .await;
    assert_eq!(doc.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        doc.text().contains("A NUL character cannot be kept."),
        "{}",
        doc.body
    );
    assert!(entry_ids(&app).await.is_empty());
}

#[tokio::test]
async fn a_form_submission_answers_with_the_new_list() {
    let app = TestApp::new().await;
    let answer = app
        .client
        .submit_form("/guestbook", &[("name", "Bo"), ("message", "Hi")])
        .await;
    common::assert_props_answer(&answer);
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["url"], "/guestbook");
    assert_eq!(json["props"]["entries"][0]["message"], "Hi");
    // What went through says nothing of itself.
    assert!(json.get("actionData").is_none(), "{json}");
    assert_eq!(json["layout"], json!({"user": null}));
    assert_eq!(
        answer.header("x-server-props-invalidate"),
        Some("guestbook")
    );
}

#[tokio::test]
async fn delete_removes_an_entry_and_an_unknown_id_is_404() {
    let app = TestApp::new().await;
    for message in ["one", "two"] {
        app.client
            .submit_form("/guestbook", &[("intent", "add"), ("message", message)])
            .await;
    }
    let ids = entry_ids(&app).await;
    assert_eq!(ids.len(), 2);
    let id = ids[0].to_string();
    let answer = app
        .client
        .submit_form("/guestbook", &[("id", id.as_str()), ("intent", "delete")])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json()["props"]["entries"].as_array().unwrap().len(),
        1
    );
    // Gone now: 404, on both sides.
    let answer = app
        .client
        .submit_form("/guestbook", &[("id", id.as_str()), ("intent", "delete")])
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json()["notFound"], true);
    let doc = app
        .client
        .post_form("/guestbook", &[("intent", "delete"), ("id", "999")])
        .await;
    assert_eq!(doc.status, StatusCode::NOT_FOUND);
    assert!(doc.text().contains("This page could not be found."));
    // Not a number: the client's mistake.
    let doc = app
        .client
        .post_form("/guestbook", &[("intent", "delete"), ("id", "x")])
        .await;
    assert_eq!(doc.status, StatusCode::BAD_REQUEST);
    assert_eq!(entry_ids(&app).await.len(), 1);
}

#[tokio::test]
async fn login_sets_a_signed_http_only_cookie_and_goes_to_next() {
    let app = TestApp::new().await;
    let doc = app
        .client
        .post_form("/login?next=/guestbook", &[("name", "Ada")])
        .await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER);
    assert_eq!(doc.location(), Some("/guestbook"));
    // A `next` field in the form wins over the query's.
    let by_field = app
        .client
        .post_form(
            "/login?next=/guestbook",
            &[("name", "Ada"), ("next", "/search?q=a")],
        )
        .await;
    assert_eq!(by_field.location(), Some("/search?q=a"));
    let cookie = doc
        .set_cookies()
        .into_iter()
        .find(|c| c.name() == "session")
        .expect("a session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(
        cookie.same_site(),
        Some(server_props::cookie::SameSite::Lax)
    );
    // Encrypted: the name cannot be read from it.
    assert!(!cookie.value().contains("Ada"), "{}", cookie.value());
    assert!(cookie.max_age().is_some(), "a session lasts its max age");
    let page = app.get("/guestbook").await;
    assert!(page.text().contains("Signed in as Ada"), "{}", page.body);
    // Logging out without JavaScript.
    let doc = app.client.post_form("/logout", &[("a", "")]).await;
    assert_eq!(doc.status, StatusCode::SEE_OTHER);
    assert_eq!(doc.location(), Some("/"));
    assert!(app.get("/").await.text().contains("Not signed in"));
}

#[tokio::test]
async fn a_form_login_answers_with_the_next_page_and_the_new_session() {
    let app = TestApp::new().await;
    let answer = app
        .client
        .submit_form("/login?next=/search%3Fq%3Dx", &[("name", "Ada")])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["url"], "/search?q=x");
    assert_eq!(json["props"], json!({"q": "x", "page": 1}));
    // The layout's loader ran after the action, with the new cookie.
    assert_eq!(json["layout"], json!({"user": "Ada"}));
    // The session changed: the browser drops every props answer it kept.
    assert!(answer
        .headers
        .get_all("x-server-props-invalidate")
        .iter()
        .any(|v| v == "*"));
    // Logging out: the home page has no loader; its answer has the layout.
    let answer = app.client.submit_form("/logout", &[("x", "")]).await;
    assert_eq!(
        answer.json(),
        json!({"url": "/", "props": null, "layout": {"user": null}})
    );
    assert!(app.client.cookie("session").is_none());
}

#[tokio::test]
async fn any_name_survives_the_cookie() {
    let app = TestApp::new().await;
    for name in ["José", "a; b=c", "ünïcödé 名前", "100% \"quoted\""] {
        let answer = app
            .client
            .submit_form("/login?next=/blog/a", &[("name", name)])
            .await;
        assert_eq!(answer.json()["layout"], json!({"user": name}), "{name}");
        let page = app.get("/blog/a").await;
        assert_eq!(page.embedded()["layout"], json!({"user": name}), "{name}");
    }
}

#[tokio::test]
async fn an_empty_name_is_a_422() {
    let app = TestApp::new().await;
    for name in ["", "   "] {
        let doc = app.client.post_form("/login", &[("name", name)]).await;
        assert_eq!(doc.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(doc.text().contains("Name is required."));
        let answer = app.client.submit_form("/login", &[("name", name)]).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer.json()["actionData"]["error"], "Name is required.");
        assert_eq!(answer.json()["actionData"]["name"], name);
        // The page has no loader: its props are `null`.
        assert_eq!(answer.json()["props"], serde_json::Value::Null);
    }
    assert!(app.client.cookie("session").is_none());
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    let app = TestApp::new().await;
    for hostile in [
        "//evil.example",
        "/\\evil.example",
        "/%09/evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/\t/evil.example",
        "/%0d%0a/evil.example",
        "%2F%2Fevil.example",
        "/x\r",
        "",
    ] {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", hostile)
            .finish();
        let doc = app
            .client
            .post_form(&format!("/login?{query}"), &[("name", "Ada")])
            .await;
        assert_eq!(doc.location(), Some("/"), "{hostile:?}");
        let answer = app
            .client
            .submit_form(&format!("/login?{query}"), &[("name", "Ada")])
            .await;
        assert_eq!(answer.json()["url"], "/", "{hostile:?}");
        // The same value as a form field.
        let doc = app
            .client
            .post_form("/login", &[("name", "Ada"), ("next", hostile)])
            .await;
        assert_eq!(doc.location(), Some("/"), "{hostile:?}");
        assert_eq!(
            app::pages::login_destination(Some(hostile)),
            "/",
            "{hostile:?}"
        );
    }
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = TestApp::new().await;
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (None, Some("cross-site")),
    ] {
        let mut request = http::Request::builder()
            .method("POST")
            .uri("/guestbook")
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        let request = request
            .body(axum::body::Body::from("intent=add&message=spam"))
            .unwrap();
        assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);
    }
    assert!(entry_ids(&app).await.is_empty());
}

//! `/feed`: streamed (deferred) props. The heading and the items are sent
//! before the recommendations are ready, and the recommendations follow on
//! the same response, as a document (in place, without JavaScript) and as a
//! props answer (one line each); a failure shows in place; a client that
//! goes away cancels the work.

mod common;

use axum::body::Body;
use common::TestApp;
use http_body_util::BodyExt;
use std::sync::atomic::Ordering;

fn started(app: &TestApp) -> u64 {
    app.state.feed.started.load(Ordering::SeqCst)
}
fn finished(app: &TestApp) -> u64 {
    app.state.feed.finished.load(Ordering::SeqCst)
}
fn dropped(app: &TestApp) -> u64 {
    app.state.feed.dropped.load(Ordering::SeqCst)
}

/// The next data frame of a body, as text (`None` at its end).
async fn next_data(body: &mut Body) -> Option<String> {
    while let Some(frame) = body.frame().await {
        let frame = frame.expect("a body frame");
        if let Ok(data) = frame.into_data() {
            return Some(String::from_utf8(data.to_vec()).expect("UTF-8"));
        }
    }
    None
}

async fn rest(mut body: Body) -> String {
    let mut out = String::new();
    while let Some(data) = next_data(&mut body).await {
        out.push_str(&data);
    }
    out
}

#[tokio::test]
async fn the_document_sends_the_items_first_and_the_recommendations_in_place_after() {
    let app = TestApp::new().await;
    let response = app
        .client
        .stream(common::request(http::Method::GET, "/feed?ms=300"))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let mut body = response.into_body();
    let first = next_data(&mut body).await.expect("a first stretch");
    // Sent while the recommendations still run.
    assert_eq!((started(&app), finished(&app)), (1, 0));
    for shown in [
        "<h1>Feed</h1>",
        "Item 1",
        "Item 2",
        "Item 3",
        "Recommended for you",
    ] {
        assert!(
            first.contains(shown),
            "{shown:?} in the first stretch: {first}"
        );
    }
    assert!(!first.contains("Recommended 1"), "{first}");
    assert!(
        !first.contains("Loading recommendations"),
        "no fallback in a document: {first}"
    );
    assert!(
        first.ends_with("<template data-deferred=\"0\"></template>"),
        "{first}"
    );
    // The embedded payload says one value follows, its field a placeholder.
    assert!(
        first.contains(r#""recommendations":{"$deferred":0}"#),
        "{first}"
    );
    assert!(first.contains(r#""deferred":1"#), "{first}");

    let rest = rest(body).await;
    assert_eq!(finished(&app), 1);
    let document = first + &rest;
    // In place: right after the marker, before the end of the page.
    let marker = document
        .find("<template data-deferred=\"0\"></template>")
        .unwrap();
    let list = document
        .find("<ul class=\"feed-recommendations\">")
        .expect("the list");
    assert!(list > marker);
    for i in 1..=3 {
        assert!(
            document.contains(&format!("<li>Recommended {i}</li>")),
            "{document}"
        );
    }
    // The outcomes for hydration, once, before </body>.
    let script = "<script id=\"__SERVER_PROPS_DEFERRED__\" type=\"application/json\">";
    assert_eq!(document.matches(script).count(), 1, "{document}");
    let at = document.find(script).unwrap() + script.len();
    let end = at + document[at..].find("</script>").unwrap();
    let values: serde_json::Value = serde_json::from_str(&document[at..end]).unwrap();
    assert_eq!(
        values,
        serde_json::json!({"0": {"ok": ["Recommended 1", "Recommended 2", "Recommended 3"]}})
    );
    assert!(document[end..].contains("</body>"));
    assert!(document.ends_with("</html>"), "{document}");
    assert_eq!(document.matches("<h1>Feed</h1>").count(), 1, "sent once");
}

#[tokio::test]
async fn the_props_answer_is_the_payload_then_one_line_per_value() {
    let app = TestApp::new().await;
    let props_url = format!("/_props/{}/feed.json?ms=300", common::BUILD);
    let response = app
        .client
        .stream(common::request(http::Method::GET, &props_url))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    assert!(response.headers().get("etag").is_none());
    let mut body = response.into_body();
    let first = next_data(&mut body).await.expect("the payload's line");
    assert_eq!(finished(&app), 0, "sent before the value is ready");
    assert!(first.ends_with('\n'));
    let payload: serde_json::Value = serde_json::from_str(first.trim_end()).unwrap();
    assert_eq!(payload["props"]["items"][2], "Item 3");
    assert_eq!(
        payload["props"]["recommendations"],
        serde_json::json!({"$deferred": 0})
    );
    assert_eq!(payload["deferred"], 1);
    let rest = rest(body).await;
    let lines: Vec<serde_json::Value> = rest
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        lines,
        [
            serde_json::json!({"deferred": 0, "value": {"ok": ["Recommended 1", "Recommended 2", "Recommended 3"]}})
        ]
    );
}

#[tokio::test]
async fn a_deferred_value_that_fails_shows_in_place_and_the_page_stays() {
    let app = TestApp::new().await;
    let doc = app.get("/feed?ms=10&fail=1").await;
    assert_eq!(doc.status, 200, "the page stays: {}", doc.body);
    let text = doc.text();
    assert!(text.contains("Item 3"), "{text}");
    // The status's reason phrase, not the message (production).
    assert!(
        text.contains("Recommendations failed: Service Unavailable"),
        "{text}"
    );
    assert!(!text.contains("recommender is down"), "{text}");
    let answer = app.props("/feed?ms=10&fail=1").await;
    assert_eq!(answer.status, 200);
    let last = answer.body.lines().last().unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(last).unwrap(),
        serde_json::json!({"deferred": 0, "value": {"error": "Service Unavailable"}})
    );
}

#[tokio::test]
async fn a_deferred_value_is_held_to_the_loader_timeout() {
    let app = TestApp::with(|p| p.loader_timeout(std::time::Duration::from_millis(100))).await;
    let doc = app.get("/feed?ms=2000").await;
    assert_eq!(doc.status, 200);
    assert!(
        doc.text()
            .contains("Recommendations failed: Gateway Timeout"),
        "{}",
        doc.text()
    );
    assert_eq!(dropped(&app), 1, "the timeout dropped the work");
}

#[tokio::test]
async fn a_client_that_goes_away_cancels_the_deferred_work() {
    let app = TestApp::new().await;
    for uri in [
        "/feed?ms=3000".to_owned(),
        format!("/_props/{}/feed.json?ms=3000", common::BUILD),
    ] {
        let before = dropped(&app);
        let response = app
            .client
            .stream(common::request(http::Method::GET, &uri))
            .await;
        let mut body = response.into_body();
        let first = next_data(&mut body).await.expect("a first part");
        assert!(first.contains("Item 3"), "{first}");
        assert_eq!(dropped(&app), before);
        drop(body);
        assert_eq!(dropped(&app), before + 1, "{uri}");
    }
    assert_eq!(finished(&app), 0);
}

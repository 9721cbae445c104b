//! `Server-Timing` on every answer of a page with a loader: the loaders',
//! the action's and the render's durations, and the shared cache's verdict;
//! none with the setting off.

mod common;

use common::TestApp;

/// The metric names in a response's `Server-Timing` lines.
fn metrics(reply: &common::Reply) -> Vec<String> {
    reply
        .headers
        .get_all("server-timing")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(',').map(|m| m.trim().to_owned()))
        .map(|m| {
            m.split(';').next().unwrap().to_owned()
                + &m.find("desc=")
                    .map_or(String::new(), |i| format!(":{}", &m[i + 5..]))
        })
        .collect()
}

fn durations_parse(reply: &common::Reply) {
    for value in reply.headers.get_all("server-timing") {
        for metric in value.to_str().unwrap().split(',') {
            if let Some(dur) = metric.split("dur=").nth(1) {
                let ms: f64 = dur.trim().parse().unwrap_or_else(|_| panic!("{metric}"));
                assert!((0.0..60_000.0).contains(&ms), "{metric}");
            }
        }
    }
}

#[tokio::test]
async fn documents_and_props_answers_say_where_the_time_went() {
    let app = TestApp::new().await;
    let doc = app.get("/blog/a").await;
    // The app's shared cache answered too (a miss: the app ran).
    assert_eq!(
        metrics(&doc),
        ["loader", "layout", "render", "cache:miss"],
        "{:?}",
        doc.headers
    );
    durations_parse(&doc);
    let props = app.props("/blog/a").await;
    assert_eq!(metrics(&props), ["loader", "layout", "cache:miss"]);
    durations_parse(&props);
    // A slow loader's duration is its own.
    let slow = app.props("/slow?ms=30").await;
    let value = slow.header("server-timing").unwrap().to_owned();
    let loader: f64 = value
        .split("loader;dur=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(loader >= 30.0, "{value}");
}

#[tokio::test]
async fn the_shared_cache_says_hit_and_miss() {
    let app = TestApp::new().await;
    let miss = app.get("/cached").await;
    assert_eq!(miss.header("x-cache"), Some("MISS"));
    assert_eq!(metrics(&miss), ["loader", "layout", "render", "cache:miss"]);
    let hit = app.get("/cached").await;
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    // The stored timings were another request's: only the verdict stands.
    assert_eq!(metrics(&hit), ["cache:hit"]);
}

#[tokio::test]
async fn a_submission_reports_its_action() {
    let app = TestApp::new().await;
    let answer = app
        .client
        .submit_form("/guestbook", &[("intent", "add"), ("message", "timed")])
        .await;
    assert_eq!(metrics(&answer), ["action", "loader", "layout"]);
    let doc = app
        .client
        .post_form("/guestbook", &[("intent", "add"), ("message", "timed")])
        .await;
    assert_eq!(doc.status, 303);
    assert_eq!(metrics(&doc), ["action"]);
}

#[tokio::test]
async fn the_setting_turns_it_off() {
    let app = TestApp::with(|b| b.server_timing(false)).await;
    for reply in [
        app.get("/blog/a").await,
        app.props("/blog/a").await,
        app.get("/cached").await,
        app.get("/cached").await,
    ] {
        assert!(
            reply.header("server-timing").is_none(),
            "{:?}",
            reply.headers
        );
    }
}

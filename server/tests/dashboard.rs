//! `/dashboard`: a nested layout with a loader of its own, the guard of
//! every page and action under it, its loader beside the page's, its
//! not-found view inside it, and the settings form; each page as a
//! document, as a props answer and as a submission.

mod common;

use common::TestApp;
use std::sync::atomic::Ordering;

/// An app with a signed-in visitor (`Ada`).
async fn signed_in() -> TestApp {
    let app = TestApp::new().await;
    let signed = app.client.post_form("/login", &[("name", "Ada")]).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    app
}

fn page_loads(app: &TestApp) -> u64 {
    app.state.dashboard.page_loads.load(Ordering::Relaxed)
}

#[tokio::test]
async fn the_layout_frames_every_page_under_it() {
    let app = signed_in().await;
    let doc = app.get("/dashboard").await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    let text = doc.text();
    for shown in [
        "Dashboard of Ada",
        "Alpha",
        "Beta",
        "Gamma",
        "Layout loaded at ",
        "Overview: 3 projects",
        // The app's layout around it all.
        "Signed in as Ada",
    ] {
        assert!(text.contains(shown), "{shown:?} in {text}");
    }
    assert!(doc.html().contains(r#"href="/dashboard/projects/2""#));
    // The document embeds the layout's data by its prefix.
    let embedded = doc.embedded();
    assert_eq!(embedded["layouts"]["/dashboard"]["user"], "Ada");
    assert_eq!(embedded["props"]["projects"], 3);

    let project = app.get("/dashboard/projects/2").await;
    assert_eq!(project.status, 200);
    let text = project.text();
    assert!(text.contains("Project Beta"), "{text}");
    assert!(text.contains("Page loaded at "), "{text}");
    assert!(text.contains("Dashboard of Ada"), "{text}");
    // The page sits inside the layout's element.
    let html = project.html();
    let section = html.find(r#"class="dashboard-page""#).expect("outlet");
    assert!(html[section..].contains("Project Beta"));
    assert!(html.find("Dashboard of Ada").unwrap() < section);
}

#[tokio::test]
async fn a_props_answer_carries_the_layout_apart_from_the_page() {
    let app = signed_in().await;
    let answer = app.props("/dashboard/projects/1").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["props"]["project"]["name"], "Alpha");
    let layout = &json["layouts"]["/dashboard"];
    assert_eq!(layout["user"], "Ada");
    assert_eq!(layout["projects"][2]["name"], "Gamma");
    assert!(layout["loadedAt"].is_null(), "field names as the type says");
    assert!(layout["loaded_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    // The app's own layout still travels as before.
    assert_eq!(json["layout"]["user"], "Ada");
}

#[tokio::test]
async fn signed_out_every_dashboard_request_goes_to_login_and_runs_nothing_under_it() {
    let app = TestApp::new().await;
    let doc = app.get("/dashboard/projects/2?ms=0").await;
    assert_eq!(doc.status, 303, "{}", doc.body);
    assert_eq!(
        doc.location(),
        Some("/login?next=/dashboard/projects/2%3Fms%3D0")
    );
    let props = app.props("/dashboard/projects/2").await;
    assert_eq!(props.status, 200);
    assert_eq!(
        props.json()["redirect"]["destination"],
        "/login?next=/dashboard/projects/2"
    );
    assert!(props.json().get("props").is_none());
    assert!(props.json().get("layouts").is_none());
    let overview = app.get("/dashboard").await;
    assert_eq!(overview.location(), Some("/login?next=/dashboard"));
    // A submission, with and without JavaScript: the action never runs.
    let form = [("name", "Hijacked")];
    let posted = app
        .client
        .post_form("/dashboard/projects/1/settings", &form)
        .await;
    assert_eq!(posted.status, 303);
    assert_eq!(
        posted.location(),
        Some("/login?next=/dashboard/projects/1/settings")
    );
    let submitted = app
        .client
        .submit_form("/dashboard/projects/1/settings", &form)
        .await;
    assert_eq!(
        submitted.json()["redirect"]["destination"],
        "/login?next=/dashboard/projects/1/settings",
        "{}",
        submitted.body
    );
    assert_eq!(page_loads(&app), 0, "no page loader ran");
    assert_eq!(app.state.dashboard.actions.load(Ordering::Relaxed), 0);
    // Nothing was renamed.
    let app = {
        let signed = app.client.post_form("/login", &[("name", "Ada")]).await;
        assert_eq!(signed.status, 303);
        app
    };
    assert!(app.get("/dashboard").await.text().contains("Alpha"));
}

#[tokio::test]
async fn the_layouts_and_the_pages_loaders_run_side_by_side() {
    let app = signed_in().await;
    let doc = app.get("/dashboard/projects/1?ms=300").await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    let runs = app.state.dashboard.runs.lock().unwrap().clone();
    let of = |which| {
        runs.iter()
            .find(|(w, _, _)| *w == which)
            .map(|(_, start, end)| (*start, *end))
            .unwrap_or_else(|| panic!("the {which} loader ran: {runs:?}"))
    };
    let (layout_start, layout_end) = of("layout");
    let (page_start, page_end) = of("page");
    // Each started before the other finished: never one after the other.
    assert!(layout_start < page_end, "{runs:?}");
    assert!(page_start < layout_end, "{runs:?}");
}

#[tokio::test]
async fn an_unknown_project_is_the_dashboards_not_found_inside_the_dashboard() {
    let app = signed_in().await;
    let doc = app.get("/dashboard/projects/99").await;
    assert_eq!(doc.status, 404);
    let text = doc.text();
    assert!(text.contains("No such project."), "{text}");
    assert!(text.contains("Dashboard of Ada"), "{text}");
    assert!(
        text.contains("Gamma"),
        "the project list still shows: {text}"
    );
    // Not the app's own 404 page.
    assert!(!text.contains("This page could not be found"), "{text}");
    let embedded = doc.embedded();
    assert_eq!(embedded["notFound"], true);
    assert_eq!(embedded["layouts"]["/dashboard"]["user"], "Ada");

    let answer = app.props("/dashboard/projects/99").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["notFound"], true);
    assert_eq!(answer.json()["layouts"]["/dashboard"]["user"], "Ada");
    // An id that is no number is "not found" too.
    assert_eq!(app.get("/dashboard/projects/x").await.status, 404);
}

#[tokio::test]
async fn the_settings_form_refuses_a_blank_name_and_renames_otherwise() {
    let app = signed_in().await;
    let url = "/dashboard/projects/2/settings";
    let refused = app.client.post_form(url, &[("name", "  ")]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let text = refused.text();
    assert!(text.contains("Name is required."), "{text}");
    assert!(text.contains("Dashboard of Ada"), "{text}");
    assert!(refused.html().contains(r#"value="  ""#), "the value kept");
    let answer = app.client.submit_form(url, &[("name", "")]).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.json()["actionData"]["error"], "Name is required.");
    assert_eq!(answer.json()["props"]["project"]["name"], "Beta");

    let renamed = app.client.post_form(url, &[("name", "Bravo")]).await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    assert_eq!(renamed.location(), Some("/dashboard/projects/2"));
    // With JavaScript: one request, whose answer is the project's page with
    // the layout's list already renamed.
    let answer = app.client.submit_form(url, &[("name", "Beta 2")]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["url"], "/dashboard/projects/2");
    assert_eq!(json["props"]["project"]["name"], "Beta 2");
    assert_eq!(
        json["layouts"]["/dashboard"]["projects"][1]["name"],
        "Beta 2"
    );
    assert_eq!(
        answer.header("x-server-props-invalidate"),
        Some("projects"),
        "the browser drops what it kept of the list"
    );
    // An unknown project: the action's own "not found".
    let missing = app
        .client
        .post_form("/dashboard/projects/99/settings", &[("name", "X")])
        .await;
    assert_eq!(missing.status, 404);
}

fn layout_runs(app: &TestApp) -> usize {
    let runs = app.state.dashboard.runs.lock().unwrap();
    runs.iter()
        .filter(|(which, _, _)| *which == "layout")
        .count()
}

/// `page` with the reuse token `token` on its props URL.
fn keeping(page: &str, token: &str) -> String {
    let token: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let separator = if page.contains('?') { '&' } else { '?' };
    format!("{page}{separator}__keep={token}")
}

#[tokio::test]
async fn a_kept_layout_is_not_run_again_for_the_same_visitor() {
    let app = signed_in().await;
    let first = app.props("/dashboard/projects/1").await.json();
    let reuse = &first["reuse"]["/dashboard"];
    assert_eq!(reuse["instance"], "/dashboard");
    assert_eq!(reuse["maxAge"], 60);
    assert_eq!(reuse["tags"], serde_json::json!(["projects"]));
    let token = reuse["token"].as_str().expect("a token").to_owned();
    // The document hands one out too, for the first client navigation.
    let doc = app.get("/dashboard/projects/1").await;
    assert!(doc.embedded()["reuse"]["/dashboard"]["token"].is_string());

    // A sibling page: only the page's loader runs, and the answer carries
    // no layout data (the browser has it).
    let before = layout_runs(&app);
    let sibling = app.props(&keeping("/dashboard/projects/2", &token)).await;
    assert_eq!(sibling.status, 200, "{}", sibling.body);
    let json = sibling.json();
    assert_eq!(json["props"]["project"]["name"], "Beta");
    assert!(json.get("layouts").is_none(), "{json}");
    assert_eq!(layout_runs(&app), before, "the layout's loader did not run");
    // The app's own layout still runs: its data is in the answer.
    assert_eq!(json["layout"]["user"], "Ada");

    // Another query, a changed token: the layout runs.
    let other = app
        .props(&keeping("/dashboard/projects/2?ms=0", &token))
        .await
        .json();
    assert_eq!(other["layouts"]["/dashboard"]["user"], "Ada");
    let forged = format!("9{token}");
    let forged = app
        .props(&keeping("/dashboard/projects/2", &forged))
        .await
        .json();
    assert_eq!(forged["layouts"]["/dashboard"]["user"], "Ada");
}

#[tokio::test]
async fn a_kept_layouts_token_never_lets_another_session_past_its_guard() {
    let app = signed_in().await;
    let first = app.props("/dashboard/projects/1").await.json();
    let token = first["reuse"]["/dashboard"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Signed out, with the signed-in visitor's token: the guard runs.
    app.client.clear_cookies();
    let before = page_loads(&app);
    let props = app.props(&keeping("/dashboard/projects/2", &token)).await;
    assert_eq!(
        props.json()["redirect"]["destination"],
        "/login?next=/dashboard/projects/2",
        "{}",
        props.body
    );
    assert_eq!(page_loads(&app), before, "no page loader ran");
    // A write never skips a layout, whatever it carries.
    let uri = server_props::protocol::props_url(
        common::BUILD,
        &keeping("/dashboard/projects/1/settings", &token),
    );
    let request = http::Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("name=Hijacked"))
        .unwrap();
    let posted = app.send(request).await;
    assert_eq!(
        posted.json()["redirect"]["destination"],
        "/login?next=/dashboard/projects/1/settings",
        "{}",
        posted.body
    );
    assert_eq!(app.state.dashboard.actions.load(Ordering::Relaxed), 0);
}

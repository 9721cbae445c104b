//! Nested layouts through the whole server, without a socket: two levels
//! (one with a param of its prefix), each framing the pages under it; the
//! outermost exit winning; a layout that exits keeping the page's loader
//! and action from running; the nearest layout's not-found and error views
//! in the page's place; and the start-up checks.

#![cfg(feature = "testing")]

mod common;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::{
    action, app::AppServer, layout, loader, page, testing::TestClient, ActionOutcome, ActionResult,
    LoaderContext, LoaderError, LoaderResult, NotFound, PageError, Pages, Redirect,
};
use std::sync::{
    atomic::{AtomicU32, Ordering},
    Arc, LazyLock,
};

/// What the pages' loaders and actions count.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pages: Arc<AtomicU32>,
    actions: Arc<AtomicU32>,
    /// Slow page loaders that ran to their end.
    finished: Arc<AtomicU32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TeamData {
    team: String,
}

/// `/teams/:team`: says which team, around the page.
#[layout("/teams/:team", not_found = no_such_member)]
pub fn Team(data: TeamData, outlet: AnyView) -> impl IntoView {
    view! { <div class="team"><h1>"Team " {data.team}</h1>{outlet}</div> }
}

fn no_such_member() -> impl IntoView {
    view! { <p class="missing">"No such member."</p> }
}

/// `?team_gate=` `redirect` or `fail` makes the team's layout exit.
#[loader(Team)]
async fn load_team(#[param] team: String, cx: &LoaderContext<Counts>) -> LoaderResult<TeamData> {
    match cx.query_value("team_gate") {
        Some("redirect") => Err(Redirect::temporary("/outer"))?,
        Some("late") => {
            // A guard that waits (a session store, say) before it says no.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Err(Redirect::temporary("/late"))?
        }
        Some("fail") => Err(LoaderError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "team down",
        ))?,
        _ => Ok(TeamData { team }),
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdminData {
    admin: bool,
}

/// `/teams/:team/admin`: inside the team's layout, with an error view.
#[layout("/teams/:team/admin", error = admin_error)]
pub fn Admin(data: AdminData, outlet: AnyView) -> impl IntoView {
    view! { <div class="admin" data-admin=data.admin.to_string()>{outlet}</div> }
}

fn admin_error(error: &PageError) -> impl IntoView {
    let status = error.status;
    view! { <p class="admin-error">"Admin failed: " {status}</p> }
}

/// `?admin_gate=redirect` makes the admin layout redirect.
#[loader(Admin)]
async fn load_admin(cx: &LoaderContext<Counts>) -> LoaderResult<AdminData> {
    if cx.query_value("admin_gate") == Some("redirect") {
        Err(Redirect::temporary("/inner"))?;
    }
    Ok(AdminData { admin: true })
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberProps {
    member: String,
}

#[page("/teams/:team/members/:member")]
pub fn Member(props: MemberProps) -> impl IntoView {
    view! { <p class="member">"Member " {props.member}</p> }
}

#[loader(Member)]
async fn load_member(
    #[param] member: String,
    cx: &LoaderContext<Counts>,
) -> LoaderResult<MemberProps> {
    cx.state().pages.fetch_add(1, Ordering::Relaxed);
    if member == "nobody" {
        Err(NotFound)?;
    }
    Ok(MemberProps { member })
}

#[page("/teams/:team/slow")]
pub fn SlowMember() -> impl IntoView {}

#[loader(SlowMember)]
async fn load_slow(cx: &LoaderContext<Counts>) -> LoaderResult<()> {
    cx.state().pages.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    cx.state().finished.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SettingsProps {
    fail: bool,
}

#[page("/teams/:team/admin/settings")]
pub fn Settings(props: SettingsProps) -> impl IntoView {
    view! { <p class="settings">"Settings " {props.fail}</p> }
}

#[loader(Settings)]
async fn load_settings(cx: &LoaderContext<Counts>) -> LoaderResult<SettingsProps> {
    cx.state().pages.fetch_add(1, Ordering::Relaxed);
    if cx.query_value("fail").is_some() {
        Err(LoaderError::new(http::StatusCode::BAD_GATEWAY, "upstream"))?;
    }
    if cx.query_value("missing").is_some() {
        Err(NotFound)?;
    }
    Ok(SettingsProps { fail: false })
}

#[action(Settings)]
async fn save_settings(cx: &LoaderContext<Counts>) -> ActionResult {
    cx.state().actions.fetch_add(1, Ordering::Relaxed);
    Ok(ActionOutcome::Done)
}

static PAGES: LazyLock<Pages> = LazyLock::new(|| {
    // Layouts and pages in any order: the table links them.
    Pages::new()
        .nested_layout::<Admin>()
        .page::<Member>()
        .nested_layout::<Team>()
        .page::<Settings>()
        .page::<SlowMember>()
});

fn app() -> (TestClient, Counts) {
    let counts = Counts::default();
    let app = AppServer::new(&PAGES, common::shell(&PAGES))
        .options(LeptosOptions::builder().output_name("app").build())
        .state(counts.clone())
        .build()
        .unwrap();
    (TestClient::new(&app), counts)
}

#[tokio::test]
async fn layouts_nest_by_prefix_and_read_their_own_params() {
    let (client, _) = app();
    let doc = client.get("/teams/red/admin/settings").await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    let html = doc.html();
    let team = html.find(r#"class="team""#).expect("team layout");
    let admin = html.find(r#"class="admin""#).expect("admin layout");
    let page = html.find(r#"class="settings""#).expect("page");
    assert!(team < admin && admin < page, "{html}");
    assert!(doc.text().contains("Team red"));
    let props = client.props("/teams/red/admin/settings").await.json();
    assert_eq!(props["layouts"]["/teams/:team"]["team"], "red");
    assert_eq!(props["layouts"]["/teams/:team/admin"]["admin"], true);
    // A page under the outer layout only.
    let member = client.get("/teams/blue/members/ada").await;
    assert!(member.text().contains("Team blue"), "{}", member.body);
    assert!(!member.html().contains(r#"class="admin""#));
    let props = client.props("/teams/blue/members/ada").await.json();
    assert_eq!(props["layouts"].as_object().unwrap().len(), 1, "{props}");
}

#[tokio::test]
async fn the_outermost_exit_wins_and_the_page_never_runs() {
    let (client, counts) = app();
    let both = client
        .get("/teams/red/admin/settings?team_gate=redirect&admin_gate=redirect")
        .await;
    assert_eq!(both.status, 307);
    assert_eq!(both.location(), Some("/outer"));
    let inner = client
        .get("/teams/red/admin/settings?admin_gate=redirect")
        .await;
    assert_eq!(inner.location(), Some("/inner"));
    let props = client
        .props("/teams/red/admin/settings?admin_gate=redirect")
        .await
        .json();
    assert_eq!(props["redirect"]["destination"], "/inner");
    assert_eq!(counts.pages.load(Ordering::Relaxed), 0);
    // A submission under a layout that exits runs no action.
    let posted = client
        .post_form(
            "/teams/red/admin/settings?admin_gate=redirect",
            &[("x", "1")],
        )
        .await;
    assert_eq!(posted.status, 303, "a write's redirect is a 303");
    assert_eq!(posted.location(), Some("/inner"));
    assert_eq!(counts.actions.load(Ordering::Relaxed), 0);
    let posted = client
        .post_form("/teams/red/admin/settings", &[("x", "1")])
        .await;
    assert_eq!(posted.status, 303);
    assert_eq!(counts.actions.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_layout_that_says_no_after_waiting_drops_the_pages_loader() {
    let (client, counts) = app();
    let doc = client.get("/teams/red/slow?team_gate=late").await;
    assert_eq!(doc.location(), Some("/late"));
    let props = client.props("/teams/red/slow?team_gate=late").await.json();
    assert_eq!(props["redirect"]["destination"], "/late");
    // The page's loader started beside the layout's, and was dropped.
    assert_eq!(counts.pages.load(Ordering::Relaxed), 2);
    assert_eq!(counts.finished.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn the_nearest_layouts_views_stand_in_for_a_page_that_exits() {
    let (client, _) = app();
    // Not found under the team layout: its view, inside it.
    let missing = client.get("/teams/red/members/nobody").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Team red"), "{}", missing.body);
    assert!(missing.text().contains("No such member."));
    // Not found under the admin layout, which has no not-found view: the
    // team's, inside the team layout only.
    let missing = client.get("/teams/red/admin/settings?missing=1").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("No such member."));
    assert!(!missing.html().contains(r#"class="admin""#));
    // A failure under the admin layout: its error view, inside both.
    let failed = client.get("/teams/red/admin/settings?fail=1").await;
    assert_eq!(failed.status, 502);
    assert!(
        failed.text().contains("Admin failed: 502"),
        "{}",
        failed.body
    );
    assert!(failed.text().contains("Team red"));
    // A failing layout: the one outside it has no error view, so the app's
    // error page, with the failing layout's status.
    let failed = client.get("/teams/red/members/ada?team_gate=fail").await;
    assert_eq!(failed.status, 503);
    assert!(!failed.text().contains("Team red"), "{}", failed.body);
    let embedded = failed.embedded();
    assert!(embedded.get("layouts").is_none(), "{embedded}");
}

#[page("/static")]
pub fn Bare() -> impl IntoView {}

#[test]
#[should_panic(
    expected = "calls the param `team` that the page's path `/teams/:name/members/:member` calls `name`"
)]
fn a_param_named_differently_under_a_layout_panics_naming_both() {
    #[page("/teams/:name/members/:member")]
    pub fn Renamed(props: MemberProps) -> impl IntoView {
        view! { <p>{props.member}</p> }
    }
    #[loader(Renamed)]
    async fn load_renamed(#[param] member: String) -> LoaderResult<MemberProps> {
        Ok(MemberProps { member })
    }
    let _ = Pages::new()
        .nested_layout::<Team>()
        .page_at::<Renamed>("/teams/:name/members/:member");
}

#[test]
#[should_panic(expected = "sits under the layout")]
fn a_page_without_a_loader_under_a_layout_panics() {
    let _ = Pages::new()
        .nested_layout::<Team>()
        .static_page("/teams/:team/about", Bare);
}

#[test]
#[should_panic(expected = "both own `/teams/:id`")]
fn two_layouts_at_one_prefix_panic() {
    #[layout("/teams/:id")]
    pub fn Other(data: TeamData, outlet: AnyView) -> impl IntoView {
        view! { {data.team} {outlet} }
    }
    #[loader(Other)]
    async fn load_other(#[param] id: String) -> LoaderResult<TeamData> {
        Ok(TeamData { team: id })
    }
    let _ = Pages::new()
        .nested_layout::<Team>()
        .nested_layout::<Other>();
}

#[test]
#[should_panic(expected = "no page's path starts with it")]
fn a_layout_with_no_page_under_it_stops_start_up() {
    static LONELY: LazyLock<Pages> = LazyLock::new(|| {
        Pages::new()
            .nested_layout::<Team>()
            .static_page("/static", Bare)
    });
    let options = LeptosOptions::builder().output_name("app").build();
    let _ = server_props::ServerProps::builder(&LONELY, options, common::shell(&LONELY)).build();
}

#[test]
#[should_panic(expected = "could serve URLs under `/teams/:team`, which the layout")]
fn a_page_that_could_serve_urls_under_a_layout_without_it_panics() {
    #[page("/*rest")]
    pub fn Anything(props: MemberProps) -> impl IntoView {
        view! { <p>{props.member}</p> }
    }
    #[loader(Anything)]
    async fn load_anything() -> LoaderResult<MemberProps> {
        Ok(MemberProps {
            member: String::new(),
        })
    }
    let _ = Pages::new().page::<Anything>().nested_layout::<Team>();
}

#[test]
#[should_panic(expected = "add it with `nested_layout`")]
fn a_nested_layout_given_as_the_apps_layout_panics() {
    let _ = Pages::new().page::<Member>().layout::<Team>();
}

/// A nested layout whose loader wants another state than the router's is
/// refused when the pages are mounted, naming the layout, as a page's is
/// (before, each request under it was a 500).
#[test]
#[should_panic(
    expected = "the loader of the layout at `/teams/:team/admin` (layouts::Admin) wants state `layouts::Counts`"
)]
fn a_layout_wanting_another_state_stops_mounting() {
    let options = LeptosOptions::builder().output_name("app").build();
    let props = server_props::ServerProps::builder(&PAGES, options, common::shell(&PAGES)).build();
    let _: axum::Router =
        server_props::ServerPropsRouter::server_props(axum::Router::new(), &props);
}

//! `/dashboard`: a layout that owns a part of the URL. Its loader guards
//! every page and every action under it (signed out: a redirect to
//! `/login?next=…`) and reads the project list its view shows around each
//! page; the pages under it (the overview, a project, a project's settings
//! form) have loaders of their own, which run beside the layout's.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// The longest `?ms=N` a dashboard loader waits, in milliseconds.
pub const MAX_DASHBOARD_MS: u64 = 5_000;

/// What the dashboard layout shows around every page under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardData {
    /// Who is signed in.
    pub user: String,
    /// Every project, by id.
    pub projects: Vec<Project>,
    /// When the layout's loader ran (RFC 3339, to the millisecond).
    pub loaded_at: String,
}

/// One project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Its id (1, 2, 3 in the seed).
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// The dashboard: its heading, the project links, and the page it holds.
#[layout("/dashboard", not_found = no_such_project)]
pub fn Dashboard(data: DashboardData, outlet: AnyView) -> impl IntoView {
    let DashboardData {
        user,
        projects,
        loaded_at,
    } = data;
    view! {
        <div class="dashboard">
            <h1>"Dashboard of " {user}</h1>
            <nav class="projects">
                <Link href="/dashboard">"Overview"</Link>
                <ul>
                    {projects
                        .into_iter()
                        .map(|p| {
                            let href = format!("/dashboard/projects/{}", p.id);
                            view! { <li><Link href=href>{p.name}</Link></li> }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <p class="layout-loaded">"Layout loaded at " {loaded_at}</p>
            <section class="dashboard-page">{outlet}</section>
        </div>
    }
}

/// In a page's place, inside the dashboard, when it is not found.
fn no_such_project() -> impl IntoView {
    view! {
        <Title text="No such project"/>
        <p class="not-found">"No such project."</p>
    }
}

/// `?ms=N` on any dashboard URL: the layout's and the page's loader each
/// wait that long (they run side by side).
#[cfg(feature = "ssr")]
#[derive(Deserialize)]
struct Wait {
    #[serde(default)]
    ms: u64,
}

#[cfg(feature = "ssr")]
async fn wait(query: &Wait) {
    let ms = query.ms.min(MAX_DASHBOARD_MS);
    if ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// The guard and the project list. Signed out: a redirect to the login
/// page, which comes back here; no page loader or action under the
/// dashboard runs. The list is tagged, so a rename drops what caches hold.
#[loader(Dashboard)]
async fn load_dashboard(
    session: Session<crate::layout::SignedInUser>,
    Query(query): Query<Wait>,
    State(state): State<crate::state::AppState>,
    cx: &LoaderContext<crate::state::AppState>,
    head: &ResponseHead,
) -> LoaderResult<DashboardData> {
    let started = std::time::Instant::now();
    let Some(user) = session.get().map(|user| user.name.clone()) else {
        let next = percent_encoding::utf8_percent_encode(cx.url(), NEXT).to_string();
        Err(Redirect::see_other(format!("/login?next={next}")))?
    };
    let loaded_at = super::now();
    head.tag("projects")?;
    // The browser may keep the list for a minute across navigations under
    // the dashboard (a rename drops it: the tag), so a page-to-page
    // navigation runs only the page's loader.
    head.set_cache_control("private, max-age=60")?;
    wait(&query).await;
    let projects = projects(&state.db).await?;
    state.dashboard.ran("layout", started);
    Ok(DashboardData {
        user,
        projects,
        loaded_at,
    })
}

/// What the login page's `next` value escapes.
#[cfg(feature = "ssr")]
const NEXT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

#[cfg(feature = "ssr")]
async fn projects(db: &sqlx::AnyPool) -> Result<Vec<Project>, LoaderError> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM projects ORDER BY id")
        .fetch_all(db)
        .await
        .map_err(server_props::db::error)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| Project { id, name })
        .collect())
}

/// What `/dashboard` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewProps {
    /// How many projects there are.
    pub projects: usize,
}

/// `/dashboard`: the overview.
#[page("/dashboard")]
pub fn DashboardHome(props: OverviewProps) -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <h2>"Overview: " {props.projects} " projects"</h2>
    }
}

#[loader(DashboardHome)]
async fn load_overview(
    Query(query): Query<Wait>,
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> LoaderResult<OverviewProps> {
    let started = std::time::Instant::now();
    state
        .dashboard
        .page_loads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    head.tag("projects")?;
    wait(&query).await;
    let projects = projects(&state.db).await?.len();
    state.dashboard.ran("page", started);
    Ok(OverviewProps { projects })
}

/// What a project's pages show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectProps {
    /// The project.
    pub project: Project,
    /// When the page's loader ran (RFC 3339, to the millisecond).
    pub loaded_at: String,
}

/// `/dashboard/projects/:id`: one project. An unknown id is the
/// dashboard's own "not found", inside it.
#[page("/dashboard/projects/:id")]
pub fn ProjectPage(props: ProjectProps) -> impl IntoView {
    let ProjectProps { project, loaded_at } = props;
    let settings = format!("/dashboard/projects/{}/settings", project.id);
    view! {
        <Title text=format!("Project {}", project.name)/>
        <h2>"Project " {project.name}</h2>
        <p class="page-loaded">"Page loaded at " {loaded_at}</p>
        <Link href=settings>"Settings"</Link>
    }
}

#[cfg(feature = "ssr")]
async fn project(
    state: &crate::state::AppState,
    id: i64,
    query: &Wait,
    head: &ResponseHead,
) -> LoaderResult<ProjectProps> {
    let started = std::time::Instant::now();
    state
        .dashboard
        .page_loads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    head.tag("projects")?;
    let loaded_at = super::now();
    wait(query).await;
    let row: Option<(i64, String)> = sqlx::query_as("SELECT id, name FROM projects WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db)
        .await
        .map_err(server_props::db::error)?;
    state.dashboard.ran("page", started);
    let (id, name) = row.ok_or(NotFound)?;
    Ok(ProjectProps {
        project: Project { id, name },
        loaded_at,
    })
}

#[loader(ProjectPage)]
async fn load_project(
    #[param] id: i64,
    Query(query): Query<Wait>,
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> LoaderResult<ProjectProps> {
    project(&state, id, &query, head).await
}

/// What the settings action says of a name it refuses: the page's action
/// data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameRefused {
    /// The name submitted, shown again.
    pub name: String,
    /// Why it was refused.
    pub error: String,
}

/// The settings form's fields.
#[derive(Debug, Deserialize)]
pub struct RenameForm {
    /// The project's new name.
    #[serde(default)]
    pub name: String,
}

/// `/dashboard/projects/:id/settings`: rename the project.
#[page("/dashboard/projects/:id/settings")]
pub fn ProjectSettings(props: ProjectProps) -> impl IntoView {
    let refused = use_action_data::<ProjectSettings>().get_untracked();
    let (name, error) = match refused {
        Some(RenameRefused { name, error }) => (name, Some(error)),
        None => (props.project.name.clone(), None),
    };
    view! {
        <Title text=format!("Settings of {}", props.project.name)/>
        <h2>"Settings of " {props.project.name}</h2>
        <Form attr:class="rename">
            <label>"Name " <input name="name" value=name/></label>
            {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit">"Rename"</button>
        </Form>
    }
}

#[loader(ProjectSettings)]
async fn load_settings(
    #[param] id: i64,
    Query(query): Query<Wait>,
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> LoaderResult<ProjectProps> {
    project(&state, id, &query, head).await
}

/// Renames the project: a blank name is refused (422, the value kept);
/// otherwise `303` to the project, whose answer (with JavaScript, the same
/// request's) shows the new name in the layout's list too.
#[action(ProjectSettings)]
async fn rename_project(
    #[param] id: i64,
    FormData(form): FormData<RenameForm>,
    State(state): State<crate::state::AppState>,
    head: &ResponseHead,
) -> ActionResult<RenameRefused> {
    state
        .dashboard
        .actions
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = form.name.trim();
    let error = if name.is_empty() {
        Some("Name is required.")
    } else if name.chars().count() > 100 || name.contains('\0') {
        Some("A name is at most 100 characters, none of them NUL.")
    } else {
        None
    };
    if let Some(error) = error {
        return Ok(ActionOutcome::Invalid(RenameRefused {
            name: form.name,
            error: error.to_owned(),
        }));
    }
    let renamed = sqlx::query("UPDATE projects SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(&state.db)
        .await
        .map_err(server_props::db::error)?;
    if renamed.rows_affected() == 0 {
        Err(NotFound)?;
    }
    head.invalidate("projects")?;
    Ok(ActionOutcome::redirect(format!("/dashboard/projects/{id}")))
}

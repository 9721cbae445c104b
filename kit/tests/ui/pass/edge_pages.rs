// What a loader may take at the edge: the request, the session, the
// response head and the app's own `EdgeSafe` types; a server page next to
// it takes anything.
use axum::http::HeaderMap;
use leptos::prelude::*;
use serde::Deserialize;
use server_props::{edge::EdgeSafe, prelude::*, PageRuntime};

#[derive(Clone, Debug)]
pub struct Greeting(&'static str);
impl EdgeSafe for Greeting {}

#[derive(Deserialize)]
pub struct Who {
    pub name: Option<String>,
}

#[page("/edge/hello", runtime = edge)]
pub fn EdgeHello(text: String) -> impl IntoView {
    text
}

#[loader(EdgeHello)]
async fn load_hello(
    headers: HeaderMap,
    Query(who): Query<Who>,
    greeting: Option<axum::Extension<Greeting>>,
    session: Session<String>,
    head: &ResponseHead,
) -> LoaderResult<String> {
    let _ = (headers, session.get(), head);
    let greeting = greeting.map_or("Hello", |g| (g.0).0);
    Ok(format!("{greeting}, {}", who.name.unwrap_or_default()))
}

#[derive(Clone)]
pub struct Db {
    pub pool: sqlx::PgPool,
}

#[page("/server", runtime = server)]
pub fn OnServer(text: String) -> impl IntoView {
    text
}

#[loader(OnServer)]
async fn load_server(State(db): State<Db>) -> LoaderResult<String> {
    let _ = db.pool;
    Ok(String::new())
}

const _: () = assert!(matches!(<EdgeHello as Page>::RUNTIME, PageRuntime::Edge));
const _: () = assert!(matches!(<OnServer as Page>::RUNTIME, PageRuntime::Server));

fn main() {}

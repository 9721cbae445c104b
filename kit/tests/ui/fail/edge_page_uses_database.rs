// A page marked for the edge whose loader (or action) takes the database:
// refused, naming the page and the type, in every build.
use leptos::prelude::*;
use server_props::prelude::*;

#[derive(Clone)]
pub struct Db {
    pub pool: sqlx::PgPool,
}

#[page("/edge/hello", runtime = edge)]
pub fn EdgeHello(text: String) -> impl IntoView {
    text
}

#[loader(EdgeHello)]
async fn load_hello(State(db): State<Db>) -> LoaderResult<String> {
    let _ = db.pool;
    Ok(String::new())
}

#[action(EdgeHello)]
async fn sign(_head: &ResponseHead, pool: axum::Extension<sqlx::PgPool>) -> ActionResult {
    let _ = pool;
    Ok(ActionOutcome::Done)
}

fn main() {}

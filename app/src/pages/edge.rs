//! `/edge/hello`: a page marked for the edge. The edge build (`worker/`)
//! answers it itself; the server answers it too (in development, or
//! wherever no edge build is deployed), and the page says which did. Its
//! loader sets a cookie, as any loader may: Next.js's edge runtime cannot
//! from `getServerSideProps`, ours can; its action, run at the edge as
//! well, removes it.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// What `/edge/hello` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeHelloProps {
    /// `edge` when the edge build ran the loader, `server` otherwise.
    pub runtime: String,
}

/// `Hello from the edge` and the runtime that answered.
#[page("/edge/hello", runtime = edge)]
pub fn EdgeHello(props: EdgeHelloProps) -> impl IntoView {
    view! {
        <Title text="Hello from the edge"/>
        <h1>"Hello from the edge"</h1>
        <p class="runtime">"Runtime: " {props.runtime}</p>
        <Form attr:class="forget">
            <button type="submit">"Forget the cookie"</button>
        </Form>
    }
}

/// Where the loader ran, and a cookie `edge=1` (for the rest of the
/// session: no `Max-Age`).
#[loader(EdgeHello)]
async fn load_edge_hello(
    cx: &LoaderContext<()>,
    head: &ResponseHead,
) -> LoaderResult<EdgeHelloProps> {
    head.set_cookie(
        &server_props::cookie::Cookie::build(("edge", "1"))
            .path("/")
            .build(),
    )?;
    Ok(EdgeHelloProps {
        runtime: cx.runtime().as_str().to_owned(),
    })
}

/// Removes the cookie, then `303` to `/`.
#[action(EdgeHello)]
async fn forget(head: &ResponseHead) -> ActionResult {
    head.remove_cookie("edge")?;
    Ok(ActionOutcome::redirect("/"))
}

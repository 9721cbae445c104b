//! `/runtime`: which build answered (the server, or the same app as an AWS
//! Lambda function).

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// What `/runtime` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeProps {
    /// `server` or `lambda`.
    pub runtime: String,
}

/// `Runtime: <name>` of the build whose loader ran.
#[page("/runtime")]
pub fn RuntimePage(props: RuntimeProps) -> impl IntoView {
    view! {
        <Title text="Runtime"/>
        <h1>"Runtime"</h1>
        <p class="runtime">"Runtime: " {props.runtime}</p>
    }
}

#[loader(RuntimePage)]
async fn load_runtime(State(state): State<crate::state::AppState>) -> LoaderResult<RuntimeProps> {
    Ok(RuntimeProps {
        runtime: state.runtime.to_owned(),
    })
}

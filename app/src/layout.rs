//! The app's layout data: who is signed in, read from the session on
//! every request (the kit's `Session`, kept in a private cookie), and shown
//! in the header of every page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// What the app keeps in a visitor's session: who signed in. The login
/// action sets it, the logout action clears it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    /// The name given at sign-in.
    pub name: String,
}

/// What the layout shows on every page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The signed-in user's name, if any.
    pub user: Option<String>,
}

/// The app's layout.
#[derive(Debug)]
pub struct AppLayout;

impl Layout for AppLayout {
    type Data = Session;
}

/// Reads the session: a cookie that was changed, forged, encrypted with
/// another key or past its time is no session. Reading it makes every page
/// vary by the cookie (`Vary: Cookie`, which the kit adds): caches keep one
/// copy per session.
#[loader(AppLayout)]
async fn load_session(
    session: server_props::session::Session<SignedInUser>,
) -> LoaderResult<Session> {
    Ok(Session {
        user: session.get().map(|user| user.name.clone()),
    })
}

/// `Signed in as <name>` and a sign-out button, or `Not signed in` and a
/// link to sign in.
#[component]
pub fn SignedIn() -> impl IntoView {
    let session = use_layout_data::<AppLayout>();
    let user = move || session.get().and_then(|s| s.user);
    let signed_in = {
        let user = user.clone();
        move || user().is_some()
    };
    view! {
        <span class="session">
            {move || match user() {
                Some(name) => format!("Signed in as {name}"),
                None => "Not signed in".to_owned(),
            }}
        </span>
        " "
        <Show
            when=signed_in
            fallback=|| view! { <Link href="/login" attr:class="sign-in">"Sign in"</Link> }
        >
            <Form action="/logout" attr:class="sign-out">
                <button type="submit">"Sign out"</button>
            </Form>
        </Show>
    }
}

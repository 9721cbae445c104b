//! The app's layout data: who is signed in, read from the signed session
//! cookie on every request, and shown in the header of every page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// The name of the signed session cookie.
pub const SESSION_COOKIE: &str = "session";

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

/// Reads the session: a cookie whose signature does not hold (forged,
/// changed, or signed with another key) is no session.
#[loader(AppLayout)]
async fn load_session(cx: &LoaderContext<()>) -> LoaderResult<Session> {
    // Reading the cookie makes every page vary by it (`Vary: Cookie`, which
    // the kit adds): caches keep one copy per session.
    // The login action percent-encodes the name.
    let user = cx.signed_cookie(SESSION_COOKIE).and_then(|c| {
        percent_encoding::percent_decode_str(c.value())
            .decode_utf8()
            .ok()
            .map(|name| name.into_owned())
    });
    Ok(Session { user })
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

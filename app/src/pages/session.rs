//! `/login` and `/logout`: the session the layout reads, set (a new one)
//! on signing in and cleared on signing out.

#[cfg(feature = "ssr")]
use crate::layout::SignedInUser;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// What the login action says of a sign-in it refuses: the page's action
/// data (the page itself has no loader and no props).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRefused {
    /// The name submitted.
    pub name: String,
    /// Why it was refused.
    pub error: String,
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// Who signs in.
    #[serde(default)]
    pub name: String,
    /// Where to go afterwards, when the form says (else the `next` query
    /// value of the page's URL).
    #[serde(default)]
    pub next: Option<String>,
}

/// Sign in with a name; `?next=/path` (or a `next` field) says where to go
/// afterwards.
#[page("/login")]
pub fn Login() -> impl IntoView {
    let refused = use_action_data::<Login>()
        .get_untracked()
        .unwrap_or_default();
    let error = (!refused.error.is_empty()).then_some(refused.error);
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        <Form attr:class="login">
            <label>"Name " <input name="name" value=refused.name autocomplete="username"/></label>
            {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit">"Sign in"</button>
        </Form>
    }
}

/// Signs in: a new session (`rotate`: whatever session the visitor had is
/// replaced, never reused), then `303` to `next` when it is a path of this
/// site, else to `/`. The page has no loader: the action is all it runs.
#[action(Login, no_loader)]
async fn login(
    FormData(form): FormData<LoginForm>,
    session: Session<SignedInUser>,
    cx: &LoaderContext<()>,
) -> ActionResult<LoginRefused> {
    let name = form.name.trim();
    if name.is_empty() {
        return Ok(ActionOutcome::Invalid(LoginRefused {
            name: form.name,
            error: "Name is required.".to_owned(),
        }));
    }
    session
        .rotate(SignedInUser {
            name: name.to_owned(),
        })
        .await?;
    let to = form.next.as_deref().or_else(|| cx.query_value("next"));
    Ok(ActionOutcome::redirect(next(to)))
}

/// Where to go after signing in: `next` when a browser would read it as a
/// path of this site (never `//host`, `/\host`, a scheme, or control
/// characters), else `/`.
pub fn next(next: Option<&str>) -> String {
    match next {
        Some(next) if server_props::is_same_origin_path(next) => next.to_owned(),
        _ => "/".to_owned(),
    }
}

/// `/logout`: a button that signs out (a `POST`; a `GET` only shows it).
#[page("/logout")]
pub fn Logout(_props: ()) -> impl IntoView {
    view! {
        <Title text="Sign out"/>
        <h1>"Sign out"</h1>
        <Form attr:class="logout">
            <button type="submit">"Sign out"</button>
        </Form>
    }
}

#[loader(Logout)]
async fn load_logout() -> LoaderResult<()> {
    Ok(())
}

/// Signs out: the session is cleared, then `303` to `/`.
#[action(Logout)]
async fn logout(session: Session<SignedInUser>) -> ActionResult {
    session.clear().await?;
    Ok(ActionOutcome::redirect("/"))
}

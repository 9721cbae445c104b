//! `/login` and `/logout`: the signed session cookie the layout reads.

#[cfg(feature = "ssr")]
use crate::layout::SESSION_COOKIE;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// What `/login` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProps {
    /// The name submitted, when it was refused.
    pub name: String,
    /// Why it was refused.
    pub error: Option<String>,
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
pub fn Login(props: LoginProps) -> impl IntoView {
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        <Form attr:class="login">
            <label>"Name " <input name="name" value=props.name autocomplete="username"/></label>
            {props.error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit">"Sign in"</button>
        </Form>
    }
}

#[loader(Login)]
async fn load_login() -> LoaderResult<LoginProps> {
    Ok(LoginProps::default())
}

/// Signs in: a signed `session` cookie (`HttpOnly; SameSite=Lax`), then
/// `303` to `next` when it is a path of this site, else to `/`.
#[action(Login)]
async fn login(
    FormData(form): FormData<LoginForm>,
    cx: &LoaderContext<()>,
) -> ActionResult<LoginProps> {
    let name = form.name.trim();
    if name.is_empty() {
        return Ok(ActionOutcome::Invalid(LoginProps {
            name: form.name,
            error: Some("Name is required.".to_owned()),
        }));
    }
    // Percent-encoded: a name may hold `;`, spaces or non-ASCII letters.
    let value = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let cookie = server_props::cookie::Cookie::new(SESSION_COOKIE, value.to_string());
    cx.response().set_signed_cookie(cookie)?;
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

/// Signs out: the session cookie is removed, then `303` to `/`.
#[action(Logout)]
async fn logout(head: &ResponseHead) -> ActionResult<()> {
    head.remove_cookie(SESSION_COOKIE)?;
    Ok(ActionOutcome::redirect("/"))
}

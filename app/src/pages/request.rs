//! `/request`, `/slow`, `/xss` and `/counter`.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::Page;

/// What `/request` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestProps {
    /// The request method.
    pub method: String,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The `Accept-Language` header.
    pub accept_language: Option<String>,
    /// The `theme` cookie.
    pub theme: Option<String>,
}

/// The request, as the loader saw it.
pub struct RequestInfo;

impl Page for RequestInfo {
    type Props = RequestProps;

    fn view(props: RequestProps) -> impl IntoView {
        let or_none = |v: Option<String>| v.unwrap_or_else(|| "(none)".to_owned());
        view! {
            <Title text="Request"/>
            <h1>"Request"</h1>
            <dl class="request">
                <dt>"Method"</dt><dd class="method">{props.method}</dd>
                <dt>"User-Agent"</dt><dd class="user-agent">{or_none(props.user_agent)}</dd>
                <dt>"Accept-Language"</dt><dd class="accept-language">{or_none(props.accept_language)}</dd>
                <dt>"Theme cookie"</dt><dd class="theme">{or_none(props.theme)}</dd>
            </dl>
        }
    }
}

/// The longest `/slow` waits, in milliseconds.
pub const MAX_SLOW_MS: u64 = 10_000;

/// What `/slow` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlowProps {
    /// How long the loader waited.
    pub ms: u64,
}

/// A loader that waits `?ms=N` milliseconds.
pub struct Slow;

impl Page for Slow {
    type Props = SlowProps;

    fn view(props: SlowProps) -> impl IntoView {
        view! {
            <Title text="Slow"/>
            <h1>"Slow " {props.ms}</h1>
        }
    }
}

/// The strings `/xss` carries in its props: each must show as text.
pub const XSS_PAYLOADS: &[&str] = &[
    "</script><script>window.__xss=1</script>",
    "<!--",
    "\u{2028}",
    "\u{2029}",
    "&amp;",
    "<img src=x onerror=\"window.__xss=1\">",
];

/// What `/xss` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XssProps {
    /// Strings that would run script if they were not escaped.
    pub payloads: Vec<String>,
}

/// Props that try to break out of the embedded JSON.
pub struct Xss;

impl Page for Xss {
    type Props = XssProps;

    fn view(props: XssProps) -> impl IntoView {
        view! {
            <Title text="XSS"/>
            <h1>"XSS"</h1>
            <ul class="payloads">
                {props.payloads.into_iter().map(|p| view! { <li><code>{p}</code></li> }).collect_view()}
            </ul>
        }
    }
}

/// What `/counter` starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterProps {
    /// The initial count.
    pub initial: i64,
}

/// A counter whose start comes from props and whose button works once hydrated.
pub struct Counter;

impl Page for Counter {
    type Props = CounterProps;

    fn view(props: CounterProps) -> impl IntoView {
        let count = RwSignal::new(props.initial);
        view! {
            <Title text="Counter"/>
            <h1>"Counter"</h1>
            <p>"Count: " <span class="count">{count}</span></p>
            <button class="increment" on:click=move |_| count.update(|c| *c += 1)>"+1"</button>
        }
    }
}

#[cfg(feature = "ssr")]
mod loader {
    use super::*;
    use server_props::{Loader, LoaderContext, LoaderResult};
    use std::time::Duration;

    impl Loader for RequestInfo {
        type State = ();

        async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<RequestProps> {
            let props = RequestProps {
                method: cx.method().to_string(),
                user_agent: cx.header("user-agent").map(str::to_owned),
                accept_language: cx.header("accept-language").map(str::to_owned),
                theme: cx.cookie("theme").map(str::to_owned),
            };
            // HttpOnly, SameSite=Lax and Path=/ are the kit's defaults.
            let visited = server_props::cookie::Cookie::new("visited", "1");
            cx.response().set_cookie(&visited)?;
            Ok(props.into())
        }
    }

    impl Loader for Slow {
        type State = ();

        async fn load(cx: &mut LoaderContext<()>) -> LoaderResult<SlowProps> {
            let ms = cx.query_as::<u64>("ms")?.unwrap_or(0).min(MAX_SLOW_MS);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(SlowProps { ms }.into())
        }
    }

    impl Loader for Xss {
        type State = ();

        async fn load(_: &mut LoaderContext<()>) -> LoaderResult<XssProps> {
            Ok(XssProps {
                payloads: XSS_PAYLOADS.iter().map(|s| (*s).to_owned()).collect(),
            }
            .into())
        }
    }

    impl Loader for Counter {
        type State = ();

        async fn load(_: &mut LoaderContext<()>) -> LoaderResult<CounterProps> {
            Ok(CounterProps { initial: 5 }.into())
        }
    }
}

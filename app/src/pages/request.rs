//! `/request`, `/slow`, `/xss` and `/counter`.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

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
#[page("/request")]
pub fn RequestInfo(props: RequestProps) -> impl IntoView {
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

#[loader(RequestInfo)]
async fn load_request(cx: &LoaderContext<()>) -> LoaderResult<RequestProps> {
    let props = RequestProps {
        method: cx.method().to_string(),
        user_agent: cx.header("user-agent").map(str::to_owned),
        accept_language: cx.header("accept-language").map(str::to_owned),
        theme: cx.cookie("theme"),
    };
    // HttpOnly, SameSite=Lax and Path=/ are the kit's defaults.
    let visited = server_props::cookie::Cookie::new("visited", "1");
    cx.response().set_cookie(&visited)?;
    Ok(props)
}

/// The longest `/slow` waits, in milliseconds.
pub const MAX_SLOW_MS: u64 = 10_000;

/// What `/slow` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlowProps {
    /// How long the loader waited.
    pub ms: u64,
}

/// A loader that waits `?ms=N` milliseconds. Its props are `no-store`, but
/// Back/Forward shows the last ones at once while they are fetched again.
#[page("/slow", navigation = Navigation::blocking().restore_on_back())]
pub fn Slow(props: SlowProps) -> impl IntoView {
    view! {
        <Title text="Slow"/>
        <h1>"Slow " {props.ms}</h1>
    }
}

/// `/slow`'s query: `?ms=N` (a number, or 400).
#[cfg(feature = "ssr")]
#[derive(Deserialize)]
struct SlowQuery {
    #[serde(default)]
    ms: u64,
}

#[loader(Slow)]
async fn load_slow(Query(query): Query<SlowQuery>) -> LoaderResult<SlowProps> {
    let ms = query.ms.min(MAX_SLOW_MS);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    Ok(SlowProps { ms })
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
#[page("/xss")]
pub fn Xss(props: XssProps) -> impl IntoView {
    view! {
        <Title text="XSS"/>
        <h1>"XSS"</h1>
        <ul class="payloads">
            {props.payloads.into_iter().map(|p| view! { <li><code>{p}</code></li> }).collect_view()}
        </ul>
    }
}

#[loader(Xss)]
async fn load_xss() -> LoaderResult<XssProps> {
    Ok(XssProps {
        payloads: XSS_PAYLOADS.iter().map(|s| (*s).to_owned()).collect(),
    })
}

/// What `/counter` starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterProps {
    /// The initial count.
    pub initial: i64,
}

/// A counter whose start comes from props and whose button works once hydrated.
#[page("/counter")]
pub fn Counter(props: CounterProps) -> impl IntoView {
    let count = RwSignal::new(props.initial);
    view! {
        <Title text="Counter"/>
        <h1>"Counter"</h1>
        <p>"Count: " <span class="count">{count}</span></p>
        <button class="increment" on:click=move |_| count.update(|c| *c += 1)>"+1"</button>
    }
}

#[loader(Counter)]
async fn load_counter() -> LoaderResult<CounterProps> {
    Ok(CounterProps { initial: 5 })
}

/// What `/echo` shows: any text and attribute value, as given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EchoProps {
    /// Shown as text.
    pub text: String,
    /// Shown as attribute values.
    pub attr: String,
}

/// `/echo?text=…&attr=…`: the query's text as the title, as text (alone and
/// between other text) and as attribute values, with a button that works
/// only once the page has hydrated. The hydration property test loads it
/// with random Unicode (`end2end/tests/hydration.spec.ts`).
#[page("/echo")]
pub fn Echo(props: EchoProps) -> impl IntoView {
    let EchoProps { text, attr } = props;
    let clicks = RwSignal::new(0);
    view! {
        <Title text=format!("Echo {text}")/>
        <h1>"Echo"</h1>
        <p class="echo-text" title=attr.clone() data-value=attr.clone()>{text.clone()}</p>
        <p class="echo-mixed">"before " {text.clone()} " after"</p>
        <ul class="echo-list">
            <li>{text.clone()}</li>
            <li>{attr.clone()}</li>
        </ul>
        <input class="echo-input" value=attr/>
        <textarea class="echo-area">{text}</textarea>
        <button class="echo-button" on:click=move |_| clicks.update(|c| *c += 1)>
            "Clicked " <span class="echo-clicks">{clicks}</span>
        </button>
    }
}

/// `/echo`'s query: both fields may be missing (empty).
#[cfg(feature = "ssr")]
#[derive(Deserialize)]
struct EchoQuery {
    #[serde(default)]
    text: String,
    #[serde(default)]
    attr: String,
}

#[loader(Echo)]
async fn load_echo(Query(query): Query<EchoQuery>) -> LoaderResult<EchoProps> {
    Ok(EchoProps {
        text: query.text,
        attr: query.attr,
    })
}

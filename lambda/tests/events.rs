//! The function's answers to each kind of event, in process: the event as
//! JSON through `lambda_http`'s own parsing, the app's router (as the
//! function builds it), and the response as the event's source reads it.

use lambda_http::{
    lambda_runtime::{Context, LambdaEvent},
    request::LambdaRequest,
    Adapter,
};
use leptos::config::LeptosOptions;
use serde_json::{json, Value};
use tower::{Service, ServiceExt};

/// The app as the function builds it, over a database of its own.
async fn function() -> axum::Router {
    // As the function's `main` sets it: a REST API's path without its stage
    // (once, before any test reads it).
    static STAGE: std::sync::Once = std::sync::Once::new();
    STAGE.call_once(|| std::env::set_var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true"));
    let state = app::state::AppState::connect("sqlite::memory:")
        .await
        .unwrap()
        .on_runtime("lambda");
    let options = LeptosOptions::builder()
        .output_name("reference-app")
        .site_root("../server/tests/site")
        .build();
    server::app(state, &server::Settings::default())
        .options(options)
        .props(|p| {
            p.build_id("lambda-test")
                .cookie_key(server_props::cookie::Key::from(&[7; 64]))
        })
        .build()
        .unwrap()
        .router
}

/// Answers one event, as the Lambda runtime hands it over.
async fn answer(router: &axum::Router, event: Value) -> Value {
    let response = invoke(Adapter::from(router.clone()), event).await;
    serde_json::to_value(response).unwrap()
}

/// An HTTP API (payload 2.0) event; a function URL's differs only in its
/// domain.
fn http_api(method: &str, path: &str, query: &str, headers: Value, body: Option<&str>) -> Value {
    v2(
        "abc123.execute-api.eu-west-1.amazonaws.com",
        method,
        path,
        query,
        headers,
        body,
    )
}

fn function_url(
    method: &str,
    path: &str,
    query: &str,
    headers: Value,
    body: Option<&str>,
) -> Value {
    v2(
        "xyz789.lambda-url.eu-west-1.on.aws",
        method,
        path,
        query,
        headers,
        body,
    )
}

fn v2(
    domain: &str,
    method: &str,
    path: &str,
    query: &str,
    headers: Value,
    body: Option<&str>,
) -> Value {
    let mut headers = headers;
    headers["host"] = json!(domain);
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": domain,
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "test"
            },
            "requestId": "r-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "07/Dec/2026:12:00:00 +0000",
            "timeEpoch": 1796644800000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// Headers as `multiValueHeaders` holds them: each value in a list.
fn multi_value(headers: &Value) -> Value {
    let multi: serde_json::Map<String, Value> = headers
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), json!([v])))
        .collect();
    Value::Object(multi)
}

/// A REST API (payload 1.0) proxy event.
fn rest_api(method: &str, path: &str, headers: Value, body: Option<&str>) -> Value {
    let mut headers = headers;
    headers["host"] = json!("abc123.execute-api.eu-west-1.amazonaws.com");
    let multi = multi_value(&headers);
    json!({
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": {"proxy": path.trim_start_matches('/')},
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "r",
            "stage": "prod",
            "requestId": "r-1",
            "identity": {"sourceIp": "198.51.100.7"},
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "apiId": "abc123",
            "path": format!("/prod{path}")
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// An Application Load Balancer event (multi-value headers on).
fn alb(method: &str, path: &str, headers: Value, body: Option<&str>) -> Value {
    let mut headers = headers;
    headers["host"] = json!("lb-1.eu-west-1.elb.amazonaws.com");
    let multi = multi_value(&headers);
    json!({
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app/1"}},
        "httpMethod": method,
        "path": path,
        "multiValueQueryStringParameters": {},
        "multiValueHeaders": multi,
        "body": body.unwrap_or(""),
        "isBase64Encoded": false
    })
}

/// A header of a response, however its event kind carries headers.
fn header(response: &Value, name: &str) -> Option<String> {
    response["headers"][name]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            response["multiValueHeaders"][name][0]
                .as_str()
                .map(str::to_owned)
        })
}

/// The cookies a response sets, however its event kind carries them.
fn cookies(response: &Value) -> Vec<String> {
    let from = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all = from(&response["cookies"]);
    all.extend(from(&response["multiValueHeaders"]["set-cookie"]));
    if let Some(one) = response["headers"]["set-cookie"].as_str() {
        all.push(one.to_owned());
    }
    all
}

fn html() -> Value {
    json!({"accept": "text/html"})
}

#[tokio::test]
async fn every_kind_of_event_gets_the_page_as_the_server_renders_it() {
    let router = function().await;
    for (kind, event) in [
        ("HTTP API", http_api("GET", "/runtime", "", html(), None)),
        (
            "function URL",
            function_url("GET", "/runtime", "", html(), None),
        ),
        ("REST API", rest_api("GET", "/runtime", html(), None)),
        ("ALB", alb("GET", "/runtime", html(), None)),
    ] {
        let response = answer(&router, event).await;
        assert_eq!(response["statusCode"], 200, "{kind}: {response}");
        assert_eq!(
            header(&response, "content-type").as_deref(),
            Some("text/html; charset=utf-8"),
            "{kind}"
        );
        let body = response["body"]
            .as_str()
            .unwrap_or_default()
            .replace("<!>", "");
        assert_eq!(response["isBase64Encoded"], false, "{kind}");
        assert!(body.contains("Runtime: lambda"), "{kind}: {body}");
        assert!(body.contains("__SERVER_PROPS__"), "{kind}");
    }
}

#[tokio::test]
async fn props_answers_redirects_cookies_and_the_404_page_come_back_whole() {
    let router = function().await;
    for (kind, event) in [
        (
            "HTTP API",
            http_api as fn(&str, &str, &str, Value, Option<&str>) -> Value,
        ),
        ("function URL", function_url),
    ] {
        let props = answer(
            &router,
            event(
                "GET",
                "/_props/lambda-test/runtime.json",
                "",
                json!({}),
                None,
            ),
        )
        .await;
        assert_eq!(props["statusCode"], 200, "{kind}: {props}");
        assert!(header(&props, "x-server-props").is_some(), "{kind}");
        let json: Value = serde_json::from_str(props["body"].as_str().unwrap()).unwrap();
        assert_eq!(json["props"]["runtime"], "lambda", "{kind}");

        let redirect = answer(&router, event("GET", "/redirect/to-blog", "", html(), None)).await;
        assert!(
            matches!(redirect["statusCode"].as_u64(), Some(302 | 307)),
            "{kind}: {redirect}"
        );
        assert_eq!(
            header(&redirect, "location").as_deref(),
            Some("/blog/redirected"),
            "{kind}"
        );

        let visited = answer(&router, event("GET", "/request", "", html(), None)).await;
        assert!(
            cookies(&visited).iter().any(|c| c.starts_with("visited=1")),
            "{kind}: {visited}"
        );

        let missing = answer(&router, event("GET", "/no/such/page", "", html(), None)).await;
        assert_eq!(missing["statusCode"], 404, "{kind}");
        assert!(missing["body"].as_str().unwrap().contains("404"), "{kind}");

        // Streamed props arrive whole in one response.
        let feed = answer(&router, event("GET", "/feed", "ms=10", html(), None)).await;
        let body = feed["body"].as_str().unwrap();
        assert!(
            body.contains("Item 3") && body.contains("Recommended 3"),
            "{kind}: {body}"
        );
    }
    for (kind, event) in [
        (
            "REST API",
            rest_api as fn(&str, &str, Value, Option<&str>) -> Value,
        ),
        ("ALB", alb),
    ] {
        let visited = answer(&router, event("GET", "/request", html(), None)).await;
        assert_eq!(visited["statusCode"], 200, "{kind}: {visited}");
        assert!(
            cookies(&visited).iter().any(|c| c.starts_with("visited=1")),
            "{kind}: {visited}"
        );
        let redirect = answer(&router, event("GET", "/redirect/to-blog", html(), None)).await;
        assert_eq!(
            header(&redirect, "location").as_deref(),
            Some("/blog/redirected"),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn a_form_submission_is_written_and_answered_with_see_other() {
    let router = function().await;
    let host = "abc123.execute-api.eu-west-1.amazonaws.com";
    let headers = json!({
        "content-type": "application/x-www-form-urlencoded",
        "origin": format!("https://{host}"),
        "accept": "text/html"
    });
    let posted = answer(
        &router,
        http_api(
            "POST",
            "/guestbook",
            "",
            headers,
            Some("name=Ada&message=From+Lambda"),
        ),
    )
    .await;
    assert_eq!(posted["statusCode"], 303, "{posted}");
    assert_eq!(header(&posted, "location").as_deref(), Some("/guestbook"));
    let list = answer(&router, http_api("GET", "/guestbook", "", html(), None)).await;
    assert!(
        list["body"].as_str().unwrap().contains("From Lambda"),
        "{list}"
    );
    // A refused one is the 422 page with what was typed.
    let headers = json!({
        "content-type": "application/x-www-form-urlencoded",
        "origin": format!("https://{host}"),
        "accept": "text/html"
    });
    let refused = answer(
        &router,
        http_api("POST", "/guestbook", "", headers, Some("name=Ada&message=")),
    )
    .await;
    assert_eq!(refused["statusCode"], 422, "{refused}");
    assert!(refused["body"]
        .as_str()
        .unwrap()
        .contains("Message is required."));
}

/// One event through one of lambda_http's adapters, as the runtime calls
/// the function with it.
async fn invoke<S>(mut adapter: S, event: Value) -> S::Response
where
    S: Service<LambdaEvent<LambdaRequest>>,
    S::Error: std::fmt::Debug,
{
    let request: LambdaRequest = serde_json::from_value(event).expect("an event lambda_http reads");
    adapter
        .ready()
        .await
        .unwrap()
        .call(LambdaEvent::new(request, Context::default()))
        .await
        .unwrap()
}

/// Answers one event as a function in the `RESPONSE_STREAM` invoke mode
/// does: the prelude (status, headers, cookies), then the body in the parts
/// the runtime sends one by one.
async fn answer_streamed(
    router: &axum::Router,
    event: Value,
) -> (lambda_http::lambda_runtime::MetadataPrelude, Vec<String>) {
    use futures::StreamExt as _;
    let response = invoke(lambda_http::StreamAdapter::from(router.clone()), event).await;
    let parts = response
        .stream
        .map(|part| String::from_utf8(part.unwrap().to_vec()).unwrap())
        .collect()
        .await;
    (response.metadata_prelude, parts)
}

#[tokio::test]
async fn a_streamed_document_comes_in_parts_the_deferred_one_last() {
    let router = function().await;
    let (prelude, parts) = answer_streamed(
        &router,
        function_url("GET", "/feed", "ms=100", html(), None),
    )
    .await;
    assert_eq!(prelude.status_code, 200);
    assert_eq!(prelude.headers["content-type"], "text/html; charset=utf-8");
    assert!(parts.len() >= 2, "one part: {parts:?}");
    // The page's items go first, with the recommendations' fallback; the
    // recommendations come in a later part.
    let first = parts[0].replace("<!>", "");
    assert!(first.contains("Item 3"), "{first}");
    assert!(!first.contains("Recommended 3"), "{first}");
    let whole = parts.concat().replace("<!>", "");
    assert!(whole.contains("Recommended 3"), "{whole}");
    assert!(whole.trim_end().ends_with("</html>"), "{whole}");
}

#[tokio::test]
async fn a_streamed_props_answer_is_one_line_per_part_and_cookies_and_redirects_hold() {
    let router = function().await;
    let (prelude, parts) = answer_streamed(
        &router,
        function_url(
            "GET",
            "/_props/lambda-test/feed.json",
            "ms=100",
            json!({}),
            None,
        ),
    )
    .await;
    assert_eq!(prelude.status_code, 200);
    assert_eq!(prelude.headers["content-type"], "application/x-ndjson");
    let lines: Vec<&str> = parts.iter().flat_map(|p| p.lines()).collect();
    assert_eq!(lines.len(), 2, "{parts:?}");
    let payload: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(payload["props"]["items"][2], "Item 3");
    assert_eq!(
        payload["props"]["recommendations"],
        json!({"$deferred": 0}),
        "{payload}"
    );
    let value: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(
        value,
        json!({"deferred": 0, "value": {"ok": ["Recommended 1", "Recommended 2", "Recommended 3"]}})
    );

    // A cookie is the prelude's, not a header; a redirect keeps its status.
    let (prelude, _) =
        answer_streamed(&router, function_url("GET", "/request", "", html(), None)).await;
    assert!(
        prelude.cookies.iter().any(|c| c.starts_with("visited=1")),
        "{:?}",
        prelude.cookies
    );
    assert!(prelude.headers.get("set-cookie").is_none());
    let (prelude, _) = answer_streamed(
        &router,
        function_url("GET", "/redirect/to-blog", "", html(), None),
    )
    .await;
    assert!(matches!(prelude.status_code.as_u16(), 302 | 307));
    assert_eq!(prelude.headers["location"], "/blog/redirected");
}

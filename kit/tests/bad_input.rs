//! Property tests: hostile paths, queries and methods against the kit's
//! routing, param and query decoding and props-URL parsing. Whatever comes
//! in, the answer is a 2xx/3xx or a 400/404/405, never a panic or a 5xx.
//! `make fuzz` runs the same check under libFuzzer (`fuzz/`).

#![cfg(feature = "ssr")]

mod common;
mod hostile;

use proptest::prelude::*;
use server_props::protocol::{parse_props_path, props_url};
use std::sync::LazyLock;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
});

static APP: LazyLock<axum::Router> = LazyLock::new(hostile::app);

fn run(method: &[u8], target: &[u8]) -> Result<(), TestCaseError> {
    let answer = RUNTIME.block_on(hostile::answer(&APP, method, target));
    if let Some(answer) = answer {
        hostile::check(target, &answer).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

/// Pieces hostile paths are made of.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("items".to_owned()),
        Just("blog".to_owned()),
        Just("files".to_owned()),
        Just("search".to_owned()),
        Just("_props".to_owned()),
        Just(hostile::BUILD.to_owned()),
        Just("index".to_owned()),
        Just("index.json".to_owned()),
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just(String::new()),
        Just("%".to_owned()),
        Just("%zz".to_owned()),
        Just("%ff%fe".to_owned()),
        Just("%c0%ae".to_owned()),
        Just("%2e%2e".to_owned()),
        Just("%2F".to_owned()),
        Just("%00".to_owned()),
        Just("x.json".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("-1".to_owned()),
        Just("4294967296".to_owned()),
        Just("1e309".to_owned()),
        Just("NaN".to_owned()),
        "[a-z0-9]{1,8}",
        "\\PC{1,6}".prop_map(|s| percent(&s)),
        any::<Vec<u8>>().prop_map(|b| b.iter().map(|b| format!("%{b:02x}")).collect()),
        (1usize..20_000).prop_map(|n| "a".repeat(n)),
    ]
}

fn query() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just(String::new()),
        Just("%".to_owned()),
        Just("%zz".to_owned()),
        Just("%ff".to_owned()),
        Just("1".to_owned()),
        Just("-9223372036854775809".to_owned()),
        Just("9223372036854775808".to_owned()),
        Just("+5".to_owned()),
        Just("0x10".to_owned()),
        "[a-z0-9+&=;]{0,12}",
        (1usize..100_000).prop_map(|n| "9".repeat(n)),
    ];
    let name = prop_oneof![Just("n"), Just("q"), Just("id"), Just(""), Just("%")];
    proptest::collection::vec((name, value), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn method() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"GET".to_vec()),
        Just(b"HEAD".to_vec()),
        Just(b"POST".to_vec()),
        Just(b"PUT".to_vec()),
        Just(b"DELETE".to_vec()),
        Just(b"OPTIONS".to_vec()),
        Just(b"TRACE".to_vec()),
        Just(b"CONNECT".to_vec()),
        Just(b"PATCH".to_vec()),
        Just(b"BREW".to_vec()),
        "[A-Z]{1,12}".prop_map(String::into_bytes),
    ]
}

fn percent(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn hostile_paths_and_queries_never_fail_the_server(
        method in method(),
        segments in proptest::collection::vec(segment(), 0..8),
        query in proptest::option::of(query()),
        json in any::<bool>(),
    ) {
        let mut target = format!("/{}", segments.join("/"));
        if json {
            target.push_str(".json");
        }
        if let Some(q) = query {
            target.push('?');
            target.push_str(&q);
        }
        run(&method, target.as_bytes())?;
    }

    #[test]
    fn arbitrary_bytes_never_fail_the_server(method in method(), target in any::<Vec<u8>>()) {
        let mut with_slash = b"/".to_vec();
        with_slash.extend_from_slice(&target);
        run(&method, &with_slash)?;
    }

    #[test]
    fn props_urls_round_trip(path in "(/[a-zA-Z0-9._~-]{1,10}){0,5}", query in "[a-z0-9=&]{0,10}") {
        let page = if path.is_empty() { "/".to_owned() } else { path };
        let url = props_url(hostile::BUILD, &format!("{page}?{query}"));
        let (props_path, props_query) = url.split_once('?').unwrap_or((&url, ""));
        prop_assert_eq!(parse_props_path(props_path), Some((hostile::BUILD, page)));
        prop_assert_eq!(props_query, query);
    }

    /// Any path under the props prefix either is no props URL or names
    /// exactly one page, whose props URL it is: two spellings never reach
    /// one page (and parsing never panics).
    #[test]
    fn props_paths_parse_to_the_page_whose_props_url_they_are(
        build in "[a-zA-Z0-9._-]{0,6}",
        rest in "[a-zA-Z0-9._~%/-]{0,40}",
    ) {
        let path = format!("/_props/{build}/{rest}");
        if let Some((b, page)) = parse_props_path(&path) {
            prop_assert_eq!(props_url(b, &page), path);
        }
    }
}

/// The cases that found bugs or are worth keeping in view, run every time.
#[test]
fn known_hostile_requests() {
    // `http` takes targets up to 64 KiB; hyper refuses longer ones itself.
    let long_path = format!("/blog/{}", "a".repeat(60_000));
    let long_query = format!("/search?q={}", "%41".repeat(20_000));
    let targets: &[&str] = &[
        "/items/%ff",
        "/items/99999999999999999999",
        "/items/-1",
        "/blog/%",
        "/blog/%zz",
        "/blog/%c0%ae%c0%ae",
        "/blog/..%2f..%2f",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "//%3C",
        "http://x?y",
        "http://evil.example//a/b",
        "https://h/items/7",
        "evil.example:443",
        "/\\evil.example",
        "*",
        "/files/a%00b",
        "/search?n=9223372036854775808",
        "/search?n=%ff",
        "/search?n=1&n=x",
        "/_props/hostile/items/%ff.json",
        "/_props/hostile/../items/1.json",
        "/_props/hostile/.json",
        "/_props//items/1.json",
        "/_props/other/items/1.json",
        "/_props/hostile/index/index.json",
        "/_props/hostile/files/%2F.json",
        &long_path,
        &long_query,
    ];
    for target in targets {
        for method in [&b"GET"[..], b"HEAD", b"POST", b"DELETE", b"BREW"] {
            let answer = RUNTIME
                .block_on(hostile::answer(&APP, method, target.as_bytes()))
                .unwrap_or_else(|| panic!("{:.80} is a valid request", target));
            hostile::check(target.as_bytes(), &answer).unwrap();
        }
    }
    // And the decoding does what it should where the input is fine.
    let ok = RUNTIME
        .block_on(hostile::answer(&APP, b"GET", b"/items/7"))
        .unwrap();
    assert_eq!(ok.0, 200);
    assert!(ok.1.contains("item 7"));
    let bad = RUNTIME
        .block_on(hostile::answer(&APP, b"GET", b"/items/x"))
        .unwrap();
    assert_eq!(bad.0, 404);
    let bad = RUNTIME
        .block_on(hostile::answer(&APP, b"GET", b"/search?n=x"))
        .unwrap();
    assert_eq!(bad.0, 400);
}

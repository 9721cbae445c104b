//! The one writer of the props payload: the JSON of a props answer and of
//! the props embedded in a document, in the field order and shapes of
//! [`PropsPayload`](crate::protocol::PropsPayload), which the browser
//! decodes.
//!
//! Written by hand rather than through `serde`'s derive because the props
//! are already type-erased ([`ErasedProps`]) and the layout's data is
//! already JSON: each is written straight into the answer's one buffer,
//! never parsed back into a value.

use crate::{page::PageError, redirect::Redirect, ssr::loader::ErasedProps};
use http::StatusCode;

/// One payload: what it is for, and what it says ([`Said`]).
pub(crate) struct Payload<'a> {
    /// The build that made it (embedded props only).
    pub(crate) build: Option<&'a str>,
    /// The page URL it is for: always in embedded props; in a props answer
    /// only when it differs from the URL asked for (where a submission led).
    pub(crate) url: Option<&'a str>,
    /// The layout loader's data, as JSON.
    pub(crate) layout: Option<&'a str>,
    /// The nested layouts' data, as JSON, by prefix, outermost first.
    pub(crate) layouts: &'a [(&'static str, String)],
    /// Reuse tokens for some of them, by prefix, outermost first.
    pub(crate) reuse: &'a [(&'static str, crate::protocol::Reuse)],
    pub(crate) said: Said<'a>,
}

/// What a payload says: exactly one thing.
pub(crate) enum Said<'a> {
    /// Embedded props of a page without a loader: nothing.
    Nothing,
    /// The page's props (`null` for a page without a loader in a props
    /// answer), with the `Cache-Control` and tags the loader set, for the
    /// browser's props cache (embedded props only).
    Props {
        props: &'a dyn ErasedProps,
        cache_control: Option<&'a str>,
        tags: &'a [String],
        /// What the page's action said of a refused submission, as JSON.
        action_data: Option<&'a str>,
    },
    /// `"notFound":true`.
    NotFound,
    /// `"redirect":{"destination":…,"status":…}`.
    Redirect(&'a Redirect),
    /// `"error"`, its reason phrase, with the detail and the overlay's facts
    /// in development mode.
    Error(&'a PageError),
    /// `"staleBuild":true`: the props URL names another build.
    StaleBuild,
}

impl Payload<'_> {
    /// Appends the payload's JSON to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let mut first = true;
        let mut field = |out: &mut Vec<u8>, name: &str| {
            out.push(if first { b'{' } else { b',' });
            first = false;
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
        };
        if let Some(build) = self.build {
            field(out, "build");
            serde_json::to_writer(&mut *out, build)?;
        }
        if let Some(url) = self.url {
            field(out, "url");
            serde_json::to_writer(&mut *out, url)?;
        }
        if let Said::Props { props, .. } = &self.said {
            field(out, "props");
            props.write_json(out)?;
            // Its deferred values, handed over while it was written.
            let deferred = crate::ssr::response::deferred::handed_over();
            if deferred > 0 {
                field(out, "deferred");
                out.extend_from_slice(deferred.to_string().as_bytes());
            }
        }
        if let Some(layout) = self.layout {
            field(out, "layout");
            out.extend_from_slice(layout.as_bytes());
        }
        if !self.layouts.is_empty() {
            field(out, "layouts");
            // Outermost first is also the keys' order (a prefix sorts before
            // the paths it starts), as a map of them serialises.
            for (i, (prefix, json)) in self.layouts.iter().enumerate() {
                out.push(if i == 0 { b'{' } else { b',' });
                serde_json::to_writer(&mut *out, prefix)?;
                out.push(b':');
                out.extend_from_slice(json.as_bytes());
            }
            out.push(b'}');
        }
        if !self.reuse.is_empty() {
            field(out, "reuse");
            let map: std::collections::BTreeMap<_, _> =
                self.reuse.iter().map(|(p, r)| (*p, r)).collect();
            serde_json::to_writer(&mut *out, &map)?;
        }
        match &self.said {
            Said::Nothing => {}
            Said::Props {
                cache_control,
                tags,
                action_data,
                ..
            } => {
                if let Some(action_data) = action_data {
                    field(out, "actionData");
                    out.extend_from_slice(action_data.as_bytes());
                }
                if let Some(cache_control) = cache_control {
                    field(out, "cacheControl");
                    serde_json::to_writer(&mut *out, cache_control)?;
                }
                if !tags.is_empty() {
                    field(out, "tags");
                    serde_json::to_writer(&mut *out, tags)?;
                }
            }
            Said::NotFound => {
                field(out, "notFound");
                out.extend_from_slice(b"true");
            }
            Said::Redirect(redirect) => {
                field(out, "redirect");
                serde_json::to_writer(&mut *out, redirect)?;
            }
            Said::Error(error) => {
                let status =
                    StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                field(out, "error");
                serde_json::to_writer(&mut *out, status.canonical_reason().unwrap_or("Error"))?;
                if let Some(detail) = &error.detail {
                    field(out, "detail");
                    serde_json::to_writer(&mut *out, detail)?;
                }
                if let Some(dev) = &error.dev {
                    field(out, "dev");
                    serde_json::to_writer(&mut *out, dev)?;
                }
                field(out, "status");
                serde_json::to_writer(&mut *out, &error.status)?;
            }
            Said::StaleBuild => {
                field(out, "staleBuild");
                out.extend_from_slice(b"true");
            }
        }
        if first {
            out.push(b'{');
        }
        out.push(b'}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{DevError, PayloadBody, PropsPayload};

    fn written(payload: &Payload<'_>) -> String {
        let mut out = Vec::new();
        payload.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn answer(said: Said<'_>) -> Payload<'_> {
        Payload {
            build: None,
            url: None,
            layout: None,
            layouts: &[],
            reuse: &[],
            said,
        }
    }

    /// The hand-written JSON is exactly what `serde` writes for the same
    /// `PropsPayload`, field order included, so the browser's decoding and
    /// every test that compares an answer's text agree with it.
    #[test]
    fn writes_what_the_protocol_type_serialises_to() {
        let props = serde_json::json!({"n": 1, "s": "<b>"});
        let layout = r#"{"user":"ada"}"#;
        let tags = vec!["posts".to_owned(), "post:1".to_owned()];
        let dev = DevError {
            message: "boom".into(),
            location: Some("src/a.rs:1:2".into()),
            page: Some("/a".into()),
            request: "GET /a".into(),
        };
        let error = PageError::new(503)
            .with_detail(Some("boom".into()))
            .with_dev(Some(dev.clone()));
        let redirect = Redirect::temporary("/login?next=/a");
        let plain = PageError::new(500);
        let raw = |s: &str| serde_json::value::RawValue::from_string(s.to_owned()).unwrap();
        let expect = |build: Option<&str>, url: Option<&str>, layout: Option<&str>, body| {
            let mut payload = PropsPayload::new(body);
            payload.build = build.map(str::to_owned);
            payload.url = url.map(str::to_owned);
            payload.layout = layout.map(raw);
            payload
        };
        let nested = [
            ("/teams/:team", r#"{"team":"red"}"#.to_owned()),
            ("/teams/:team/admin", "true".to_owned()),
        ];
        let kept = [(
            "/teams/:team",
            crate::protocol::Reuse {
                token: "1060.c2ln".to_owned(),
                instance: "/teams/red".to_owned(),
                max_age: 60,
                tags: vec!["teams".to_owned()],
            },
        )];
        let with_nested = |mut payload: PropsPayload| {
            for (prefix, json) in &nested {
                payload.layouts.insert((*prefix).to_owned(), raw(json));
            }
            for (prefix, reuse) in &kept {
                payload.reuse.insert((*prefix).to_owned(), reuse.clone());
            }
            payload
        };
        let cases: Vec<(Payload<'_>, PropsPayload)> = vec![
            (
                Payload {
                    build: Some("b1"),
                    url: Some("/a?x=1"),
                    layout: Some(layout),
                    layouts: &[],
                    reuse: &[],
                    said: Said::Props {
                        props: &props,
                        cache_control: Some("public, max-age=60"),
                        tags: &tags,
                        action_data: Some(r#"{"error":"Too long."}"#),
                    },
                },
                expect(
                    Some("b1"),
                    Some("/a?x=1"),
                    Some(layout),
                    PayloadBody::Props {
                        props: raw(&props.to_string()),
                        cache_control: Some("public, max-age=60".into()),
                        tags: tags.clone(),
                        action_data: Some(raw(r#"{"error":"Too long."}"#)),
                    },
                ),
            ),
            (
                answer(Said::Props {
                    props: &(),
                    cache_control: None,
                    tags: &[],
                    action_data: None,
                }),
                expect(
                    None,
                    None,
                    None,
                    PayloadBody::Props {
                        props: raw("null"),
                        cache_control: None,
                        tags: Vec::new(),
                        action_data: None,
                    },
                ),
            ),
            (
                Payload {
                    build: Some("b1"),
                    url: Some("/"),
                    layout: None,
                    layouts: &[],
                    reuse: &[],
                    said: Said::Nothing,
                },
                expect(Some("b1"), Some("/"), None, PayloadBody::Nothing),
            ),
            (
                Payload {
                    layout: Some(layout),
                    url: Some("/gone"),
                    ..answer(Said::NotFound)
                },
                expect(None, Some("/gone"), Some(layout), PayloadBody::NotFound),
            ),
            (
                Payload {
                    layout: Some(layout),
                    layouts: &nested,
                    reuse: &kept,
                    ..answer(Said::NotFound)
                },
                with_nested(expect(None, None, Some(layout), PayloadBody::NotFound)),
            ),
            (
                answer(Said::Redirect(&redirect)),
                expect(None, None, None, PayloadBody::Redirect(redirect.clone())),
            ),
            (
                Payload {
                    build: Some("b1"),
                    url: Some("/a"),
                    layout: Some(layout),
                    layouts: &[],
                    reuse: &[],
                    said: Said::Error(&error),
                },
                expect(
                    Some("b1"),
                    Some("/a"),
                    Some(layout),
                    PayloadBody::Error {
                        status: 503,
                        error: "Service Unavailable".into(),
                        detail: Some("boom".into()),
                        dev: Some(dev),
                    },
                ),
            ),
            (
                answer(Said::Error(&plain)),
                expect(
                    None,
                    None,
                    None,
                    PayloadBody::Error {
                        status: 500,
                        error: "Internal Server Error".into(),
                        detail: None,
                        dev: None,
                    },
                ),
            ),
            (
                answer(Said::StaleBuild),
                expect(None, None, None, PayloadBody::StaleBuild),
            ),
        ];
        for (payload, expected) in cases {
            let text = written(&payload);
            assert_eq!(text, serde_json::to_string(&expected).unwrap());
            // And the browser reads back what was meant (`"props":null`,
            // a page without a loader, as no props at all).
            let read: PropsPayload = serde_json::from_str(&text).unwrap();
            let again = serde_json::to_string(&read).unwrap();
            assert_eq!(
                again,
                text.replace(r#""props":null"#, "").replace("{,", "{")
            );
        }
    }

    /// A page whose props are `()` (`"props":null`, which reads as no
    /// field) still carries its action data to the browser.
    #[test]
    fn action_data_beside_no_props_reads_back() {
        let payload = answer(Said::Props {
            props: &(),
            cache_control: None,
            tags: &[],
            action_data: Some(r#"{"error":"Name is required."}"#),
        });
        let text = written(&payload);
        assert_eq!(
            text,
            r#"{"props":null,"actionData":{"error":"Name is required."}}"#
        );
        // The data of `Invalid(())` is `null`, and still there.
        let unit = written(&answer(Said::Props {
            props: &(),
            cache_control: None,
            tags: &[],
            action_data: Some("null"),
        }));
        assert_eq!(unit, r#"{"props":null,"actionData":null}"#);
        let read: PropsPayload = serde_json::from_str(&unit).unwrap();
        assert!(matches!(
            read.body,
            PayloadBody::Props { action_data: Some(ref d), .. } if d.get() == "null"
        ));
        assert_eq!(serde_json::to_string(&read).unwrap(), unit);
        let read: PropsPayload = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), text);
        match read.body {
            PayloadBody::Props {
                props, action_data, ..
            } => {
                assert_eq!(props.get(), "null");
                assert_eq!(
                    action_data.unwrap().get(),
                    r#"{"error":"Name is required."}"#
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_empty_payload_is_an_empty_object() {
        let payload = Payload {
            build: None,
            url: None,
            layout: None,
            layouts: &[],
            reuse: &[],
            said: Said::Nothing,
        };
        assert_eq!(written(&payload), "{}");
    }
}

//! The nested layouts' data the browser keeps across navigations, and the
//! rules that say when a props request may leave a layout out.
//!
//! An answer hands the browser a token for each nested layout whose
//! `Cache-Control` lets it keep the data (`"reuse"`, see
//! [`Reuse`](crate::protocol::Reuse)). While a page URL stays under that
//! layout's part of the path, with the same query, and the time its
//! `max-age` gave has not run out, the browser sends the token with its
//! props request; the server then skips the layout's loader (after checking
//! the token: same visitor, same credentials) and its answer omits the
//! data, which the browser puts back from here before anything renders or
//! keeps the answer. A write that invalidates one of the layout's tags, a
//! session change and a stale build drop it. The server, never this, is
//! what lets a request past a guard.
//!
//! Shared by both builds so it is tested natively; the browser state holds
//! one and gives it the time.

use crate::page_url::PageUrl;
use crate::protocol::PropsPayload;
use serde_json::value::RawValue;
use std::sync::Arc;

/// One layout's data as the browser last received it, with what lets it
/// be reused.
#[derive(Clone, Debug)]
struct Kept {
    /// The layout's prefix (`/teams/:team`), as answers name it.
    prefix: String,
    json: Arc<str>,
    /// The part of the path it was loaded for (`/teams/red`).
    instance: String,
    /// The query it was loaded with.
    query: String,
    token: String,
    /// Until when (milliseconds since the epoch) it may be reused.
    until: f64,
    tags: Vec<String>,
}

impl Kept {
    /// Whether a props request for `url` may leave it out at `now`.
    fn serves(&self, url: &PageUrl, now: f64) -> bool {
        now < self.until
            && url.query().unwrap_or_default() == self.query
            && under(url.path(), &self.instance)
    }
}

/// Whether `path` is `instance` or below it, segment by segment.
fn under(path: &str, instance: &str) -> bool {
    instance == "/"
        || path
            .strip_prefix(instance)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The layouts whose data the browser keeps (a few: one per nested layout
/// of the pages visited).
#[derive(Debug, Default)]
pub(crate) struct KeptLayouts {
    kept: Vec<Kept>,
}

impl KeptLayouts {
    /// Notes what an answer for `url` says of its nested layouts, as the
    /// server sent it: each layout's data, kept when the answer lets it be
    /// reused (else whatever was kept for that layout goes).
    pub(crate) fn note(&mut self, payload: &PropsPayload, url: &PageUrl, now: f64) {
        for (prefix, json) in &payload.layouts {
            self.kept.retain(|k| k.prefix != *prefix);
            let Some(reuse) = payload.reuse.get(prefix) else {
                continue;
            };
            #[allow(clippy::cast_precision_loss)]
            let until = (reuse.max_age as f64).mul_add(1000.0, now);
            self.kept.push(Kept {
                prefix: prefix.clone(),
                json: Arc::from(json.get()),
                instance: reuse.instance.clone(),
                query: url.query().unwrap_or_default().to_owned(),
                token: reuse.token.clone(),
                until,
                tags: reuse.tags.clone(),
            });
        }
    }

    /// What a props request for `url` may leave out at `now`: the layouts'
    /// prefixes and their tokens, in a fixed order (so the same state makes
    /// the same props URL).
    pub(crate) fn to_leave_out(&self, url: &PageUrl, now: f64) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .kept
            .iter()
            .filter(|k| k.serves(url, now))
            .map(|k| (k.prefix.clone(), k.token.clone()))
            .collect();
        out.sort();
        out
    }

    /// Puts back into an answer the data of the layouts it was asked to
    /// leave out (`left_out`, their prefixes), where it has none. `false`
    /// when one of them is no longer kept (a write dropped it meanwhile):
    /// the answer cannot be shown as it is.
    pub(crate) fn fill(&self, payload: &mut PropsPayload, left_out: &[String]) -> bool {
        for prefix in left_out {
            if payload.layouts.contains_key(prefix) {
                continue;
            }
            let Some(kept) = self.kept.iter().find(|k| k.prefix == *prefix) else {
                return false;
            };
            let Ok(json) = RawValue::from_string(kept.json.to_string()) else {
                return false;
            };
            payload.layouts.insert(prefix.clone(), json);
        }
        true
    }

    /// Drops the layouts whose data carries one of `tags`.
    pub(crate) fn invalidate<'a>(&mut self, tags: impl IntoIterator<Item = &'a str>) {
        let tags: Vec<&str> = tags.into_iter().collect();
        self.kept
            .retain(|k| !k.tags.iter().any(|t| tags.contains(&t.as_str())));
    }

    /// Drops everything (the session changed, another build serves).
    pub(crate) fn clear(&mut self) {
        self.kept.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{PayloadBody, Reuse};

    fn answer(prefix: &str, json: &str, reuse: Option<(&str, &str, u64, &[&str])>) -> PropsPayload {
        let mut payload = PropsPayload::new(PayloadBody::Nothing);
        payload.layouts.insert(
            prefix.to_owned(),
            RawValue::from_string(json.to_owned()).unwrap(),
        );
        if let Some((token, instance, max_age, tags)) = reuse {
            payload.reuse.insert(
                prefix.to_owned(),
                serde_json::from_value::<Reuse>(serde_json::json!({
                    "token": token, "instance": instance, "maxAge": max_age, "tags": tags,
                }))
                .unwrap(),
            );
        }
        payload
    }

    fn url(s: &str) -> PageUrl {
        PageUrl::parse(s)
    }

    #[test]
    fn a_layout_is_left_out_under_its_instance_with_the_same_query_until_its_time() {
        let mut kept = KeptLayouts::default();
        let teams = answer(
            "/teams/:team",
            r#"{"team":"red"}"#,
            Some(("t1", "/teams/red", 60, &[])),
        );
        kept.note(&teams, &url("/teams/red/members/ada"), 1_000.0);
        let out = |kept: &KeptLayouts, u: &str, now: f64| {
            kept.to_leave_out(&url(u), now)
                .into_iter()
                .map(|(_, token)| token)
                .collect::<Vec<_>>()
        };
        assert_eq!(out(&kept, "/teams/red/members/bob", 2_000.0), ["t1"]);
        assert_eq!(out(&kept, "/teams/red", 2_000.0), ["t1"]);
        assert!(out(&kept, "/teams/redder/x", 2_000.0).is_empty());
        assert!(out(&kept, "/teams/blue/members/ada", 2_000.0).is_empty());
        assert!(out(&kept, "/teams/red/members/bob?x=1", 2_000.0).is_empty());
        assert!(out(&kept, "/teams/red/members/bob", 61_000.0).is_empty());
        // An answer that carries the layout's data without a token: not kept.
        kept.note(
            &answer("/teams/:team", "{}", None),
            &url("/teams/red"),
            3_000.0,
        );
        assert!(out(&kept, "/teams/red/members/bob", 4_000.0).is_empty());
    }

    #[test]
    fn a_left_out_layout_is_put_back_and_a_dropped_one_cannot_be() {
        let mut kept = KeptLayouts::default();
        let teams = answer(
            "/teams/:team",
            r#"{"team":"red"}"#,
            Some(("t1", "/teams/red", 60, &["teams"])),
        );
        kept.note(&teams, &url("/teams/red"), 0.0);
        let left_out = vec!["/teams/:team".to_owned()];
        let mut sibling = PropsPayload::new(PayloadBody::Nothing);
        assert!(kept.fill(&mut sibling, &left_out));
        assert_eq!(sibling.layouts["/teams/:team"].get(), r#"{"team":"red"}"#);
        // An answer that ran the layout after all keeps its own data.
        let mut ran = answer("/teams/:team", r#"{"team":"new"}"#, None);
        assert!(kept.fill(&mut ran, &left_out));
        assert_eq!(ran.layouts["/teams/:team"].get(), r#"{"team":"new"}"#);
        // A write that changed the layout's data drops it.
        kept.invalidate(["other"]);
        assert!(!kept.to_leave_out(&url("/teams/red"), 1.0).is_empty());
        kept.invalidate(["teams"]);
        assert!(kept.to_leave_out(&url("/teams/red"), 1.0).is_empty());
        let mut late = PropsPayload::new(PayloadBody::Nothing);
        assert!(!kept.fill(&mut late, &left_out));
        kept.note(&teams, &url("/teams/red"), 0.0);
        kept.clear();
        assert!(kept.to_leave_out(&url("/teams/red"), 1.0).is_empty());
    }
}

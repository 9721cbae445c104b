//! What the cache keeps under a key, and its encoding for stores that keep
//! bytes (Redis).

use super::{clock::Millis, error::StorageError};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use std::{sync::Arc, time::Duration};

/// How long a "pass" mark keeps requests for an uncacheable URL from being
/// collapsed into one (Varnish calls this hit-for-miss).
pub(super) const PASS_FOR: Duration = Duration::from_secs(30);

/// A response kept whole.
#[derive(Debug)]
pub(super) struct Stored {
    pub(super) status: StatusCode,
    /// The response's headers without `Age`.
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    /// When it was stored, by the cache's clock.
    pub(super) stored_at: Millis,
    /// The `Age` the response arrived with.
    pub(super) initial_age: Duration,
    pub(super) fresh_for: Duration,
    pub(super) stale_for: Duration,
    /// The request headers it was chosen by, lower-case.
    pub(super) vary: Arc<[HeaderName]>,
    /// The tags its loader gave it (`x-server-props-tags`).
    pub(super) tags: Arc<[Box<str>]>,
    /// The tick of the store's tag clock when its request was sent.
    pub(super) fetched_at: u64,
}

impl Stored {
    pub(super) fn age(&self, now: Millis) -> Duration {
        self.initial_age + Duration::from_millis(now.saturating_sub(self.stored_at))
    }

    /// Whether `other` is this very response (read again from a store
    /// that hands out copies).
    pub(super) fn is(&self, other: &Stored) -> bool {
        self.stored_at == other.stored_at
            && self.fetched_at == other.fetched_at
            && self.body == other.body
    }
}

/// One slot of the cache.
#[derive(Clone, Debug)]
pub(super) enum Slot {
    Response(Arc<Stored>),
    /// Responses for this URL vary by these request headers.
    Vary(Arc<[HeaderName]>, Duration),
    /// The last response for this URL could not be kept.
    Pass,
}

/// What the shared cache keeps under one key: a response, the list of
/// request headers a URL's responses vary by, or a mark that the URL's
/// responses cannot be kept. Opaque; a [`CacheStorage`](super::CacheStorage)
/// keeps it as it is or as [`to_bytes`](Self::to_bytes).
#[derive(Clone, Debug)]
pub struct CacheEntry(pub(super) Slot);

const VERSION: u8 = 1;

impl CacheEntry {
    /// How long a store keeps the entry at most: past this, nothing may be
    /// served from it.
    pub fn lifetime(&self) -> Duration {
        match &self.0 {
            Slot::Response(s) => (s.fresh_for + s.stale_for).saturating_sub(s.initial_age),
            Slot::Vary(_, lifetime) => *lifetime,
            Slot::Pass => PASS_FOR,
        }
    }

    /// The invalidation tags of a kept response (none for the other kinds).
    pub fn tags(&self) -> &[Box<str>] {
        match &self.0 {
            Slot::Response(s) => &s.tags,
            _ => &[],
        }
    }

    /// The tick of the store's tag clock when the response's request was
    /// sent (`0` for the other kinds): a store keeps and serves it only
    /// while none of its [`tags`](Self::tags) changed after that tick.
    pub fn fetched_at(&self) -> u64 {
        match &self.0 {
            Slot::Response(s) => s.fetched_at,
            _ => 0,
        }
    }

    /// Approximate bytes held under `key`, for a store's size bound.
    pub fn weight(&self, key: &str) -> u32 {
        let value = match &self.0 {
            Slot::Response(s) => {
                s.body.len()
                    + s.headers
                        .iter()
                        .map(|(n, v)| n.as_str().len() + v.len() + 32)
                        .sum::<usize>()
                    + s.tags.iter().map(|t| t.len() + 16).sum::<usize>()
                    + 160
            }
            Slot::Vary(names, _) => names.len() * 32 + 32,
            Slot::Pass => 16,
        };
        u32::try_from(key.len() + value).unwrap_or(u32::MAX)
    }

    /// The entry as bytes, for a store that keeps bytes; read back with
    /// [`from_bytes`](Self::from_bytes).
    ///
    /// ```
    /// # use server_props::cache::CacheEntry;
    /// let pass = CacheEntry::pass();
    /// let again = CacheEntry::from_bytes(&pass.to_bytes()).unwrap();
    /// assert_eq!(again.lifetime(), pass.lifetime());
    /// assert!(CacheEntry::from_bytes(b"\x07garbage").is_err());
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer(Vec::with_capacity(match &self.0 {
            Slot::Response(s) => s.body.len() + 64 + s.headers.len() * 48,
            _ => 64,
        }));
        out.u8(VERSION);
        match &self.0 {
            Slot::Pass => out.u8(0),
            Slot::Vary(names, lifetime) => {
                out.u8(1);
                out.u64(super::clock::as_millis(*lifetime));
                out.names(names);
            }
            Slot::Response(s) => {
                out.u8(2);
                out.u64(u64::from(s.status.as_u16()));
                out.u64(s.stored_at);
                out.u64(super::clock::as_millis(s.initial_age));
                out.u64(super::clock::as_millis(s.fresh_for));
                out.u64(super::clock::as_millis(s.stale_for));
                out.u64(s.fetched_at);
                out.names(&s.vary);
                out.u64(s.tags.len() as u64);
                for tag in s.tags.iter() {
                    out.bytes(tag.as_bytes());
                }
                out.u64(s.headers.len() as u64);
                for (name, value) in &s.headers {
                    out.bytes(name.as_str().as_bytes());
                    out.bytes(value.as_bytes());
                }
                out.0.extend_from_slice(&s.body);
            }
        }
        out.0
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote.
    ///
    /// # Errors
    /// [`StorageError::Corrupt`] for bytes it did not write (another
    /// version of the kit, a truncated value).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StorageError> {
        Reader(bytes)
            .entry()
            .ok_or(StorageError::Corrupt)
            .map(CacheEntry)
    }

    /// A mark that the URL's responses cannot be kept.
    pub fn pass() -> Self {
        Self(Slot::Pass)
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn names(&mut self, names: &[HeaderName]) {
        self.u64(names.len() as u64);
        for name in names {
            self.bytes(name.as_str().as_bytes());
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("eight bytes")))
    }
    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }
    fn names(&mut self) -> Option<Arc<[HeaderName]>> {
        let n = self.len()?;
        (0..n)
            .map(|_| HeaderName::from_bytes(self.bytes()?).ok())
            .collect()
    }
    fn entry(mut self) -> Option<Slot> {
        if self.u8()? != VERSION {
            return None;
        }
        let slot = match self.u8()? {
            0 => Slot::Pass,
            1 => {
                let lifetime = Duration::from_millis(self.u64()?);
                Slot::Vary(self.names()?, lifetime)
            }
            2 => {
                let status = StatusCode::from_u16(u16::try_from(self.u64()?).ok()?).ok()?;
                let stored_at = self.u64()?;
                let initial_age = Duration::from_millis(self.u64()?);
                let fresh_for = Duration::from_millis(self.u64()?);
                let stale_for = Duration::from_millis(self.u64()?);
                let fetched_at = self.u64()?;
                let vary = self.names()?;
                let n = self.len()?;
                let tags = (0..n)
                    .map(|_| Some(Box::from(std::str::from_utf8(self.bytes()?).ok()?)))
                    .collect::<Option<Arc<[Box<str>]>>>()?;
                let n = self.len()?;
                let mut headers = HeaderMap::with_capacity(n.min(256));
                for _ in 0..n {
                    let name = HeaderName::from_bytes(self.bytes()?).ok()?;
                    let value = HeaderValue::from_bytes(self.bytes()?).ok()?;
                    headers.append(name, value);
                }
                Slot::Response(Arc::new(Stored {
                    status,
                    headers,
                    body: Bytes::copy_from_slice(self.0),
                    stored_at,
                    initial_age,
                    fresh_for,
                    stale_for,
                    vary,
                    tags,
                    fetched_at,
                }))
            }
            _ => return None,
        };
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_survives_its_encoding() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cache-control",
            HeaderValue::from_static("public, s-maxage=10"),
        );
        headers.append("set-thing", HeaderValue::from_static("a"));
        headers.append("set-thing", HeaderValue::from_bytes(b"b\xff").unwrap());
        let stored = Stored {
            status: StatusCode::NOT_FOUND,
            headers,
            body: Bytes::from_static(b"<p>body</p>\0\x01"),
            stored_at: 1_700_000_000_123,
            initial_age: Duration::from_secs(3),
            fresh_for: Duration::from_secs(10),
            stale_for: Duration::from_secs(59),
            vary: vec![http::header::ACCEPT_ENCODING, http::header::COOKIE].into(),
            tags: vec!["notes".into(), "note:1".into()].into(),
            fetched_at: 42,
        };
        let entry = CacheEntry(Slot::Response(Arc::new(stored)));
        let bytes = entry.to_bytes();
        let CacheEntry(Slot::Response(back)) = CacheEntry::from_bytes(&bytes).unwrap() else {
            panic!("not a response");
        };
        let Slot::Response(orig) = &entry.0 else {
            unreachable!()
        };
        assert_eq!(back.status, orig.status);
        assert_eq!(back.headers, orig.headers);
        assert_eq!(back.body, orig.body);
        assert!(back.is(orig));
        assert_eq!(
            (back.initial_age, back.fresh_for, back.stale_for),
            (orig.initial_age, orig.fresh_for, orig.stale_for)
        );
        assert_eq!((&*back.vary, &*back.tags), (&*orig.vary, &*orig.tags));
        // Every truncation is refused, never misread.
        for n in 0..bytes.len() - orig.body.len() {
            assert!(CacheEntry::from_bytes(&bytes[..n]).is_err(), "{n} bytes");
        }
        let vary = CacheEntry(Slot::Vary(
            vec![http::header::ACCEPT].into(),
            Duration::from_secs(5),
        ));
        let CacheEntry(Slot::Vary(names, lifetime)) =
            CacheEntry::from_bytes(&vary.to_bytes()).unwrap()
        else {
            panic!("not a vary slot");
        };
        assert_eq!(
            (&*names, lifetime),
            (&[http::header::ACCEPT][..], Duration::from_secs(5))
        );
    }
}

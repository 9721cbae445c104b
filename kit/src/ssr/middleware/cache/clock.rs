//! The time the cache judges ages by.
//!
//! Entries carry the wall-clock time they were stored at, because a shared
//! store (Redis) hands an entry stored by one instance to another: a
//! process-local `Instant` would mean nothing there. The default clock is
//! the system's, read through tokio's clock so a test that pauses tokio's
//! time ages entries with it; [`CacheClock::manual`] stands still until a
//! test moves it, whatever store is behind the cache.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// Milliseconds since the Unix epoch.
pub(super) type Millis = u64;

/// Where the cache reads the time.
///
/// ```
/// # use server_props::cache::CacheClock;
/// # use std::time::Duration;
/// let clock = CacheClock::manual();
/// let before = clock.now_ms();
/// clock.advance(Duration::from_secs(11));
/// assert_eq!(clock.now_ms() - before, 11_000);
/// ```
#[derive(Clone, Debug)]
pub struct CacheClock(Source);

#[derive(Clone, Debug)]
enum Source {
    /// The system time when the clock was made, moved on by tokio's clock.
    System {
        epoch_ms: Millis,
        start: tokio::time::Instant,
    },
    /// A time that moves only when told to.
    Manual(Arc<AtomicU64>),
}

impl Default for CacheClock {
    fn default() -> Self {
        Self::system()
    }
}

impl CacheClock {
    /// The system's time (the default).
    pub fn system() -> Self {
        Self(Source::System {
            epoch_ms: system_ms(),
            start: tokio::time::Instant::now(),
        })
    }

    /// A clock that starts at the system's time and stands still until
    /// [`advance`](Self::advance)d: for tests that age entries without
    /// waiting, whichever store keeps them.
    pub fn manual() -> Self {
        Self(Source::Manual(Arc::new(AtomicU64::new(system_ms()))))
    }

    /// Moves a manual clock on by `by`; does nothing to the system clock.
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(now) = &self.0 {
            now.fetch_add(as_millis(by), Ordering::SeqCst);
        }
    }

    /// Now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> u64 {
        match &self.0 {
            Source::System { epoch_ms, start } => {
                epoch_ms.saturating_add(as_millis(start.elapsed()))
            }
            Source::Manual(now) => now.load(Ordering::SeqCst),
        }
    }
}

fn system_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, as_millis)
}

/// A duration in whole milliseconds, saturating.
pub(super) fn as_millis(d: Duration) -> Millis {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

//! Locks that survive a panic elsewhere.
//!
//! The kit's mutexes guard plain data (a cookie jar, a response head, the
//! cache's maps) whose every update is complete before the guard drops, so
//! a panic in another request (caught and answered as a 500) never leaves
//! them half-written: a poisoned lock is taken as it is rather than
//! failing every request after it. One function, so the rule is written
//! once.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, taking it as it is if a panic poisoned it.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

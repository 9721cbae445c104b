//! Development mode's error detail: what the overlay shows, and where a
//! panic happened.
//!
//! A panic's payload holds its message only; its location reaches the panic
//! hook alone. In development mode the kit adds a hook (once per process,
//! calling the one that was there before, so the usual message still goes
//! to stderr) that keeps the location in a thread-local, which the code that
//! caught the panic then takes: `catch_unwind` runs on the thread that
//! panicked, right after the hook. Release builds never install it.

use std::{cell::RefCell, sync::Once};

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the location-keeping panic hook (idempotent).
pub(crate) fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(ToString::to_string);
            LAST_PANIC.with(|last| *last.borrow_mut() = location);
            previous(info);
        }));
    });
}

/// The location of this thread's last panic, if the hook saw one; taken, so
/// a later error does not pick up an old panic's.
pub(crate) fn take_panic_location() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow_mut().take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hook_keeps_the_panics_location_for_the_thread_that_caught_it() {
        install_panic_hook();
        let line = line!() + 1;
        let caught = std::panic::catch_unwind(|| panic!("boom"));
        assert!(caught.is_err());
        let location = take_panic_location().expect("the hook saw the panic");
        assert_eq!(location, format!("{}:{line}:50", file!()));
        assert_eq!(take_panic_location(), None, "taken once");
    }
}

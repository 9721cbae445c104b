//! Development mode's error detail: what the overlay shows, and where a
//! panic happened.
//!
//! A panic's payload holds its message only; its location reaches the panic
//! hook alone. In development mode the kit adds a hook (once per process,
//! calling the one that was there before, so the usual message still goes
//! to stderr) that keeps the location in a thread-local, which the code that
//! caught the panic then takes: `catch_unwind` runs on the thread that
//! panicked, right after the hook. The slot keeps the panic's message too,
//! and a location is taken only for the same message: a panic re-raised
//! with `resume_unwind` (a joined task's) skips the hook, and must not pick
//! up an older panic's location. The hook is installed only in development
//! mode (`ServerPropsBuilder::dev_errors`), for the whole process.

use std::{any::Any, cell::RefCell, sync::Once};

thread_local! {
    /// The last panic on this thread: its message and location.
    static LAST_PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Installs the location-keeping panic hook (idempotent).
pub(crate) fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let last = info.location().map(|location| {
                let message = panic_message(info.payload());
                (message.to_owned(), location.to_string())
            });
            LAST_PANIC.with(|slot| *slot.borrow_mut() = last);
            previous(info);
        }));
    });
}

/// The location of this thread's last panic, if the hook saw one with this
/// `message`; taken, so a later error does not pick up an old panic's.
pub(crate) fn take_panic_location(message: &str) -> Option<String> {
    LAST_PANIC.with(|slot| {
        let (seen, location) = slot.borrow_mut().take()?;
        (seen == message).then_some(location)
    })
}

pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
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
        let location = take_panic_location("boom").expect("the hook saw the panic");
        assert_eq!(location, format!("{}:{line}:50", file!()));
        assert_eq!(take_panic_location("boom"), None, "taken once");
    }

    #[test]
    fn another_panics_location_is_never_taken() {
        install_panic_hook();
        let _ = std::panic::catch_unwind(|| panic!("first"));
        // A panic re-raised without the hook (as a joined task's is).
        let _ = std::panic::catch_unwind(|| std::panic::resume_unwind(Box::new("second")));
        assert_eq!(take_panic_location("second"), None);
    }
}

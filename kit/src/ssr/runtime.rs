//! The seam between the request pipeline and an async runtime.
//!
//! The pipeline (deciding, loaders, actions, rendering) is plain futures
//! over axum's types: it needs a runtime for two things only, a timer for
//! the loader timeout and an executor for Leptos's spawner. Both reach it
//! through [`Runtime`], so the same pipeline runs in a tokio server, in an
//! AWS Lambda function (tokio as well) or in a wasm edge runtime whose
//! timers and tasks are the host's. The accept loop is not part of it: it
//! belongs to whoever serves the router (`server_props::serve`, a Lambda
//! adapter, a worker's fetch handler).
//!
//! With the `tokio` feature (on with `server`), [`TokioRuntime`] is the
//! default. Without it the default is [`NoTimer`]: the loader timeout is
//! not enforced (the host's own request limit still is) and Leptos's
//! executor is the `futures` one; an app on another runtime gives its own
//! with [`ServerPropsBuilder::runtime`](crate::ServerPropsBuilder::runtime).

use futures::future::BoxFuture;
use std::{fmt, time::Duration};

/// What the pipeline needs from an async runtime.
///
/// ```
/// use futures::future::BoxFuture;
/// use server_props::runtime::Runtime;
/// use std::time::Duration;
///
/// /// A runtime whose timer never fires: loaders run as long as they like.
/// #[derive(Debug)]
/// struct Patient;
///
/// impl Runtime for Patient {
///     fn sleep(&self, _: Duration) -> Option<BoxFuture<'static, ()>> {
///         None
///     }
///     fn init_executor(&self) {}
/// }
/// # let _ = Patient.sleep(Duration::ZERO);
/// ```
pub trait Runtime: fmt::Debug + Send + Sync + 'static {
    /// A future that completes after `duration`, for the loader timeout;
    /// `None` when this runtime has no timer (then loaders are not timed).
    fn sleep(&self, duration: Duration) -> Option<BoxFuture<'static, ()>>;

    /// Makes this runtime Leptos's executor (`any_spawner`), which drives
    /// leptos_meta and resources during a render. Called once per
    /// [`ServerProps`](crate::ServerProps) built; must be idempotent.
    fn init_executor(&self);
}

/// The tokio runtime: `tokio::time::sleep` for the loader timeout and
/// tokio as Leptos's executor. The default with the `tokio` feature.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioRuntime;

#[cfg(feature = "tokio")]
impl Runtime for TokioRuntime {
    fn sleep(&self, duration: Duration) -> Option<BoxFuture<'static, ()>> {
        // Outside tokio's cooperative budget, as `tokio::time::timeout`
        // polls its timer: a loader that spends the task's budget on every
        // poll would otherwise keep a budgeted timer from ever firing.
        Some(Box::pin(tokio::task::coop::unconstrained(
            tokio::time::sleep(duration),
        )))
    }

    fn init_executor(&self) {
        // Idempotent: a second init is refused, the first stays.
        let _ = any_spawner::Executor::init_tokio();
    }
}

/// A runtime without a timer: loaders are not timed, and Leptos's
/// executor is the `futures` crate's. The default without the `tokio`
/// feature.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTimer;

impl Runtime for NoTimer {
    fn sleep(&self, _: Duration) -> Option<BoxFuture<'static, ()>> {
        None
    }

    fn init_executor(&self) {
        let _ = any_spawner::Executor::init_futures_executor();
    }
}

/// The runtime a `ServerProps` runs on. Tokio, the default, is called
/// directly: its timeout is `tokio::time::timeout` around the loader, as
/// it was before the seam, with no boxed timer per loader run (measured:
/// the boxed timer cost about 1k instructions a document). Any other
/// runtime goes through the trait.
#[derive(Clone, Debug)]
pub(crate) enum RuntimeHandle {
    /// [`TokioRuntime`].
    #[cfg(feature = "tokio")]
    Tokio,
    /// A runtime of the app's own, or [`NoTimer`].
    Other(std::sync::Arc<dyn Runtime>),
}

impl RuntimeHandle {
    /// The handle of `runtime`.
    pub(crate) fn new<R: Runtime>(runtime: R) -> Self {
        #[cfg(feature = "tokio")]
        if std::any::TypeId::of::<R>() == std::any::TypeId::of::<TokioRuntime>() {
            return Self::Tokio;
        }
        Self::Other(std::sync::Arc::new(runtime))
    }

    /// The runtime a builder uses when the app gives none: tokio with the
    /// `tokio` feature, else [`NoTimer`].
    pub(crate) fn default_runtime() -> Self {
        #[cfg(feature = "tokio")]
        return Self::Tokio;
        #[cfg(not(feature = "tokio"))]
        return Self::Other(std::sync::Arc::new(NoTimer));
    }

    /// Makes the runtime Leptos's executor.
    pub(crate) fn init_executor(&self) {
        match self {
            #[cfg(feature = "tokio")]
            Self::Tokio => TokioRuntime.init_executor(),
            Self::Other(runtime) => runtime.init_executor(),
        }
    }

    /// Whether the runtime can time a loader.
    pub(crate) fn has_timer(&self) -> bool {
        match self {
            #[cfg(feature = "tokio")]
            Self::Tokio => true,
            Self::Other(runtime) => runtime.sleep(Duration::ZERO).is_some(),
        }
    }

    /// Runs `future` within `timeout`: `Err(())` when the timer fired
    /// first (the future is dropped), the future's output otherwise.
    pub(crate) async fn within<T>(
        &self,
        timeout: Duration,
        future: BoxFuture<'static, T>,
    ) -> Result<T, ()> {
        match self {
            #[cfg(feature = "tokio")]
            Self::Tokio => tokio::time::timeout(timeout, future).await.map_err(|_| ()),
            Self::Other(runtime) => within(&**runtime, timeout, future).await,
        }
    }
}

/// Runs `future` within `timeout` on `runtime`'s timer: `Err(())` when
/// the timer fired first (the future is dropped), the future's output
/// otherwise, and always the output when the runtime has no timer.
pub(crate) async fn within<T>(
    runtime: &dyn Runtime,
    timeout: Duration,
    future: BoxFuture<'static, T>,
) -> Result<T, ()> {
    let Some(timer) = runtime.sleep(timeout) else {
        return Ok(future.await);
    };
    match futures::future::select(future, timer).await {
        futures::future::Either::Left((done, _)) => Ok(done),
        futures::future::Either::Right(((), _)) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    /// A timer that has already fired.
    #[derive(Debug)]
    struct Expired;

    impl Runtime for Expired {
        fn sleep(&self, _: Duration) -> Option<BoxFuture<'static, ()>> {
            Some(Box::pin(std::future::ready(())))
        }
        fn init_executor(&self) {}
    }

    /// Counts its drops.
    struct DropGuard(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl Drop for DropGuard {
        fn drop(&mut self) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn a_fired_timer_drops_a_pending_future_and_a_ready_one_wins() {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let guard = DropGuard(drops.clone());
        let pending: BoxFuture<'static, u8> = Box::pin(async move {
            let _guard = guard;
            futures::future::pending::<u8>().await
        });
        assert_eq!(
            within(&Expired, Duration::ZERO, pending).now_or_never(),
            Some(Err(()))
        );
        let dropped = drops.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(dropped, 1, "the loader's future is dropped on time-out");
        let ready: BoxFuture<'static, u8> = Box::pin(std::future::ready(7));
        assert_eq!(
            within(&Expired, Duration::ZERO, ready).now_or_never(),
            Some(Ok(7))
        );
    }

    #[test]
    fn without_a_timer_the_future_runs_to_its_end() {
        let ready: BoxFuture<'static, u8> = Box::pin(async { 3 });
        assert_eq!(
            within(&NoTimer, Duration::ZERO, ready).now_or_never(),
            Some(Ok(3))
        );
        let pending: BoxFuture<'static, u8> = Box::pin(futures::future::pending());
        assert_eq!(
            within(&NoTimer, Duration::ZERO, pending).now_or_never(),
            None
        );
    }
}

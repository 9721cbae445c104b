//! Type-erased views that cost the browser bundle less: [`Erase::erase`].
//!
//! Leptos's `AnyView` keeps, for each type it erases, the functions that
//! build, update and hydrate it, and one more that hydrates it
//! *asynchronously*, for Leptos's lazy routes (`hydrate_lazy`). That one is
//! a second copy of the view's hydration, a future per element, and since
//! `AnyView` holds a pointer to it, the linker keeps it in the wasm whether
//! or not anything calls it. A kit app never does: the browser entry
//! hydrates with `hydrate_body`, which is synchronous.
//!
//! So every view the kit erases for the browser (each page, pending view,
//! 404 and error page, and the children of `<Form>` and `<Link>`) is first
//! wrapped in `SyncHydrate`, which
//! renders, builds, updates and hydrates exactly as the view it wraps, and
//! whose asynchronous hydration is Leptos's default: the synchronous one,
//! run in a future. The asynchronous copy of the view is never
//! instantiated. On the reference app the pages, pending views, 404 and
//! error pages took 12.7% off the wasm (brotli), and the children of
//! `<Form>` and `<Link>` 1.9% more with a smaller change to the page table
//! (`docs/performance.md`, "Erased views without their asynchronous
//! copy"). With the carried tachys's `sync-any-view` feature (decision 8,
//! which the reference app's browser crate asks for), no `AnyView` keeps
//! the copy, Leptos's own erasures included; `erase()` keeps the saving
//! for an app built against Leptos as released.

use std::future::Future;

use leptos::{
    prelude::{AnyView, IntoAny, IntoView},
    tachys::{
        html::attribute::{any_attribute::AnyAttribute, Attribute},
        hydration::Cursor,
        ssr::StreamBuilder,
        view::{add_attr::AddAnyAttr, Position, PositionState, Render, RenderHtml},
    },
};

/// Erases a view's type, as Leptos's `into_any()` does, without the
/// asynchronous hydration code `into_any()` keeps in the wasm for it.
///
/// Use it instead of `.into_any()` in the views of a kit app: branches of
/// different types, a component returning one of several views. The
/// result is the same `AnyView`, and it renders and hydrates the same.
/// Use it consistently: an `AnyView` updates in place only when the new
/// view has the type of the old one, and `x.erase()` and `x.into_any()`
/// are of different types, so switching between the two rebuilds the DOM.
///
/// The erased view hydrates synchronously even under Leptos's
/// `hydrate_lazy`, so it cannot hold Leptos's lazy routes (`#[lazy]`),
/// which only hydrate asynchronously. The kit hydrates with
/// `hydrate_body` and has none.
///
/// ```
/// use leptos::prelude::*;
/// use server_props::prelude::*;
///
/// fn greeting(name: Option<String>) -> AnyView {
///     match name {
///         Some(name) => view! { <p>"Hello, " {name}</p> }.erase(),
///         None => view! { <em>"Hello"</em> }.erase(),
///     }
/// }
/// # let _ = greeting(None);
/// ```
pub trait Erase {
    /// The view, type-erased.
    fn erase(self) -> AnyView;
}

impl<V: IntoView + 'static> Erase for V {
    fn erase(self) -> AnyView {
        SyncHydrate(self).into_any()
    }
}

/// A view that hydrates synchronously even when asked to hydrate
/// asynchronously; everything else is the wrapped view's.
#[derive(Debug, Clone)]
pub(crate) struct SyncHydrate<T>(pub(crate) T);

impl<T: Render> Render for SyncHydrate<T> {
    type State = T::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state);
    }
}

impl<T: AddAnyAttr> AddAnyAttr for SyncHydrate<T> {
    type Output<SomeNewAttr: Attribute> = SyncHydrate<T::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        SyncHydrate(self.0.add_any_attr(attr))
    }
}

impl<T: RenderHtml> RenderHtml for SyncHydrate<T> {
    // Resolving hands back the wrapped view's own output and future: a
    // future of our own around it would nest every erased view's type one
    // level deeper, which a deep shell pays for in rustc's recursion limit.
    type AsyncOutput = T::AsyncOutput;
    type Owned = SyncHydrate<T::Owned>;

    const MIN_LENGTH: usize = T::MIN_LENGTH;
    const EXISTS: bool = T::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve();
    }

    fn resolve(self) -> impl Future<Output = Self::AsyncOutput> + Send {
        self.0.resolve()
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs);
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        );
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    // `hydrate_async` is Leptos's default: `hydrate` run in a future.

    fn into_owned(self) -> Self::Owned {
        SyncHydrate(self.0.into_owned())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos::prelude::*;

    /// The erased view's HTML, with and without Leptos's `into_any()`.
    fn both<V: IntoView + Clone + 'static>(view: V) -> (String, String) {
        (view.clone().erase().to_html(), view.into_any().to_html())
    }

    #[test]
    fn renders_as_into_any_does() {
        let items = ["a".to_owned(), "<b>".to_owned()];
        let (erased, any) = both(view! {
            <ul class="list" data-n=2>
                {items.iter().map(|i| view! { <li>{i.clone()}</li> }).collect_view()}
            </ul>
        });
        assert_eq!(erased, any);
        assert!(erased.contains("<li>&lt;b&gt;</li>"), "{erased}");
    }

    #[test]
    fn an_empty_view_keeps_its_placeholder() {
        let (erased, any) = both(());
        assert_eq!(erased, any);
        let (erased, any) = both(None::<String>);
        assert_eq!(erased, any);
    }

    #[test]
    fn estimates_the_same_length() {
        // A string's estimate is its length, above its minimum (0): the
        // default estimate would not be.
        let text = "some text".to_owned();
        assert_eq!(SyncHydrate(text.clone()).html_len(), text.len());
    }

    #[test]
    fn spread_attributes_reach_the_element() {
        let html = SyncHydrate(view! { <p>"x"</p> })
            .add_any_attr(leptos::tachys::html::class::class("added"))
            .to_html();
        assert!(html.starts_with(r#"<p class="added">"#), "{html}");
    }

    /// The same, through what `AnyView` itself does with the erased view.
    fn both_as<V: IntoView + Clone + 'static>(
        view: V,
        html: impl Fn(AnyView) -> String,
    ) -> (String, String) {
        (html(view.clone().erase()), html(view.into_any()))
    }

    #[test]
    fn attributes_spread_on_the_erased_view_reach_its_element() {
        use leptos::tachys::html::class::class;
        let (erased, any) = both_as(view! { <p>"x"</p> }, |v| {
            v.add_any_attr(class("added")).to_html()
        });
        assert_eq!(erased, any);
        assert!(erased.starts_with(r#"<p class="added">"#), "{erased}");
    }

    #[test]
    fn branch_markers_are_written_as_into_any_writes_them() {
        // The markers name the erased type, which differs by design.
        fn without_type_ids(html: String) -> String {
            let mut out = String::new();
            let mut rest = html.as_str();
            while let Some(at) = rest.find("TypeId(") {
                out.push_str(&rest[..at]);
                rest = &rest[at..];
                rest = &rest[rest.find(')').map_or(rest.len(), |end| end + 1)..];
            }
            out + rest
        }
        let branching = |v: AnyView| without_type_ids(v.to_html_branching());
        // An inner branch is marked only if the erased view is told to.
        let inner = leptos::either::Either::<&str, u8>::Left("x");
        let (erased, any) = both_as(view! { <p>{inner}</p> }, branching);
        assert_eq!(erased, any);
        assert!(
            erased.contains("<p><!--bo-0-->x<!--bc-0--></p>"),
            "{erased}"
        );
        let (erased, any) = both_as((), branching);
        assert_eq!(erased, any);
    }

    #[test]
    fn streams_a_suspended_view_as_into_any_does() {
        use futures::StreamExt;
        use hydration_context::SsrSharedContext;
        use std::sync::Arc;
        // An executor that runs a spawned future's first poll at once, so
        // both streams see the `Suspend` resolved at the same point (a
        // thread pool raced the stream: the same view came out in order or
        // out of order from run to run).
        struct Inline;
        impl any_spawner::CustomExecutor for Inline {
            fn spawn(&self, future: any_spawner::PinnedFuture<()>) {
                let _ = futures::FutureExt::now_or_never(future);
            }
            fn spawn_local(&self, future: any_spawner::PinnedLocalFuture<()>) {
                let _ = futures::FutureExt::now_or_never(future);
            }
            fn poll_local(&self) {}
        }
        let _ = any_spawner::Executor::init_custom_executor(Inline);
        fn page() -> impl IntoView {
            view! {
                <div>
                    <Suspense fallback=|| "loading">{Suspend::new(async { "done" })}</Suspense>
                </div>
            }
        }
        let stream = |view: AnyView| {
            let owner = Owner::new_root(Some(Arc::new(SsrSharedContext::new())));
            owner.with(|| {
                futures::executor::block_on(view.to_html_stream_out_of_order().collect::<String>())
            })
        };
        let erased = stream(Owner::new().with(|| page().erase()));
        let any = stream(Owner::new().with(|| page().into_any()));
        assert_eq!(erased, any);
        assert!(erased.contains("done"), "{erased}");
    }

    #[test]
    fn resolves_to_the_same_html() {
        // Through `AnyView`'s own `resolve`, which erases the output again.
        let (erased, any) = both_as(view! { <p>"ready"</p> }, |v| {
            futures::executor::block_on(v.resolve()).to_html()
        });
        assert_eq!(erased, any);
        assert_eq!(erased, "<p>ready</p>");
    }
}

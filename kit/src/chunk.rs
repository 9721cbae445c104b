//! Per-page browser code: each `#[page]`'s view in a WebAssembly chunk of
//! its own.
//!
//! A page's browser half is its props' decoder and its view, and all the
//! rendering code those instantiate. In one bundle, the first document of
//! any page downloads every page's. With cargo-leptos's `--split`, each
//! function marked as a split point (`wasm_split`) is cut out of the main
//! module into a file of its own, loaded the first time it is called; the
//! `#[page]` attribute marks the page's props-to-view function so
//! ([`__page_code!`](crate::__page_code)), and the page table keeps the
//! result as the page's [`PageCode`].
//!
//! What follows is where the chunk is loaded, so that no step waits on it
//! alone:
//! * **the first document**: the server names the page's chunk files in
//!   `<link rel="preload">` tags ([`crate::assets`]), so the browser fetches
//!   them beside the main module, and [`hydrate`](crate::hydrate) waits for
//!   them before hydrating (hydration is synchronous: the page's view must
//!   be there);
//! * **a navigation**: the chunk is asked for when the navigation starts,
//!   beside the props request, and the view renders once both are in;
//! * **a prefetch**: the chunk comes with the props, so the click makes no
//!   request at all.
//!
//! Whether the build is split is decided when the kit is compiled
//! (`build.rs`): a wasm build linked with `--emit-relocs`, which
//! cargo-leptos's `--split` asks for, gets the split points; any other build
//! (the server, a browser build without `--split`) keeps every page in one
//! module, and the same code runs, with each page's code already loaded.

use crate::Erase;
use leptos::prelude::AnyView;
use std::{future::Future, pin::Pin};

/// A page's view from its props as JSON, or why not.
pub type RenderJson = Result<AnyView, serde_json::Error>;

/// How the browser renders a page from its props JSON.
#[derive(Clone, Copy)]
pub enum PageCode {
    /// The page's code is in the main module.
    Inline(fn(&str) -> RenderJson),
    /// The page's code is in a chunk of its own.
    Chunk(&'static PageChunk),
}

/// A page's code in a chunk of its own (`#[page]` in a split build).
pub struct PageChunk {
    /// The split's name, as cargo-leptos's manifest lists it.
    pub name: &'static str,
    /// Loads the chunk (once; later calls are ready when it is in): `false`
    /// when it could not be loaded.
    pub load: fn() -> Pin<Box<dyn Future<Output = bool>>>,
    /// Renders from props JSON, once the chunk is loaded; `None` before.
    pub render: fn(&str) -> Option<RenderJson>,
}

impl std::fmt::Debug for PageCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Inline(_) => f.write_str("Inline"),
            Self::Chunk(chunk) => f.debug_tuple("Chunk").field(&chunk.name).finish(),
        }
    }
}

impl std::fmt::Debug for PageChunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageChunk")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl PageCode {
    /// The code of page `P` in the main module.
    #[must_use]
    pub fn inline<P: crate::Page>() -> Self {
        Self::Inline(render_json::<P>)
    }

    /// Renders from props JSON: `None` when the page's chunk is not
    /// loaded.
    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    pub(crate) fn render(&self, json: &str) -> Option<RenderJson> {
        match self {
            Self::Inline(render) => Some(render(json)),
            Self::Chunk(chunk) => (chunk.render)(json),
        }
    }

    /// Loads the page's code, if it is in a chunk: `false` when it could
    /// not be loaded.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) async fn load(self) -> bool {
        match self {
            Self::Inline(_) => true,
            Self::Chunk(chunk) => (chunk.load)().await,
        }
    }
}

/// Page `P`'s view from its props as JSON.
pub fn render_json<P: crate::Page>(json: &str) -> RenderJson {
    let props: P::Props = serde_json::from_str(json)?;
    Ok(P::view(props).erase())
}

/// A chunk that did not load: the split point's error, which the kit only
/// tells apart from a loaded one.
#[derive(Debug)]
pub struct ChunkMissing;

#[cfg(server_props_split)]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self
    }
}

/// The `Page::__code` of a `#[page]`: in a split build (see the module's
/// docs), the page's props-to-view function marked as a split point named
/// `$module`; otherwise nothing (the trait's default keeps the page in the
/// main module).
#[cfg(server_props_split)]
#[doc(hidden)]
#[macro_export]
#[rustfmt::skip] // rustfmt indents the attribute's arguments anew on each run
macro_rules! __page_code {
    ($page:ty, $module:ident, $render:ident, $preload:ident) => {
        fn __code() -> $crate::__private::PageCode {
            #[$crate::__private::wasm_split::wasm_split($module, wasm_split_path = $crate::__private::wasm_split, preload($preload), fallible)]
            fn $render(
                json: &str,
            ) -> ::core::result::Result<
                $crate::__private::RenderJson,
                $crate::__private::ChunkMissing,
            > {
                ::core::result::Result::Ok($crate::__private::render_json::<$page>(json))
            }
            fn load(
            ) -> ::core::pin::Pin<::std::boxed::Box<dyn ::core::future::Future<Output = bool>>>
            {
                ::std::boxed::Box::pin(async { $preload().await.is_ok() })
            }
            fn render(json: &str) -> ::core::option::Option<$crate::__private::RenderJson> {
                // Ready at once when the chunk is in: the split point awaits
                // only its loader, which then holds the loaded module.
                match $crate::__private::now_or_never($render(json)) {
                    ::core::option::Option::Some(::core::result::Result::Ok(view)) => {
                        ::core::option::Option::Some(view)
                    }
                    _ => ::core::option::Option::None,
                }
            }
            static CHUNK: $crate::__private::PageChunk = $crate::__private::PageChunk {
                name: ::core::stringify!($module),
                load,
                render,
            };
            $crate::__private::PageCode::Chunk(&CHUNK)
        }
    };
}

/// Not a split build: the page stays in the main module.
#[cfg(not(server_props_split))]
#[doc(hidden)]
#[macro_export]
macro_rules! __page_code {
    ($($any:tt)*) => {};
}

/// Polls a future once.
#[doc(hidden)]
pub fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let waker = std::task::Waker::noop();
    match future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(waker))
    {
        std::task::Poll::Ready(output) => Some(output),
        std::task::Poll::Pending => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_or_never_takes_what_is_ready_and_nothing_else() {
        assert_eq!(now_or_never(async { 7 }), Some(7));
        assert_eq!(now_or_never(std::future::pending::<u8>()), None);
    }
}

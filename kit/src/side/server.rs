//! The server half's part of the page table: a page's loader.
//!
//! A page of the table is a view in both builds and, in the server build,
//! also a loader. [`LoadedPage`] and [`LoadedLayout`] say what each build
//! asks of a page type (so `Pages::page` is written once, with one bound),
//! and [`ServerPart`] is what the server build keeps of it: the erased
//! loader, checked against the page's path when the table is built. In the
//! browser build the same names stand for nothing, so no loader (and
//! nothing only a loader uses) reaches the wasm.

use crate::page::{Layout, NestedLayout, Page};
#[cfg(feature = "ssr")]
use crate::{path::RoutePattern, ssr::loader::ErasedLoader, Loader};

/// A page as this build needs it: in the server build a [`Page`] with a
/// [`Loader`](crate::Loader) of the same props (`#[loader]` implements
/// it); in the browser build any page. Implemented for every such type.
#[cfg(feature = "ssr")]
pub trait LoadedPage: Page + Loader<Props = <Self as Page>::Props> {}
#[cfg(feature = "ssr")]
impl<P> LoadedPage for P where P: Page + Loader<Props = <P as Page>::Props> {}

/// A page as this build needs it: in the server build a [`Page`] with a
/// loader of the same props (`#[loader]` implements it); in the browser
/// build any page. Implemented for every such type.
#[cfg(not(feature = "ssr"))]
pub trait LoadedPage: Page {}
#[cfg(not(feature = "ssr"))]
impl<P: Page> LoadedPage for P {}

/// The app's layout as this build needs it: in the server build a
/// [`Layout`] with a [`Loader`](crate::Loader) of its data; in the browser
/// build any layout. Implemented for every such type.
#[cfg(feature = "ssr")]
pub trait LoadedLayout: Layout + Loader<Props = <Self as Layout>::Data> {}
#[cfg(feature = "ssr")]
impl<L> LoadedLayout for L where L: Layout + Loader<Props = <L as Layout>::Data> {}

/// The app's layout as this build needs it: in the server build a
/// [`Layout`] with a loader of its data; in the browser build any layout.
/// Implemented for every such type.
#[cfg(not(feature = "ssr"))]
pub trait LoadedLayout: Layout {}
#[cfg(not(feature = "ssr"))]
impl<L: Layout> LoadedLayout for L {}

/// A nested layout as this build needs it: in the server build a
/// [`NestedLayout`] with a [`Loader`](crate::Loader) of its data; in the
/// browser build any nested layout. Implemented for every such type.
#[cfg(feature = "ssr")]
pub trait LoadedNestedLayout: NestedLayout + Loader<Props = <Self as Layout>::Data> {}
#[cfg(feature = "ssr")]
impl<L> LoadedNestedLayout for L where L: NestedLayout + Loader<Props = <L as Layout>::Data> {}

/// A nested layout as this build needs it: in the server build a
/// [`NestedLayout`] with a loader of its data; in the browser build any
/// nested layout. Implemented for every such type.
#[cfg(not(feature = "ssr"))]
pub trait LoadedNestedLayout: NestedLayout {}
#[cfg(not(feature = "ssr"))]
impl<L: NestedLayout> LoadedNestedLayout for L {}

/// What the server build keeps of a page or the layout: its erased loader.
#[cfg(feature = "ssr")]
pub(crate) type ServerPart = ErasedLoader;
/// What the server build keeps of a page or the layout: nothing here.
#[cfg(not(feature = "ssr"))]
pub(crate) type ServerPart = ();

/// The server part of page `P`: its erased loader.
#[cfg(feature = "ssr")]
pub(crate) fn page_part<P: LoadedPage>() -> ServerPart {
    ErasedLoader::new::<P>()
}

/// The server part of page `P`: nothing in this build.
#[cfg(not(feature = "ssr"))]
#[allow(clippy::extra_unused_type_parameters)]
pub(crate) fn page_part<P: LoadedPage>() -> ServerPart {}

/// The server part of layout `L`; an error for a layout whose loader reads
/// route params (a layout serves every path).
#[cfg(feature = "ssr")]
pub(crate) fn layout_part<L: LoadedLayout>(name: &str) -> Result<ServerPart, String> {
    let loader = ErasedLoader::new::<L>();
    if (loader.params_shape)() != crate::params::Shape::Any {
        return Err(format!(
            "the layout `{name}` serves every path, so its loader reads no route params; \
             declare `type Params = serde::de::IgnoredAny` (it declares `{}`)",
            loader.params_name
        ));
    }
    Ok(loader)
}

/// The server part of layout `L`: nothing in this build.
#[cfg(not(feature = "ssr"))]
#[allow(clippy::extra_unused_type_parameters, clippy::unnecessary_wraps)]
pub(crate) fn layout_part<L: LoadedLayout>(_: &str) -> Result<ServerPart, String> {
    Ok(())
}

/// The server part of nested layout `L`: its erased loader, whose params
/// come from the layout's prefix.
#[cfg(feature = "ssr")]
pub(crate) fn nested_layout_part<L: LoadedNestedLayout>() -> ServerPart {
    ErasedLoader::new::<L>()
}

/// The server part of nested layout `L`: nothing in this build.
#[cfg(not(feature = "ssr"))]
#[allow(clippy::extra_unused_type_parameters)]
pub(crate) fn nested_layout_part<L: LoadedNestedLayout>() -> ServerPart {}

/// Checks a page's server part against the path it is served at: its
/// params type fits the path, and every param its loader reads is there.
#[cfg(feature = "ssr")]
pub(crate) fn check_page(part: &ServerPart, pattern: &RoutePattern) -> Result<(), String> {
    crate::params::check_shape(pattern, part.params_name, &(part.params_shape)())
        .map_err(|e| e.to_string())?;
    match part
        .params_read
        .iter()
        .find(|p| !pattern.param_names().any(|n| n == **p))
    {
        Some(read) => Err(format!(
            "its loader reads the param `{read}`, which the path `{pattern}` does not have"
        )),
        None => Ok(()),
    }
}

/// Checks a page's server part against its path: nothing to check here.
#[cfg(not(feature = "ssr"))]
pub(crate) fn check_page(_: &ServerPart, _: &crate::path::RoutePattern) -> Result<(), String> {
    Ok(())
}

//! Browser code trying to call a page's loader.

use app::pages::RepoPage;
use server_props::Page;

/// Renders the repository page the only way the browser may: from props.
pub fn render(repo: <RepoPage as Page>::Props) -> impl leptos::IntoView {
    RepoPage::view(repo)
}

/// Calls the loader directly: `Loader` and `load` exist only with `ssr`.
#[cfg(not(feature = "control"))]
pub async fn load_in_the_browser() {
    use server_props::Loader;
    let _ = <RepoPage as Loader>::load;
}

//! A loader that a `macro_rules!` writes, its argument's type a `$t:ty`:
//! the expansion's own names (the context, the body's state) resolve at
//! the attribute's call site, not in the macro's hygiene.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Echo {
    q: String,
}

#[derive(Deserialize)]
pub struct Search {
    q: String,
}

#[page("/echo")]
pub fn EchoPage(echo: Echo) -> impl IntoView {
    echo.q
}

macro_rules! echo_loader {
    ($query:ty) => {
        #[loader(EchoPage)]
        async fn load_echo(Query(search): $query) -> LoaderResult<Echo> {
            Ok(Echo { q: search.q })
        }
    };
}

echo_loader!(Query<Search>);

fn main() {
    let _ = Pages::new().page::<EchoPage>();
}

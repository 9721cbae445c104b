use leptos::prelude::*;
use server_props::prelude::*;

#[derive(serde::Deserialize)]
pub struct Id {
    pub id: u32,
}

fn loading(id: Id) -> impl IntoView {
    id.id
}

#[page("/report/:id", pending = loading, pending = loading)]
pub fn Report(text: String) -> impl IntoView {
    text
}

fn main() {}

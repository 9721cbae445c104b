//! A loader names a type that is neither a page nor a layout.

use server_props::prelude::*;

pub struct Plain;

#[loader(Plain)]
async fn load_plain() -> LoaderResult<u32> {
    Ok(1)
}

fn main() {}

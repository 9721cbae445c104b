//! `/bench/items/:id`'s props (the reference app's `ItemsProps`, the same
//! fields and serde attributes), decoded from the JSON the server sends,
//! by serde_json (feature `serde-json`) or by the browser's `JSON.parse`
//! and serde-wasm-bindgen (feature `js-parse`). Built one way at a time,
//! so each wasm holds one decoder and nothing else.

#[cfg(not(any(feature = "serde-json", feature = "js-parse")))]
compile_error!("build with one decoder: `--features serde-json` or `--features js-parse` (scripts/props-decode.sh)");

use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// One item of a collection.
#[derive(Deserialize)]
pub struct Item {
    pub name: String,
    pub stars: u64,
    pub description: String,
}

/// What `/bench/items/:id` shows.
#[derive(Deserialize)]
pub struct ItemsProps {
    pub id: u64,
    pub title: String,
    pub items: Vec<Item>,
}

/// What the decoded props add up to, so that nothing is optimised away:
/// the stars, the id and the lengths of every string.
fn checksum(props: &ItemsProps) -> f64 {
    let strings: usize = props
        .items
        .iter()
        .map(|i| i.name.len() + i.description.len())
        .sum::<usize>()
        + props.title.len();
    (props.items.iter().map(|i| i.stars).sum::<u64>() + props.id + strings as u64) as f64
}

/// Decodes the JSON text (which crosses into the wasm, as an answer's
/// body does today); the checksum.
#[cfg(feature = "serde-json")]
#[wasm_bindgen]
pub fn decode(text: &str) -> Result<f64, JsError> {
    let props: ItemsProps = serde_json::from_str(text)?;
    Ok(checksum(&props))
}

/// Decodes the value the browser's `JSON.parse` made of the text (the
/// harness parses it, as `Response.json()` or the embedded script's
/// `JSON.parse` would); the checksum.
#[cfg(feature = "js-parse")]
#[wasm_bindgen]
pub fn decode(value: JsValue) -> Result<f64, JsError> {
    let props: ItemsProps = serde_wasm_bindgen::from_value(value)?;
    Ok(checksum(&props))
}

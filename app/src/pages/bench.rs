//! The benchmark pages (`docs/performance.md`): the same props as the Next.js app's.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};
use server_props::prelude::*;

/// One item of a collection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// `item-<id>-<k>`.
    pub name: String,
    /// `(id * 7919 + k * 104729) % 100000`.
    pub stars: u64,
    /// A sentence naming the item and the collection.
    pub description: String,
}

/// What `/bench/items/:id` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsProps {
    /// The collection id.
    pub id: u64,
    /// `Collection <id>`.
    pub title: String,
    /// 50 items.
    pub items: Vec<Item>,
}

impl ItemsProps {
    /// The props for collection `id`, computed with no I/O.
    pub fn for_id(id: u64) -> Self {
        let items = (0..50u64)
            .map(|k| Item {
                name: format!("item-{id}-{k}"),
                stars: (id.wrapping_mul(7919).wrapping_add(k * 104_729)) % 100_000,
                description: format!("Description of item {k} in collection {id}, with some text to make it realistic."),
            })
            .collect();
        Self {
            id,
            title: format!("Collection {id}"),
            items,
        }
    }
}

/// The document benchmark page.
#[page("/bench/items/:id")]
pub fn BenchItems(props: ItemsProps) -> impl IntoView {
    let next = format!("/bench/items/{}", props.id + 1);
    view! {
            <Title text=props.title.clone()/>
            <h1>{props.title}</h1>
            <ul class="items">
                {props
                    .items
                    .into_iter()
                    .map(|item| {
                        view! {
                            <li>
                                <strong>{item.name}</strong>
                                " " <span class="stars">{item.stars}</span>
                                " " <span>{item.description}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p id="bottom"><A href=next>"Next collection"</A></p>
    }
}

#[loader(BenchItems)]
async fn load_items(#[param] id: u64) -> LoaderResult<ItemsProps> {
    Ok(ItemsProps::for_id(id))
}

/// What `/bench/hello` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloProps {
    /// Always `hello`.
    pub message: String,
}

/// The smallest benchmark page.
#[page("/bench/hello")]
pub fn BenchHello(props: HelloProps) -> impl IntoView {
    view! { <p>{props.message}</p> }
}

#[loader(BenchHello)]
async fn load_hello() -> LoaderResult<HelloProps> {
    Ok(HelloProps {
        message: "hello".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_follow_the_spec_formula() {
        let p = ItemsProps::for_id(1);
        assert_eq!(p.items.len(), 50);
        assert_eq!(p.title, "Collection 1");
        assert_eq!(p.items[0].name, "item-1-0");
        assert_eq!(p.items[0].stars, 7919);
        assert_eq!(p.items[3].stars, (7919 + 3 * 104_729) % 100_000);
        assert_eq!(
            p.items[2].description,
            "Description of item 2 in collection 1, with some text to make it realistic."
        );
    }
}

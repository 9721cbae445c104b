//! Form bodies as serde types, with one form dispatching several intents.
//!
//! A form body (`application/x-www-form-urlencoded`) deserialises as
//! `serde_urlencoded` reads it, with one addition: when the type is an enum,
//! the form's `intent` field names the variant and the other fields fill
//! it, the convention React Router and Remix apps use for one page that
//! handles several buttons (`<button name="intent" value="delete">`). A
//! form with no `intent` field is read as the variant that answers to the
//! empty name (`#[serde(alias = "")]`), if there is one: the page's main
//! form then needs no hidden field, and plain HTML clients that post only
//! the visible fields reach it.
//!
//! ```
//! use server_props::extract::from_form;
//!
//! #[derive(serde::Deserialize, Debug, PartialEq)]
//! #[serde(rename_all = "snake_case")]
//! enum Intent {
//!     Add { name: String, message: String },
//!     Delete { id: i64 },
//!     Clear,
//! }
//!
//! assert_eq!(from_form::<Intent>(b"intent=delete&id=7").unwrap(), Intent::Delete { id: 7 });
//! assert_eq!(
//!     from_form::<Intent>(b"name=Ann&message=hi&intent=add").unwrap(),
//!     Intent::Add { name: "Ann".into(), message: "hi".into() },
//! );
//! assert_eq!(from_form::<Intent>(b"intent=clear").unwrap(), Intent::Clear);
//! assert!(from_form::<Intent>(b"intent=drop").is_err());
//! assert!(from_form::<Intent>(b"id=7").is_err());
//!
//! // The main form needs no `intent` field.
//! #[derive(serde::Deserialize, Debug, PartialEq)]
//! #[serde(rename_all = "snake_case")]
//! enum Guestbook {
//!     #[serde(alias = "")]
//!     Add { message: String },
//!     Delete { id: i64 },
//! }
//! assert_eq!(
//!     from_form::<Guestbook>(b"message=hi").unwrap(),
//!     Guestbook::Add { message: "hi".into() },
//! );
//! assert_eq!(from_form::<Guestbook>(b"intent=delete&id=7").unwrap(), Guestbook::Delete { id: 7 });
//! ```

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};

/// The field that names a form's intent when its type is an enum.
pub const INTENT_FIELD: &str = "intent";

/// Deserialises a form body (see the module's documentation).
///
/// # Errors
/// When the fields do not fit `T`: a missing or unknown intent, a field
/// that does not parse.
pub fn from_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_urlencoded::de::Error> {
    T::deserialize(FormDeserializer(body))
}

fn fields(body: &[u8]) -> serde_urlencoded::Deserializer<'_> {
    serde_urlencoded::Deserializer::new(form_urlencoded::parse(body))
}

struct FormDeserializer<'de>(&'de [u8]);

impl<'de> de::Deserializer<'de> for FormDeserializer<'de> {
    type Error = serde_urlencoded::de::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        fields(self.0).deserialize_any(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        fields(self.0).deserialize_seq(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        fields(self.0).deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let intent = form_urlencoded::parse(self.0)
            .find(|(name, _)| name == INTENT_FIELD)
            .map(|(_, value)| value.into_owned());
        match intent {
            Some(intent) => visitor.visit_enum(Intent {
                intent,
                body: self.0,
            }),
            // No intent: the variant aliased `""`, if any.
            None => visitor
                .visit_enum(Intent {
                    intent: String::new(),
                    body: self.0,
                })
                .map_err(|e| {
                    if e.to_string().starts_with("unknown variant ``") {
                        de::Error::custom(format_args!(
                            "the form has no `{INTENT_FIELD}` field (one of {})",
                            variants.join(", ")
                        ))
                    } else {
                        e
                    }
                }),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit_struct tuple tuple_struct map struct
        identifier ignored_any
    }
}

struct Intent<'de> {
    intent: String,
    body: &'de [u8],
}

impl<'de> de::EnumAccess<'de> for Intent<'de> {
    type Error = serde_urlencoded::de::Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self), Self::Error> {
        use de::IntoDeserializer;
        let deserializer: de::value::StrDeserializer<'_, Self::Error> =
            self.intent.as_str().into_deserializer();
        let variant = seed.deserialize(deserializer)?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for Intent<'de> {
    type Error = serde_urlencoded::de::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        seed.deserialize(fields(self.body))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom(
            "a form intent is a unit variant, a struct variant or a newtype of a struct",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields_: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        de::Deserializer::deserialize_struct(fields(self.body), "", fields_, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Entry {
        name: String,
        message: String,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Intent {
        Add(Entry),
        Delete { id: i64 },
    }

    #[test]
    fn structs_read_as_serde_urlencoded_does() {
        let entry: Entry = from_form(b"name=A%20b&message=x+y&extra=1").unwrap();
        assert_eq!(entry.message, "x y");
        assert_eq!(entry.name, "A b");
        let pairs: Vec<(String, String)> = from_form(b"a=1&a=2").unwrap();
        assert_eq!(pairs.len(), 2);
        assert!(from_form::<Entry>(b"name=A").is_err());
    }

    #[test]
    fn newtype_variants_take_the_other_fields() {
        assert_eq!(
            from_form::<Intent>(b"intent=add&name=A&message=m").unwrap(),
            Intent::Add(Entry {
                name: "A".into(),
                message: "m".into()
            })
        );
        let e = from_form::<Intent>(b"intent=delete&id=x").unwrap_err();
        assert!(e.to_string().contains("invalid digit"), "{e}");
        let e = from_form::<Intent>(b"").unwrap_err();
        assert!(e.to_string().contains("has no `intent` field"), "{e}");
        assert!(e.to_string().contains("add, delete"), "{e}");
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum WithDefault {
        #[serde(alias = "")]
        Add(Entry),
        Delete {
            id: i64,
        },
    }

    #[test]
    fn a_form_without_intent_is_the_variant_aliased_empty() {
        assert_eq!(
            from_form::<WithDefault>(b"name=A&message=m").unwrap(),
            WithDefault::Add(Entry {
                name: "A".into(),
                message: "m".into()
            })
        );
        // Its own fields are still required, and named intents still win.
        let e = from_form::<WithDefault>(b"name=A").unwrap_err();
        assert!(e.to_string().contains("message"), "{e}");
        assert_eq!(
            from_form::<WithDefault>(b"intent=delete&id=3").unwrap(),
            WithDefault::Delete { id: 3 }
        );
        // An empty intent field is the same as none.
        assert!(from_form::<WithDefault>(b"intent=&name=A&message=m").is_ok());
    }
}

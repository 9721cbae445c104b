//! Typed route params: a page's params as a serde type.
//!
//! A loader declares the params of its path as a type (`struct { owner:
//! String, name: String }`, a `Vec<String>` for a catch-all, `()` for a path
//! without params, or one value such as `u32` for a path with exactly one
//! param). The kit decodes the path once per request, percent-decoding each
//! segment, and deserialises the type from it with [`ParamsDeserializer`],
//! which parses numbers, booleans and enums from the segment text. A value
//! that does not parse is a 404: the URL names nothing.
//!
//! The *shape* of the type is checked against the pattern when the page
//! table is built ([`check_shape`]): a field the pattern does not have, or a
//! pattern param the type does not take, panics at start-up with the page,
//! the pattern and the field named, so the mistake never waits for a
//! request. The check asks the type itself what it would deserialise
//! (serde hands a deserializer the field names of a struct), so no derive of
//! the kit's own is needed.

use crate::path::{RoutePattern, Segment};
use serde::de::{
    self, value::SeqDeserializer, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess,
    Visitor,
};
use std::fmt;

// Decoding a path is the pattern's business (`RoutePattern::decode_params`);
// this module only reads what it decoded. Named here too, where loaders
// and the `#[page]` macro have always found them.
pub use crate::path::{DecodedParams, ParamValue};

/// Why the params of a request do not fit the page's params type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParamsError(String);

impl de::Error for ParamsError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// Deserialises a params type from a request's decoded params.
///
/// ```
/// use server_props::params::{from_params, ParamValue};
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Item { id: u32, slug: String }
/// let params = vec![("id", ParamValue::One("7".into())), ("slug", ParamValue::One("x".into()))];
/// assert_eq!(from_params::<Item>(&params).unwrap(), Item { id: 7, slug: "x".into() });
/// assert_eq!(from_params::<u32>(&params[..1]).unwrap(), 7);
/// assert!(from_params::<u32>(&[("id", ParamValue::One("x".into()))]).is_err());
/// ```
pub fn from_params<T: DeserializeOwned>(
    params: &[(&'static str, ParamValue)],
) -> Result<T, ParamsError> {
    T::deserialize(ParamsDeserializer { params })
}

#[doc(hidden)]
/// A serde deserializer over a request's decoded params: a map of names to
/// values for a struct, the values in order for a tuple, the one value for a
/// scalar.
#[derive(Clone, Copy, Debug)]
pub struct ParamsDeserializer<'a> {
    params: &'a [(&'static str, ParamValue)],
}

impl<'a> ParamsDeserializer<'a> {
    /// A deserializer over these params.
    pub fn new(params: &'a [(&'static str, ParamValue)]) -> Self {
        Self { params }
    }

    fn single(self) -> Result<ValueDeserializer<'a>, ParamsError> {
        match self.params {
            [(_, value)] => Ok(ValueDeserializer::of(value)),
            _ => Err(ParamsError(format!(
                "expected exactly one route parameter, the path has {}",
                self.params.len()
            ))),
        }
    }
}

macro_rules! forward_to_single {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ParamsDeserializer<'de> {
    type Error = ParamsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(ParamsMap {
            params: self.params.iter(),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.params {
            // `Vec<String>` for the one catch-all of a path.
            [(_, value @ ParamValue::Many(_))] => {
                ValueDeserializer::of(value).deserialize_seq(visitor)
            }
            _ => self.deserialize_tuple(self.params.len(), visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if len != self.params.len() {
            return Err(ParamsError(format!(
                "expected a tuple of {} route parameters, got {len}",
                self.params.len()
            )));
        }
        visitor.visit_seq(SeqDeserializer::new(
            self.params.iter().map(|(_, v)| ValueDeserializer::of(v)),
        ))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    forward_to_single! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_identifier
    }
}

struct ParamsMap<'a> {
    params: std::slice::Iter<'a, (&'static str, ParamValue)>,
    value: Option<&'a ParamValue>,
}

impl<'de> MapAccess<'de> for ParamsMap<'de> {
    type Error = ParamsError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.params.next() {
            Some((name, value)) => {
                self.value = Some(value);
                seed.deserialize(name.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| ParamsError("a value without a name".into()))?;
        seed.deserialize(ValueDeserializer::of(value))
    }
}

/// One param's value (or one segment of a catch-all): text that numbers,
/// booleans and enums are parsed from.
#[derive(Clone, Copy, Debug)]
struct ValueDeserializer<'a>(Text<'a>);

#[derive(Clone, Copy, Debug)]
enum Text<'a> {
    One(&'a str),
    Many(&'a [String]),
}

impl<'a> ValueDeserializer<'a> {
    fn of(value: &'a ParamValue) -> Self {
        Self(match value {
            ParamValue::One(s) => Text::One(s),
            ParamValue::Many(v) => Text::Many(v),
        })
    }
}

impl<'de> IntoDeserializer<'de, ParamsError> for ValueDeserializer<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl ValueDeserializer<'_> {
    fn text(&self) -> Result<&str, ParamsError> {
        match self.0 {
            Text::One(s) => Ok(s),
            Text::Many(_) => Err(ParamsError(
                "a catch-all parameter is a list: give it a `Vec`".into(),
            )),
        }
    }
}

macro_rules! parse_value {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            let text = self.text()?;
            match text.parse() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(ParamsError(format!("{text:?} is not a valid {}", stringify!($method).trim_start_matches("deserialize_")))),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = ParamsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Text::One(s) => visitor.visit_borrowed_str(s),
            Text::Many(_) => self.deserialize_seq(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Text::One(s) => visitor.visit_borrowed_str(s),
            // A catch-all read as one string: its segments joined again.
            Text::Many(v) => visitor.visit_string(v.join("/")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Text::Many(segments) => visitor.visit_seq(SeqDeserializer::new(
                segments.iter().map(|s| ValueDeserializer(Text::One(s))),
            )),
            Text::One(_) => Err(ParamsError(
                "a list needs a catch-all parameter (`*name`)".into(),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
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
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let text = self.text()?;
        visitor.visit_enum(de::value::StrDeserializer::<ParamsError>::new(text))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let text = self.text()?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(ParamsError(format!("{text:?} is not one character"))),
        }
    }

    parse_value! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
    }

    serde::forward_to_deserialize_any! {
        bytes byte_buf unit_struct tuple tuple_struct map struct
    }
}

#[doc(hidden)]
/// What a params type asks to be deserialised as.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// A struct with these fields (names as serde sees them).
    Struct(&'static [&'static str]),
    /// `()`: no params.
    Unit,
    /// Anything at all (`IgnoredAny`, a map): not checked.
    Any,
    /// A list: the one catch-all.
    Seq,
    /// A tuple of this many params.
    Tuple(usize),
    /// One value (`u32`, `String`, an enum): the path's one param.
    Single,
}

#[doc(hidden)]
/// The shape a params type deserialises as, found by asking the type.
pub fn shape_of<T: DeserializeOwned>() -> Shape {
    let mut shape = Shape::Any;
    let _ = T::deserialize(Probe { shape: &mut shape });
    shape
}

#[doc(hidden)]
/// Checks a params type's shape against a route pattern.
///
/// # Errors
/// A sentence naming the field or param that does not fit.
pub fn check_shape(pattern: &RoutePattern, type_name: &str, shape: &Shape) -> Result<(), String> {
    let names: Vec<&str> = pattern
        .segments()
        .iter()
        .filter_map(|s| match s {
            Segment::Param(n) | Segment::CatchAll(n) => Some(*n),
            Segment::Static(_) => None,
        })
        .collect();
    match shape {
        Shape::Any => Ok(()),
        Shape::Struct(fields) => {
            if let Some(field) = fields.iter().find(|f| !names.contains(f)) {
                return Err(format!(
                    "the params type `{type_name}` has a field `{field}` that the path `{pattern}` does not have"
                ));
            }
            if let Some(name) = names.iter().find(|n| !fields.contains(n)) {
                return Err(format!(
                    "the path `{pattern}` has a param `{name}` that the params type `{type_name}` does not take"
                ));
            }
            Ok(())
        }
        Shape::Unit if names.is_empty() => Ok(()),
        Shape::Unit => Err(format!(
            "the params type `{type_name}` takes no params, but the path `{pattern}` has `{}`",
            names.join("`, `")
        )),
        Shape::Seq if names.len() == 1 && pattern.is_catch_all(names[0]) => Ok(()),
        Shape::Seq => Err(format!(
            "the params type `{type_name}` is a list, which needs a path with one catch-all; `{pattern}` is not"
        )),
        Shape::Tuple(n) if *n == names.len() => Ok(()),
        Shape::Tuple(n) => Err(format!(
            "the params type `{type_name}` is a tuple of {n}, but the path `{pattern}` has {} params",
            names.len()
        )),
        Shape::Single if names.len() == 1 => Ok(()),
        Shape::Single => Err(format!(
            "the params type `{type_name}` is one value, but the path `{pattern}` has {} params",
            names.len()
        )),
    }
}

/// A deserializer that only notes what it was asked for.
struct Probe<'a> {
    shape: &'a mut Shape,
}

impl Probe<'_> {
    fn note<T>(self, shape: Shape) -> Result<T, ParamsError> {
        *self.shape = shape;
        Err(ParamsError("probed".into()))
    }
}

macro_rules! probe_single {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
            self.note(Shape::Single)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = ParamsError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        self.note(Shape::Any)
    }
    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        self.note(Shape::Any)
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.note(Shape::Any)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.note(Shape::Struct(fields))
    }
    fn deserialize_unit<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        self.note(Shape::Unit)
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.note(Shape::Unit)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        self.note(Shape::Seq)
    }
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.note(Shape::Tuple(len))
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.note(Shape::Tuple(len))
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.note(Shape::Single)
    }

    probe_single! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_identifier
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Repo {
        owner: String,
        name: String,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Temporary,
        Permanent,
    }

    fn one(name: &'static str, v: &str) -> (&'static str, ParamValue) {
        (name, ParamValue::One(v.into()))
    }

    #[test]
    fn structs_scalars_tuples_lists_and_enums_deserialise() {
        let p = [one("owner", "vercel"), one("name", "next.js")];
        assert_eq!(
            from_params::<Repo>(&p).unwrap(),
            Repo {
                owner: "vercel".into(),
                name: "next.js".into()
            }
        );
        assert_eq!(
            from_params::<(String, String)>(&p).unwrap(),
            ("vercel".into(), "next.js".into())
        );
        assert_eq!(from_params::<u16>(&[one("id", "42")]).unwrap(), 42);
        assert_eq!(
            from_params::<Kind>(&[one("kind", "permanent")]).unwrap(),
            Kind::Permanent
        );
        assert!(from_params::<Kind>(&[one("kind", "other")]).is_err());
        let all = [("path", ParamValue::Many(vec!["a".into(), "b".into()]))];
        assert_eq!(from_params::<Vec<String>>(&all).unwrap(), ["a", "b"]);
        #[derive(Deserialize)]
        struct Files {
            path: Vec<u8>,
        }
        let nums = [("path", ParamValue::Many(vec!["1".into(), "2".into()]))];
        assert_eq!(from_params::<Files>(&nums).unwrap().path, [1, 2]);
        assert!(from_params::<Files>(&all).is_err());
        from_params::<()>(&[]).unwrap();
    }

    #[test]
    fn values_that_do_not_parse_are_errors() {
        assert!(from_params::<u32>(&[one("id", "abc")]).is_err());
        assert!(from_params::<u8>(&[one("id", "256")]).is_err());
        assert!(from_params::<u32>(&[one("id", "-1")]).is_err());
        assert!(from_params::<bool>(&[one("b", "yes")]).is_err());
        assert!(from_params::<u32>(&[one("a", "1"), one("b", "2")]).is_err());
    }

    #[test]
    fn shapes_are_probed_from_the_type() {
        assert_eq!(shape_of::<Repo>(), Shape::Struct(&["owner", "name"]));
        assert_eq!(shape_of::<()>(), Shape::Unit);
        assert_eq!(shape_of::<u32>(), Shape::Single);
        assert_eq!(shape_of::<Vec<String>>(), Shape::Seq);
        assert_eq!(shape_of::<(u32, String)>(), Shape::Tuple(2));
        assert_eq!(shape_of::<serde::de::IgnoredAny>(), Shape::Any);
        assert_eq!(
            shape_of::<std::collections::HashMap<String, String>>(),
            Shape::Any
        );
        #[derive(Deserialize)]
        struct Id(#[allow(dead_code)] u32);
        assert_eq!(shape_of::<Id>(), Shape::Single);
    }

    #[test]
    fn shapes_are_checked_against_patterns() {
        let repo = RoutePattern::parse("/repos/:owner/:name").unwrap();
        assert!(check_shape(&repo, "Repo", &shape_of::<Repo>()).is_ok());
        let err = check_shape(
            &RoutePattern::parse("/repos/:owner").unwrap(),
            "Repo",
            &shape_of::<Repo>(),
        )
        .unwrap_err();
        assert!(err.contains("field `name`"), "{err}");
        let err = check_shape(
            &RoutePattern::parse("/repos/:owner/:name/:tab").unwrap(),
            "Repo",
            &shape_of::<Repo>(),
        )
        .unwrap_err();
        assert!(err.contains("param `tab`"), "{err}");
        assert!(check_shape(&repo, "()", &Shape::Unit).is_err());
        assert!(check_shape(&RoutePattern::parse("/").unwrap(), "()", &Shape::Unit).is_ok());
        let all = RoutePattern::parse("/c/*path").unwrap();
        assert!(check_shape(&all, "Vec", &Shape::Seq).is_ok());
        assert!(check_shape(&repo, "Vec", &Shape::Seq).is_err());
        assert!(check_shape(&repo, "(A, B)", &Shape::Tuple(2)).is_ok());
        assert!(check_shape(&repo, "u32", &Shape::Single).is_err());
        assert!(check_shape(&repo, "IgnoredAny", &Shape::Any).is_ok());
    }
}

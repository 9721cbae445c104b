//! Escaping JSON so it can sit inside a `<script>` element.
//!
//! The HTML parser ends a script element at the first `</script` and treats
//! `<!--` specially, whatever JSON says; JavaScript before ES2019 ended string
//! literals at U+2028 and U+2029. Escaping `<`, `>`, `&`, U+2028 and U+2029
//! as `\uXXXX` makes every prop value inert text while the JSON stays valid
//! and decodes to the same value. These characters can only occur inside
//! JSON strings, so escaping them never changes the structure.

/// Appends `json` to `out`, escaped for a `<script type="application/json">` element.
///
/// ```
/// let mut out = String::new();
/// server_props::escape::escape_json_into(r#"{"x":"</script>&"}"#, &mut out);
/// assert_eq!(out, r#"{"x":"\u003c/script\u003e\u0026"}"#);
/// ```
pub fn escape_json_into(json: &str, out: &mut String) {
    out.reserve(json.len());
    let mut last = 0;
    for (i, ch) in json.char_indices() {
        let replacement = match ch {
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            _ => continue,
        };
        out.push_str(&json[last..i]);
        out.push_str(replacement);
        last = i + ch.len_utf8();
    }
    out.push_str(&json[last..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = String::new();
        escape_json_into(s, &mut out);
        out
    }

    #[test]
    fn escapes_every_dangerous_character() {
        let value = "</script><script>window.__xss=1</script> <!-- \u{2028}\u{2029} &amp;";
        let json = serde_json::to_string(&value).unwrap();
        let out = escaped(&json);
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!out.contains(bad), "{bad:?} left in {out}");
        }
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn leaves_other_text_alone() {
        assert_eq!(escaped(r#"{"a":"héllo ✓"}"#), r#"{"a":"héllo ✓"}"#);
        assert_eq!(escaped(""), "");
    }
}

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
    out.reserve(json.len() + 16);
    let mut last = 0;
    while let Some((at, replacement, width)) = next_escape(json.as_bytes(), last) {
        out.push_str(&json[last..at]);
        out.push_str(replacement);
        last = at + width;
    }
    out.push_str(&json[last..]);
}

/// [`escape_json_into`] for bytes that are UTF-8 JSON.
pub fn escape_json_bytes_into(json: &[u8], out: &mut Vec<u8>) {
    out.reserve(json.len() + 16);
    let mut last = 0;
    while let Some((at, replacement, width)) = next_escape(json, last) {
        out.extend_from_slice(&json[last..at]);
        out.extend_from_slice(replacement.as_bytes());
        last = at + width;
    }
    out.extend_from_slice(&json[last..]);
}

/// The next character to escape at or after `from`: its index, its escape
/// and its width in bytes. A byte loop: the characters are ASCII, or
/// U+2028/U+2029 (`E2 80 A8`/`E2 80 A9` in UTF-8), so nothing is decoded
/// and every cut falls on a character boundary.
fn next_escape(bytes: &[u8], from: usize) -> Option<(usize, &'static str, usize)> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => return Some((i, "\\u003c", 1)),
            b'>' => return Some((i, "\\u003e", 1)),
            b'&' => return Some((i, "\\u0026", 1)),
            0xE2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                Some(0xA8) => return Some((i, "\\u2028", 3)),
                Some(0xA9) => return Some((i, "\\u2029", 3)),
                _ => {}
            },
            _ => {}
        }
        i += 1;
    }
    None
}

/// Escapes `buf[from..]` in place. Serialised props rarely hold a character
/// to escape, so a vectorised search ([`memchr`]) usually finds none and
/// nothing is copied.
#[cfg(feature = "ssr")]
pub(crate) fn escape_json_tail(buf: &mut Vec<u8>, from: usize) {
    let tail = &buf[from..];
    let first = match (
        memchr::memchr3(b'<', b'>', b'&', tail),
        memchr::memchr(0xE2, tail),
    ) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return,
    };
    let rest = buf.split_off(from + first);
    escape_json_bytes_into(&rest, buf);
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
    fn matches_a_char_by_char_escape_on_mixed_text() {
        let text = "a<b>c&d\u{2028}e\u{2029}f\u{2027}g\u{20AC}h€✓<>&é\u{2028}";
        let mut expected = String::new();
        for ch in text.chars() {
            match ch {
                '<' => expected.push_str("\\u003c"),
                '>' => expected.push_str("\\u003e"),
                '&' => expected.push_str("\\u0026"),
                '\u{2028}' => expected.push_str("\\u2028"),
                '\u{2029}' => expected.push_str("\\u2029"),
                c => expected.push(c),
            }
        }
        assert_eq!(escaped(text), expected);
        let mut bytes = Vec::new();
        escape_json_bytes_into(text.as_bytes(), &mut bytes);
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn escaping_a_tail_in_place_equals_escaping_after() {
        for value in [
            serde_json::json!({"a": "</script>\u{2028}&", "b": ["<!--", 1, null], "c": "\u{2029}é"}),
            serde_json::json!({"plain": "text €✓", "n": 5}),
            serde_json::json!("&"),
        ] {
            let json = serde_json::to_string(&value).unwrap();
            let mut buf = b"prefix<&>".to_vec();
            buf.extend_from_slice(json.as_bytes());
            escape_json_tail(&mut buf, 9);
            let mut expected = "prefix<&>".to_owned();
            escape_json_into(&json, &mut expected);
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }

    #[test]
    fn leaves_other_text_alone() {
        assert_eq!(escaped(r#"{"a":"héllo ✓"}"#), r#"{"a":"héllo ✓"}"#);
        assert_eq!(escaped(""), "");
    }
}

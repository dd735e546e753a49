//! Escaping of log strings before a person reads them.
//!
//! Every string in a CloudTrail record can be chosen by whoever made the call (`userAgent`,
//! session names, request parameters), so anything that could move the cursor, recolour the
//! screen, reorder text (bidi overrides) or hide characters (zero-width) is shown escaped. One
//! rule for every place a person reads text: the terminal tables, CSV cells (`csv.rs`, and the
//! export through polars), HTML (`html.rs`), Markdown (`markdown.rs`) and drawings (`chains.rs`).
//! JSON, JSON Lines and SARIF are for programs and keep the text as logged (JSON-escaped).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character must not reach a person as itself.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM/RLM
            | '\u{2028}' | '\u{2029}' // line/paragraph separators
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}'              // zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        )
}

/// The text with every unsafe character written as `\u{XXXX}`.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(terminal("alice@example.com"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_ansi_bidi_and_zero_width() {
        assert_eq!(terminal("a\u{1b}[31mred"), "a\\u{001b}[31mred");
        assert_eq!(terminal("evil\u{202E}gnp.exe"), "evil\\u{202e}gnp.exe");
        assert_eq!(terminal("ad\u{200B}min"), "ad\\u{200b}min");
        assert_eq!(terminal("line\nbreak\r"), "line\\u{000a}break\\u{000d}");
        assert_eq!(terminal("c1\u{9b}31m"), "c1\\u{009b}31m");
    }
}

//! CSV cells: the terminal's escaping, RFC 4180 quoting, and formula injection defused.
//!
//! A spreadsheet is read by a person, so a cell gets the same escaping as the terminal tables
//! ([`terminal`]): control characters (ESC, line breaks), bidi overrides and zero-width characters
//! are written as `\u{…}`. A log value such as `=HYPERLINK(…)` or `@SUM(…)` would run as a
//! formula when a spreadsheet opens the file; such cells are prefixed with `'` (OWASP, "CSV
//! Injection"), also when the formula character follows spaces or is a full-width form.

use std::borrow::Cow;

use super::sanitize::terminal;

/// Whether a spreadsheet would read the value as a formula: it starts (after any spaces) with
/// `=`, `+`, `-`, `@`, their full-width forms, tab, CR, `|` or `%`.
fn is_formula(value: &str) -> bool {
    value.starts_with(['\t', '\r'])
        || value.trim_start_matches(' ').starts_with([
            '=', '+', '-', '@', '|', '%', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
        ])
}

/// The value escaped for a person ([`terminal`]), with a leading `'` when a spreadsheet would run
/// it as a formula; for CSV writers that quote on their own (polars).
pub fn defuse(value: &str) -> Cow<'_, str> {
    let text = terminal(value);
    if is_formula(&text) {
        Cow::Owned(format!("'{text}"))
    } else {
        text
    }
}

/// One cell, escaped and quoted where needed.
pub fn cell(value: &str) -> Cow<'_, str> {
    let text = terminal(value);
    let formula = is_formula(&text);
    // Line breaks were escaped above; commas and quotes still need quoting.
    let needs_quotes = formula || text.contains([',', '"', '\n', '\r']);
    if !needs_quotes {
        return text;
    }
    let prefix = if formula { "'" } else { "" };
    Cow::Owned(format!("\"{prefix}{}\"", text.replace('"', "\"\"")))
}

/// One row, cells escaped and joined, with a newline.
pub fn row<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = cells.into_iter().map(cell).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_are_untouched() {
        assert_eq!(
            cell("arn:aws:iam::111122223333:role/x"),
            "arn:aws:iam::111122223333:role/x"
        );
        assert!(matches!(cell("alice@example.com"), Cow::Borrowed(_)));
    }

    #[test]
    fn formulas_are_defused_and_quotes_doubled() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("-2+3"), "\"'-2+3\"");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(defuse("+1"), "'+1");
        assert_eq!(defuse("a=b"), "a=b");
    }

    #[test]
    fn formulas_after_spaces_or_in_full_width_are_defused() {
        assert_eq!(cell("  =1+1"), "\"'  =1+1\"");
        assert_eq!(cell("\u{FF1D}1+1"), "\"'\u{FF1D}1+1\"");
        assert_eq!(defuse(" @SUM(A1)"), "' @SUM(A1)");
    }

    // Issue 13, item 8: CSV cells wrote ESC and U+202E raw.
    #[test]
    fn cells_get_the_terminal_escaping() {
        assert_eq!(
            cell("evil\u{1b}[31m\u{202e}gnp"),
            "evil\\u{001b}[31m\\u{202e}gnp"
        );
        assert_eq!(defuse("evil\u{202e}gnp"), "evil\\u{202e}gnp");
        assert_eq!(defuse("ad\u{200b}min"), "ad\\u{200b}min");
        assert_eq!(row(["x", "y\nz"]), "x,y\\u{000a}z\n");
        // An escaped tab no longer starts the cell, so it is no formula either.
        assert_eq!(cell("\t=1"), "\\u{0009}=1");
    }
}

//! CSV cells: RFC 4180 quoting, and formula injection defused.
//!
//! A log value such as `=HYPERLINK(…)` or `@SUM(…)` would run as a formula when a spreadsheet
//! opens the file; such cells are prefixed with `'` (OWASP, "CSV Injection").

use std::borrow::Cow;

/// Whether a spreadsheet would read the value as a formula.
fn is_formula(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r', '|', '%'])
}

/// The value with a leading `'` when a spreadsheet would run it as a formula; for CSV writers
/// that quote on their own (polars).
pub fn defuse(value: &str) -> Cow<'_, str> {
    if is_formula(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// One cell, escaped.
pub fn cell(value: &str) -> Cow<'_, str> {
    let formula = is_formula(value);
    let needs_quotes = formula || value.contains([',', '"', '\n', '\r']);
    if !needs_quotes {
        return Cow::Borrowed(value);
    }
    let prefix = if formula { "'" } else { "" };
    Cow::Owned(format!("\"{prefix}{}\"", value.replace('"', "\"\"")))
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
        assert_eq!(row(["x", "y\nz"]), "x,\"y\nz\"\n");
    }
}

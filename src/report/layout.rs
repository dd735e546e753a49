//! Text laid out for people: counts with their plurals, and tables that fit the terminal.
//!
//! The width is `COLUMNS` when set, else the terminal's when standard output is one; with
//! neither (output to a pipe), tables keep their natural width. A table wider than that width
//! first has its long ARNs and paths shortened or broken where a person reads them best (the
//! account and the role or session name stay whole), then its cells are wrapped; when even that
//! would leave columns too narrow to read, each row is shown as a small table of its own
//! (`field | value`). Only the terminal formats use this: JSON, CSV and the rest keep full text.

use std::fmt::Write as _;

use comfy_table::{Cell, Color};

use super::{Style, new_table};

/// The narrowest width tables are laid out for.
const MIN_WIDTH: usize = 40;
/// Columns narrower than this are hard to read: a table that cannot give each column this much
/// (or its natural width, when less) is shown row by row.
const READABLE: usize = 20;
/// The width long ARNs and paths are shortened to in a table that does not fit.
const LONG_CELL: usize = 32;

/// `1 file`, `2 files`.
pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The width output should fit: `COLUMNS` when set to a number, else the terminal's when
/// standard output is a terminal, else none.
pub(crate) fn width() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|&columns| columns > 0)
        .or_else(|| comfy_table::Table::new().width().map(usize::from))
        .map(|columns| columns.max(MIN_WIDTH))
}

/// A line of prose broken at spaces to fit the width, when there is one.
pub(crate) fn prose(text: &str) -> String {
    match width() {
        Some(width) => wrap(text, width),
        None => text.to_owned(),
    }
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word stays whole).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut line = 0;
    for word in text.split(' ') {
        let n = word.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
    }
    out
}

/// How a cell's text may be shortened to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Wrapped by the table where needed.
    Text,
    /// An ARN: its IAM path collapsed, its prefix dropped, then broken after `:` or `/`.
    Arn,
    /// A file path: broken after `/` or `_`.
    Path,
}

/// One cell of a table laid out by [`table`]: text already escaped for the terminal.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    text: String,
    shape: Shape,
    color: Option<Color>,
}

impl Field {
    /// Text the table wraps where needed.
    pub(crate) fn text(text: impl Into<String>) -> Field {
        Field {
            text: text.into(),
            shape: Shape::Text,
            color: None,
        }
    }

    /// Text that may be an ARN (shortened to fit), or a name.
    pub(crate) fn arn(text: impl Into<String>) -> Field {
        let text = text.into();
        let shape = if text.starts_with("arn:") {
            Shape::Arn
        } else {
            Shape::Text
        };
        Field {
            text,
            shape,
            color: None,
        }
    }

    /// A file path (broken into lines to fit).
    pub(crate) fn path(text: impl Into<String>) -> Field {
        Field {
            text: text.into(),
            shape: Shape::Path,
            color: None,
        }
    }

    /// The same text in colour, when the style has colour.
    pub(crate) fn color(mut self, color: Option<Color>) -> Field {
        self.color = color;
        self
    }

    /// The text, fitted to `budget` characters per line.
    fn fitted(&self, budget: usize) -> String {
        if self.text.chars().count() <= budget {
            return self.text.clone();
        }
        match self.shape {
            Shape::Text => self.text.clone(),
            Shape::Arn => fit_arn(&self.text, budget),
            Shape::Path => break_at(&self.text, &['/', '_'], budget),
        }
    }

    fn cell(&self, budget: usize, style: Style) -> Cell {
        let cell = Cell::new(self.fitted(budget));
        match self.color {
            Some(color) if style.color => cell.fg(color),
            _ => cell,
        }
    }
}

/// A table of `header` and `rows` that fits the width, rendered (see the module's header).
pub(crate) fn table(header: &[&str], rows: &[Vec<Field>], style: Style) -> String {
    let Some(width) = width() else {
        return grid(header, rows, usize::MAX, style).to_string();
    };
    if total(&widths(header, rows, usize::MAX)) <= width {
        return grid(header, rows, usize::MAX, style).to_string();
    }
    let shortened = widths(header, rows, LONG_CELL);
    let readable: usize = shortened.iter().map(|&w| w.min(READABLE)).sum();
    if readable + borders(header.len()) <= width {
        // The table wraps what is still too wide (new_table arranges to the width).
        return grid(header, rows, LONG_CELL, style).to_string();
    }
    records(header, rows, width, style)
}

/// Vertical borders and padding of a table of `columns` columns.
fn borders(columns: usize) -> usize {
    3 * columns + 1
}

fn total(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + borders(widths.len())
}

/// Each column's widest line, with long cells fitted to `budget`.
fn widths(header: &[&str], rows: &[Vec<Field>], budget: usize) -> Vec<usize> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (slot, field) in widths.iter_mut().zip(row) {
            *slot = (*slot).max(longest_line(field.fitted(budget).as_str()));
        }
    }
    widths
}

fn longest_line(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
}

fn grid(header: &[&str], rows: &[Vec<Field>], budget: usize, style: Style) -> comfy_table::Table {
    let mut table = new_table(style);
    table.set_header(header.to_vec());
    for row in rows {
        table.add_row(
            row.iter()
                .map(|field| field.cell(budget, style))
                .collect::<Vec<Cell>>(),
        );
    }
    table
}

/// Each row as a two-column table of its own: the column name, the value.
fn records(header: &[&str], rows: &[Vec<Field>], width: usize, style: Style) -> String {
    let key = header.iter().map(|h| h.chars().count()).max().unwrap_or(0);
    let budget = width.saturating_sub(key + borders(2)).max(READABLE);
    let mut text = String::new();
    for row in rows {
        let mut table = new_table(style);
        for (name, field) in header.iter().zip(row) {
            table.add_row(vec![Cell::new(*name), field.cell(budget, style)]);
        }
        if !text.is_empty() {
            text.push('\n');
        }
        let _ = write!(text, "{table}");
    }
    text
}

/// An ARN in lines of at most `budget` characters: the IAM path between the resource type and
/// its name collapsed to `…` (`role/…/Name`), then the `arn:partition:service:region:` prefix
/// dropped (the account stays), then broken after `:` or `/`.
fn fit_arn(arn: &str, budget: usize) -> String {
    let fits = |text: &str| text.chars().count() <= budget;
    if fits(arn) {
        return arn.to_owned();
    }
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(_), Some(_), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return break_at(arn, &['/', ':'], budget);
    };
    let collapsed = collapse(resource);
    let prefix = arn.strip_suffix(resource).unwrap_or("");
    let whole = format!("{prefix}{collapsed}");
    if fits(&whole) {
        return whole;
    }
    let short = if account.is_empty() {
        collapsed
    } else {
        format!("{account}:{collapsed}")
    };
    if fits(&short) {
        return short;
    }
    break_at(&short, &['/', ':'], budget)
}

/// `role/service-role/Name` → `role/…/Name`: the IAM path, never the name.
fn collapse(resource: &str) -> String {
    let segments: Vec<&str> = resource.split('/').collect();
    match segments.as_slice() {
        [kind, _, .., name]
            if matches!(
                *kind,
                "role" | "user" | "group" | "policy" | "instance-profile"
            ) =>
        {
            format!("{kind}/…/{name}")
        }
        _ => resource.to_owned(),
    }
}

/// `text` in lines of at most `budget` characters, broken after one of `marks` where possible,
/// else inside a word.
fn break_at(text: &str, marks: &[char], budget: usize) -> String {
    let budget = budget.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for token in text.split_inclusive(marks) {
        let n = token.chars().count();
        if used > 0 && used + n > budget {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if n <= budget {
            line.push_str(token);
            used += n;
            continue;
        }
        for c in token.chars() {
            if used == budget {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += 1;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_their_plural() {
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(0, "file", "files"), "0 files");
        assert_eq!(count(2, "person", "people"), "2 people");
    }

    #[test]
    fn prose_wraps_at_spaces() {
        assert_eq!(wrap("aaa bbb ccc", 7), "aaa bbb\nccc");
        assert_eq!(wrap("aaaaaaaaaa b", 4), "aaaaaaaaaa\nb");
    }

    #[test]
    fn arns_keep_the_account_and_the_name() {
        let arn = "arn:aws:iam::444455556666:role/service-role/RedshiftSharedServiceRole";
        assert_eq!(fit_arn(arn, 80), arn);
        assert_eq!(
            fit_arn(arn, 60),
            "arn:aws:iam::444455556666:role/…/RedshiftSharedServiceRole"
        );
        assert_eq!(
            fit_arn(arn, 45),
            "444455556666:role/…/RedshiftSharedServiceRole"
        );
        assert_eq!(
            fit_arn(arn, 32),
            "444455556666:role/…/\nRedshiftSharedServiceRole"
        );
        let session = "arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_DataAnalyst_0123456789abcdef/dave@example.com";
        assert_eq!(
            fit_arn(session, 60),
            "444455556666:assumed-role/\nAWSReservedSSO_DataAnalyst_0123456789abcdef/dave@example.com"
        );
        for line in fit_arn(session, 20).lines() {
            assert!(line.chars().count() <= 20, "{line}");
        }
    }

    #[test]
    fn paths_break_after_separators() {
        assert_eq!(
            break_at("logs/AWSLogs/111122223333/file.json.gz", &['/', '_'], 20),
            "logs/AWSLogs/\n111122223333/\nfile.json.gz"
        );
    }
}

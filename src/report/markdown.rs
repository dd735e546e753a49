//! `--format markdown`: a summary fit for a pull-request comment.

use std::fmt::Write as _;
use std::io::Write;

use super::Report;
use super::layout::count;
use super::sanitize::is_unsafe;
use crate::findings::short_role;
use crate::link::Status;

/// Escapes text for a Markdown table cell: markup characters and pipes are backslashed; what the
/// terminal shows escaped (line breaks and other controls, bidi overrides, zero-width
/// characters: [`is_unsafe`]) is shown as `\u{…}` here too.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // `\\u{…}`: the backslash itself escaped, so Markdown shows `\u{…}`.
            c if is_unsafe(c) => {
                let _ = write!(out, "\\\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes the summary.
pub(super) fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &report.summary;
    let high = report
        .findings
        .iter()
        .filter(|f| f.severity == crate::findings::Severity::High)
        .count();
    writeln!(
        out,
        "## tip-audit: {} ({} high)\n",
        count(report.findings.len() as u64, "finding", "findings"),
        high
    )?;
    writeln!(
        out,
        "{} in {} · {} · {} · {} silenced by policy · {} in the baseline{}{}\n",
        count(s.events, "event", "events"),
        count(s.files, "file", "files"),
        count(s.humans, "person", "people"),
        count(s.chains, "chain", "chains"),
        s.silenced,
        s.baselined,
        if s.excused_by_min_link > 0 {
            format!(" · {} excused by min_link", s.excused_by_min_link)
        } else {
            String::new()
        },
        if report.is_incomplete() {
            " · **the audit is incomplete: some files could not be read**"
        } else {
            ""
        }
    )?;
    let total: u64 = s.coverage.values().sum::<u64>().max(1);
    let share = |status: Status| {
        100.0 * s.coverage.get(&status).copied().unwrap_or(0) as f64 / total as f64
    };
    writeln!(
        out,
        "Coverage: {:.1}% propagated, {:.1}% reconstructable, {:.1}% lost, {:.1}% unattributed, {:.1}% service\n",
        share(Status::Propagated),
        share(Status::Reconstructable),
        share(Status::Lost),
        share(Status::Unattributed),
        share(Status::Service)
    )?;
    if !report.findings.is_empty() {
        writeln!(
            out,
            "| severity | kind | person | role | service | link | break event | time |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- | --- | --- |")?;
        for f in &report.findings {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                f.severity.as_str(),
                f.kind.as_str(),
                cell(&f.person_shown()),
                cell(f.role_arn.as_deref().map_or("-", short_role)),
                cell(&f.service),
                f.link.map_or("-", |l| l.as_str()),
                cell(f.break_event_id.as_deref().unwrap_or("-")),
                f.break_time.map_or("-".to_owned(), |t| t
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()),
            )?;
        }
        writeln!(out)?;
    }
    if !report.shared_roles.is_empty() {
        writeln!(
            out,
            "<details><summary>Shared roles ({})</summary>\n",
            report.shared_roles.len()
        )?;
        writeln!(
            out,
            "| role | status | people | chains | events | assumed by |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for r in &report.shared_roles {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&r.role_arn),
                r.status.as_str(),
                r.humans,
                r.chains,
                r.events,
                cell(&r.services.join(", "))
            )?;
        }
        writeln!(out, "\n</details>")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_markup() {
        assert_eq!(
            cell("a|b\n[x](javascript:y)"),
            "a\\|b\\\\u{000a}\\[x\\](javascript:y)"
        );
    }

    // Issue 13, item 8: the terminal's escaping everywhere a person reads text.
    #[test]
    fn cells_escape_controls_and_bidi_overrides_as_the_terminal_does() {
        assert_eq!(
            cell("evil\u{1b}[31m\u{202e}gnp"),
            "evil\\\\u{001b}\\[31m\\\\u{202e}gnp"
        );
        assert!(!cell("ad\u{200b}min").contains('\u{200b}'));
    }
}

//! `--format table`: the summary, findings, shared roles and unread files, for people, fitted to
//! the terminal's width (`layout.rs`).

use std::io::Write;

use comfy_table::{Cell, Color};

use super::layout::{self, Field, count};
use super::sanitize::terminal;
use super::{FileStatus, Report, Style, new_table};
use crate::findings::{Severity, short_role};
use crate::link::Status;

pub(super) fn write(report: &Report, style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &report.summary;
    let line = |text: String| layout::prose(&text);
    writeln!(
        out,
        "{}",
        line(format!(
            "tip-audit scan: {}, {}, {}, {}",
            files_read(report),
            count(s.events, "event", "events"),
            count(s.duplicates, "duplicate", "duplicates"),
            count(s.event_errors, "unreadable record", "unreadable records"),
        ))
    )?;
    writeln!(
        out,
        "{}",
        line(format!(
            "{}, {}, {}, {}",
            count(s.humans, "person", "people"),
            count(s.sessions, "session", "sessions"),
            count(s.chains, "chain", "chains"),
            count(report.findings.len() as u64, "finding", "findings"),
        ))
    )?;
    if s.silenced > 0 || s.silenced_shared_roles > 0 || s.baselined > 0 {
        writeln!(
            out,
            "{}",
            line(format!(
                "the policy silenced {} and {}; the baseline accepted {}",
                count(s.silenced, "finding", "findings"),
                count(s.silenced_shared_roles, "shared role", "shared roles"),
                count(s.baselined, "finding", "findings"),
            ))
        )?;
    }
    if s.excused_by_min_link > 0 {
        writeln!(
            out,
            "{}",
            line(format!(
                "{} did not fail the gate: {} link is weaker than the policy's min_link",
                count(s.excused_by_min_link, "finding", "findings"),
                if s.excused_by_min_link == 1 {
                    "its"
                } else {
                    "their"
                },
            ))
        )?;
    }
    if s.filtered > 0 || s.files_pruned > 0 {
        writeln!(
            out,
            "{}",
            line(format!(
                "filters left out {} and {} (by S3 key)",
                count(s.filtered, "event", "events"),
                count(s.files_pruned, "file", "files"),
            ))
        )?;
    }
    if s.machine_sessions > 0 && s.outside_aws_test == crate::findings::OutsideAwsTest::Skipped {
        writeln!(
            out,
            "{}",
            line(format!(
                "{} checked for stolen credentials; calls from outside AWS not tested (no --aws-ip-ranges)",
                count(s.machine_sessions, "machine session", "machine sessions"),
            ))
        )?;
    }
    writeln!(out)?;

    let mut coverage = new_table(style);
    coverage.set_header(vec!["status", "events", "share"]);
    let total: u64 = s.coverage.values().sum();
    for status in Status::ALL {
        let n = s.coverage.get(&status).copied().unwrap_or(0);
        let share = if total == 0 {
            0.0
        } else {
            100.0 * n as f64 / total as f64
        };
        coverage.add_row(vec![
            colored(Cell::new(status.as_str()), status_color(status), style),
            Cell::new(n),
            Cell::new(format!("{share:.1}%")),
        ]);
    }
    writeln!(out, "Coverage (events by status)\n{coverage}\n")?;

    if report.findings.is_empty() {
        writeln!(out, "No findings.\n")?;
    } else {
        let rows: Vec<Vec<Field>> = report
            .findings
            .iter()
            .map(|f| {
                vec![
                    Field::text(f.severity.as_str()).color(severity_color(f.severity)),
                    Field::text(f.kind.as_str()),
                    Field::arn(terminal(&f.person_shown())),
                    Field::text(terminal(f.role_arn.as_deref().map_or("-", short_role))),
                    Field::text(terminal(&f.service)),
                    Field::text(f.link.map_or("-", |l| l.as_str())),
                    Field::text(terminal(f.break_event_id.as_deref().unwrap_or("-"))),
                    Field::text(f.break_time.map_or("-".to_owned(), |t| {
                        t.format("%Y-%m-%d %H:%M:%S").to_string()
                    })),
                    Field::text(f.events_after_break.to_string()),
                ]
            })
            .collect();
        let findings = layout::table(
            &[
                "severity",
                "kind",
                "person",
                "role",
                "service",
                "link",
                "break event",
                "time",
                "events",
            ],
            &rows,
            style,
        );
        writeln!(out, "Findings\n{findings}\n")?;
    }

    if !report.shared_roles.is_empty() {
        let rows: Vec<Vec<Field>> = report
            .shared_roles
            .iter()
            .map(|r| {
                vec![
                    Field::arn(terminal(&r.role_arn)),
                    Field::text(r.status.as_str()).color(status_color(r.status)),
                    Field::text(r.humans.to_string()),
                    Field::text(r.chains.to_string()),
                    Field::text(r.events.to_string()),
                    Field::text(terminal(&r.services.join(", "))),
                ]
            })
            .collect();
        let roles = layout::table(
            &[
                "shared role",
                "status",
                "people",
                "chains",
                "events",
                "assumed by",
            ],
            &rows,
            style,
        );
        writeln!(out, "Shared roles\n{roles}\n")?;
    }

    if !report.files.is_empty() {
        let rows: Vec<Vec<Field>> = report
            .files
            .iter()
            .map(|f| {
                let color = matches!(f.status, FileStatus::Failed | FileStatus::Incomplete)
                    .then_some(Color::Red);
                vec![
                    Field::path(terminal(&f.path)),
                    Field::text(file_status(f.status)).color(color),
                    Field::text(terminal(&f.reason)),
                ]
            })
            .collect();
        let files = layout::table(&["file", "status", "reason"], &rows, style);
        writeln!(out, "Files not audited\n{files}")?;
    }
    Ok(())
}

/// The files part of a summary: `50 files read, 2 skipped`, and, when some were, how many were
/// read only in part, repaired, or could not be read.
pub(super) fn files_read(report: &Report) -> String {
    let with =
        |status: FileStatus| report.files.iter().filter(|f| f.status == status).count() as u64;
    let mut text = format!("{} read", count(report.summary.files, "file", "files"));
    let mut notes = Vec::new();
    let incomplete = with(FileStatus::Incomplete);
    if incomplete > 0 {
        notes.push(format!("{incomplete} only in part"));
    }
    let repaired = with(FileStatus::Repaired);
    if repaired > 0 {
        notes.push(format!("{repaired} repaired"));
    }
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join(", ")));
    }
    let skipped = with(FileStatus::Skipped);
    if skipped > 0 {
        text.push_str(&format!(", {skipped} skipped"));
    }
    let failed = with(FileStatus::Failed);
    if failed > 0 {
        text.push_str(&format!(", {failed} failed"));
    }
    text
}

/// The word for a file's status.
pub(super) fn file_status(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Skipped => "skipped",
        FileStatus::Failed => "failed",
        FileStatus::Incomplete => "incomplete",
        FileStatus::Repaired => "repaired",
    }
}

fn colored(cell: Cell, color: Option<Color>, style: Style) -> Cell {
    match color {
        Some(color) if style.color => cell.fg(color),
        _ => cell,
    }
}

fn severity_color(severity: Severity) -> Option<Color> {
    Some(match severity {
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
    })
}

/// The colour of a status in tables.
pub(super) fn status_color(status: Status) -> Option<Color> {
    match status {
        Status::Propagated => Some(Color::Green),
        Status::Reconstructable => Some(Color::Yellow),
        Status::Lost => Some(Color::Red),
        Status::Unattributed | Status::Service => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FileNote, Summary};

    fn note(status: FileStatus) -> FileNote {
        FileNote {
            path: "x".to_owned(),
            reason: "y".to_owned(),
            status,
        }
    }

    // Issue 13, item 12: "1 files", "0 skipped (2 failed)" when two files were read in part.
    #[test]
    fn the_files_phrase_counts_each_kind_once_in_words() {
        let mut report = Report {
            summary: Summary {
                files: 1,
                ..Summary::default()
            },
            ..Report::default()
        };
        assert_eq!(files_read(&report), "1 file read");
        report.summary.files = 2;
        report.files = vec![note(FileStatus::Incomplete), note(FileStatus::Incomplete)];
        assert_eq!(files_read(&report), "2 files read (2 only in part)");
        report.files = vec![
            note(FileStatus::Skipped),
            note(FileStatus::Failed),
            note(FileStatus::Repaired),
        ];
        assert_eq!(
            files_read(&report),
            "2 files read (1 repaired), 1 skipped, 1 failed"
        );
    }
}

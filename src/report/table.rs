//! `--format table`: the summary, findings, shared roles and unread files, for people.

use std::io::Write;

use comfy_table::{Cell, Color};

use super::sanitize::terminal;
use super::{FileStatus, Report, Style, new_table};
use crate::findings::{Severity, short_role};
use crate::link::Status;

pub(super) fn write(report: &Report, style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "tip-audit scan: {} files read, {} skipped ({} failed), {} events, {} duplicates, {} unreadable records",
        s.files, s.files_skipped, s.files_failed, s.events, s.duplicates, s.event_errors
    )?;
    writeln!(
        out,
        "{} humans, {} sessions, {} chains, {} findings",
        s.humans,
        s.sessions,
        s.chains,
        report.findings.len()
    )?;
    if s.silenced > 0 || s.silenced_shared_roles > 0 || s.baselined > 0 {
        writeln!(
            out,
            "the policy silenced {} findings and {} shared roles; the baseline accepted {} findings",
            s.silenced, s.silenced_shared_roles, s.baselined
        )?;
    }
    if s.excused_by_min_link > 0 {
        writeln!(
            out,
            "{} findings did not fail the gate: their link is weaker than the policy's min_link",
            s.excused_by_min_link
        )?;
    }
    if s.filtered > 0 || s.files_pruned > 0 {
        writeln!(
            out,
            "filters left out {} events and {} files (by S3 key)",
            s.filtered, s.files_pruned
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
        let mut findings = new_table(style);
        findings.set_header(vec![
            "severity",
            "kind",
            "human",
            "role",
            "service",
            "link",
            "break event",
            "time",
            "events",
        ]);
        for f in &report.findings {
            findings.add_row(vec![
                colored(
                    Cell::new(f.severity.as_str()),
                    severity_color(f.severity),
                    style,
                ),
                Cell::new(f.kind.as_str()),
                Cell::new(terminal(&f.person_shown())),
                Cell::new(terminal(f.role_arn.as_deref().map_or("-", short_role))),
                Cell::new(terminal(&f.service)),
                Cell::new(f.link.map_or("-", |l| l.as_str())),
                Cell::new(terminal(f.break_event_id.as_deref().unwrap_or("-"))),
                Cell::new(f.break_time.map_or("-".to_owned(), |t| {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                })),
                Cell::new(f.events_after_break),
            ]);
        }
        writeln!(out, "Findings\n{findings}\n")?;
    }

    if !report.shared_roles.is_empty() {
        let mut roles = new_table(style);
        roles.set_header(vec![
            "shared role",
            "humans",
            "chains",
            "events",
            "assumed by",
        ]);
        for r in &report.shared_roles {
            roles.add_row(vec![
                Cell::new(terminal(&r.role_arn)),
                Cell::new(r.humans),
                Cell::new(r.chains),
                Cell::new(r.events),
                Cell::new(terminal(&r.services.join(", "))),
            ]);
        }
        writeln!(out, "Shared roles\n{roles}\n")?;
    }

    if !report.files.is_empty() {
        let mut files = new_table(style);
        files.set_header(vec!["file", "status", "reason"]);
        for f in &report.files {
            let status = match f.status {
                FileStatus::Skipped => "skipped",
                FileStatus::Failed => "failed",
                FileStatus::Incomplete => "incomplete",
                FileStatus::Repaired => "repaired",
            };
            let color = matches!(f.status, FileStatus::Failed | FileStatus::Incomplete)
                .then_some(Color::Red);
            files.add_row(vec![
                Cell::new(terminal(&f.path)),
                colored(Cell::new(status), color, style),
                Cell::new(terminal(&f.reason)),
            ]);
        }
        writeln!(out, "Files not audited\n{files}")?;
    }
    Ok(())
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

fn status_color(status: Status) -> Option<Color> {
    match status {
        Status::Propagated => Some(Color::Green),
        Status::Reconstructable => Some(Color::Yellow),
        Status::Lost => Some(Color::Red),
        Status::Unattributed | Status::Service => None,
    }
}

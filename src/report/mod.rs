//! The finished result of a scan, and the formats that render it.
//!
//! A [`Report`] is built once, already sorted; reporters only render it into a writer. Only this
//! module writes results, and every log string passes through [`sanitize`] on its way to a
//! terminal.

pub mod chains;
pub mod csv;
mod html;
mod json;
pub mod sanitize;
mod table;
pub mod timeline;
pub mod verify;

pub use chains::ChainsFormat;
pub use timeline::TimelineFormat;

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::findings::{Finding, SharedRole};
use crate::link::Status;

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Tables for people.
    #[default]
    Table,
    /// The `tip-audit/scan/v1` document.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// How terminal output looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Use colour.
    pub color: bool,
}

/// Totals of a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Files read (fully or in part).
    pub files: u64,
    /// Files skipped or failed.
    pub files_skipped: u64,
    /// Of those, files that could not be read or were read only in part: the audit is incomplete.
    pub files_failed: u64,
    /// Files ruled out by `--since/--account/--region` from their S3 key, never opened.
    pub files_pruned: u64,
    /// Records found in the files read.
    pub records: u64,
    /// Unique events audited.
    pub events: u64,
    /// Events seen more than once (same `eventID`), counted once.
    pub duplicates: u64,
    /// Records that could not be read as CloudTrail events.
    pub event_errors: u64,
    /// Events outside `--since/--until/--account/--region`.
    pub filtered: u64,
    /// Distinct people.
    pub humans: u64,
    /// Sessions (sets of credentials).
    pub sessions: u64,
    /// Chains (trees of sessions started by one person).
    pub chains: u64,
    /// Events per status.
    pub coverage: BTreeMap<Status, u64>,
}

/// A file that was not (fully) audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileNote {
    /// The path.
    pub path: String,
    /// Why.
    pub reason: String,
    /// `skipped` (no events to audit), `failed` (unreadable), `incomplete` (read in part) or
    /// `repaired` (read in full after a repair).
    pub status: FileStatus,
}

/// What happened to a file that was not fully audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Not an event source.
    Skipped,
    /// Could not be read.
    Failed,
    /// Read up to a point.
    Incomplete,
    /// Read in full after a repair (invalid UTF-8 replaced); the audit is complete.
    Repaired,
}

/// The result of a scan.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Totals.
    pub summary: Summary,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Shared roles.
    pub shared_roles: Vec<SharedRole>,
    /// Files not fully audited, by path.
    pub files: Vec<FileNote>,
    /// The chains findings are in, drawn in the HTML report.
    pub chains: Vec<crate::link::tree::ChainView>,
}

impl Report {
    /// Whether some input could not be audited (exit status 2).
    pub fn is_incomplete(&self) -> bool {
        self.files
            .iter()
            .any(|f| matches!(f.status, FileStatus::Failed | FileStatus::Incomplete))
    }
}

/// Renders the report.
pub fn write(
    report: &Report,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => table::write(report, style, out),
        Format::Json => json::write(report, out),
        Format::Html => html::write(report, out),
    }
}

/// A table in the house style: colour only when asked for.
fn new_table(style: Style) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

//! The finished result of a scan, and the formats that render it.
//!
//! A [`Report`] is built once, already sorted; reporters only render it into a writer. Only this
//! module writes results, and every log string passes through [`sanitize`] on its way to a
//! person (terminal tables, CSV, HTML, Markdown).

pub mod chains;
#[cfg(feature = "columnar")]
pub mod columnar;
#[cfg(not(feature = "columnar"))]
#[path = "columnar_disabled.rs"]
pub mod columnar;
pub mod csv;
pub mod event_lines;
mod html;
mod json;
mod layout;
mod markdown;
pub mod provenance;
pub mod sanitize;
mod sarif;
mod table;
pub mod timeline;
pub mod verify;
pub mod who;

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::findings::{Finding, OutsideAwsTest, SharedRole};
use crate::link::Status;

pub use provenance::Provenance;

/// Every output format; each command writes the ones its writer matches (the command line
/// offers each command only those).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Tables for people.
    #[default]
    Table,
    /// The `tip-audit/scan/v1` document.
    Json,
    /// One self-contained HTML page.
    Html,
    /// One finding per line.
    Jsonl,
    /// One finding per row.
    Csv,
    /// SARIF 2.1.0.
    Sarif,
    /// A summary for a pull-request comment.
    Markdown,
    /// Indented text (chains).
    Text,
    /// Graphviz (chains).
    Dot,
    /// Mermaid (chains).
    Mermaid,
    /// Apache Parquet (export).
    Parquet,
    /// JSON Lines with the columns Timesketch requires (timeline).
    Timesketch,
}

impl Format {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Html => "html",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Sarif => "sarif",
            Format::Markdown => "markdown",
            Format::Text => "text",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
            Format::Parquet => "parquet",
            Format::Timesketch => "timesketch",
        }
    }

    /// The format a file name asks for by its extension (`report.html`, `tip.sarif`), if any.
    pub fn for_path(path: &std::path::Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "html" | "htm" => Format::Html,
            "csv" => Format::Csv,
            "sarif" => Format::Sarif,
            "md" | "markdown" => Format::Markdown,
            "dot" | "gv" => Format::Dot,
            "mmd" | "mermaid" => Format::Mermaid,
            "parquet" => Format::Parquet,
            _ => return None,
        })
    }
}

/// The error of a writer asked for a format it does not write.
pub(crate) fn unsupported(format: Format, what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{what} cannot be written as {}", format.as_str()),
    )
}

impl Format {
    /// Reads a format name (`--export FORMAT=PATH`).
    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "table" => Format::Table,
            "json" => Format::Json,
            "html" => Format::Html,
            "jsonl" => Format::Jsonl,
            "csv" => Format::Csv,
            "sarif" => Format::Sarif,
            "markdown" | "md" => Format::Markdown,
            _ => return None,
        })
    }
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
    /// Events without `userIdentity` (exports that strip it): read and counted, but they name
    /// nobody and are in no coverage status.
    pub not_auditable: u64,
    /// Workloads (web identities of GitHub Actions, EKS, Cognito, Roles Anywhere) that started
    /// chains; not counted as people.
    pub workloads: u64,
    /// Sessions (sets of credentials).
    pub sessions: u64,
    /// Chains (trees of sessions started by one person).
    pub chains: u64,
    /// Events AWS services made for a caller under a key of their own (forward access
    /// sessions), counted with the caller's session rather than as sessions of their own.
    pub forwarded: u64,
    /// Events per status.
    pub coverage: BTreeMap<Status, u64>,
    /// Findings silenced by the policy file's allowlists.
    pub silenced: u64,
    /// Shared roles silenced by the policy file's allowlists.
    pub silenced_shared_roles: u64,
    /// Findings left out because the baseline lists them.
    pub baselined: u64,
    /// Findings at or above `--fail-on` that did not fail the gate because their link is weaker
    /// than the policy's `min_link`.
    pub excused_by_min_link: u64,
    /// Machine sessions (instance-profile, task and function credentials) checked for use away
    /// from the machine (`exfiltrated_credentials`).
    pub machine_sessions: u64,
    /// Whether `exfiltrated_credentials` tested for calls from outside AWS (`ran`, with
    /// `--aws-ip-ranges`) or could not (`skipped`).
    pub outside_aws_test: OutsideAwsTest,
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
    /// Where the report comes from: tool, inputs as given, filters, policy file.
    pub provenance: Provenance,
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
        Format::Jsonl => json::write_lines(report, out),
        Format::Csv => findings_csv(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Markdown => markdown::write(report, out),
        other => Err(unsupported(other, "a scan report")),
    }
}

/// A table in the house style: colour only when asked for; as wide as the terminal (or
/// `COLUMNS`) at most, wrapping cells to fit, else as wide as its content.
fn new_table(style: Style) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    match layout::width() {
        Some(width) => {
            table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
            table.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
        }
        None => {
            table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
        }
    }
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

/// One row per finding, formula-injection safe.
fn findings_csv(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(
        csv::row([
            "severity",
            "kind",
            "human",
            "evidence",
            "chain_id",
            "break_event_id",
            "break_time",
            "service",
            "role_arn",
            "link",
            "events_after_break",
            "accounts",
            "fingerprint",
            "break_file",
        ])
        .as_bytes(),
    )?;
    for f in &report.findings {
        let time = f.break_time.map_or(String::new(), |t| {
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        });
        let events = f.events_after_break.to_string();
        let accounts = f.accounts.join(" ");
        let fingerprint = f.fingerprint();
        out.write_all(
            csv::row([
                f.severity.as_str(),
                f.kind.as_str(),
                f.human.as_deref().unwrap_or(""),
                f.evidence.map_or("", |e| e.as_str()),
                f.chain_id.as_deref().unwrap_or(""),
                f.break_event_id.as_deref().unwrap_or(""),
                &time,
                &f.service,
                f.role_arn.as_deref().unwrap_or(""),
                f.link.map_or("", |l| l.as_str()),
                &events,
                &accounts,
                &fingerprint,
                f.break_file.as_deref().unwrap_or(""),
            ])
            .as_bytes(),
        )?;
    }
    Ok(())
}

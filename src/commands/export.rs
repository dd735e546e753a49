//! `tip-audit export`: one row per event with its attribution, written to Parquet, CSV or JSON
//! Lines by a second pass over the files. Nothing audited, nothing written.

use super::{Messages, Outcome, check_input, completeness, note_policy, plural};
use crate::config::{ExportConfig, ExportTarget};
use crate::export::{Dedup, Lookup, Row};
use crate::pipeline;
use crate::report::columnar::{Target, Writer};
use crate::report::event_lines;

/// Runs an export.
pub fn run(config: &ExportConfig, messages: Messages) -> anyhow::Result<Outcome> {
    note_policy(&config.input, messages);
    pipeline::require_rereadable(&config.input, "export")?;
    let analysis = pipeline::analyze(&config.input, None)?;
    if !check_input(&analysis.report, &config.input, messages) {
        return Ok(Outcome::Incomplete);
    }
    let lookup = Lookup::new(&analysis.graph);
    let filter = &config.input.filter;
    let mut sink = Sink::new(&config.target);
    let mut dedup = Dedup::default();
    let unread = pipeline::for_each_record(
        &analysis.sources,
        &config.input,
        |path, _, record, rows| rows.extend(lookup.row(filter, path, record)),
        |rows| {
            for row in rows {
                if dedup.first_time(&row) {
                    sink.push(row)?;
                }
            }
            Ok(())
        },
    )?;
    let written = sink.finish()?;
    let outcome = super::after_second_pass(&unread, messages, completeness(&analysis.report));
    if written == 0 {
        messages.error(format_args!(
            "nothing exported: no event of the first pass was found again in {}",
            super::given(&config.input.paths)
        ));
        return Ok(Outcome::Incomplete);
    }
    let (to, format) = match &config.target {
        ExportTarget::Parquet(path) => (path.display().to_string(), "parquet"),
        ExportTarget::Partitioned(path) => (
            path.display().to_string(),
            "parquet, partitioned by account and date",
        ),
        ExportTarget::Csv(path) => (path.display().to_string(), "csv"),
        ExportTarget::JsonLines(Some(path)) => (path.display().to_string(), "jsonl"),
        ExportTarget::JsonLines(None) => return Ok(outcome),
    };
    messages.note(format_args!(
        "wrote {} to {to} ({format})",
        plural(written, "event")
    ));
    Ok(outcome)
}

/// Where the rows go: polars for Parquet and CSV, JSON Lines without it.
enum Sink {
    Columnar(Writer),
    Lines(event_lines::Writer),
}

impl Sink {
    fn new(target: &ExportTarget) -> Sink {
        match target {
            ExportTarget::Parquet(path) => {
                Sink::Columnar(Writer::new(Target::Parquet(path.clone())))
            }
            ExportTarget::Partitioned(path) => {
                Sink::Columnar(Writer::new(Target::Partitioned(path.clone())))
            }
            ExportTarget::Csv(path) => Sink::Columnar(Writer::new(Target::Csv(path.clone()))),
            ExportTarget::JsonLines(path) => Sink::Lines(event_lines::Writer::new(path.clone())),
        }
    }

    fn push(&mut self, row: Row) -> anyhow::Result<()> {
        match self {
            Sink::Columnar(writer) => writer.push(row),
            Sink::Lines(writer) => writer.push(&row),
        }
    }

    /// Closes every file; the rows written.
    fn finish(self) -> anyhow::Result<u64> {
        match self {
            Sink::Columnar(writer) => writer.finish(),
            Sink::Lines(writer) => writer.finish(),
        }
    }
}

//! `tip-audit export`: one row per event with its attribution, written to Parquet or CSV by a
//! second pass over the files.

use super::{Outcome, completeness};
use crate::config::ExportConfig;
use crate::export::{Dedup, Lookup};
use crate::pipeline;
use crate::report::columnar::{Target, Writer};

/// Runs an export.
pub fn run(config: &ExportConfig) -> anyhow::Result<Outcome> {
    pipeline::require_rereadable(&config.input, "export")?;
    let analysis = pipeline::analyze(&config.input, None)?;
    let lookup = Lookup::new(&analysis.graph);
    let filter = &config.input.filter;
    let mut writer = Writer::new(Target::for_path(&config.output));
    let mut dedup = Dedup::default();
    pipeline::for_each_record(
        &analysis.sources,
        &config.input,
        |path, _, record, rows| rows.extend(lookup.row(filter, path, record)),
        |rows| {
            for row in rows {
                if dedup.first_time(&row) {
                    writer.push(row)?;
                }
            }
            Ok(())
        },
    )?;
    let written = writer.finish()?;
    #[allow(clippy::print_stderr)] // a one-line receipt; the data went to the file
    {
        eprintln!(
            "tip-audit: {written} events written to {}",
            config.output.display()
        );
    }
    Ok(completeness(&analysis.report))
}

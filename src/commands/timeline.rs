//! `tip-audit timeline`: every event of one person's sessions, in time order, by a second pass
//! over the files.

use super::{Outcome, completeness, emit};
use crate::config::TimelineConfig;
use crate::link::Locator;
use crate::pipeline;
use crate::report;
use crate::timeline;

/// Prints the timeline of the people the settings name.
pub fn run(config: &TimelineConfig) -> anyhow::Result<Outcome> {
    pipeline::require_rereadable(&config.input, "timeline")?;
    let analysis = pipeline::analyze(&config.input, None)?;
    let humans = analysis.humans_named(&config.human)?;
    let places = timeline::places(&analysis.graph, &humans);
    let locator = Locator::new(&analysis.graph);
    let filter = &config.input.filter;
    let mut rows = Vec::new();
    pipeline::for_each_record(
        &analysis.sources,
        &config.input,
        |path, index, record, out| {
            timeline::rows_of(&locator, &places, filter, path, index, record, out)
        },
        |file_rows| {
            rows.extend(file_rows);
            Ok(())
        },
    )?;
    let rows = timeline::finish(rows);
    let shown = humans
        .iter()
        .map(|h| analysis.graph.display(h))
        .collect::<Vec<_>>()
        .join(", ");
    emit(config.output.as_deref(), |out| {
        report::timeline::write(&shown, &rows, config.format, config.style, out)
    })?;
    Ok(completeness(&analysis.report))
}

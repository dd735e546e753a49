//! `tip-audit timeline`: every event of one person's sessions, in time order, by a second pass
//! over the files.

use super::{Messages, Outcome, check_input, completeness, emit};
use crate::config::TimelineConfig;
use crate::link::Locator;
use crate::pipeline;
use crate::report;
use crate::timeline;

/// Prints the timeline of the people the settings name.
pub fn run(config: &TimelineConfig, messages: Messages) -> anyhow::Result<Outcome> {
    pipeline::require_rereadable(&config.input, "timeline")?;
    let analysis = pipeline::analyze(&config.input, None)?;
    // The input's problems first: a person cannot be found in logs that could not be read.
    if !check_input(&analysis.report, &config.input, messages) {
        return Ok(Outcome::Incomplete);
    }
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
    let what = format!("{} timeline", config.format.as_str());
    emit(config.output.as_deref(), &what, messages, |out| {
        report::timeline::write(&shown, &rows, config.format, config.style, out)
    })?;
    Ok(completeness(&analysis.report))
}

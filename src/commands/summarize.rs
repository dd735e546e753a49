//! `tip-audit summarize`: the map of a scan that outgrows one machine. Reads the inputs as a
//! scan does (the same inputs, filters and limits) and writes a shard summary instead of a
//! report: every file's folded outcome and what became of it, under a header naming what shapes
//! the result (docs/summary-format.md). `tip-audit merge` turns summaries into the report a scan
//! of all their inputs prints. A summary of inputs with no events is a summary like any other.

use super::{Messages, Outcome, note_policy, plural};
use crate::config::SummarizeConfig;
use crate::discover;
use crate::pipeline::{self, FileDone, FileRead};
use crate::shard::{Header, Settings, ShardWriter};

/// Writes the shard summary of the inputs. Exits 0 once it is written, whatever the files held:
/// a file that could not be read is recorded in the summary, and the merge reports it.
pub fn run(config: &SummarizeConfig, messages: Messages) -> anyhow::Result<Outcome> {
    let input = &config.input;
    note_policy(input, messages);
    let settings = Settings::of(input)?;
    let triggers = pipeline::triggers(input);
    let discovered = discover::sources(&input.paths, &input.filter, &input.s3)?;
    let pool = pipeline::pool(input.threads)?;
    let header = Header::new(settings, input, &discovered);
    let mut writer = ShardWriter::create(&config.output, &header)?;
    let write = |(path, verdict, outcome): FileDone| {
        writer.add(path, FileRead::from(verdict), outcome);
    };
    pipeline::read_sources(&discovered.sources, input, &triggers, &pool, write);
    let written = writer.finish()?;
    messages.note(format_args!(
        "wrote {} (shard summary of {}, {})",
        config.output.display(),
        plural(written.files, "file"),
        plural(written.events, "event")
    ));
    Ok(Outcome::Clean)
}

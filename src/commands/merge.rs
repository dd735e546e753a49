//! `tip-audit merge`: the reduce of a scan that outgrew one machine. Reads shard summaries
//! (`tip-audit summarize`), refuses those made with other settings or by another build, replays
//! every file they hold in the order a scan of all their inputs reads them (an event in two
//! shards counted once), then links, finds and reports exactly as a scan does: the same report,
//! provenance aside, and the same exit status.

use anyhow::Context;

use super::{Messages, Outcome, scan};
use crate::config::MergeConfig;
use crate::pipeline::{self, Assembly, Tables};
use crate::shard::Shards;

/// Merges the shard summaries and reports as `scan` does.
pub fn run(config: &MergeConfig, messages: Messages) -> anyhow::Result<Outcome> {
    let shards = Shards::open(&config.shards)?;
    let settings = shards.settings().context("no shard summaries to merge")?;
    let like_scan = config.scan(settings)?;
    let tables = Tables::load(&like_scan.input)?;
    let mut assembly = Assembly::new(shards.pruned());
    shards.replay(|path, read, mut outcome| {
        outcome.renumber(assembly.next_file());
        assembly.add_file(path, read, outcome);
    })?;
    let (report, _) = pipeline::conclude(assembly, &like_scan.input, &tables, Vec::new());
    scan::finish(&like_scan, report, None, messages)
}

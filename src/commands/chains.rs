//! `tip-audit chains`: the chains of sessions, as text, JSON, Graphviz or Mermaid.

use anyhow::bail;

use super::{Messages, Outcome, check_input, completeness, emit, note_policy};
use crate::config::ChainsConfig;
use crate::link::tree::ChainView;
use crate::pipeline;
use crate::report;

/// Prints the chains the settings select.
pub fn run(config: &ChainsConfig, messages: Messages) -> anyhow::Result<Outcome> {
    note_policy(&config.input, messages);
    let analysis = pipeline::analyze(&config.input, None)?;
    if !check_input(&analysis.report, &config.input, messages) {
        return Ok(Outcome::Incomplete);
    }
    let graph = &analysis.graph;
    let humans = match &config.human {
        Some(text) => Some(analysis.humans_named(text)?),
        None => None,
    };
    let children = graph.children();
    let views: Vec<ChainView> = graph
        .chains
        .iter()
        .filter(|c| config.chain.as_ref().is_none_or(|id| *id == c.id))
        .filter(|c| humans.as_ref().is_none_or(|h| h.contains(&c.human)))
        .map(|c| graph.view(c, &children))
        .collect();
    if let Some(id) = &config.chain
        && views.is_empty()
    {
        bail!("no chain {id} in these logs");
    }
    let what = format!("{} chains", config.format.as_str());
    emit(config.output.as_deref(), &what, messages, |out| {
        report::chains::write(
            &views,
            &config.input.provenance,
            config.format,
            config.style,
            out,
        )
    })?;
    Ok(completeness(&analysis.report))
}

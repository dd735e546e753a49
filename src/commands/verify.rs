//! `tip-audit verify`: log integrity against CloudTrail digest files, offline.

use super::{Outcome, emit};
use crate::config::VerifyConfig;
use crate::discover::{self, Filter};
use crate::pipeline;
use crate::report;
use crate::verify::{self, KeyRing};

/// Verifies every log file and digest under the inputs.
pub fn run(config: &VerifyConfig) -> anyhow::Result<Outcome> {
    let keys = config
        .public_key
        .as_deref()
        .map(KeyRing::load)
        .transpose()?;
    let discovered = discover::sources(&config.paths, &Filter::default());
    let verification =
        pipeline::pool(config.threads)?.install(|| verify::run(&discovered.sources, keys.as_ref()));
    emit(config.output.as_deref(), |out| {
        report::verify::write(&verification, config.format, config.style, out)
    })?;
    Ok(if verification.intact() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

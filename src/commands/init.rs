//! `tip-audit init`: write the commented policy file template.

use anyhow::{Context, bail};

use super::Outcome;
use crate::config::InitConfig;
use crate::policy;

/// Writes the template, refusing to replace a file unless told to.
pub fn run(config: &InitConfig) -> anyhow::Result<Outcome> {
    if config.output.exists() && !config.force {
        bail!(
            "{} exists (use --force to replace it)",
            config.output.display()
        );
    }
    std::fs::write(&config.output, policy::TEMPLATE)
        .with_context(|| format!("cannot write {}", config.output.display()))?;
    Ok(Outcome::Clean)
}

//! `tip-audit init`: write the commented policy file template.

use anyhow::{Context, bail};

use super::{Messages, Outcome};
use crate::config::InitConfig;
use crate::policy;

/// Writes the template, refusing to replace a file unless told to.
pub fn run(config: &InitConfig, messages: Messages) -> anyhow::Result<Outcome> {
    if config.output.exists() && !config.force {
        bail!(
            "{} exists (use --force to replace it)",
            config.output.display()
        );
    }
    std::fs::write(&config.output, policy::TEMPLATE)
        .with_context(|| format!("cannot write {}", config.output.display()))?;
    messages.note(format_args!(
        "wrote {} (policy file template)",
        config.output.display()
    ));
    Ok(Outcome::Clean)
}

//! `tip-audit man [COMMAND]`: the manual page in roff, on standard output, generated
//! (`clap_mangen`) from the same definitions as `--help`: the page of `tip-audit`, whose list of
//! commands refers to `tip-audit-scan(1)` and the like, or the page of one command.
//!
//! This command describes the command line itself, so it reads the clap definitions in `cli`
//! directly instead of settings from `config`.

use std::io::Write;

use anyhow::bail;
use clap::CommandFactory;
use clap_mangen::Man;

use super::{Messages, Outcome, emit};
use crate::cli::{Cli, ManArgs};

/// Prints the manual page asked for.
pub fn run(args: &ManArgs, messages: Messages) -> anyhow::Result<Outcome> {
    let command = Cli::command();
    let name = command.get_name().to_owned();
    // Built once with its name set, so that a command's page says `tip-audit scan` in its
    // synopsis and is titled `tip-audit-scan`; `help` is not a command with a page.
    let mut command = command.bin_name(&name).disable_help_subcommand(true);
    command.build();
    let (title, page) = match &args.command {
        None => (name, command),
        Some(wanted) => match command.find_subcommand(wanted) {
            Some(sub) if !sub.is_hide_set() => (format!("{name}-{wanted}"), sub.clone()),
            _ => bail!(
                "no command {wanted:?}: tip-audit man takes one of {}",
                names(&command)
            ),
        },
    };
    let mut roff = Vec::new();
    Man::new(page).title(title).render(&mut roff)?;
    emit(None, "manual page", messages, |out: &mut dyn Write| {
        out.write_all(&roff)
    })?;
    Ok(Outcome::Clean)
}

/// `scan, chains, …`: the commands that have a page.
fn names(command: &clap::Command) -> String {
    command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .map(|sub| sub.get_name())
        .collect::<Vec<_>>()
        .join(", ")
}

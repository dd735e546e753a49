//! `tip-audit completions SHELL`: a completion script for bash, zsh, fish or PowerShell, on
//! standard output, generated (`clap_complete`) from the same definitions as `--help`, so it
//! always offers exactly the commands and options this build has.
//!
//! This command describes the command line itself, so it reads the clap definitions in `cli`
//! directly instead of settings from `config`.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Messages, Outcome, emit};
use crate::cli::{Cli, CompletionsArgs, ShellArg};

/// Prints the completion script of the shell asked for.
pub fn run(args: &CompletionsArgs, messages: Messages) -> anyhow::Result<Outcome> {
    let shell = match args.shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
        ShellArg::Powershell => Shell::PowerShell,
    };
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    // Rendered in memory first: the generator panics when a write fails, and a reader that goes
    // away (`| head`) is not a failure.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    emit(
        None,
        "completion script",
        messages,
        |out: &mut dyn Write| out.write_all(&script),
    )?;
    Ok(Outcome::Clean)
}

//! The commands, one file each; this module is their table of contents and the exit policy
//! they share. Each `run` takes its resolved settings and returns how the run ended.

pub mod chains;
pub mod export;
pub mod init;
pub mod scan;
pub mod timeline;
pub mod verify;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::config::{
    ChainsConfig, ExportConfig, InitConfig, ScanConfig, TimelineConfig, VerifyConfig,
};
use crate::report::Report;

/// How a run ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above `--fail-on`, every input read.
    Clean,
    /// Findings at or above `--fail-on`.
    Findings,
    /// Some input could not be read: the audit is incomplete.
    Incomplete,
}

/// Runs a command.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        // Audit: findings, shared roles, coverage.
        Command::Scan(args) => scan::run(&ScanConfig::from_args(args)?),
        // The chains of sessions, as text or graphs.
        Command::Chains(args) => chains::run(&ChainsConfig::from_args(args)?),
        // One person's events across sessions, accounts and services.
        Command::Timeline(args) => timeline::run(&TimelineConfig::from_args(args)?),
        // One row per event, attributed, to Parquet or CSV.
        Command::Export(args) => export::run(&ExportConfig::from_args(args)?),
        // A commented policy file to start from.
        Command::Init(args) => init::run(&InitConfig::from_args(args)),
        // Log integrity against digest files.
        Command::Verify(args) => verify::run(&VerifyConfig::from_args(args)?),
    }
}

/// Writes output to `-o FILE` or standard output.
pub(crate) fn emit(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let result = match output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(file);
            render(&mut out).and_then(|()| out.flush())
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            render(&mut out).and_then(|()| out.flush())
        }
    };
    match result {
        // A reader that went away (`| head`) is not a failure of the audit.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the report"),
    }
}

/// The exit status of a command that reports no findings: incomplete input or not.
pub(crate) fn completeness(report: &Report) -> Outcome {
    if report.is_incomplete() {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}

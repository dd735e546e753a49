//! The commands, one file each; this module is their table of contents and the exit policy
//! they share. Each `run` takes its resolved settings (`completions` and `man`, which describe
//! the command line itself, take its arguments) and returns how the run ended; what a run has to
//! say beside its output (receipts, warnings, why it failed) goes through [`Messages`].

pub mod chains;
pub mod completions;
pub mod export;
pub mod init;
pub mod man;
pub mod merge;
pub mod scan;
pub mod summarize;
pub mod timeline;
pub mod verify;
pub mod who;

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::cli::{Cli, Command};
use crate::config::{
    ChainsConfig, ExportConfig, InitConfig, InputConfig, MergeConfig, ScanConfig, SummarizeConfig,
    TimelineConfig, VerifyConfig, WhoConfig,
};
use crate::discover::Filter;
use crate::report::sanitize::terminal;
use crate::report::{FileStatus, Report};

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
    let quiet = cli.quiet;
    let messages = Messages::new(quiet);
    match cli.command {
        // Audit: findings, shared roles, coverage.
        Command::Scan(args) => scan::run(&ScanConfig::from_args(args, quiet)?, messages),
        // The chains of sessions, as text or graphs.
        Command::Chains(args) => chains::run(&ChainsConfig::from_args(args, quiet)?, messages),
        // One person's events across sessions, accounts and services.
        Command::Timeline(args) => {
            timeline::run(&TimelineConfig::from_args(args, quiet)?, messages)
        }
        // Who is behind an event, a key, a session or an address, and the path to it.
        Command::Who(args) => who::run(&WhoConfig::from_args(args, quiet)?, messages),
        // One row per event, attributed, to Parquet, CSV or JSON Lines.
        Command::Export(args) => export::run(&ExportConfig::from_args(args, quiet)?, messages),
        // A scan's map: the logs folded into a shard summary, for a merge.
        Command::Summarize(args) => {
            summarize::run(&SummarizeConfig::from_args(args, quiet)?, messages)
        }
        // A scan's reduce: shard summaries merged into the report a scan of all their logs prints.
        Command::Merge(args) => merge::run(&MergeConfig::from_args(args)?, messages),
        // A commented policy file to start from.
        Command::Init(args) => init::run(&InitConfig::from_args(args), messages),
        // Log integrity against digest files.
        Command::Verify(args) => verify::run(&VerifyConfig::from_args(args)?, messages),
        // Shell completion scripts, generated from the command-line definitions.
        Command::Completions(args) => completions::run(&args, messages),
        // The manual pages, generated from the command-line definitions.
        Command::Man(args) => man::run(&args, messages),
    }
}

/// Lines on standard error beside a command's output: receipts and warnings, which `--quiet`
/// silences, and the reasons for a failing exit status, which it never does. Fatal errors are
/// returned instead, and `main` prints them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Messages {
    quiet: bool,
}

impl Messages {
    /// Messages; with `quiet`, errors only.
    pub fn new(quiet: bool) -> Messages {
        Messages { quiet }
    }

    /// A receipt for a file written, or a warning: `--quiet` silences it.
    #[allow(clippy::print_stderr)] // beside the output on stdout, never inside it
    pub fn note(self, line: impl Display) {
        if !self.quiet {
            eprintln!("tip-audit: {line}");
        }
    }

    /// Why the exit status is not 0: always said.
    #[allow(clippy::print_stderr)] // the reason for the exit status, for people and CI logs
    pub fn error(self, line: impl Display) {
        eprintln!("tip-audit: {line}");
    }
}

/// `-`: standard output as `-o`, standard input among the inputs.
const DASH: &str = "-";

/// Writes output to `-o FILE`, with a receipt naming `what` it wrote, or to standard output when
/// there is no `-o` or it is `-`.
pub(crate) fn emit(
    output: Option<&Path>,
    what: &str,
    messages: Messages,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let file = output.filter(|path| path.as_os_str() != DASH);
    let result = match file {
        Some(path) => {
            let handle =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(handle);
            render(&mut out).and_then(|()| out.flush())
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            render(&mut out).and_then(|()| out.flush())
        }
    };
    match (result, file) {
        (Ok(()), Some(path)) => {
            messages.note(format_args!("wrote {} ({what})", path.display()));
            Ok(())
        }
        (Ok(()), None) => Ok(()),
        // A reader that went away (`| head`) is not a failure of the audit.
        (Err(error), None) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        (Err(error), None) => {
            Err(anyhow::Error::new(error).context("cannot write to standard output"))
        }
        (Err(error), Some(path)) => {
            Err(anyhow::Error::new(error).context(format!("cannot write {}", path.display())))
        }
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

/// The outcome of a command whose second pass could not read again some files the first pass
/// read (`unread`, from [`crate::pipeline::for_each_record`]): each is named on standard error,
/// and the run is incomplete, since the events it printed miss theirs.
pub(crate) fn after_second_pass(
    unread: &[crate::pipeline::Unread],
    messages: Messages,
    outcome: Outcome,
) -> Outcome {
    for (path, error) in unread {
        messages.error(format_args!(
            "{}: could not be read again: {}: its events are missing from this output",
            terminal(path),
            terminal(&error.to_string())
        ));
    }
    if unread.is_empty() {
        outcome
    } else {
        Outcome::Incomplete
    }
}

/// After the first pass of a command that reads events: says on standard error which files could
/// not be read and, when nothing could be audited, why; the input's problems come before anything
/// else the command has to say. Returns whether there is anything to go on.
pub(crate) fn check_input(report: &Report, input: &InputConfig, messages: Messages) -> bool {
    for line in unread(report) {
        messages.error(line);
    }
    match nothing_audited(report, input) {
        Some(reason) => {
            messages.error(reason);
            false
        }
        None => true,
    }
}

/// Names on standard error a policy file picked up from the current directory (no `--config`):
/// it changes what is reported, and nobody named it. Its path and SHA-256 are also in the
/// report's provenance.
pub(crate) fn note_policy(input: &InputConfig, messages: Messages) {
    if let Some(file) = input.policy_file.as_ref().filter(|file| file.found) {
        messages.note(format_args!(
            "using {} from the current directory as the policy file (sha256 {})",
            terminal(&file.path.display().to_string()),
            file.sha256
        ));
    }
}

/// The files a first pass could not read, or read only in part, one line each (the first 20).
pub(crate) fn unread(report: &Report) -> Vec<String> {
    const SHOWN: usize = 20;
    let notes: Vec<_> = report
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Failed | FileStatus::Incomplete))
        .collect();
    let mut lines: Vec<String> = notes
        .iter()
        .take(SHOWN)
        .map(|note| {
            let what = match note.status {
                FileStatus::Incomplete => "read only in part",
                _ => "not audited",
            };
            format!(
                "{}: {what}: {}",
                terminal(&note.path),
                terminal(&note.reason)
            )
        })
        .collect();
    if notes.len() > SHOWN {
        lines.push(format!(
            "and {} more not fully audited (the report lists every one)",
            plural(notes.len() as u64, "file")
        ));
    }
    lines
}

/// Why a first pass audited nothing, if it did: no input, no CloudTrail events, filters that
/// match nothing, or only events that name nobody (no `userIdentity`). Such a run never passes.
pub(crate) fn nothing_audited(report: &Report, input: &InputConfig) -> Option<String> {
    let s = &report.summary;
    let given = given(&input.paths);
    if s.events > 0 {
        return (s.not_auditable == s.events).then(|| {
            format!(
                "no event could be audited: none of the {} in {given} has a userIdentity (the export stripped it?)",
                plural(s.events, "event")
            )
        });
    }
    let count = |status: FileStatus| report.files.iter().filter(|f| f.status == status).count();
    let (skipped, failed) = (
        count(FileStatus::Skipped) as u64,
        count(FileStatus::Failed) as u64,
    );
    if s.files == 0 && skipped == 0 && failed == 0 && s.files_pruned == 0 {
        return Some(format!("nothing audited: no files in {given}"));
    }
    let mut found = Vec::new();
    if s.files > 0 {
        found.push(format!(
            "{} read, {}",
            plural(s.files, "file"),
            plural(s.records, "record")
        ));
    }
    if skipped > 0 {
        found.push(format!(
            "{} without events skipped",
            plural(skipped, "file")
        ));
    }
    if failed > 0 {
        found.push(format!("{} unreadable", plural(failed, "file")));
    }
    if s.event_errors > 0 {
        found.push(format!("{} unreadable", plural(s.event_errors, "record")));
    }
    if s.filtered > 0 {
        found.push(format!(
            "{} outside the filters",
            plural(s.filtered, "event")
        ));
    }
    if s.files_pruned > 0 {
        found.push(format!(
            "{} ruled out by their S3 key",
            plural(s.files_pruned, "file")
        ));
    }
    let found = found.join(", ");
    Some(if s.filtered > 0 || s.files_pruned > 0 {
        let filters = filters(&input.filter);
        format!("nothing audited: no event in {given} matches {filters} ({found})")
    } else {
        format!("nothing audited: no CloudTrail events in {given} ({found})")
    })
}

/// The inputs as given, for messages: `./logs, more.json.gz`.
pub(crate) fn given(paths: &[PathBuf]) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<String> = paths
        .iter()
        .take(SHOWN)
        .map(|path| {
            if path.as_os_str() == DASH {
                "standard input".to_owned()
            } else {
                terminal(&path.display().to_string()).into_owned()
            }
        })
        .collect();
    if paths.len() > SHOWN {
        names.push(format!("{} more", paths.len() - SHOWN));
    }
    names.join(", ")
}

/// The filters in force, as typed: `--since 2026-03-02T00:00:00Z --account 111122223333`.
fn filters(filter: &Filter) -> String {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut parts = Vec::new();
    if let Some(since) = filter.since {
        parts.push(format!("--since {}", time(since)));
    }
    if let Some(until) = filter.until {
        parts.push(format!("--until {}", time(until)));
    }
    if !filter.accounts.is_empty() {
        parts.push(format!("--account {}", filter.accounts.join(",")));
    }
    if !filter.regions.is_empty() {
        parts.push(format!("--region {}", filter.regions.join(",")));
    }
    if parts.is_empty() {
        "the filters".to_owned()
    } else {
        parts.join(" ")
    }
}

/// `1 file`, `2 files`.
pub(crate) fn plural(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

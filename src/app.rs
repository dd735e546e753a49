//! The whole run on one screen: discover → decode + normalize (parallel, per file) → merge →
//! link → findings → report, and the exit-status policy.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::Context;
use rayon::prelude::*;

use crate::cli::{Cli, Command};
use crate::config::ScanConfig;
use crate::decode::{self, Verdict};
use crate::discover::{self, Source, SourceKind};
use crate::estate::{Estate, FileOutcome};
use crate::findings;
use crate::link::Graph;
use crate::report::{self, FileNote, FileStatus, Report, Summary};
use crate::triggers::Triggers;

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
        Command::Scan(args) => {
            let config = ScanConfig::from_args(args)?;
            let report = scan(&config)?;
            emit(&report, &config)?;
            Ok(outcome(&report, &config))
        }
    }
}

/// Audits the inputs named in `config`.
pub fn scan(config: &ScanConfig) -> anyhow::Result<Report> {
    let triggers = Triggers::builtin();
    let discovered = discover::sources(&config.paths, &config.filter);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("cannot start worker threads")?;
    let read: Vec<(Verdict, FileOutcome)> = pool.install(|| {
        discovered
            .sources
            .par_iter()
            .enumerate()
            .map(|(i, source)| read_file(i as u32, source, config, &triggers))
            .collect()
    });

    let files = discovered
        .sources
        .iter()
        .map(Source::display)
        .zip(read)
        .map(|(path, (verdict, outcome))| (path, verdict, outcome));
    Ok(assemble(files, discovered.pruned, config))
}

/// Audits one in-memory file end to end, with default settings: the entry point for fuzzing
/// and property tests.
pub fn audit_bytes(bytes: &[u8]) -> Report {
    let config = ScanConfig::default();
    let triggers = Triggers::builtin();
    let mut outcome = FileOutcome::default();
    let verdict = decode::bytes_of(bytes, &config.limits, |record| {
        outcome.record(record, 0, &config.filter, &triggers)
    });
    assemble([("<bytes>".to_owned(), verdict, outcome)], 0, &config)
}

/// Merges per-file outcomes in input order, links, finds, and builds the report.
fn assemble(
    read: impl IntoIterator<Item = (String, Verdict, FileOutcome)>,
    pruned: u64,
    config: &ScanConfig,
) -> Report {
    let mut estate = Estate::default();
    let mut summary = Summary {
        files_pruned: pruned,
        ..Summary::default()
    };
    let mut files = Vec::new();
    for (path, verdict, outcome) in read {
        let note = |reason: String, status| FileNote {
            path: path.clone(),
            reason,
            status,
        };
        match verdict {
            Verdict::Skipped(reason) => files.push(note(reason, FileStatus::Skipped)),
            Verdict::Failed(reason) => files.push(note(reason, FileStatus::Failed)),
            Verdict::Read { .. } if outcome.is_foreign() => files.push(note(
                format!(
                    "no CloudTrail events: {} records are not CloudTrail events (S3 event notifications?)",
                    outcome.stats.records
                ),
                FileStatus::Skipped,
            )),
            Verdict::Read {
                damage, repaired, ..
            } => {
                if let Some(repaired) = repaired {
                    files.push(note(repaired, FileStatus::Repaired));
                }
                if let Some(damage) = damage {
                    files.push(note(
                        format!("{damage} ({} records read before it)", outcome.stats.records),
                        FileStatus::Incomplete,
                    ));
                }
                summary.files += 1;
                let stats = estate.merge(outcome);
                summary.records += stats.records;
                summary.filtered += stats.filtered;
                summary.event_errors += stats.error_count();
            }
        }
    }
    summary.files_skipped = files
        .iter()
        .filter(|f| f.status != FileStatus::Incomplete)
        .count() as u64;
    summary.files_failed = files
        .iter()
        .filter(|f| f.status != FileStatus::Skipped)
        .count() as u64;
    summary.duplicates = estate.duplicates;
    summary.events = estate.events();

    let graph = Graph::build(estate, &config.link);
    let findings = findings::detect(&graph);
    let shared_roles = findings::shared_roles(&graph);
    let humans: BTreeSet<_> = graph
        .attribution
        .iter()
        .filter_map(|a| a.human.as_ref())
        .collect();
    summary.humans = humans.len() as u64;
    // Sessions seen only through out-of-scope calls kept for linking are not counted.
    summary.sessions = graph
        .estate
        .sessions
        .iter()
        .filter(|s| s.events > 0)
        .count() as u64;
    summary.chains = graph.chains.len() as u64;
    summary.coverage = graph.coverage.clone();
    Report {
        summary,
        findings,
        shared_roles,
        files,
    }
}

fn read_file(
    index: u32,
    source: &Source,
    config: &ScanConfig,
    triggers: &Triggers,
) -> (Verdict, FileOutcome) {
    let mut outcome = FileOutcome::default();
    if let SourceKind::Unreadable(reason) = &source.kind {
        return (Verdict::Failed(reason.clone()), outcome);
    }
    let verdict = decode::file(source, &config.limits, |record| {
        outcome.record(record, index, &config.filter, triggers)
    });
    (verdict, outcome)
}

fn emit(report: &Report, config: &ScanConfig) -> anyhow::Result<()> {
    let result = match &config.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(file);
            report::write(report, config.format, config.style, &mut out).and_then(|()| out.flush())
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            report::write(report, config.format, config.style, &mut out).and_then(|()| out.flush())
        }
    };
    match result {
        // A reader that went away (`| head`) is not a failure of the audit.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the report"),
    }
}

fn outcome(report: &Report, config: &ScanConfig) -> Outcome {
    if report.is_incomplete() && !config.allow_partial {
        return Outcome::Incomplete;
    }
    let failing = config
        .fail_on
        .is_some_and(|level| report.findings.iter().any(|f| f.severity >= level));
    if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

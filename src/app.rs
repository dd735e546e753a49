//! The whole run on one screen: discover → decode + normalize (parallel, per file) → merge →
//! link → findings → report, and the exit-status policy.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::Context;
use rayon::prelude::*;

use crate::cli::{Cli, Command};
use crate::config::{ScanConfig, VerifyConfig};
use crate::decode::{self, Verdict};
use crate::discover::{self, Filter, Source, SourceKind};
use crate::estate::{Estate, FileOutcome};
use crate::findings;
use crate::link::Graph;
use crate::report::{self, FileNote, FileStatus, Report, Summary};
use crate::triggers::Triggers;
use crate::verify::{self, KeyRing};

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
            emit(config.output.as_deref(), |out| {
                report::write(&report, config.format, config.style, out)
            })?;
            Ok(outcome(&report, &config))
        }
        Command::Verify(args) => {
            let config = VerifyConfig::from_args(args)?;
            let keys = config
                .public_key
                .as_deref()
                .map(KeyRing::load)
                .transpose()?;
            let discovered = discover::sources(&config.paths, &Filter::default());
            let verification =
                pool(config.threads)?.install(|| verify::run(&discovered.sources, keys.as_ref()));
            emit(config.output.as_deref(), |out| {
                report::verify::write(&verification, config.format, config.style, out)
            })?;
            Ok(if verification.intact() {
                Outcome::Clean
            } else {
                Outcome::Findings
            })
        }
    }
}

fn pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")
}

/// Audits the inputs named in `config`.
pub fn scan(config: &ScanConfig) -> anyhow::Result<Report> {
    let triggers = Triggers::builtin();
    let mut discovered = discover::sources(&config.paths, &config.filter);
    let pool = pool(config.threads)?;
    let mut refused = Vec::new();
    if let Some(public_key) = &config.verify {
        let keys = public_key.as_deref().map(KeyRing::load).transpose()?;
        // The filters leave digests out, so verification looks at everything given.
        let everything = discover::sources(&config.paths, &Filter::default());
        let verification = pool.install(|| verify::run(&everything.sources, keys.as_ref()));
        let failed = verification.failed_paths();
        discovered.sources.retain(|source| {
            let keep = !failed.contains(&source.display());
            if !keep {
                refused.push(source.display());
            }
            keep
        });
    }
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
    let mut report = assemble(files, discovered.pruned, config);
    for path in refused {
        report.files.push(FileNote {
            path,
            reason: "failed integrity verification (modified since delivery, or unreadable): \
                     its events are not audited"
                .to_owned(),
            status: FileStatus::Failed,
        });
        report.summary.files_skipped += 1;
        report.summary.files_failed += 1;
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(report)
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

/// Writes a report to `-o FILE` or standard output.
fn emit(
    output: Option<&std::path::Path>,
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

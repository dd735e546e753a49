//! The whole run on one screen: discover → decode + normalize (parallel, per file) → merge →
//! link → findings → report, and the exit-status policy.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};

use std::path::PathBuf;

use anyhow::{Context, bail};
use rayon::prelude::*;

use crate::baseline::{self, Baseline};
use crate::cli::{Cli, Command};
use crate::config::{ChainsConfig, InputConfig, ScanConfig, TimelineConfig, VerifyConfig};
use crate::decode::{self, Verdict};
use crate::directory::Directory;
use crate::discover::{self, Filter, Source, SourceKind};
use crate::estate::{Estate, FileOutcome};
use crate::export;
use crate::findings;
use crate::identity::HumanId;
use crate::link::Graph;
use crate::link::tree::ChainView;
use crate::policy;
use crate::report::columnar::{Target, Writer};
use crate::report::{self, FileNote, FileStatus, Report, Summary};
use crate::timeline::{self, Row};
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
            let mut report = analyze(&config.input, config.verify.as_ref())?.report;
            if let Some(path) = &config.write_baseline {
                baseline::write(path, &report.findings)?;
            }
            if let Some(path) = &config.baseline {
                report.summary.baselined = Baseline::load(path)?.filter(&mut report.findings);
            }
            emit(config.output.as_deref(), |out| {
                report::write(&report, config.format, config.style, out)
            })?;
            for (format, path) in &config.exports {
                let plain = report::Style::default();
                emit(Some(path), |out| {
                    report::write(&report, *format, plain, out)
                })?;
            }
            Ok(outcome(&report, &config))
        }
        Command::Export(args) => {
            let input = InputConfig::from_args(args.input)?;
            if input.paths.iter().any(|p| p.as_os_str() == "-") {
                bail!("export reads the files twice: save standard input to a file first");
            }
            let analysis = analyze(&input, None)?;
            let written = export_rows(&analysis, &input, Target::for_path(&args.output))?;
            #[allow(clippy::print_stderr)] // a one-line receipt; the data went to the file
            {
                eprintln!(
                    "tip-audit: {written} events written to {}",
                    args.output.display()
                );
            }
            Ok(completeness(&analysis.report))
        }
        Command::Init(args) => {
            if args.output.exists() && !args.force {
                bail!(
                    "{} exists (use --force to replace it)",
                    args.output.display()
                );
            }
            std::fs::write(&args.output, policy::TEMPLATE)
                .with_context(|| format!("cannot write {}", args.output.display()))?;
            Ok(Outcome::Clean)
        }
        Command::Chains(args) => {
            let config = ChainsConfig::from_args(args)?;
            let analysis = analyze(&config.input, None)?;
            let graph = &analysis.graph;
            let humans = match &config.human {
                Some(text) => Some(humans_named(&analysis, text)?),
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
            emit(config.output.as_deref(), |out| {
                report::chains::write(&views, config.format, config.style, out)
            })?;
            Ok(completeness(&analysis.report))
        }
        Command::Timeline(args) => {
            let config = TimelineConfig::from_args(args)?;
            if config.input.paths.iter().any(|p| p.as_os_str() == "-") {
                bail!("timeline reads the files twice: save standard input to a file first");
            }
            let analysis = analyze(&config.input, None)?;
            let humans = humans_named(&analysis, &config.human)?;
            let rows = timeline_rows(&analysis, &humans, &config.input)?;
            let shown = humans
                .iter()
                .map(|h| analysis.graph.display(h))
                .collect::<Vec<_>>()
                .join(", ");
            emit(config.output.as_deref(), |out| {
                report::timeline::write(&shown, &rows, config.format, config.style, out)
            })?;
            Ok(completeness(&analysis.report))
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

/// What a first pass over the inputs found.
pub struct Analysis {
    /// The report of a scan.
    pub report: Report,
    /// The linked estate.
    pub graph: Graph,
    /// The sources read, in order.
    pub sources: Vec<Source>,
    /// Identity Center users from `--users`.
    pub directory: Directory,
}

/// Audits the inputs named in `config`.
pub fn scan(config: &ScanConfig) -> anyhow::Result<Report> {
    Ok(analyze(&config.input, config.verify.as_ref())?.report)
}

/// The first pass: discover, read every file in parallel, link, find.
fn analyze(input: &InputConfig, verify: Option<&Option<PathBuf>>) -> anyhow::Result<Analysis> {
    let directory = match &input.users {
        Some(path) => Directory::load(path)?,
        None => Directory::default(),
    };
    let mut triggers = Triggers::builtin();
    triggers.extend(input.policy.trigger.iter().cloned());
    let mut discovered = discover::sources(&input.paths, &input.filter);
    let pool = pool(input.threads)?;
    let mut refused = Vec::new();
    if let Some(public_key) = verify {
        let keys = public_key.as_deref().map(KeyRing::load).transpose()?;
        // The filters leave digests out, so verification looks at everything given.
        let everything = discover::sources(&input.paths, &Filter::default());
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
    // Files are read a batch at a time, in parallel, and merged in input order while the next
    // batch is read: memory holds two batches' per-file summaries at most, never all of them.
    let batch = pool.current_num_threads() * 16;
    let mut assembly = Assembly::new(discovered.pruned);
    let mut pending: Vec<(String, Verdict, FileOutcome)> = Vec::new();
    for (n, sources) in discovered.sources.chunks(batch).enumerate() {
        let read_batch = || {
            sources
                .par_iter()
                .enumerate()
                .map(|(i, source)| {
                    let index = (n * batch + i) as u32;
                    let (verdict, outcome) = read_file(index, source, input, &triggers);
                    (source.display(), verdict, outcome)
                })
                .collect()
        };
        let done = std::mem::take(&mut pending);
        let merge = || done.into_iter().for_each(|file| assembly.add(file));
        pending = pool.join(merge, read_batch).1;
    }
    pending.into_iter().for_each(|file| assembly.add(file));
    let (mut report, graph) = assembly.finish(input, &directory);
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
    Ok(Analysis {
        report,
        graph,
        sources: discovered.sources,
        directory,
    })
}

/// The people `text` names, or a usage error saying nobody matched.
fn humans_named(analysis: &Analysis, text: &str) -> anyhow::Result<Vec<HumanId>> {
    let ids = analysis.directory.find(text);
    let humans = analysis.graph.humans_named(text, &ids);
    if humans.is_empty() {
        bail!(
            "no person named {text:?} in these logs (try an Identity Center user id or name, an IAM user ARN or name, a source identity)"
        );
    }
    Ok(humans)
}

/// The second pass of `timeline`: every event of the people's sessions, in time order.
fn timeline_rows(
    analysis: &Analysis,
    humans: &[HumanId],
    input: &InputConfig,
) -> anyhow::Result<Vec<Row>> {
    let places = timeline::places(&analysis.graph, humans);
    let per_file: Vec<Vec<Row>> = pool(input.threads)?.install(|| {
        analysis
            .sources
            .par_iter()
            .enumerate()
            .map(|(i, source)| {
                let mut rows = Vec::new();
                if !matches!(source.kind, SourceKind::Unreadable(_)) {
                    let path = source.display();
                    decode::file(source, &input.limits, |record| {
                        timeline::rows_of(
                            &analysis.graph,
                            &places,
                            &input.filter,
                            &path,
                            i as u32,
                            record,
                            &mut rows,
                        )
                    });
                }
                rows
            })
            .collect()
    });
    Ok(timeline::finish(per_file.into_iter().flatten().collect()))
}

/// The second pass of `export`: files are read a few at a time, in parallel, and their rows
/// written in input order, so memory holds one group of files' rows at most.
fn export_rows(analysis: &Analysis, input: &InputConfig, target: Target) -> anyhow::Result<u64> {
    let lookup = export::Lookup::new(&analysis.graph);
    let pool = pool(input.threads)?;
    let group = pool.current_num_threads().max(1) * 4;
    let mut writer = Writer::new(target);
    let mut dedup = export::Dedup::default();
    for sources in analysis.sources.chunks(group) {
        let per_file: Vec<Vec<export::Row>> = pool.install(|| {
            sources
                .par_iter()
                .map(|source| {
                    let mut rows = Vec::new();
                    if !matches!(source.kind, SourceKind::Unreadable(_)) {
                        let path = source.display();
                        decode::file(source, &input.limits, |record| {
                            rows.extend(lookup.row(&input.filter, &path, record));
                        });
                    }
                    rows
                })
                .collect()
        });
        for row in per_file.into_iter().flatten() {
            if dedup.first_time(&row) {
                writer.push(row)?;
            }
        }
    }
    writer.finish()
}

/// The exit status of a command that reports no findings: incomplete input or not.
fn completeness(report: &Report) -> Outcome {
    if report.is_incomplete() {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}

/// Audits one in-memory file end to end, with default settings: the entry point for fuzzing
/// and property tests.
pub fn audit_bytes(bytes: &[u8]) -> Report {
    let (verdict, outcome) = fold_bytes(bytes);
    let mut assembly = Assembly::new(0);
    assembly.add(("<bytes>".to_owned(), verdict, outcome));
    assembly
        .finish(&InputConfig::default(), &Directory::default())
        .0
}

/// Reads one in-memory file into its summary (decode → normalize → fold), with default
/// settings: the unit of parallel work, for benchmarks.
pub fn fold_bytes(bytes: &[u8]) -> (Verdict, FileOutcome) {
    let input = InputConfig::default();
    let triggers = Triggers::builtin();
    let mut outcome = FileOutcome::default();
    let verdict = decode::bytes_of(bytes, &input.limits, |record| {
        outcome.record(record, 0, &input.filter, &triggers)
    });
    (verdict, outcome)
}

/// The merge of per-file outcomes, in input order, then linking, findings and the report.
struct Assembly {
    estate: Estate,
    summary: Summary,
    files: Vec<FileNote>,
    paths: Vec<String>,
}

impl Assembly {
    fn new(pruned: u64) -> Assembly {
        Assembly {
            estate: Estate::default(),
            summary: Summary {
                files_pruned: pruned,
                ..Summary::default()
            },
            files: Vec::new(),
            paths: Vec::new(),
        }
    }

    /// Merges the next file; call in input order for deterministic results.
    fn add(&mut self, (path, verdict, outcome): (String, Verdict, FileOutcome)) {
        let note = |reason: String, status| FileNote {
            path: path.clone(),
            reason,
            status,
        };
        match verdict {
            Verdict::Skipped(reason) => self.files.push(note(reason, FileStatus::Skipped)),
            Verdict::Failed(reason) => self.files.push(note(reason, FileStatus::Failed)),
            Verdict::Read { .. } if outcome.is_foreign() => self.files.push(note(
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
                    self.files.push(note(repaired, FileStatus::Repaired));
                }
                if let Some(damage) = damage {
                    self.files.push(note(
                        format!("{damage} ({} records read before it)", outcome.stats.records),
                        FileStatus::Incomplete,
                    ));
                }
                self.summary.files += 1;
                let stats = self.estate.merge(outcome);
                self.summary.records += stats.records;
                self.summary.filtered += stats.filtered;
                self.summary.event_errors += stats.error_count();
            }
        }
        self.paths.push(path);
    }

    /// Links, finds, and builds the report.
    fn finish(self, input: &InputConfig, directory: &Directory) -> (Report, Graph) {
        let Assembly {
            estate,
            mut summary,
            files,
            paths,
        } = self;
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

        let mut graph = Graph::build(estate, &input.link);
        graph.add_user_names(directory.names());
        let mut findings = findings::detect(&graph);
        for finding in &mut findings {
            let file = graph.estate.sessions[finding.session].first.origin.file as usize;
            finding.break_file = paths.get(file).cloned();
        }
        let mut shared_roles = findings::shared_roles(&graph);
        let silenced = input.policy.apply(&mut findings, &mut shared_roles);
        summary.silenced = silenced.findings;
        summary.silenced_shared_roles = silenced.shared_roles;
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
        let children = graph.children();
        let drawn: BTreeSet<&str> = findings
            .iter()
            .filter_map(|f| f.chain_id.as_deref())
            .collect();
        let chains = graph
            .chains
            .iter()
            .filter(|c| drawn.contains(c.id.as_str()))
            .map(|c| graph.view(c, &children))
            .collect();
        let report = Report {
            summary,
            findings,
            shared_roles,
            files,
            chains,
        };
        (report, graph)
    }
}

fn read_file(
    index: u32,
    source: &Source,
    input: &InputConfig,
    triggers: &Triggers,
) -> (Verdict, FileOutcome) {
    let mut outcome = FileOutcome::default();
    if let SourceKind::Unreadable(reason) = &source.kind {
        return (Verdict::Failed(reason.clone()), outcome);
    }
    let verdict = decode::file(source, &input.limits, |record| {
        outcome.record(record, index, &input.filter, triggers)
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

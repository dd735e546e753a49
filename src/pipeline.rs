//! The first pass shared by every auditing command: discover → read every file in parallel
//! (decode → normalize → fold) → merge in input order → link → findings, and the one
//! second-pass reader that `timeline` and `export` use to revisit the events.
//!
//! Owns parallelism and the order in which per-file results meet; never renders anything.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context, bail};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::aws_ranges::AwsRanges;
use crate::config::InputConfig;
use crate::decode::{self, FileError, Record, Verdict};
use crate::directory::Directory;
use crate::discover::{self, Filter, Source};
use crate::estate::{Estate, FileOutcome};
use crate::findings;
use crate::identity::HumanId;
use crate::link::Graph;
use crate::progress::Progress;
use crate::report::{FileNote, FileStatus, Report, Summary};
use crate::triggers::Triggers;
use crate::verify::{self, KeyRing, Verification};

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
    /// The integrity verification done first, when asked for (`scan --verify`).
    pub verification: Option<Verification>,
}

impl Analysis {
    /// The people `text` names, or a usage error saying nobody matched and naming the closest
    /// people the logs do name.
    pub fn humans_named(&self, text: &str) -> anyhow::Result<Vec<HumanId>> {
        let ids = self.directory.find(text);
        let humans = self.graph.humans_named(text, &ids);
        if humans.is_empty() {
            let closest = self.closest_names(text, 3);
            if closest.is_empty() {
                bail!("no person named {text:?} in these logs: they name nobody");
            }
            bail!(
                "no person named {text:?} in these logs; the closest: {} (an Identity Center user id or name, an IAM user ARN or name, or a source identity)",
                closest.join(", ")
            );
        }
        Ok(humans)
    }

    /// The `n` people and workloads whose names are most like `text` (Jaro-Winkler similarity,
    /// case ignored), as shown in reports.
    fn closest_names(&self, text: &str, n: usize) -> Vec<String> {
        let wanted = text.to_lowercase();
        let known: BTreeSet<&HumanId> = self
            .graph
            .attribution
            .iter()
            .filter_map(|a| a.human.as_ref())
            .collect();
        let mut scored: Vec<(f64, String)> = known
            .into_iter()
            .map(|human| {
                let shown = self.graph.display(human);
                // An IAM user is asked for by name as often as by ARN.
                let short = shown
                    .rsplit('/')
                    .next()
                    .unwrap_or(shown.as_str())
                    .to_lowercase();
                let score = strsim::jaro_winkler(&wanted, &shown.to_lowercase())
                    .max(strsim::jaro_winkler(&wanted, &short));
                (score, shown)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored
            .into_iter()
            .take(n)
            .map(|(_, shown)| crate::report::sanitize::terminal(&shown).into_owned())
            .collect()
    }
}

/// A rayon pool of `threads` workers (0: one per core).
pub fn pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")
}

/// Refuses inputs that cannot be read twice, for the commands that make a second pass.
pub fn require_rereadable(input: &InputConfig, command: &str) -> anyhow::Result<()> {
    let once = input
        .paths
        .iter()
        .any(|path| discover::Source::named(path).is_read_once());
    if once {
        bail!("{command} reads the files twice: save standard input to a file first");
    }
    Ok(())
}

/// What linking and findings consult besides the logs: the people's names (`--users`), AWS's
/// address ranges (`--aws-ip-ranges`), the trigger table with the policy's own triggers. Loaded
/// before any file is read, so that a bad file among them stops the run at once.
pub(crate) struct Tables {
    directory: Directory,
    ranges: Option<AwsRanges>,
    triggers: Triggers,
}

impl Tables {
    /// Loads the tables `input` names.
    pub(crate) fn load(input: &InputConfig) -> anyhow::Result<Tables> {
        let directory = match &input.users {
            Some(path) => Directory::load(path)?,
            None => Directory::default(),
        };
        let ranges = input
            .aws_ip_ranges
            .as_deref()
            .map(AwsRanges::load)
            .transpose()?;
        Ok(Tables {
            directory,
            ranges,
            triggers: triggers(input),
        })
    }
}

/// The trigger table in force: the built-in table and the policy's own triggers.
pub(crate) fn triggers(input: &InputConfig) -> Triggers {
    let mut triggers = Triggers::builtin();
    triggers.extend(input.policy.trigger.iter().cloned());
    triggers
}

/// One file read: its path as shown, what became of it, and its outcome.
pub(crate) type FileDone = (String, Verdict, FileOutcome);

/// The first pass: discover, read every file in parallel, link, find. With `verify`, files
/// that fail integrity verification (against these public keys, if given) are not audited.
pub fn analyze(input: &InputConfig, verify: Option<&Option<PathBuf>>) -> anyhow::Result<Analysis> {
    let tables = Tables::load(input)?;
    let mut discovered = discover::sources(&input.paths, &input.filter, &input.s3)?;
    let pool = pool(input.threads)?;
    let mut refused = Vec::new();
    let mut verified = None;
    if let Some(public_key) = verify {
        let keys = public_key.as_deref().map(KeyRing::load).transpose()?;
        // The filters leave digests out, so verification looks at everything given.
        let everything = discover::sources(&input.paths, &Filter::default(), &input.s3)?;
        let verification = pool.install(|| verify::run(&everything.sources, keys.as_ref()));
        let failed = verification.failed_paths();
        discovered.sources.retain(|source| {
            let keep = !failed.contains(&source.display());
            if !keep {
                refused.push(source.display());
            }
            keep
        });
        verified = Some(verification);
    }
    let mut assembly = Assembly::new(discovered.pruned);
    let add = |file: FileDone| assembly.add(file);
    read_sources(&discovered.sources, input, &tables.triggers, &pool, add);
    let (mut report, graph) = conclude(assembly, input, &tables, refused);
    report.provenance.s3 = discovered.s3_reads();
    Ok(Analysis {
        report,
        graph,
        sources: discovered.sources,
        directory: tables.directory,
        verification: verified,
    })
}

/// Reads `sources` in parallel and hands each file's outcome, with its path as shown, to `each`
/// in input order. Files are read a batch at a time and handed over while the next batch is
/// read: memory holds two batches' per-file summaries at most, never all of them. The progress
/// bar is gone when this returns.
pub(crate) fn read_sources<F>(
    sources: &[Source],
    input: &InputConfig,
    triggers: &Triggers,
    pool: &rayon::ThreadPool,
    mut each: F,
) where
    F: FnMut(FileDone) + Send,
{
    let batch = pool.current_num_threads() * 16;
    let _ahead = discover::read_ahead(sources.iter().filter(|s| s.is_decoded()));
    let mut pending: Vec<FileDone> = Vec::new();
    let progress = Progress::new(input.progress, sources.len(), "reading");
    for (n, chunk) in sources.chunks(batch).enumerate() {
        let read_batch = || {
            chunk
                .par_iter()
                .enumerate()
                .map(|(i, source)| {
                    let index = (n * batch + i) as u32;
                    let (verdict, outcome) = fold_file(index, source, input, triggers);
                    progress.file_done(|| stored_size(source), outcome.stats.events);
                    (source.display(), verdict, outcome)
                })
                .collect()
        };
        let done = std::mem::take(&mut pending);
        let merge = || done.into_iter().for_each(&mut each);
        pending = pool.join(merge, read_batch).1;
    }
    pending.into_iter().for_each(&mut each);
    // Every file is read: the bar goes before linking, and before anything is printed.
    progress.finish();
}

/// Links, finds and builds the report of what was read, listing the files `refused` by
/// integrity verification: the end of a scan's first pass, and of a merge of shard summaries.
pub(crate) fn conclude(
    assembly: Assembly,
    input: &InputConfig,
    tables: &Tables,
    refused: Vec<String>,
) -> (Report, Graph) {
    let (mut report, graph) = assembly.finish(
        input,
        &tables.directory,
        &tables.triggers,
        tables.ranges.as_ref(),
    );
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
    (report, graph)
}

/// A file a second pass could not read again: its path as shown, and why.
pub(crate) type Unread = (String, FileError);

/// The second pass: reads `sources` again, `group` files at a time in parallel, and hands each
/// file's collected items to `consume` in input order, so memory holds one group at most.
/// `collect` sees every record of one file with the file's path and input index. Returns the
/// files the first pass read that could not be read again (removed since, an S3 object deleted
/// or refused), each with the reason: their events are missing from what the pass collected.
pub(crate) fn for_each_record<T, C, F>(
    sources: &[Source],
    input: &InputConfig,
    collect: C,
    mut consume: F,
) -> anyhow::Result<Vec<Unread>>
where
    T: Send,
    C: Fn(&str, u32, Record<'_>, &mut Vec<T>) + Sync,
    F: FnMut(Vec<T>) -> anyhow::Result<()>,
{
    let pool = pool(input.threads)?;
    let group = pool.current_num_threads().max(1) * 4;
    let _ahead = discover::read_ahead(sources.iter().filter(|s| s.is_decoded()));
    let mut unread = Vec::new();
    for (n, chunk) in sources.chunks(group).enumerate() {
        let per_file: Vec<(Vec<T>, Option<Unread>)> = pool.install(|| {
            chunk
                .par_iter()
                .enumerate()
                .map(|(i, source)| {
                    let mut items = Vec::new();
                    if source.unreadable_reason().is_some() {
                        return (items, None);
                    }
                    let path = source.display();
                    let index = (n * group + i) as u32;
                    let verdict = decode::file(source, &input.limits, |record| {
                        collect(&path, index, record, &mut items)
                    });
                    let failed = match verdict {
                        Verdict::Failed(error) => Some((path, error)),
                        _ => None,
                    };
                    (items, failed)
                })
                .collect()
        });
        for (items, failed) in per_file {
            unread.extend(failed);
            consume(items)?;
        }
    }
    Ok(unread)
}

/// Audits one in-memory file end to end, with default settings: the entry point for fuzzing
/// and property tests.
pub fn audit_bytes(bytes: &[u8]) -> Report {
    let (verdict, outcome) = fold_bytes(bytes);
    let mut assembly = Assembly::new(0);
    assembly.add(("<bytes>".to_owned(), verdict, outcome));
    assembly
        .finish(
            &InputConfig::default(),
            &Directory::default(),
            &Triggers::builtin(),
            None,
        )
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

fn fold_file(
    index: u32,
    source: &Source,
    input: &InputConfig,
    triggers: &Triggers,
) -> (Verdict, FileOutcome) {
    let mut outcome = FileOutcome::default();
    if let Some(reason) = source.unreadable_reason() {
        return (
            Verdict::Failed(FileError::Unlisted(reason.to_owned())),
            outcome,
        );
    }
    let verdict = decode::file(source, &input.limits, |record| {
        outcome.record(record, index, &input.filter, triggers)
    });
    (verdict, outcome)
}

/// A source's size as stored (compressed), for the progress bar; 0 for standard input.
fn stored_size(source: &Source) -> u64 {
    source.stored_size().unwrap_or(0)
}

/// What became of one file, as the report lists it: read (in full, up to damage, or after a
/// repair), skipped as holding no events, or failed, with the reasons. What a shard summary
/// keeps of a file's [`Verdict`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileRead {
    /// Records were read.
    Read {
        /// Why the rest of the file could not be read, if it could not.
        damage: Option<String>,
        /// The repair that let it be read in full, if one was made.
        repaired: Option<String>,
    },
    /// Not an event source, and why.
    Skipped(String),
    /// Could not be read at all, and why.
    Failed(String),
}

impl From<Verdict> for FileRead {
    fn from(verdict: Verdict) -> FileRead {
        match verdict {
            Verdict::Read {
                damage, repaired, ..
            } => FileRead::Read {
                damage: damage.map(|damage| damage.to_string()),
                repaired,
            },
            Verdict::Skipped(reason) => FileRead::Skipped(reason.to_string()),
            Verdict::Failed(error) => FileRead::Failed(error.to_string()),
        }
    }
}

/// The merge of per-file outcomes, in input order, then linking, findings and the report.
pub(crate) struct Assembly {
    estate: Estate,
    summary: Summary,
    files: Vec<FileNote>,
    paths: Vec<String>,
}

impl Assembly {
    /// An empty assembly, of inputs of which `pruned` files were ruled out by their key.
    pub(crate) fn new(pruned: u64) -> Assembly {
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
    fn add(&mut self, (path, verdict, outcome): FileDone) {
        self.add_file(path, FileRead::from(verdict), outcome);
    }

    /// Merges the next file as a shard summary holds it; call in input order. Its events must
    /// name it as file [`Assembly::next_file`] (see [`FileOutcome::renumber`]).
    pub(crate) fn add_file(&mut self, path: String, read: FileRead, outcome: FileOutcome) {
        let note = |reason: String, status| FileNote {
            path: path.clone(),
            reason,
            status,
        };
        match read {
            FileRead::Skipped(reason) => self.files.push(note(reason, FileStatus::Skipped)),
            FileRead::Failed(reason) => self.files.push(note(reason, FileStatus::Failed)),
            FileRead::Read { .. } if outcome.is_foreign() => self.files.push(note(
                format!(
                    "no CloudTrail events: {} records are not CloudTrail events (S3 event notifications?)",
                    outcome.stats.records
                ),
                FileStatus::Skipped,
            )),
            FileRead::Read { damage, repaired } => {
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

    /// The input index of the next file added: where its events are, for the report's
    /// `break_file`.
    pub(crate) fn next_file(&self) -> u32 {
        self.paths.len() as u32
    }

    /// Links, finds, and builds the report.
    fn finish(
        self,
        input: &InputConfig,
        directory: &Directory,
        triggers: &Triggers,
        ranges: Option<&AwsRanges>,
    ) -> (Report, Graph) {
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
        summary.not_auditable = estate.not_auditable;

        let mut graph = Graph::build(estate, &input.link);
        graph.add_user_names(directory.names());
        let mut findings = findings::detect(&graph, triggers, ranges);
        for finding in &mut findings {
            let session = &graph.estate.sessions[finding.session];
            let first = session.first_in_scope.as_ref().unwrap_or(&session.first);
            // Stolen credentials break where they were first used away from the machine.
            let file = match finding.exfiltration.as_deref() {
                Some(x) => x.break_origin.file,
                None => first.origin.file,
            };
            finding.break_file = paths.get(file as usize).cloned();
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
        summary.humans = humans
            .iter()
            .filter(|h| h.kind() == crate::identity::PrincipalKind::Person)
            .count() as u64;
        // Product providers acting with delegated access are neither.
        summary.workloads = humans
            .iter()
            .filter(|h| h.kind() == crate::identity::PrincipalKind::Workload)
            .count() as u64;
        // Sessions seen only through out-of-scope calls kept for linking are not counted.
        summary.sessions = graph
            .estate
            .sessions
            .iter()
            .filter(|s| s.events > 0)
            .count() as u64;
        summary.chains = graph.chains.len() as u64;
        summary.forwarded = graph.estate.sessions.iter().map(|s| s.forwarded).sum();
        summary.coverage = graph.coverage.clone();
        summary.machine_sessions = findings::machine_sessions(&graph);
        summary.outside_aws_test = match ranges {
            Some(_) => findings::OutsideAwsTest::Ran,
            None => findings::OutsideAwsTest::Skipped,
        };
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
            provenance: input.provenance.clone(),
        };
        (report, graph)
    }
}

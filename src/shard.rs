//! Shard summaries: the file `tip-audit summarize` writes and `tip-audit merge` reads, so that
//! the map of a scan (reading and folding files) runs on many machines and its reduce (linking,
//! findings, the report) on one (docs/summary-format.md).
//!
//! A shard holds a header naming everything that shapes the result (format version, tool
//! version, the built-in trigger table's SHA-256, the policy file with its bytes, the filters,
//! the link window, the size limits), then, for every input file in path order, what became of
//! it ([`FileRead`]) and its folded outcome ([`FileOutcome`]: sessions, linking events, counts,
//! a 16-byte hash per event). A merge refuses shards that disagree on the header, and replays
//! every file of every shard in the order of their paths, as a scan of all the inputs reads them:
//! the same report, and an event delivered into two shards counted once. Owns the file format
//! and that order; never links, finds or reports.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use bincode::error::DecodeError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::config::InputConfig;
use crate::decode::Limits;
use crate::discover::{Discovered, Filter};
use crate::estate::FileOutcome;
use crate::link::LinkOptions;
use crate::pipeline::FileRead;
use crate::policy::{Policy, PolicyFile};
use crate::report::Provenance;

/// The first 16 bytes of every shard summary.
pub const MAGIC: &[u8; 16] = b"tip-audit/shard\n";

/// The version of the format, the 4 bytes (little-endian) after [`MAGIC`]. Any change to what
/// the header or a file entry holds, to their encoding or to the event hash is a new version.
pub const VERSION: u32 = 1;

/// The extension `merge` looks for in a folder of shards.
pub const EXTENSION: &str = "shard";

/// The largest header or file entry read, in bytes: a damaged length never allocates more.
const LIMIT: usize = 1 << 30;

/// bincode's standard encoding (little-endian, variable-length integers), with [`LIMIT`].
const CODING: Configuration<LittleEndian, Varint, Limit<LIMIT>> =
    bincode::config::standard().with_limit::<LIMIT>();

/// The settings that shape a report: every shard of a merge must have been made with the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The policy file in force, with its bytes (allowlists, severities, extra triggers).
    pub policy: Option<PolicySnapshot>,
    /// `--since`.
    pub since: Option<DateTime<Utc>>,
    /// `--until`.
    pub until: Option<DateTime<Utc>>,
    /// `--account`.
    pub accounts: Vec<String>,
    /// `--region`.
    pub regions: Vec<String>,
    /// How long before `--since` a file is still read (from the link window).
    pub link_margin: chrono::Duration,
    /// `--link-window`.
    pub link_window: chrono::Duration,
    /// `--link-skew`.
    pub link_skew: chrono::Duration,
    /// `--max-file-bytes`.
    pub max_file_bytes: u64,
    /// `--max-ratio`.
    pub max_ratio: u64,
    /// Files up to this size are parsed in memory (changes no result).
    pub in_memory_bytes: u64,
}

/// The policy file a shard was made with: where it was, the SHA-256 of its bytes, and the
/// bytes, so that the merge applies the very same policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySnapshot {
    /// Its path, as given to `--config` or found in the current directory.
    pub path: String,
    /// The SHA-256 of its bytes, in lower-case hex.
    pub sha256: String,
    /// Whether it was picked up from the current directory.
    pub found: bool,
    /// Its text.
    pub text: String,
}

impl Settings {
    /// The settings of a run over `input`; reads the policy file again to keep its bytes.
    pub fn of(input: &InputConfig) -> anyhow::Result<Settings> {
        let policy = input
            .policy_file
            .as_ref()
            .map(PolicySnapshot::read)
            .transpose()?;
        Ok(Settings {
            policy,
            since: input.filter.since,
            until: input.filter.until,
            accounts: input.filter.accounts.clone(),
            regions: input.filter.regions.clone(),
            link_margin: input.filter.link_margin,
            link_window: input.link.window,
            link_skew: input.link.skew,
            max_file_bytes: input.limits.max_file_bytes,
            max_ratio: input.limits.max_ratio,
            in_memory_bytes: input.limits.in_memory_bytes,
        })
    }

    /// The event and file filters.
    pub fn filter(&self) -> Filter {
        Filter {
            since: self.since,
            until: self.until,
            accounts: self.accounts.clone(),
            regions: self.regions.clone(),
            link_margin: self.link_margin,
        }
    }

    /// The linking settings.
    pub fn link(&self) -> LinkOptions {
        LinkOptions {
            window: self.link_window,
            skew: self.link_skew,
        }
    }

    /// The size limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_bytes,
            max_ratio: self.max_ratio,
            in_memory_bytes: self.in_memory_bytes,
        }
    }

    /// The policy in force and where it came from.
    pub fn policy(&self) -> anyhow::Result<(Policy, Option<PolicyFile>)> {
        let Some(snapshot) = &self.policy else {
            return Ok((Policy::default(), None));
        };
        let policy = Policy::parse(&snapshot.text)
            .with_context(|| format!("{} is not a valid policy", snapshot.path))?;
        let file = PolicyFile {
            path: PathBuf::from(&snapshot.path),
            sha256: snapshot.sha256.clone(),
            found: snapshot.found,
        };
        Ok((policy, Some(file)))
    }

    /// What differs from `other` in what shapes a report, one phrase per difference: the
    /// policy file (by its bytes, wherever it was), the filters, the link window, the limits.
    fn differences(&self, other: &Settings) -> Vec<String> {
        let mut found = Vec::new();
        let sha = |s: &Settings| s.policy.as_ref().map(|p| p.sha256.clone());
        if sha(self) != sha(other) {
            found.push(format!(
                "the policy file ({} vs {})",
                self.policy_text(),
                other.policy_text()
            ));
        }
        let filters = |s: &Settings| (s.since, s.until, s.accounts.clone(), s.regions.clone());
        if filters(self) != filters(other) {
            found.push(format!(
                "the filters ({} vs {})",
                self.filters_text(),
                other.filters_text()
            ));
        }
        let link = |s: &Settings| (s.link_window, s.link_skew, s.link_margin);
        if link(self) != link(other) {
            found.push(format!(
                "the link window ({} vs {})",
                self.link_text(),
                other.link_text()
            ));
        }
        let limits = |s: &Settings| (s.max_file_bytes, s.max_ratio);
        if limits(self) != limits(other) {
            found.push(format!(
                "the size limits (--max-file-bytes {} --max-ratio {} vs --max-file-bytes {} --max-ratio {})",
                self.max_file_bytes, self.max_ratio, other.max_file_bytes, other.max_ratio
            ));
        }
        found
    }

    fn policy_text(&self) -> String {
        match &self.policy {
            Some(p) => {
                let short = p.sha256.get(..12).unwrap_or(&p.sha256);
                format!("{}, sha256 {short}…", p.path)
            }
            None => "none".to_owned(),
        }
    }

    fn filters_text(&self) -> String {
        Provenance::new(&[], &self.filter(), None, Vec::new()).filters_text()
    }

    fn link_text(&self) -> String {
        let text = |d: chrono::Duration| match d.to_std() {
            Ok(d) => humantime::format_duration(d).to_string(),
            Err(_) => d.to_string(),
        };
        format!(
            "--link-window {} --link-skew {}",
            text(self.link_window),
            text(self.link_skew)
        )
    }
}

impl PolicySnapshot {
    fn read(file: &PolicyFile) -> anyhow::Result<PolicySnapshot> {
        let bytes = std::fs::read(&file.path)
            .with_context(|| format!("cannot read {}", file.path.display()))?;
        if hex::encode(Sha256::digest(&bytes)) != file.sha256 {
            bail!(
                "{} changed while tip-audit was running",
                file.path.display()
            );
        }
        let text = String::from_utf8(bytes)
            .with_context(|| format!("cannot read {}: not UTF-8", file.path.display()))?;
        Ok(PolicySnapshot {
            path: file.path.to_string_lossy().into_owned(),
            sha256: file.sha256.clone(),
            found: file.found,
            text,
        })
    }
}

/// What a shard says of itself, after [`MAGIC`] and [`VERSION`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// The version of tip-audit that made it.
    pub tool_version: String,
    /// The SHA-256 (lower-case hex) of the built-in trigger table, `src/triggers.toml`.
    pub triggers_sha256: String,
    /// What shapes the report.
    pub settings: Settings,
    /// The inputs as given to `summarize`.
    pub inputs: Vec<String>,
    /// Files the filters ruled out by their key, unread.
    pub pruned: u64,
    /// How many file entries follow.
    pub files: u64,
    /// The path of the first file entry, in path order.
    pub first_path: Option<String>,
    /// The path of the last.
    pub last_path: Option<String>,
}

impl Header {
    /// The header of a summary of `discovered`, read with `settings` from `input`.
    pub fn new(settings: Settings, input: &InputConfig, discovered: &Discovered) -> Header {
        Header {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            triggers_sha256: triggers_sha256(),
            settings,
            inputs: input.provenance.inputs.clone(),
            pruned: discovered.pruned,
            files: discovered.sources.len() as u64,
            first_path: discovered.sources.first().map(|s| s.display()),
            last_path: discovered.sources.last().map(|s| s.display()),
        }
    }
}

/// The SHA-256 of the built-in trigger table, as this build has it.
fn triggers_sha256() -> String {
    hex::encode(Sha256::digest(crate::triggers::BUILTIN.as_bytes()))
}

/// One input file in a shard: its path as a scan shows it, what became of it, its outcome.
#[derive(Debug, Serialize, Deserialize)]
pub struct FileEntry {
    /// The path as shown in reports.
    pub path: String,
    /// Read, skipped or failed, with the reasons.
    pub read: FileRead,
    /// Sessions, linking events, counts and event hashes.
    pub outcome: FileOutcome,
}

/// What a finished shard holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    /// Files.
    pub files: u64,
    /// Events read (before duplicates are removed).
    pub events: u64,
}

/// Writes a shard: to `PATH.partial` first, renamed to `PATH` once complete, so that a shard
/// that exists is whole.
pub struct ShardWriter {
    out: BufWriter<File>,
    path: PathBuf,
    partial: PathBuf,
    files_left: u64,
    written: Written,
    error: Option<anyhow::Error>,
}

impl ShardWriter {
    /// Starts the shard at `path` with its header.
    pub fn create(path: &Path, header: &Header) -> anyhow::Result<ShardWriter> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let file = File::create(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
        let mut writer = ShardWriter {
            out: BufWriter::new(file),
            path: path.to_owned(),
            partial,
            files_left: header.files,
            written: Written::default(),
            error: None,
        };
        let start = writer
            .out
            .write_all(MAGIC)
            .and_then(|()| writer.out.write_all(&VERSION.to_le_bytes()))
            .map_err(anyhow::Error::from)
            .and_then(|()| {
                bincode::serde::encode_into_std_write(header, &mut writer.out, CODING)
                    .map_err(anyhow::Error::from)
            });
        if let Err(error) = start {
            writer.abandon();
            return Err(error.context(format!("cannot write {}", writer.partial.display())));
        }
        Ok(writer)
    }

    /// Writes the next file; call in path order, once per file the header counts. A failure
    /// is kept for [`ShardWriter::finish`].
    pub fn add(&mut self, path: String, read: FileRead, outcome: FileOutcome) {
        if self.error.is_some() {
            return;
        }
        self.files_left = self.files_left.saturating_sub(1);
        self.written.files += 1;
        self.written.events += outcome.stats.events;
        let entry = FileEntry {
            path,
            read,
            outcome,
        };
        if let Err(error) = bincode::serde::encode_into_std_write(&entry, &mut self.out, CODING) {
            self.error = Some(anyhow::Error::from(error));
        }
    }

    /// Completes the shard: flushes it and gives it its name.
    pub fn finish(mut self) -> anyhow::Result<Written> {
        let result = match self.error.take() {
            Some(error) => Err(error),
            None if self.files_left > 0 => Err(anyhow::anyhow!(
                "{} files were never written",
                self.files_left
            )),
            None => self.out.flush().map_err(anyhow::Error::from),
        };
        if let Err(error) = result {
            self.abandon();
            return Err(error.context(format!("cannot write {}", self.partial.display())));
        }
        let ShardWriter {
            out,
            path,
            partial,
            written,
            ..
        } = self;
        drop(out);
        std::fs::rename(&partial, &path).with_context(|| {
            format!("cannot rename {} to {}", partial.display(), path.display())
        })?;
        Ok(written)
    }

    /// Removes the partial file after a failure (what cannot be removed stays, named
    /// `.partial`, never taken for a shard).
    fn abandon(&self) {
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// The shards of a merge, their headers read and checked.
#[derive(Debug)]
pub struct Shards {
    list: Vec<(PathBuf, Header)>,
}

impl Shards {
    /// Lists the shards `inputs` name (files, or folders holding `*.shard` files at any depth),
    /// reads their headers, and refuses shards this tip-audit cannot merge into the report a scan
    /// would print: another format version, another tip-audit version or trigger table, or
    /// settings that differ between shards (policy file, filters, link window, limits).
    pub fn open(inputs: &[PathBuf]) -> anyhow::Result<Shards> {
        let paths = list(inputs)?;
        let mut list = Vec::with_capacity(paths.len());
        for path in paths {
            let (header, _) = open(&path)?;
            list.push((path, header));
        }
        let own_version = env!("CARGO_PKG_VERSION");
        let own_triggers = triggers_sha256();
        for (path, header) in &list {
            if header.tool_version != own_version {
                bail!(
                    "{}: summarized by tip-audit {}, and this is tip-audit {own_version}: \
                     summarize and merge with the same version",
                    path.display(),
                    header.tool_version
                );
            }
            if header.triggers_sha256 != own_triggers {
                bail!(
                    "{}: summarized with another built-in trigger table (src/triggers.toml sha256 \
                     {}) than this tip-audit's ({own_triggers}): summarize and merge with the \
                     same build",
                    path.display(),
                    header.triggers_sha256
                );
            }
        }
        if let Some(((first_path, first), rest)) = list.split_first() {
            for (path, header) in rest {
                let differences = first.settings.differences(&header.settings);
                if !differences.is_empty() {
                    bail!(
                        "{} and {} were summarized with different settings, which give another \
                         report: {}; summarize every shard of a merge with the same options \
                         and policy file",
                        first_path.display(),
                        path.display(),
                        differences.join("; ")
                    );
                }
            }
        }
        Ok(Shards { list })
    }

    /// The settings every shard was made with (`None` when there is no shard).
    pub fn settings(&self) -> Option<&Settings> {
        self.list.first().map(|(_, header)| &header.settings)
    }

    /// Files the shards' filters ruled out by their key, unread.
    pub fn pruned(&self) -> u64 {
        self.list.iter().map(|(_, header)| header.pruned).sum()
    }

    /// Hands every file of every shard to `each`, in the order of their paths (the order in
    /// which a scan of all the inputs reads them); a path in several shards is handed over once,
    /// as a scan reads a path given twice once. Shards whose paths do not interleave (cut by
    /// account, region or day) are read one after the other; interleaving ones together.
    pub fn replay<F>(self, mut each: F) -> anyhow::Result<()>
    where
        F: FnMut(String, FileRead, FileOutcome),
    {
        let mut shards: Vec<(PathBuf, Header)> = self
            .list
            .into_iter()
            .filter(|(_, header)| header.files > 0)
            .collect();
        shards.sort_by(|(_, a), (_, b)| path_order(&a.first_path, &b.first_path));
        let mut previous: Option<String> = None;
        let mut group: Vec<PathBuf> = Vec::new();
        let mut group_last: Option<String> = None;
        for (path, header) in shards {
            let overlaps =
                group_last.is_some() && path_order(&header.first_path, &group_last).is_le();
            if !overlaps && !group.is_empty() {
                replay_group(&std::mem::take(&mut group), &mut previous, &mut each)?;
                group_last = None;
            }
            group.push(path);
            if path_order(&header.last_path, &group_last).is_gt() {
                group_last = header.last_path;
            }
        }
        if !group.is_empty() {
            replay_group(&group, &mut previous, &mut each)?;
        }
        Ok(())
    }
}

/// Paths in the order discovery sorts them (by component, as `Path` compares), no path first.
fn path_order(a: &Option<String>, b: &Option<String>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => Path::new(a).cmp(Path::new(b)),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

/// One shard's file entries, read one at a time.
struct Stream {
    path: PathBuf,
    input: BufReader<File>,
    left: u64,
}

impl Stream {
    fn next_entry(&mut self) -> anyhow::Result<Option<FileEntry>> {
        if self.left == 0 {
            let rest = self
                .input
                .fill_buf()
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            if !rest.is_empty() {
                bail!(
                    "{}: damaged shard summary: bytes after its last file",
                    self.path.display()
                );
            }
            return Ok(None);
        }
        self.left -= 1;
        let entry = bincode::serde::decode_from_std_read(&mut self.input, CODING)
            .map_err(|error| damaged(&self.path, error))?;
        Ok(Some(entry))
    }
}

/// The next file of a group of shards: the entry, and the stream it came from.
struct Head {
    entry: FileEntry,
    stream: usize,
}

impl Ord for Head {
    fn cmp(&self, other: &Head) -> Ordering {
        Path::new(&self.entry.path)
            .cmp(Path::new(&other.entry.path))
            .then(self.stream.cmp(&other.stream))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Head) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Head) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

/// Merges the file entries of shards whose paths interleave, in path order, skipping a path
/// already handed over (`previous`).
fn replay_group<F>(
    paths: &[PathBuf],
    previous: &mut Option<String>,
    each: &mut F,
) -> anyhow::Result<()>
where
    F: FnMut(String, FileRead, FileOutcome),
{
    let mut streams = Vec::with_capacity(paths.len());
    for path in paths {
        let (header, input) = open(path)?;
        streams.push(Stream {
            path: path.clone(),
            input,
            left: header.files,
        });
    }
    let mut heads = BinaryHeap::with_capacity(streams.len());
    for (stream, source) in streams.iter_mut().enumerate() {
        if let Some(entry) = source.next_entry()? {
            heads.push(Reverse(Head { entry, stream }));
        }
    }
    while let Some(Reverse(Head { entry, stream })) = heads.pop() {
        if let Some(next) = streams[stream].next_entry()? {
            heads.push(Reverse(Head {
                entry: next,
                stream,
            }));
        }
        if previous.as_deref() == Some(entry.path.as_str()) {
            continue;
        }
        *previous = Some(entry.path.clone());
        each(entry.path, entry.read, entry.outcome);
    }
    Ok(())
}

/// The shard files `inputs` name: files as given, and the `*.shard` files under folders (at
/// any depth, symbolic links to folders not followed), each folder's sorted by path.
fn list(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for input in inputs {
        let meta =
            std::fs::metadata(input).with_context(|| format!("cannot read {}", input.display()))?;
        if meta.is_dir() {
            let mut inside = Vec::new();
            walk(input, &mut inside).with_context(|| format!("cannot list {}", input.display()))?;
            if inside.is_empty() {
                bail!(
                    "no shard summaries (*.{EXTENSION}) in {}: tip-audit summarize writes them",
                    input.display()
                );
            }
            inside.sort();
            found.extend(inside);
        } else {
            found.push(input.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|path| seen.insert(path.clone()));
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == EXTENSION) && path.is_file() {
            found.push(path);
        }
    }
    Ok(())
}

/// Opens a shard: checks its first bytes and format version, reads its header, and leaves the
/// reader at its first file entry.
fn open(path: &Path) -> anyhow::Result<(Header, BufReader<File>)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut input = BufReader::new(file);
    let mut start = [0u8; 20];
    let read = read_up_to(&mut input, &mut start)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if read < MAGIC.len() || start[..MAGIC.len()] != MAGIC[..] {
        bail!(
            "{}: not a tip-audit shard summary (tip-audit summarize writes them)",
            path.display()
        );
    }
    if read < start.len() {
        bail!("{}: damaged shard summary: it ends early", path.display());
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&start[MAGIC.len()..]);
    let version = u32::from_le_bytes(version);
    if version != VERSION {
        bail!(
            "{}: a shard summary of format version {version}, and this tip-audit reads version \
             {VERSION}: summarize its inputs again with this tip-audit",
            path.display()
        );
    }
    let header = bincode::serde::decode_from_std_read(&mut input, CODING)
        .map_err(|error| damaged(path, error))?;
    Ok((header, input))
}

/// Reads until `buffer` is full or the input ends; how many bytes were read.
fn read_up_to(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// A decoding error, said as what it means for the shard.
fn damaged(path: &Path, error: DecodeError) -> anyhow::Error {
    match error {
        DecodeError::UnexpectedEnd { .. } => {
            anyhow::anyhow!("{}: damaged shard summary: it ends early", path.display())
        }
        DecodeError::Io { inner, .. } if inner.kind() == io::ErrorKind::UnexpectedEof => {
            anyhow::anyhow!("{}: damaged shard summary: it ends early", path.display())
        }
        DecodeError::Io { inner, .. } => {
            anyhow::Error::new(inner).context(format!("cannot read {}", path.display()))
        }
        other => anyhow::anyhow!("{}: damaged shard summary: {other}", path.display()),
    }
}

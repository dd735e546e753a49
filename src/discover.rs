//! Inputs → the sorted list of sources to read.
//!
//! Walks directories (recursively, guarding against symlink loops), keeps files named on the
//! command line whatever their name, lists `s3://bucket/prefix` inputs ([`crate::s3`]), reads
//! what the S3 key layout says about a file (`AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/…`,
//! CloudTrail user guide `get-and-view-cloudtrail-log-files`) and prunes files the filters rule
//! out. Listing never opens a file; [`Source::open`] is the one way every later stage (decode,
//! verify, the second passes) reads an input's bytes, local or in S3.

use std::collections::HashSet;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::report::provenance::S3Reads;
use crate::s3;

/// What the path alone says about a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// A file to decode.
    File,
    /// Standard input (`-`).
    Stdin,
    /// Under `CloudTrail-Digest/`: integrity digests, no events.
    Digest,
    /// Under `CloudTrail-Insight/`: Insights records, no caller identity.
    Insight,
    /// Under `CloudTrail-Aggregated/`: aggregated data events, no per-call identity.
    Aggregated,
    /// A path that could not be listed or opened.
    Unreadable(String),
}

impl SourceKind {
    /// Why a source of this kind is skipped without being read, if it is.
    pub fn skip_reason(&self) -> Option<&'static str> {
        match self {
            SourceKind::Digest => Some("CloudTrail digest file (integrity data, no events)"),
            SourceKind::Insight => Some("CloudTrail Insights file (no caller identity)"),
            SourceKind::Aggregated => {
                Some("CloudTrail aggregated-events file (no per-call identity)")
            }
            _ => None,
        }
    }
}

/// What the S3 key layout says about a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyInfo {
    /// The account folder (the member account for organization trails).
    pub account: Option<String>,
    /// The region folder.
    pub region: Option<String>,
    /// When the file was delivered at the latest: from the file name, else the end of the date
    /// folder's day (for a folder: the end of its day, month or year).
    pub delivered: Option<DateTime<Utc>>,
    /// When the file was delivered at the earliest: from the file name, else the start of the
    /// date folder's day (for a folder: the start of its day, month or year).
    pub delivered_from: Option<DateTime<Utc>>,
}

/// One input to read.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where it is (`-` for stdin).
    pub path: PathBuf,
    /// What the path says it is.
    pub kind: SourceKind,
    /// What the S3 key layout says.
    pub key: KeyInfo,
    /// The S3 object it is, for an `s3://` input (its path is then `s3://bucket/key`).
    pub object: Option<s3::Object>,
}

/// An input opened for reading.
pub struct Opened {
    /// Its bytes, as stored (maybe gzip).
    pub reader: Box<dyn Read + Send>,
    /// Its stored size, when known before reading.
    pub size: Option<u64>,
    /// The signature stored with it: an S3 object's `x-amz-meta-signature`, which CloudTrail
    /// sets on digest files.
    pub signature: Option<String>,
}

impl Source {
    /// The path as shown to users.
    pub fn display(&self) -> String {
        self.path.display().to_string()
    }

    /// Opens the input for reading.
    pub fn open(&self) -> io::Result<Opened> {
        if let Some(object) = &self.object {
            return object.open();
        }
        match &self.kind {
            SourceKind::Stdin => Ok(Opened {
                reader: Box::new(io::stdin()),
                size: None,
                signature: None,
            }),
            _ => {
                let file = std::fs::File::open(&self.path)?;
                let size = file.metadata().ok().map(|m| m.len());
                Ok(Opened {
                    reader: Box::new(file),
                    size,
                    signature: None,
                })
            }
        }
    }

    /// Its size as stored, when known without reading it (0 bytes for standard input).
    pub fn stored_size(&self) -> Option<u64> {
        match &self.object {
            Some(object) => object.size(),
            None if self.is_read_once() => None,
            None => std::fs::metadata(&self.path).ok().map(|meta| meta.len()),
        }
    }

    /// Whether decoding opens it: it could be listed, and its kind holds events (a digest or
    /// Insights file is skipped unopened). A pass reads ahead only what it will open.
    pub fn is_decoded(&self) -> bool {
        self.unreadable_reason().is_none() && self.kind.skip_reason().is_none()
    }

    /// Whether the input can be read a second time (standard input cannot).
    pub fn is_read_once(&self) -> bool {
        self.kind == SourceKind::Stdin
    }

    /// Why the input could not even be listed or opened, if so.
    pub fn unreadable_reason(&self) -> Option<&str> {
        match &self.kind {
            SourceKind::Unreadable(reason) => Some(reason),
            _ => None,
        }
    }

    /// The source a command-line input names, without looking at the disk.
    pub fn named(input: &Path) -> Source {
        if input.as_os_str() == STDIN {
            return Source {
                path: input.to_owned(),
                kind: SourceKind::Stdin,
                key: KeyInfo::default(),
                object: None,
            };
        }
        source_for(input.to_owned())
    }
}

/// The command-line name of standard input.
const STDIN: &str = "-";

/// File-level filters from `--since`, `--account`, `--region`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Events before this are out of scope.
    pub since: Option<DateTime<Utc>>,
    /// Events after this are out of scope.
    pub until: Option<DateTime<Utc>>,
    /// Only these recipient accounts (empty: all).
    pub accounts: Vec<String>,
    /// Only these regions (empty: all).
    pub regions: Vec<String>,
    /// How long before `--since` a file must have been delivered to be skipped unread: an STS
    /// call or a trigger shortly before `--since` still explains sessions after it.
    pub link_margin: chrono::Duration,
}

/// How long after an event CloudTrail may deliver it, for `--until` to rule a file out by its
/// key: CloudTrail delivers within about 15 minutes of a call (CloudTrail FAQ, "how long does it
/// take"); a day covers late deliveries.
pub const DELIVERY_LAG: chrono::Duration = chrono::Duration::days(1);

impl Filter {
    /// Whether the key alone proves the file (or every file of the folder) holds nothing in
    /// scope. A file delivered at time T holds events from before T only, so `--since` prunes
    /// what was delivered more than the link margin before it; CloudTrail delivers an event
    /// within minutes, so `--until` prunes what was delivered more than [`DELIVERY_LAG`] after
    /// it.
    pub fn rules_out(&self, key: &KeyInfo) -> bool {
        let outside = |wanted: &[String], found: &Option<String>| {
            !wanted.is_empty() && found.as_ref().is_some_and(|f| !wanted.contains(f))
        };
        outside(&self.accounts, &key.account)
            || outside(&self.regions, &key.region)
            // Checked: a crafted date folder near the end of time must not overflow.
            || matches!((self.since, key.delivered), (Some(since), Some(at))
                if at.checked_add_signed(self.link_margin).is_some_and(|end| end < since))
            || matches!((self.until, key.delivered_from), (Some(until), Some(from))
                if until.checked_add_signed(DELIVERY_LAG).is_some_and(|end| from > end))
    }
}

/// The outcome of discovery.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Sources to read, sorted by path.
    pub sources: Vec<Source>,
    /// How many files the filters ruled out by their key.
    pub pruned: u64,
    /// The requests made for the `s3://` inputs, when there are any.
    pub s3: Option<Arc<s3::Counters>>,
}

impl Discovered {
    /// What reading the `s3://` inputs took so far, when there are any.
    pub fn s3_reads(&self) -> Option<S3Reads> {
        self.s3.as_ref().map(|counters| counters.snapshot())
    }
}

/// Lists the sources under `inputs`: local files and folders, standard input, and the objects
/// under `s3://` inputs, read `s3` requests at a time. A listing of S3 that fails (credentials,
/// a missing bucket, a refused prefix) is an error: nothing is audited from a partial listing.
pub fn sources(
    inputs: &[PathBuf],
    filter: &Filter,
    s3: &s3::Options,
) -> anyhow::Result<Discovered> {
    let mut found = Vec::new();
    let mut visited = HashSet::new();
    let mut remote = Vec::new();
    for input in inputs {
        if input.as_os_str() == STDIN {
            found.push(Source::named(input));
            continue;
        }
        if s3::is_url(input) {
            remote.push(input.clone());
            continue;
        }
        match std::fs::metadata(input) {
            Ok(meta) if meta.is_dir() => walk(input, &mut visited, &mut found),
            Ok(_) => found.push(source_for(input.clone())),
            Err(error) => found.push(unreadable(input.clone(), &error)),
        }
    }
    let mut counters = None;
    if !remote.is_empty() {
        let listing = s3::list(&remote, filter, s3)?;
        found.extend(listing.sources);
        counters = Some(listing.counters);
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found.dedup_by(|a, b| a.path == b.path);
    let before = found.len();
    found.retain(|s| !filter.rules_out(&s.key));
    Ok(Discovered {
        pruned: (before - found.len()) as u64,
        sources: found,
        s3: counters,
    })
}

/// Starts reading ahead the S3 objects among `sources`, in this order, for a pass about to open
/// them (local files need nothing of the kind); what was not opened is forgotten when the guard
/// is dropped.
pub fn read_ahead<'a>(sources: impl IntoIterator<Item = &'a Source>) -> s3::ReadAhead {
    s3::read_ahead(
        sources
            .into_iter()
            .filter_map(|source| source.object.clone())
            .collect(),
    )
}

/// The source an S3 object is: `url` (`s3://bucket/key`) read like a path for what the key
/// layout says.
#[cfg_attr(not(feature = "s3"), allow(dead_code))] // only the S3 listing makes them
pub(crate) fn remote_source(url: String, object: s3::Object) -> Source {
    let path = PathBuf::from(url);
    let (kind, key) = classify(&path);
    Source {
        path,
        kind,
        key,
        object: Some(object),
    }
}

fn walk(dir: &Path, visited: &mut HashSet<PathBuf>, found: &mut Vec<Source>) {
    // A symlink loop brings us back to a directory already seen under another name.
    let Ok(canonical) = dir.canonicalize() else {
        found.push(Source {
            path: dir.to_owned(),
            kind: SourceKind::Unreadable("cannot resolve directory".to_owned()),
            key: KeyInfo::default(),
            object: None,
        });
        return;
    };
    if !visited.insert(canonical) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            found.push(unreadable(dir.to_owned(), &error));
            return;
        }
    };
    for entry in entries {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, visited, found),
            Ok(meta) if meta.is_file() => found.push(source_for(path)),
            Ok(_) => {}
            Err(error) => found.push(unreadable(path, &error)),
        }
    }
}

fn unreadable(path: PathBuf, error: &std::io::Error) -> Source {
    Source {
        path,
        kind: SourceKind::Unreadable(error.to_string()),
        key: KeyInfo::default(),
        object: None,
    }
}

fn source_for(path: PathBuf) -> Source {
    let (kind, key) = classify(&path);
    Source {
        path,
        kind,
        key,
        object: None,
    }
}

/// Reads the CloudTrail S3 key layout out of a path, wherever the `AWSLogs` folder sits.
fn classify(path: &Path) -> (SourceKind, KeyInfo) {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    let Some(root) = parts.iter().rposition(|p| *p == "AWSLogs") else {
        return (SourceKind::File, KeyInfo::default());
    };
    let mut rest = &parts[root + 1..];
    if rest.first().is_some_and(|p| p.starts_with("o-")) {
        rest = &rest[1..];
    }
    let [account, folder, tail @ ..] = rest else {
        return (SourceKind::File, KeyInfo::default());
    };
    let kind = match *folder {
        "CloudTrail-Digest" => SourceKind::Digest,
        "CloudTrail-Insight" => SourceKind::Insight,
        "CloudTrail-Aggregated" => SourceKind::Aggregated,
        _ => SourceKind::File,
    };
    let region = tail.first().map(|r| (*r).to_owned());
    let day = match tail {
        [_, y, m, d, ..] => period(&[y, m, d]),
        _ => None,
    };
    let minute = parts.last().and_then(|name| delivery_minute(name));
    let key = KeyInfo {
        account: is_account(account).then(|| (*account).to_owned()),
        region,
        delivered: minute
            .map(|at| at + chrono::Duration::seconds(59))
            .or(day.map(|(_, end)| end)),
        delivered_from: minute.or(day.map(|(start, _)| start)),
    };
    (kind, key)
}

/// What the S3 key layout says about a folder, for a listing that prunes before going deeper:
/// `AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/` cut anywhere gives the account and
/// the region when the folder is that deep, and the span of days it can hold.
pub(crate) fn folder_key(prefix: &str) -> KeyInfo {
    let parts: Vec<&str> = prefix.split('/').filter(|p| !p.is_empty()).collect();
    let Some(root) = parts.iter().rposition(|p| *p == "AWSLogs") else {
        return KeyInfo::default();
    };
    let mut rest = &parts[root + 1..];
    if rest.first().is_some_and(|p| p.starts_with("o-")) {
        rest = &rest[1..];
    }
    let account = rest.first().copied().filter(|a| is_account(a));
    let (delivered_from, delivered) = rest.get(3..).and_then(period).unzip();
    KeyInfo {
        account: account.map(str::to_owned),
        region: rest.get(2).map(|r| (*r).to_owned()),
        delivered,
        delivered_from,
    }
}

/// An AWS account id: 12 digits.
fn is_account(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit())
}

/// The span a `YYYY`, `YYYY/MM` or `YYYY/MM/DD` date folder covers, from its first second to its
/// last; `None` when the folders are not dates.
fn period(dates: &[&str]) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let number = |text: &str| -> Option<u32> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    };
    let (first, next) = match dates {
        [] => return None,
        [y] => {
            let y = i32::try_from(number(y)?).ok()?;
            (
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y + 1, 1, 1)?,
            )
        }
        [y, m] => {
            let (y, m) = (i32::try_from(number(y)?).ok()?, number(m)?);
            let first = NaiveDate::from_ymd_opt(y, m, 1)?;
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(y, m + 1, 1)?
            };
            (first, next)
        }
        [y, m, d, ..] => {
            let y = i32::try_from(number(y)?).ok()?;
            let day = NaiveDate::from_ymd_opt(y, number(m)?, number(d)?)?;
            (day, day.succ_opt()?)
        }
    };
    let start = Utc.from_utc_datetime(&first.and_hms_opt(0, 0, 0)?);
    let end = Utc.from_utc_datetime(&next.and_hms_opt(0, 0, 0)?) - chrono::Duration::seconds(1);
    Some((start, end))
}

/// `<account>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_<random>.json.gz`: the delivery minute.
fn delivery_minute(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.split('_').find(|part| {
        part.len() == 14 && part.as_bytes().get(8) == Some(&b'T') && part.ends_with('Z')
    })?;
    DateTime::parse_from_str(&format!("{}00+0000", &stamp[..13]), "%Y%m%dT%H%M%S%z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_s3_key_layout() {
        let (kind, key) = classify(Path::new(
            "/logs/bucket/AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2026/03/02/111122223333_CloudTrail_eu-west-1_20260302T0905Z_Mu0KsOhtH1ar15ZZ.json.gz",
        ));
        assert_eq!(kind, SourceKind::File);
        assert_eq!(key.account.as_deref(), Some("111122223333"));
        assert_eq!(key.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            key.delivered.map(|t| t.to_rfc3339()),
            Some("2026-03-02T09:05:59+00:00".to_owned())
        );
    }

    #[test]
    fn digest_folders_are_recognised() {
        let (kind, _) = classify(Path::new(
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/02/x.json.gz",
        ));
        assert_eq!(kind, SourceKind::Digest);
    }

    #[test]
    fn since_prunes_what_was_delivered_before_it_and_until_what_came_a_day_after() {
        let key = KeyInfo {
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
            delivered: Utc.with_ymd_and_hms(2026, 3, 2, 9, 5, 59).single(),
            delivered_from: Utc.with_ymd_and_hms(2026, 3, 2, 9, 5, 0).single(),
        };
        let at = |d, h| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).single();
        let rules_out = |filter: Filter| filter.rules_out(&key);
        assert!(rules_out(Filter {
            since: at(2, 10),
            ..Filter::default()
        }));
        assert!(!rules_out(Filter {
            since: at(2, 9),
            ..Filter::default()
        }));
        assert!(
            !rules_out(Filter {
                until: at(2, 8),
                ..Filter::default()
            }),
            "delivered an hour after --until: may hold earlier events"
        );
        assert!(
            !rules_out(Filter {
                until: at(1, 10),
                ..Filter::default()
            }),
            "within the one-day delivery lag"
        );
        assert!(
            rules_out(Filter {
                until: at(1, 9),
                ..Filter::default()
            }),
            "delivered more than a day after --until"
        );
        assert!(
            !rules_out(Filter {
                since: at(2, 10),
                link_margin: chrono::Duration::hours(1),
                ..Filter::default()
            }),
            "within the link margin"
        );
        assert!(rules_out(Filter {
            accounts: vec!["444455556666".into()],
            ..Filter::default()
        }));
    }

    #[test]
    fn a_folder_key_covers_its_days_months_and_years() {
        let day = folder_key("AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2026/03/02/");
        assert_eq!(day.account.as_deref(), Some("111122223333"));
        assert_eq!(day.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            day.delivered_from.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-03-02T00:00:00+00:00")
        );
        assert_eq!(
            day.delivered.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-03-02T23:59:59+00:00")
        );
        let february = folder_key("AWSLogs/111122223333/CloudTrail/us-east-1/2028/02/");
        assert_eq!(
            february.delivered.map(|t| t.to_rfc3339()).as_deref(),
            Some("2028-02-29T23:59:59+00:00"),
            "a leap year's February"
        );
        let account_only = folder_key("AWSLogs/111122223333/");
        assert_eq!(account_only.account.as_deref(), Some("111122223333"));
        assert_eq!(account_only.region, None);
        assert_eq!(account_only.delivered, None);
        assert_eq!(folder_key("exports/2026/03/").delivered, None);
    }
}

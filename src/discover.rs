//! Inputs → the sorted list of sources to read.
//!
//! Walks directories (recursively, guarding against symlink loops), keeps files named on the
//! command line whatever their name, reads what the S3 key layout says about a file
//! (`AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/…`, CloudTrail user guide
//! `get-and-view-cloudtrail-log-files`) and prunes files the filters rule out. Listing never
//! opens a file; [`Source::open`] is the one way every later stage (decode, verify, the second
//! passes) reads an input's bytes, so another kind of store is one more variant here.

use std::collections::HashSet;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

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
    /// When the file was delivered: from the file name, else the end of the date folder's day.
    pub delivered: Option<DateTime<Utc>>,
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
}

/// An input opened for reading.
pub struct Opened {
    /// Its bytes, as stored (maybe gzip).
    pub reader: Box<dyn Read + Send>,
    /// Its stored size, when known before reading.
    pub size: Option<u64>,
}

impl Source {
    /// The path as shown to users.
    pub fn display(&self) -> String {
        self.path.display().to_string()
    }

    /// Opens the input for reading.
    pub fn open(&self) -> io::Result<Opened> {
        match &self.kind {
            SourceKind::Stdin => Ok(Opened {
                reader: Box::new(io::stdin()),
                size: None,
            }),
            _ => {
                let file = std::fs::File::open(&self.path)?;
                let size = file.metadata().ok().map(|m| m.len());
                Ok(Opened {
                    reader: Box::new(file),
                    size,
                })
            }
        }
    }

    /// Reads the whole stored input (for small files such as digests).
    pub fn read_all(&self) -> io::Result<Vec<u8>> {
        let mut opened = self.open()?;
        let mut bytes = Vec::with_capacity(opened.size.unwrap_or(0) as usize);
        opened.reader.read_to_end(&mut bytes)?;
        Ok(bytes)
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

impl Filter {
    /// Whether the key alone proves the file holds nothing in scope. A file delivered at time T
    /// holds events from before T only, so `--since` can prune; events can be delivered hours
    /// late, so `--until` cannot.
    pub fn rules_out(&self, key: &KeyInfo) -> bool {
        let outside = |wanted: &[String], found: &Option<String>| {
            !wanted.is_empty() && found.as_ref().is_some_and(|f| !wanted.contains(f))
        };
        outside(&self.accounts, &key.account)
            || outside(&self.regions, &key.region)
            || matches!((self.since, key.delivered), (Some(since), Some(at)) if at + self.link_margin < since)
    }
}

/// The outcome of discovery.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Sources to read, sorted by path.
    pub sources: Vec<Source>,
    /// How many files the filters ruled out by their key.
    pub pruned: u64,
}

/// Lists the sources under `inputs`.
pub fn sources(inputs: &[PathBuf], filter: &Filter) -> Discovered {
    let mut found = Vec::new();
    let mut visited = HashSet::new();
    for input in inputs {
        if input.as_os_str() == STDIN {
            found.push(Source::named(input));
            continue;
        }
        match std::fs::metadata(input) {
            Ok(meta) if meta.is_dir() => walk(input, &mut visited, &mut found),
            Ok(_) => found.push(source_for(input.clone())),
            Err(error) => found.push(unreadable(input.clone(), &error)),
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found.dedup_by(|a, b| a.path == b.path);
    let before = found.len();
    found.retain(|s| !filter.rules_out(&s.key));
    Discovered {
        pruned: (before - found.len()) as u64,
        sources: found,
    }
}

fn walk(dir: &Path, visited: &mut HashSet<PathBuf>, found: &mut Vec<Source>) {
    // A symlink loop brings us back to a directory already seen under another name.
    let Ok(canonical) = dir.canonicalize() else {
        found.push(Source {
            path: dir.to_owned(),
            kind: SourceKind::Unreadable("cannot resolve directory".to_owned()),
            key: KeyInfo::default(),
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
    }
}

fn source_for(path: PathBuf) -> Source {
    let (kind, key) = classify(&path);
    Source { path, kind, key }
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
    let is_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let region = tail.first().map(|r| (*r).to_owned());
    let day = match tail {
        [_, y, m, d, ..] => y
            .parse()
            .ok()
            .zip(m.parse().ok())
            .zip(d.parse().ok())
            .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(y, m, d))
            .and_then(|date| date.and_hms_opt(23, 59, 59))
            .map(|end| Utc.from_utc_datetime(&end)),
        _ => None,
    };
    let delivered = parts.last().and_then(|name| delivery_time(name)).or(day);
    let key = KeyInfo {
        account: is_account.then(|| (*account).to_owned()),
        region,
        delivered,
    };
    (kind, key)
}

/// `<account>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_<random>.json.gz`: the delivery minute.
fn delivery_time(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.split('_').find(|part| {
        part.len() == 14 && part.as_bytes().get(8) == Some(&b'T') && part.ends_with('Z')
    })?;
    DateTime::parse_from_str(&format!("{}00+0000", &stamp[..13]), "%Y%m%dT%H%M%S%z")
        .ok()
        .map(|t| t.with_timezone(&Utc) + chrono::Duration::seconds(59))
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
    fn since_prunes_files_delivered_before_it_but_until_never_prunes() {
        let key = KeyInfo {
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
            delivered: Utc.with_ymd_and_hms(2026, 3, 2, 9, 5, 59).single(),
        };
        let at = |h| Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).single();
        assert!(
            Filter {
                since: at(10),
                ..Filter::default()
            }
            .rules_out(&key)
        );
        assert!(
            !Filter {
                since: at(9),
                ..Filter::default()
            }
            .rules_out(&key)
        );
        assert!(
            !Filter {
                until: at(8),
                ..Filter::default()
            }
            .rules_out(&key)
        );
        let with_margin = Filter {
            since: at(10),
            link_margin: chrono::Duration::hours(1),
            ..Filter::default()
        };
        assert!(!with_margin.rules_out(&key), "within the link margin");
        let other_account = Filter {
            accounts: vec!["444455556666".into()],
            ..Filter::default()
        };
        assert!(other_account.rules_out(&key));
    }
}

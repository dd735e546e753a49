//! Where a report came from: the tool and its version, the inputs as given, the filters, and the
//! policy file in force with the SHA-256 of its bytes. It holds no wall-clock time, so two runs
//! over the same logs write the same bytes; every comparison of two reports ("the same report")
//! leaves it out. The JSON documents carry it as `provenance`, SARIF in `tool.driver` and
//! `invocations`, the HTML page in its header. Built once from the settings (`config.rs`); never
//! computed from the logs.

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::discover::Filter;
use crate::policy::PolicyFile;

/// The tool's name, as reports give it (and as SARIF's command line starts).
pub const TOOL: &str = "tip-audit";

/// Where a report came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The tool and its version.
    pub tool: Tool,
    /// The inputs as the user typed them (paths, `-`), in order, never canonicalized.
    pub inputs: Vec<String>,
    /// The event filters in force.
    pub filters: Filters,
    /// The policy file in force, if any.
    pub policy: Option<PolicyUsed>,
    /// The command line's arguments after the program name, as given: only SARIF carries them
    /// (`invocations[].arguments`); the JSON documents leave them out, since options such as
    /// `--threads` change no result.
    #[serde(skip)]
    pub arguments: Vec<String>,
    /// What reading the `s3://` inputs took, when there were any: the one part of a report of
    /// S3 objects that differs from the report of the same objects copied to disk, with the paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Reads>,
}

/// The requests made to read `s3://` inputs, counted as they were made (the SDK's own retries
/// are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct S3Reads {
    /// Requests of every kind: `HeadBucket`, `ListObjectsV2`, `GetObject`.
    pub requests: u64,
    /// `ListObjectsV2` requests (one per page of up to 1,000 keys).
    pub list_requests: u64,
    /// Folders listed.
    pub prefixes_listed: u64,
    /// Folders never listed, because their key rules out every event in scope.
    pub prefixes_pruned: u64,
    /// Objects the listings found.
    pub objects_listed: u64,
    /// Objects read (an object read in two passes counts twice).
    pub objects_read: u64,
    /// Bytes read, as stored.
    pub bytes_read: u64,
}

/// The tool and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// `tip-audit`.
    pub name: &'static str,
    /// The crate's version.
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Tool {
        Tool {
            name: TOOL,
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// The event filters in force: times in RFC 3339 UTC as resolved (`--since 2026-03-01` is
/// `2026-03-01T00:00:00Z`, `--until 2026-03-01` the day's last second), `null` or empty when not
/// given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filters {
    /// `--since`.
    pub since: Option<String>,
    /// `--until`.
    pub until: Option<String>,
    /// `--account`.
    pub accounts: Vec<String>,
    /// `--region`.
    pub regions: Vec<String>,
}

/// The policy file in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyUsed {
    /// Its path: as given to `--config`, or `tip-audit.toml` when picked up from the current
    /// directory.
    pub path: String,
    /// The SHA-256 of its bytes, in lower-case hex.
    pub sha256: String,
    /// How it was chosen: `given` (`--config`) or `current_directory`.
    pub source: &'static str,
}

impl Provenance {
    /// The provenance of a run over `paths` (as given) with `filter`, under the policy file
    /// `policy`, started with `arguments` (the command line after the program name).
    pub fn new(
        paths: &[PathBuf],
        filter: &Filter,
        policy: Option<&PolicyFile>,
        arguments: Vec<String>,
    ) -> Provenance {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        Provenance {
            tool: Tool::default(),
            inputs: paths
                .iter()
                .map(|path| path.to_string_lossy().into_owned())
                .collect(),
            filters: Filters {
                since: filter.since.map(time),
                until: filter.until.map(time),
                accounts: filter.accounts.clone(),
                regions: filter.regions.clone(),
            },
            policy: policy.map(|file| PolicyUsed {
                path: file.path.to_string_lossy().into_owned(),
                sha256: file.sha256.clone(),
                source: if file.found {
                    "current_directory"
                } else {
                    "given"
                },
            }),
            arguments,
            s3: None,
        }
    }

    /// The filters as options: `--since 2026-03-01T00:00:00Z --account 111122223333`, or `none`.
    pub fn filters_text(&self) -> String {
        let f = &self.filters;
        let mut parts = Vec::new();
        if let Some(since) = &f.since {
            parts.push(format!("--since {since}"));
        }
        if let Some(until) = &f.until {
            parts.push(format!("--until {until}"));
        }
        if !f.accounts.is_empty() {
            parts.push(format!("--account {}", f.accounts.join(",")));
        }
        if !f.regions.is_empty() {
            parts.push(format!("--region {}", f.regions.join(",")));
        }
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(" ")
        }
    }

    /// The command line as given, the program named `tip-audit` whatever path started it, each
    /// argument quoted for a POSIX shell where it needs it: SARIF's `commandLine`.
    pub fn command_line(&self) -> String {
        std::iter::once(TOOL.to_owned())
            .chain(self.arguments.iter().map(String::as_str).map(shell_quote))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `a b` → `'a b'`, `it's` → `'it'\''s'`; words of safe characters stay as they are.
fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_quotes_what_a_shell_would_split() {
        let provenance = Provenance {
            arguments: vec![
                "scan".to_owned(),
                "my logs/".to_owned(),
                "--human".to_owned(),
                "o'brien".to_owned(),
                String::new(),
            ],
            ..Provenance::default()
        };
        assert_eq!(
            provenance.command_line(),
            r"tip-audit scan 'my logs/' --human 'o'\''brien' ''"
        );
    }

    #[test]
    fn filters_are_written_as_options() {
        let mut provenance = Provenance::default();
        assert_eq!(provenance.filters_text(), "none");
        provenance.filters.since = Some("2026-03-01T00:00:00Z".to_owned());
        provenance.filters.accounts = vec!["111122223333".to_owned(), "444455556666".to_owned()];
        assert_eq!(
            provenance.filters_text(),
            "--since 2026-03-01T00:00:00Z --account 111122223333,444455556666"
        );
    }
}

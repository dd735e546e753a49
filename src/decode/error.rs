//! Why a file, or the rest of a file, could not be read: typed, so callers decide by variant;
//! the messages are what reports print.

use std::io;

/// A file that could not be read at all, or whose rest could not be.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path could not be listed or opened.
    #[error("{0}")]
    Unlisted(String),
    /// Opening failed.
    #[error("cannot open: {0}")]
    Open(io::Error),
    /// Reading the first bytes failed.
    #[error("cannot read: {0}")]
    Read(io::Error),
    /// The stream broke after some bytes (truncated gzip, a limit reached, an I/O error).
    #[error("{stream} unreadable after {at} bytes: {error}")]
    Damaged {
        /// `gzip stream` or `file`.
        stream: &'static str,
        /// Bytes read before it.
        at: usize,
        /// What broke.
        error: io::Error,
    },
    /// A JSON syntax error ended the records (trail files, arrays, streamed input).
    #[error("JSON error: {0}")]
    Json(serde_json::Error),
    /// A JSON error at a place the message names (JSON Lines).
    #[error("JSON error at {0}")]
    JsonAt(String),
    /// A JSON Lines line could not be read.
    #[error("unreadable after line {line}: {error}")]
    Line {
        /// The last line read.
        line: usize,
        /// What broke.
        error: io::Error,
    },
}

/// A file that holds nothing to audit.
#[derive(Debug, thiserror::Error)]
pub enum Skip {
    /// A digest, Insights or aggregated-events file, by its key.
    #[error("{0}")]
    NotEvents(&'static str),
    /// Zero bytes.
    #[error("empty file")]
    Empty,
    /// A zip archive.
    #[error("zip archive: extract it and scan the folder")]
    Zip,
    /// Not JSON at all.
    #[error("not JSON (starts with {0})")]
    NotJson(String),
    /// JSON that broke before any record.
    #[error("not JSON: {0}")]
    BrokenJson(FileError),
    /// JSON, but no CloudTrail record in it: what was found instead.
    #[error("no CloudTrail events: {0}")]
    Foreign(String),
    /// JSON with no records.
    #[error("no CloudTrail events")]
    NoEvents,
}

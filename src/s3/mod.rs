//! `s3://bucket/prefix` inputs: the logs read where CloudTrail delivers them.
//!
//! Owns the S3 client (credentials, region and endpoint found the way every AWS tool finds them,
//! through `aws-config`), the listing of a prefix along the CloudTrail key layout
//! (`list.rs`: one delimited listing per folder, folders the filters rule out never listed), and
//! the reading of objects (`get.rs`: up to `--s3-concurrency` requests at once, objects read
//! ahead of the workers in the order they will open them, large ones streamed). An object
//! becomes a [`crate::discover::Source`] like a local file, and every stage reads it through
//! `Source::open`: decoding, verification and the second passes do not know where bytes come
//! from. Never parses what it reads.
//!
//! Behind the `s3` feature (on by default). Without it, `disabled.rs` stands in: an `s3://` input
//! is an error that says so, and no object can exist.

#[cfg(feature = "s3")]
mod client;
#[cfg(not(feature = "s3"))]
mod disabled;
#[cfg(feature = "s3")]
mod get;
#[cfg(feature = "s3")]
mod list;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(not(feature = "s3"))]
pub use disabled::{Object, ReadAhead, list, read_ahead};
#[cfg(feature = "s3")]
pub use get::{Object, ReadAhead, read_ahead};
#[cfg(feature = "s3")]
pub use list::list;

use crate::discover::Source;
use crate::report::provenance::S3Reads;

/// How `s3://` inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Requests to S3 at once (`--s3-concurrency`): listings, and objects read ahead.
    pub concurrency: usize,
}

/// `--s3-concurrency` when not given: S3 answers a GET in tens of milliseconds, so a few dozen
/// requests in flight keep the decoding threads of a large machine busy.
pub const DEFAULT_CONCURRENCY: usize = 32;

impl Default for Options {
    fn default() -> Options {
        Options {
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// Whether a command-line input names S3 (`s3://bucket/prefix`) rather than a local path.
pub fn is_url(input: &Path) -> bool {
    input.to_str().is_some_and(|text| text.starts_with("s3://"))
}

/// What the listing of the `s3://` inputs found.
pub struct Listing {
    /// One source per object, unsorted, unfiltered by key (discovery does both, as for files).
    pub sources: Vec<Source>,
    /// The requests made for these inputs, from the listing to the last object read.
    pub counters: Arc<Counters>,
}

/// The requests made for one listing and its objects, counted as they are made. Retries the
/// SDK makes on its own are not counted.
#[derive(Debug, Default)]
pub struct Counters {
    requests: AtomicU64,
    list_requests: AtomicU64,
    prefixes_listed: AtomicU64,
    prefixes_pruned: AtomicU64,
    objects_listed: AtomicU64,
    objects_read: AtomicU64,
    bytes_read: AtomicU64,
}

impl Counters {
    /// The counts so far.
    pub fn snapshot(&self) -> S3Reads {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        S3Reads {
            requests: load(&self.requests),
            list_requests: load(&self.list_requests),
            prefixes_listed: load(&self.prefixes_listed),
            prefixes_pruned: load(&self.prefixes_pruned),
            objects_listed: load(&self.objects_listed),
            objects_read: load(&self.objects_read),
            bytes_read: load(&self.bytes_read),
        }
    }
}

/// Adds `n` to a counter.
#[cfg(feature = "s3")]
fn bump(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

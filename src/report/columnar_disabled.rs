//! Stand-in for `report/columnar.rs` in builds without the `columnar` feature (no polars).

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::export::Row;

/// Where the export would go (the variants of `columnar::Target`).
#[derive(Debug, Clone)]
pub enum Target {
    /// One Parquet file.
    Parquet(PathBuf),
    /// One CSV file.
    Csv(PathBuf),
    /// A directory of Parquet files partitioned by account and date.
    Partitioned(PathBuf),
}

impl Target {
    /// Any path.
    pub fn for_path(path: &Path) -> Target {
        Target::Parquet(path.to_owned())
    }

    fn path(&self) -> &Path {
        match self {
            Target::Parquet(path) | Target::Csv(path) | Target::Partitioned(path) => path,
        }
    }
}

/// A writer that explains why it cannot write.
pub struct Writer(Target);

impl Writer {
    /// The writer.
    pub fn new(target: Target) -> Writer {
        Writer(target)
    }

    /// Always an error: this build has no Parquet or CSV export (JSON Lines needs no polars).
    pub fn push(&mut self, _row: Row) -> anyhow::Result<()> {
        self.refuse()
    }

    /// Always an error, even with no rows: nothing was written.
    pub fn finish(self) -> anyhow::Result<u64> {
        self.refuse()
    }

    fn refuse<T>(&self) -> anyhow::Result<T> {
        bail!(
            "cannot write {}: this build of tip-audit has no Parquet/CSV export (rebuild with the `columnar` feature, or write JSON Lines: -o events.jsonl)",
            self.0.path().display()
        )
    }
}

//! Parquet and CSV export through polars, written in row groups as rows arrive: never the whole
//! set in one DataFrame. A directory target is a Hive-partitioned table
//! (`account=…/date=…/part-0.parquet`) that Athena, Spark and DuckDB read as one.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::*;

use crate::export::Row;

/// Rows per row group (and per CSV batch).
const BATCH: usize = 65_536;

/// Where and how to write.
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
    /// Chooses by the path: an existing directory or a trailing `/` is a partitioned table,
    /// `.csv` is CSV, anything else Parquet.
    pub fn for_path(path: &Path) -> Target {
        let text = path.to_string_lossy();
        if path.is_dir() || text.ends_with('/') {
            Target::Partitioned(path.to_owned())
        } else if text.to_ascii_lowercase().ends_with(".csv") {
            Target::Csv(path.to_owned())
        } else {
            Target::Parquet(path.to_owned())
        }
    }
}

enum Sink {
    Parquet(Box<polars::io::parquet::write::BatchedWriter<File>>),
    Csv(polars::io::csv::write::BatchedWriter<File>),
}

struct Part {
    sink: Sink,
    rows: Vec<Row>,
}

/// A streaming writer.
pub struct Writer {
    target: Target,
    parts: BTreeMap<(String, String), Part>,
    written: u64,
}

fn frame(rows: &[Row], csv: bool) -> PolarsResult<DataFrame> {
    // CSV is read by people, often in a spreadsheet: log strings get the terminal's escaping and
    // those that look like formulas are defused (`csv::defuse`).
    let text = |name: &str, values: Vec<Option<&str>>| {
        let values: Vec<Option<String>> = values
            .into_iter()
            .map(|v| {
                v.map(|v| {
                    if csv {
                        super::csv::defuse(v).into_owned()
                    } else {
                        v.to_owned()
                    }
                })
            })
            .collect();
        Column::new(name.into(), values)
    };
    // Parquet keeps a typed UTC timestamp. CSV gets the text CloudTrail writes, RFC 3339 in UTC
    // with `Z` (`2026-03-02T08:05:12Z`), as the timeline and the JSON Lines export do: polars
    // would write the timestamp with no zone (`2026-03-02T08:05:12.000`).
    let time = if csv {
        let stamps: Vec<Option<String>> = rows
            .iter()
            .map(|r| {
                r.time
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            })
            .collect();
        Column::new("time".into(), stamps)
    } else {
        let millis: Vec<Option<i64>> = rows
            .iter()
            .map(|r| r.time.map(|t| t.timestamp_millis()))
            .collect();
        Column::new("time".into(), millis).cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))?
    };
    DataFrame::new(
        rows.len(),
        vec![
            time,
            text(
                "event_id",
                rows.iter().map(|r| r.event_id.as_deref()).collect(),
            ),
            text(
                "account",
                rows.iter().map(|r| r.account.as_deref()).collect(),
            ),
            text("region", rows.iter().map(|r| r.region.as_deref()).collect()),
            text(
                "service",
                rows.iter().map(|r| Some(r.service.as_str())).collect(),
            ),
            text(
                "action",
                rows.iter().map(|r| Some(r.action.as_str())).collect(),
            ),
            text(
                "principal",
                rows.iter().map(|r| r.principal.as_deref()).collect(),
            ),
            text(
                "access_key",
                rows.iter().map(|r| r.access_key.as_deref()).collect(),
            ),
            text(
                "session_id",
                rows.iter().map(|r| r.session_id.as_deref()).collect(),
            ),
            text(
                "chain_id",
                rows.iter().map(|r| r.chain_id.as_deref()).collect(),
            ),
            text("human", rows.iter().map(|r| r.human.as_deref()).collect()),
            text("evidence", rows.iter().map(|r| r.evidence).collect()),
            text(
                "status",
                rows.iter().map(|r| Some(r.status.as_str())).collect(),
            ),
            text(
                "error_code",
                rows.iter().map(|r| r.error_code.as_deref()).collect(),
            ),
            text("file", rows.iter().map(|r| Some(r.file.as_str())).collect()),
        ],
    )
}

impl Writer {
    /// A writer for `target`; files are created as rows arrive.
    pub fn new(target: Target) -> Writer {
        Writer {
            target,
            parts: BTreeMap::new(),
            written: 0,
        }
    }

    fn open(&self, account: &str, date: &str) -> anyhow::Result<Sink> {
        let (path, csv) = match &self.target {
            Target::Parquet(path) => (path.clone(), false),
            Target::Csv(path) => (path.clone(), true),
            Target::Partitioned(dir) => {
                let part = dir
                    .join(format!("account={account}"))
                    .join(format!("date={date}"));
                std::fs::create_dir_all(&part)
                    .with_context(|| format!("cannot create {}", part.display()))?;
                (part.join("part-0.parquet"), false)
            }
        };
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        // The columns and their types are the ones `frame` builds: one list, not two.
        let schema = frame(&[], csv)?.schema().as_ref().clone();
        Ok(if csv {
            Sink::Csv(CsvWriter::new(file).include_header(true).batched(&schema)?)
        } else {
            Sink::Parquet(Box::new(ParquetWriter::new(file).batched(&schema)?))
        })
    }

    /// Adds a row; full batches are written out.
    pub fn push(&mut self, row: Row) -> anyhow::Result<()> {
        let key = match self.target {
            Target::Partitioned(_) => (
                row.account.clone().unwrap_or_else(|| "unknown".to_owned()),
                row.time
                    .map_or("unknown".to_owned(), |t| t.format("%Y-%m-%d").to_string()),
            ),
            _ => (String::new(), String::new()),
        };
        if !self.parts.contains_key(&key) {
            let sink = self.open(&key.0, &key.1)?;
            self.parts.insert(
                key.clone(),
                Part {
                    sink,
                    rows: Vec::new(),
                },
            );
        }
        let full = match self.parts.get_mut(&key) {
            Some(part) => {
                part.rows.push(row);
                part.rows.len() >= BATCH
            }
            None => false,
        };
        if full && let Some(part) = self.parts.get_mut(&key) {
            self.written += flush(part)?;
        }
        Ok(())
    }

    /// Writes what is buffered and closes every file; returns the rows written.
    pub fn finish(mut self) -> anyhow::Result<u64> {
        for part in self.parts.values_mut() {
            self.written += flush(part)?;
            match &mut part.sink {
                Sink::Parquet(writer) => {
                    writer.finish()?;
                }
                Sink::Csv(writer) => writer.finish()?,
            }
        }
        Ok(self.written)
    }
}

fn flush(part: &mut Part) -> anyhow::Result<u64> {
    if part.rows.is_empty() {
        return Ok(0);
    }
    let df = frame(&part.rows, matches!(part.sink, Sink::Csv(_)))?;
    match &mut part.sink {
        Sink::Parquet(writer) => writer.write_batch(&df)?,
        Sink::Csv(writer) => writer.write_batch(&df)?,
    }
    let n = part.rows.len() as u64;
    part.rows.clear();
    Ok(n)
}

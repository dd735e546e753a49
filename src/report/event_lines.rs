//! `tip-audit export` as JSON Lines: one JSON object per event, with the columns of the Parquet
//! and CSV export in the same order. Needs no polars, so every build has it. Renders the rows it
//! is handed; never reads logs.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use chrono::SecondsFormat;
use serde::Serialize;

use crate::export::Row;

/// One exported event: every column, `null` where the event has no value.
#[derive(Serialize)]
struct Line<'r> {
    time: Option<String>,
    event_id: Option<&'r str>,
    account: Option<&'r str>,
    region: Option<&'r str>,
    service: &'r str,
    action: &'r str,
    principal: Option<&'r str>,
    access_key: Option<&'r str>,
    session_id: Option<&'r str>,
    chain_id: Option<&'r str>,
    human: Option<&'r str>,
    evidence: Option<&'static str>,
    status: &'static str,
    error_code: Option<&'r str>,
    file: &'r str,
}

impl<'r> Line<'r> {
    fn of(row: &'r Row) -> Line<'r> {
        Line {
            // CloudTrail's own form: `2026-03-02T08:31:00Z`, fractions only where there are some.
            time: row
                .time
                .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            event_id: row.event_id.as_deref(),
            account: row.account.as_deref(),
            region: row.region.as_deref(),
            service: &row.service,
            action: &row.action,
            principal: row.principal.as_deref(),
            access_key: row.access_key.as_deref(),
            session_id: row.session_id.as_deref(),
            chain_id: row.chain_id.as_deref(),
            human: row.human.as_deref(),
            evidence: row.evidence,
            status: row.status.as_str(),
            error_code: row.error_code.as_deref(),
            file: &row.file,
        }
    }
}

/// Writes rows as JSON Lines to a file, created with the first row (no rows, no file), or to
/// standard output.
pub struct Writer {
    /// The file; `None` is standard output.
    path: Option<PathBuf>,
    out: Option<BufWriter<Box<dyn Write>>>,
    written: u64,
    /// Standard output was closed by its reader (`| head`): the rest is dropped, not an error.
    closed: bool,
}

impl Writer {
    /// A writer to `path`, or to standard output when `None`.
    pub fn new(path: Option<PathBuf>) -> Writer {
        Writer {
            path,
            out: None,
            written: 0,
            closed: false,
        }
    }

    /// Writes one row.
    pub fn push(&mut self, row: &Row) -> anyhow::Result<()> {
        if self.closed {
            return Ok(());
        }
        if self.out.is_none() {
            let sink: Box<dyn Write> = match &self.path {
                Some(path) => Box::new(
                    File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                ),
                None => Box::new(io::stdout()),
            };
            self.out = Some(BufWriter::new(sink));
        }
        let result = match self.out.as_mut() {
            Some(out) => serde_json::to_writer(&mut *out, &Line::of(row))
                .map_err(io::Error::from)
                .and_then(|()| out.write_all(b"\n")),
            None => Ok(()),
        };
        self.settle(result)?;
        if !self.closed {
            self.written += 1;
        }
        Ok(())
    }

    /// Flushes and closes; returns the rows written.
    pub fn finish(mut self) -> anyhow::Result<u64> {
        if let Some(mut out) = self.out.take() {
            let result = out.flush();
            self.settle(result)?;
        }
        Ok(self.written)
    }

    /// A reader that went away from standard output is not a failure; anything else is.
    fn settle(&mut self, result: io::Result<()>) -> anyhow::Result<()> {
        match result {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe && self.path.is_none() => {
                self.closed = true;
                Ok(())
            }
            other => other.with_context(|| match &self.path {
                Some(path) => format!("cannot write {}", path.display()),
                None => "cannot write to standard output".to_owned(),
            }),
        }
    }
}

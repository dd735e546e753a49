//! `tip-audit timeline`: a person's events as a table, JSON, JSON Lines or CSV.

use std::io::Write;

use comfy_table::{Cell, Color};
use serde::Serialize;

use super::sanitize::terminal;
use super::{Format, Style, csv, new_table, unsupported};
use crate::link::Status;
use crate::timeline::Row;

/// Renders a timeline of `human`.
pub fn write(
    human: &str,
    rows: &[Row],
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => table(human, rows, style, out),
        Format::Json => {
            #[derive(Serialize)]
            struct Document<'r> {
                schema: &'static str,
                human: &'r str,
                events: &'r [Row],
            }
            serde_json::to_writer_pretty(
                &mut *out,
                &Document {
                    schema: "tip-audit/timeline/v1",
                    human,
                    events: rows,
                },
            )?;
            out.write_all(b"\n")
        }
        Format::Jsonl => {
            for row in rows {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Csv => {
            out.write_all(
                csv::row([
                    "time",
                    "event_id",
                    "account",
                    "region",
                    "service",
                    "action",
                    "principal",
                    "evidence",
                    "status",
                    "depth",
                    "error_code",
                    "break",
                    "chain_id",
                    "file",
                ])
                .as_bytes(),
            )?;
            for r in rows {
                let time = time(r);
                let depth = r.depth.to_string();
                out.write_all(
                    csv::row([
                        time.as_str(),
                        r.event_id.as_deref().unwrap_or(""),
                        r.account.as_deref().unwrap_or(""),
                        r.region.as_deref().unwrap_or(""),
                        &r.service,
                        &r.action,
                        r.principal.as_deref().unwrap_or(""),
                        r.evidence.unwrap_or(""),
                        r.status.as_str(),
                        &depth,
                        r.error_code.as_deref().unwrap_or(""),
                        if r.is_break { "break" } else { "" },
                        r.chain_id.as_deref().unwrap_or(""),
                        &r.file,
                    ])
                    .as_bytes(),
                )?;
            }
            Ok(())
        }
        other => Err(unsupported(other, "timeline")),
    }
}

fn time(row: &Row) -> String {
    row.time.map_or(String::new(), |t| {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    })
}

fn table(human: &str, rows: &[Row], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    let lost = rows.iter().filter(|r| r.status == Status::Lost).count();
    writeln!(
        out,
        "Timeline of {}: {} events, {} after a break (lost)\n",
        terminal(human),
        rows.len(),
        lost
    )?;
    let mut t = new_table(style);
    t.set_header(vec![
        "time",
        "account",
        "region",
        "service",
        "action",
        "principal",
        "evidence",
        "status",
        "hop",
        "error",
        "file",
    ]);
    for r in rows {
        let status = if r.is_break && r.other_candidates > 0 {
            let others = match r.other_candidates {
                1 => "1 other".to_owned(),
                n => format!("{n} others"),
            };
            format!("{} (break; or {others})", r.status.as_str())
        } else if r.is_break {
            format!("{} (break)", r.status.as_str())
        } else {
            r.status.as_str().to_owned()
        };
        let mut status = Cell::new(status);
        if style.color && r.status == Status::Lost {
            status = status.fg(Color::Red);
        }
        t.add_row(vec![
            Cell::new(time(r)),
            Cell::new(terminal(r.account.as_deref().unwrap_or("-"))),
            Cell::new(terminal(r.region.as_deref().unwrap_or("-"))),
            Cell::new(terminal(&r.service)),
            Cell::new(terminal(&r.action)),
            Cell::new(terminal(r.principal.as_deref().unwrap_or("-"))),
            Cell::new(r.evidence.unwrap_or("-")),
            status,
            Cell::new(r.depth),
            Cell::new(terminal(r.error_code.as_deref().unwrap_or(""))),
            Cell::new(terminal(r.file.rsplit('/').next().unwrap_or(&r.file))),
        ]);
    }
    writeln!(out, "{t}")
}

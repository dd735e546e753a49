//! `tip-audit timeline`: a person's events as a table, JSON, JSON Lines or CSV.

use std::io::Write;

use chrono::SecondsFormat;
use comfy_table::Color;
use serde::Serialize;

use super::layout::{self, Field, count};
use super::sanitize::terminal;
use super::{Format, Style, csv, unsupported};
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

/// RFC 3339 in UTC with `Z`, as CloudTrail writes it (fractions only where there are some): the
/// form of the JSON output and of the export.
fn time(row: &Row) -> String {
    row.time.map_or(String::new(), |t| {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    })
}

/// The columns of the table: the names of the CSV columns, so one name means one thing.
const COLUMNS: [&str; 11] = [
    "time",
    "account",
    "region",
    "service",
    "action",
    "principal",
    "evidence",
    "status",
    "depth",
    "error_code",
    "file",
];

fn table(human: &str, rows: &[Row], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    let lost = rows.iter().filter(|r| r.status == Status::Lost).count();
    writeln!(
        out,
        "{}\n",
        layout::prose(&format!(
            "Timeline of {}: {}, {} after a break (lost)",
            terminal(human),
            count(rows.len() as u64, "event", "events"),
            lost
        ))
    )?;
    let cells: Vec<Vec<Field>> = rows
        .iter()
        .map(|r| {
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
            let color = (r.status == Status::Lost).then_some(Color::Red);
            vec![
                Field::text(time(r)),
                Field::text(terminal(r.account.as_deref().unwrap_or("-"))),
                Field::text(terminal(r.region.as_deref().unwrap_or("-"))),
                Field::text(terminal(&r.service)),
                Field::text(terminal(&r.action)),
                Field::arn(terminal(r.principal.as_deref().unwrap_or("-"))),
                Field::text(r.evidence.unwrap_or("-")),
                Field::text(status).color(color),
                Field::text(r.depth.to_string()),
                Field::text(terminal(r.error_code.as_deref().unwrap_or(""))),
                Field::path(terminal(r.file.rsplit('/').next().unwrap_or(&r.file))),
            ]
        })
        .collect();
    writeln!(out, "{}", layout::table(&COLUMNS, &cells, style))
}

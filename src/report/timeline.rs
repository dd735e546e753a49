//! `tip-audit timeline`: a person's (or an indicator's) events as a table, JSON, JSON Lines, CSV,
//! or JSON Lines for Timesketch.

use std::io::Write;

use chrono::SecondsFormat;
use comfy_table::Color;
use serde::Serialize;

use super::layout::{self, Field, count};
use super::sanitize::terminal;
use super::{Format, Provenance, Style, csv, unsupported};
use crate::link::Status;
use crate::timeline::{Heading, Pivot, Row};

/// Renders a timeline of what `heading` names; the JSON document carries `provenance`.
pub fn write(
    heading: &Heading,
    rows: &[Row],
    provenance: &Provenance,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => table(&heading.title(), rows, style, out),
        Format::Json => {
            #[derive(Serialize)]
            struct Document<'r> {
                schema: &'static str,
                provenance: &'r Provenance,
                human: Option<&'r str>,
                pivots: &'r [Pivot],
                events: &'r [Row],
            }
            serde_json::to_writer_pretty(
                &mut *out,
                &Document {
                    schema: "tip-audit/timeline/v1",
                    provenance,
                    human: heading.human.as_deref(),
                    pivots: &heading.pivots,
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
        Format::Timesketch => timesketch(rows, out),
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

/// What Timesketch calls the time of every line: CloudTrail's `eventTime`.
const TIMESTAMP_DESC: &str = "Event Time";

/// One event as a Timesketch line: the columns Timesketch requires (`message`, `datetime` in ISO
/// 8601, `timestamp_desc`; `timestamp` in microseconds too), then the attribution fields flat.
#[derive(Serialize)]
struct Sketch<'r> {
    message: String,
    datetime: String,
    timestamp: i64,
    timestamp_desc: &'static str,
    event_id: Option<&'r str>,
    person: Option<&'r str>,
    evidence: Option<&'static str>,
    status: &'static str,
    is_break: bool,
    chain_id: Option<&'r str>,
    hop: usize,
    session_id: Option<&'r str>,
    principal: Option<&'r str>,
    access_key: Option<&'r str>,
    account: Option<&'r str>,
    region: Option<&'r str>,
    service: &'r str,
    action: &'r str,
    source_address: Option<&'r str>,
    user_agent: Option<&'r str>,
    error_code: Option<&'r str>,
    delegate: Option<&'r str>,
    file: &'r str,
}

/// JSON Lines that Timesketch imports as they are (`timesketch_importer`, or the web upload of a
/// `.jsonl` file). An event without a time cannot be placed on a timeline and is left out.
fn timesketch(rows: &[Row], out: &mut dyn Write) -> std::io::Result<()> {
    for row in rows {
        let Some(time) = row.time else { continue };
        let line = Sketch {
            message: sketch_message(row),
            datetime: time.to_rfc3339_opts(SecondsFormat::AutoSi, false),
            timestamp: time.timestamp_micros(),
            timestamp_desc: TIMESTAMP_DESC,
            event_id: row.event_id.as_deref(),
            person: row.person.as_deref(),
            evidence: row.evidence,
            status: row.status.as_str(),
            is_break: row.is_break,
            chain_id: row.chain_id.as_deref(),
            hop: row.depth,
            session_id: row.session_id.as_deref(),
            principal: row.principal.as_deref(),
            access_key: row.access_key.as_deref(),
            account: row.account.as_deref(),
            region: row.region.as_deref(),
            service: &row.service,
            action: &row.action,
            source_address: row.source_address.as_deref(),
            user_agent: row.user_agent.as_deref(),
            error_code: row.error_code.as_deref(),
            delegate: row.delegate.as_deref(),
            file: &row.file,
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The line Timesketch shows for an event: `glue.amazonaws.com GetTable by <principal>: lost in
/// dave@example.com's chain (break)`.
fn sketch_message(row: &Row) -> String {
    let principal = row.principal.as_deref().unwrap_or("an unnamed caller");
    let mut message = format!("{} {} by {principal}: ", row.service, row.action);
    let person = row.person.as_deref();
    match (row.status, person, row.evidence) {
        (Status::Lost, Some(person), _) => {
            message.push_str(&format!("lost, in {person}'s chain"));
        }
        (_, Some(person), Some(evidence)) => {
            message.push_str(&format!("{person} ({evidence}, {})", row.status.as_str()));
        }
        (_, Some(person), None) => {
            message.push_str(&format!("{person} ({})", row.status.as_str()));
        }
        (status, None, _) => message.push_str(status.as_str()),
    }
    if row.is_break {
        message.push_str(" (break)");
    }
    if let Some(code) = row.error_code.as_deref() {
        message.push_str(&format!(", failed: {code}"));
    }
    if let Some(delegate) = row.delegate.as_deref() {
        message.push_str(&format!(", by delegate account {delegate}"));
    }
    message
}

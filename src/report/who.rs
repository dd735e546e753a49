//! `tip-audit who`: who is behind an event, an access key, a session or a source address, as
//! text and tables for people or as the `tip-audit/who/v1` JSON document.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use comfy_table::Color;
use serde::Serialize;

use super::layout::{self, Field, count};
use super::sanitize::terminal;
use super::{Format, Provenance, Style, unsupported};
use crate::identity::PrincipalKind;
use crate::link::Status;
use crate::who::{Answer, NotFound, Selector, Subject};

/// The name of the JSON document.
pub const SCHEMA: &str = "tip-audit/who/v1";

/// Renders the answers; the JSON document also lists what was not found, and carries
/// `provenance`.
pub fn write(
    answers: &[Answer],
    not_found: &[NotFound],
    provenance: &Provenance,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => text(answers, style, out),
        Format::Json => {
            #[derive(Serialize)]
            struct Document<'a> {
                schema: &'static str,
                provenance: &'a Provenance,
                answers: &'a [Answer],
                not_found: &'a [NotFound],
            }
            serde_json::to_writer_pretty(
                &mut *out,
                &Document {
                    schema: SCHEMA,
                    provenance,
                    answers,
                    not_found,
                },
            )?;
            out.write_all(b"\n")
        }
        other => Err(unsupported(other, "who")),
    }
}

/// RFC 3339 in UTC with `Z`, as everywhere else; `-` when absent.
fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or("-".to_owned(), |t| {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    })
}

/// A log string as a person may read it, `-` when absent.
fn shown(text: Option<&str>) -> String {
    terminal(text.unwrap_or("-")).into_owned()
}

/// One line of prose, fitted to the terminal.
fn line(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    writeln!(out, "{}", layout::prose(text))
}

fn text(answers: &[Answer], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    for (n, answer) in answers.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        let what = match answer.selector {
            Selector::Event => count(answer.subjects.len() as u64, "event", "events"),
            Selector::Key | Selector::Session | Selector::Ip => {
                count(answer.subjects.len() as u64, "session", "sessions")
            }
        };
        line(
            out,
            &format!(
                "--{} {}: {what}",
                answer.selector.as_str(),
                terminal(&answer.value)
            ),
        )?;
        if answer.selector == Selector::Ip {
            writeln!(out)?;
            seen_from(&answer.subjects, style, out)?;
            continue;
        }
        for subject in &answer.subjects {
            writeln!(out)?;
            subject_text(subject, style, out)?;
        }
    }
    Ok(())
}

/// The columns of an `--ip` answer.
const SEEN_COLUMNS: [&str; 8] = [
    "principal",
    "person",
    "status",
    "evidence",
    "chain_id",
    "first_seen",
    "last_seen",
    "user_agent",
];

/// The sessions seen from an address, one row each.
fn seen_from(subjects: &[Subject], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    let cells: Vec<Vec<Field>> = subjects
        .iter()
        .map(|s| {
            let from = s.seen_from.as_ref();
            let agents = from.map_or(String::new(), |f| f.user_agents.join("; "));
            vec![
                Field::arn(shown(s.session.as_ref().map(|x| x.principal.as_str()))),
                Field::text(person(s)),
                Field::text(s.status.as_str()).color(lost_color(s.status)),
                Field::text(s.evidence.unwrap_or("-")),
                Field::text(s.chain_id.as_deref().unwrap_or("-")),
                Field::text(time(from.and_then(|f| f.first_time))),
                Field::text(time(from.and_then(|f| f.last_time))),
                Field::text(terminal(&agents).into_owned()),
            ]
        })
        .collect();
    writeln!(out, "{}", layout::table(&SEEN_COLUMNS, &cells, style))
}

/// The columns of a path.
const HOP_COLUMNS: [&str; 8] = [
    "hop",
    "principal",
    "account",
    "status",
    "evidence",
    "edge",
    "link",
    "via",
];

/// One event or session: what it is, the person behind it and how, the path from their sign-in.
fn subject_text(s: &Subject, style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    if let Some(event) = &s.event {
        line(
            out,
            &format!(
                "Event {}: {} {} at {} in {} ({})",
                shown(event.event_id.as_deref()),
                terminal(&event.service),
                terminal(&event.action),
                time(event.time),
                shown(event.account.as_deref()),
                shown(event.region.as_deref()),
            ),
        )?;
        let mut caller = format!("  by {}", shown(event.principal.as_deref()));
        if let Some(key) = event.access_key.as_deref() {
            caller.push_str(&format!(" (key {})", terminal(key)));
        }
        if let Some(address) = event.source_address.as_deref() {
            caller.push_str(&format!(", from {}", terminal(address)));
        }
        if let Some(agent) = event.user_agent.as_deref() {
            caller.push_str(&format!(", with {}", terminal(agent)));
        }
        if let Some(code) = event.error_code.as_deref() {
            caller.push_str(&format!("; failed: {}", terminal(code)));
        }
        line(out, &caller)?;
        if let Some(delegate) = event.delegate.as_deref() {
            let delegate = terminal(delegate);
            line(
                out,
                &format!("  made by a product provider, account {delegate} (invokedByDelegate)"),
            )?;
        }
    }
    if let Some(session) = &s.session {
        line(
            out,
            &format!(
                "Session {} ({}{}): {}, {} .. {}",
                terminal(&session.principal),
                session.session_id,
                session
                    .access_key
                    .as_deref()
                    .map_or(String::new(), |k| format!(", key {}", terminal(k))),
                count(session.events, "event", "events"),
                time(session.first_time),
                time(session.last_time),
            ),
        )?;
        if !session.delegates.is_empty() {
            let delegates: Vec<String> = session
                .delegates
                .iter()
                .map(|d| terminal(d).into_owned())
                .collect();
            line(
                out,
                &format!(
                    "  product providers acted with it (invokedByDelegate): account {}",
                    delegates.join(", ")
                ),
            )?;
        }
        // An event's answer shows the event; a session's says where its key came from.
        if s.event.is_none()
            && let Some(call) = &s.issuing_call
        {
            line(
                out,
                &format!(
                    "  key issued by {} {} at {} in {}",
                    terminal(&call.action),
                    shown(call.event_id.as_deref()),
                    time(call.time),
                    shown(call.account.as_deref()),
                ),
            )?;
        }
    }
    let mut person_line = format!("Person: {}", person(s));
    if let Some(chain) = s.chain_id.as_deref() {
        person_line.push_str(&format!(" (chain {chain})"));
    }
    person_line.push_str(&format!("; {}", how(s)));
    if let Some(link) = s.link {
        person_line.push_str(&format!("; link {}", link.as_str()));
    }
    line(out, &person_line)?;
    if !s.candidates.is_empty() {
        let listed: Vec<String> = s
            .candidates
            .iter()
            .map(|c| {
                let when = if c.seconds_before >= 0 {
                    format!("{} s before", c.seconds_before)
                } else {
                    format!("{} s after", -c.seconds_before)
                };
                format!(
                    "{} ({}, {when})",
                    shown(c.person.as_deref()),
                    shown(c.event_id.as_deref())
                )
            })
            .collect();
        let more = s.candidates_total.saturating_sub(s.candidates.len() as u64);
        let more = if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        };
        line(
            out,
            &format!(
                "  calls that could have caused it, the chosen one first: {}{more}",
                listed.join("; ")
            ),
        )?;
    }
    match &s.lost_at {
        Some(lost) => line(
            out,
            &format!(
                "Lost at hop {}: {}{}; first event {} at {}",
                lost.hop,
                terminal(&lost.principal),
                lost.service.as_deref().map_or(String::new(), |x| format!(
                    ", taken over by {}",
                    terminal(x)
                )),
                shown(lost.event_id.as_deref()),
                time(lost.time),
            ),
        )?,
        None if s.person.is_some() => line(out, "Not lost on this path.")?,
        None => {}
    }
    if let Some(note) = s.note.as_deref() {
        line(out, &format!("Note: {note}"))?;
    }
    if s.path.is_empty() {
        return Ok(());
    }
    let cells: Vec<Vec<Field>> = s
        .path
        .iter()
        .enumerate()
        .map(|(i, hop)| {
            let via = hop.via.as_ref().map_or("-".to_owned(), |v| {
                format!("{} {}", terminal(&v.action), shown(v.event_id.as_deref()))
            });
            let status = if hop.is_break {
                format!("{} (break)", hop.status.as_str())
            } else {
                hop.status.as_str().to_owned()
            };
            vec![
                Field::text(i.to_string()),
                Field::arn(terminal(&hop.principal).into_owned()),
                Field::text(shown(hop.account.as_deref())),
                Field::text(status).color(lost_color(hop.status)),
                Field::text(hop.evidence.map_or("-", |e| e.as_str())),
                Field::text(hop.edge.map_or("-", |e| e.as_str())),
                Field::text(hop.link.map_or("-", |l| l.as_str())),
                Field::text(via),
            ]
        })
        .collect();
    writeln!(out, "{}", layout::table(&HOP_COLUMNS, &cells, style))
}

/// The person as shown, or who the work is when nobody is behind it.
fn person(s: &Subject) -> String {
    match (&s.person, s.principal_kind) {
        (Some(person), Some(PrincipalKind::Workload)) => {
            format!("{} (a workload)", terminal(person))
        }
        (Some(person), Some(PrincipalKind::Delegate)) => format!(
            "{} (a product provider with delegated access, not the customer's person)",
            terminal(person)
        ),
        (Some(person), _) => terminal(person).into_owned(),
        (None, _) if s.status == Status::Service => "nobody: an AWS service's own work".to_owned(),
        (None, _) => "nobody the logs can name".to_owned(),
    }
}

/// How the subject names its person.
fn how(s: &Subject) -> String {
    match (s.status, s.evidence) {
        (Status::Propagated, Some(evidence)) => format!("named by it ({evidence})"),
        (Status::Reconstructable, _) => {
            "reconstructable: only the STS calls that issued its keys name them".to_owned()
        }
        (Status::Lost, _) => "lost: it names nobody, the person comes from the chain".to_owned(),
        (status, Some(evidence)) => format!("{} ({evidence})", status.as_str()),
        (status, None) => status.as_str().to_owned(),
    }
}

fn lost_color(status: Status) -> Option<Color> {
    (status == Status::Lost).then_some(Color::Red)
}

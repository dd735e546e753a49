//! `tip-audit export`: one row per event with its attribution, session, chain and status, for
//! DuckDB, Athena, Spark. A second pass over the files after linking, streamed in file order:
//! rows go to the writer a few files at a time, never the whole set at once.

use chrono::{DateTime, Utc};

use crate::decode::Record;
use crate::discover::Filter;
use crate::estate;
use crate::link::{Graph, Locator, Status};
use crate::normalize;

/// One event, attributed.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `eventTime`.
    pub time: Option<DateTime<Utc>>,
    /// `eventID`.
    pub event_id: Option<String>,
    /// `recipientAccountId`.
    pub account: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `eventSource`.
    pub service: String,
    /// `eventName`.
    pub action: String,
    /// Who the event says acted.
    pub principal: Option<String>,
    /// The access key that signed it.
    pub access_key: Option<String>,
    /// The session (credentials) it belongs to.
    pub session_id: Option<String>,
    /// Its chain.
    pub chain_id: Option<String>,
    /// The person, as shown.
    pub human: Option<String>,
    /// How the event names the person.
    pub evidence: Option<&'static str>,
    /// Its status.
    pub status: Status,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// The file it came from.
    pub file: String,
}

/// What the export needs from the first pass.
pub struct Lookup<'g> {
    graph: &'g Graph,
    locator: Locator<'g>,
}

impl<'g> Lookup<'g> {
    /// Indexes the graph.
    pub fn new(graph: &'g Graph) -> Lookup<'g> {
        Lookup {
            graph,
            locator: Locator::new(graph),
        }
    }

    /// The row of one record, if it is an in-scope event.
    pub(crate) fn row(&self, filter: &Filter, file: &str, record: Record<'_>) -> Option<Row> {
        let raw = record.ok()?;
        let event = normalize::event(raw, crate::event::Origin { file: 0, record: 0 }).ok()?;
        if !estate::in_scope(&event, filter) {
            return None;
        }
        let located = self.locator.locate(&event);
        let (human, session_id) = match located.session {
            Some(s) => (
                self.graph.attribution[s]
                    .human
                    .as_ref()
                    .map(|h| self.graph.display(h)),
                Some(session_id(&self.graph.estate.sessions[s].key)),
            ),
            None => (None, None),
        };
        Some(Row {
            time: event.time,
            event_id: event.id.as_deref().map(str::to_owned),
            account: event.account.as_deref().map(str::to_owned),
            region: event.region.as_deref().map(str::to_owned),
            service: event.source.to_string(),
            action: event.name.to_string(),
            principal: Some(estate::principal_label(&event.actor)).filter(|p| !p.is_empty()),
            access_key: event.actor.access_key.as_deref().map(str::to_owned),
            session_id,
            chain_id: located.chain_id,
            human,
            evidence: located.evidence,
            status: located.status,
            error_code: event.error_code.as_deref().map(str::to_owned),
            file: file.to_owned(),
        })
    }
}

/// A short stable id for a session key (`se-` and 12 hex digits): the `session_id` of the export,
/// the timeline and `who`.
pub(crate) fn session_id(key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("se-{hex}")
}

/// Drops events already exported (the same `eventID` and account seen in an earlier file), by
/// the same 128-bit hash as the scan's duplicate detection.
#[derive(Default)]
pub struct Dedup {
    seen: nohash_hasher::IntSet<estate::EventHash>,
}

impl Dedup {
    /// Whether the row is new.
    pub fn first_time(&mut self, row: &Row) -> bool {
        let Some(id) = row.event_id.as_deref() else {
            return true;
        };
        let hash = estate::EventHash::new(row.account.as_deref(), Some(id));
        self.seen.insert(hash)
    }
}

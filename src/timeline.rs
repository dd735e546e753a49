//! A person's timeline: a second pass over the files for the events of their sessions.
//!
//! The first pass keeps sessions, not events (memory follows sessions); the timeline re-reads
//! the files and keeps only the events of the sessions in the person's chains, so its memory
//! follows that person's activity. Owns which events belong and how each is labelled.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::decode::Record;
use crate::discover::Filter;
use crate::estate;
use crate::identity::HumanId;
use crate::link::{Graph, Locator, Status};
use crate::normalize;

/// One event of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// How this event names the person: its own evidence, `lineage`, or none when lost.
    pub evidence: Option<&'static str>,
    /// Its session's status.
    pub status: Status,
    /// Hops from the chain's root session.
    pub depth: usize,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// The file it came from.
    pub file: String,
    /// The chain.
    pub chain_id: Option<String>,
    /// The first event after the person was lost.
    pub is_break: bool,
    /// On a break linked by timing: how many other people's calls could have caused it.
    pub other_candidates: usize,
}

/// Where a wanted session sits.
#[derive(Debug, Clone)]
pub struct Place {
    status: Status,
    depth: usize,
    chain_id: Option<String>,
    break_event: Option<String>,
    other_candidates: usize,
}

/// What the timeline of some people is made of: the sessions of their chains, and the calls by
/// which an application acted for them (the call that started a chain's root, an Identity
/// Center token it obtained for them), which are the application's own.
#[derive(Debug, Clone, Default)]
pub struct Places {
    sessions: BTreeMap<usize, Place>,
    /// An application's session → its calls for these people, by event id.
    calls: BTreeMap<usize, Vec<(String, Place)>>,
}

impl Places {
    /// Where an event of `session` sits, if it belongs to the timeline.
    fn of(&self, session: usize, event_id: Option<&str>) -> Option<&Place> {
        self.sessions.get(&session).or_else(|| {
            let id = event_id?;
            self.calls
                .get(&session)?
                .iter()
                .find(|(call, _)| call.as_str() == id)
                .map(|(_, place)| place)
        })
    }

    fn add_call(&mut self, session: usize, event_id: String, place: Place) {
        self.calls
            .entry(session)
            .or_default()
            .push((event_id, place));
    }
}

/// The sessions (and applications' calls) whose events make up the timeline of `humans`.
pub fn places(graph: &Graph, humans: &[HumanId]) -> Places {
    let wanted: BTreeSet<&HumanId> = humans.iter().collect();
    let children = graph.children();
    let mut places = Places::default();
    for chain in &graph.chains {
        let view = graph.view(chain, &children);
        let in_chain = wanted.contains(&chain.human);
        for node in &view.nodes {
            let own = graph.attribution[node.session]
                .human
                .as_ref()
                .is_some_and(|h| wanted.contains(h));
            if in_chain || own {
                places.sessions.insert(
                    node.session,
                    Place {
                        status: node.status,
                        depth: node.depth,
                        chain_id: Some(chain.id.clone()),
                        break_event: node.is_break.then(|| node.first_event_id.clone()).flatten(),
                        other_candidates: if node.is_break {
                            other_candidates(graph, node.session, &chain.human)
                        } else {
                            0
                        },
                    },
                );
            }
        }
        // The application that acted for them, and its call that started the chain.
        if in_chain
            && let (Some(app), Some(edge)) = (chain.application, graph.parents[chain.root].as_ref())
            && let Some(id) = edge.via.id.clone()
        {
            let place = application_place(graph, app, Some(chain.id.clone()));
            places.add_call(app, id, place);
        }
    }
    // Identity Center tokens applications obtained for them (`CreateTokenWithIAM` names the
    // user), whether or not a call made with the token is in the logs.
    for grant in &graph.estate.grants {
        let for_them = grant
            .user_id
            .as_ref()
            .is_some_and(|id| wanted.contains(&HumanId::IdentityCenter(id.clone())));
        if for_them
            && let (Some(app), Some(id)) =
                (graph.estate.session(&grant.session), grant.event.id.clone())
        {
            let place = application_place(graph, app, None);
            places.add_call(app, id, place);
        }
    }
    places
}

/// Where an application's call for a person sits: at the top, with the application's status.
fn application_place(graph: &Graph, app: usize, chain_id: Option<String>) -> Place {
    Place {
        status: graph.attribution[app].status,
        depth: 0,
        chain_id,
        break_event: None,
        other_candidates: 0,
    }
}

/// Collects the rows of one file.
pub(crate) fn rows_of(
    locator: &Locator<'_>,
    places: &Places,
    filter: &Filter,
    file: &str,
    index: u32,
    record: Record<'_>,
    out: &mut Vec<Row>,
) {
    let Ok(raw) = record else { return };
    let origin = crate::event::Origin {
        file: index,
        record: 0,
    };
    let Ok(event) = normalize::event(raw, origin) else {
        return;
    };
    if !estate::in_scope(&event, filter) {
        return;
    }
    let located = locator.locate(&event);
    let Some(place) = located
        .session
        .and_then(|s| places.of(s, event.id.as_deref()))
    else {
        return;
    };
    let id = event.id.as_deref().map(str::to_owned);
    let is_break = id.is_some() && id == place.break_event;
    out.push(Row {
        time: event.time,
        is_break,
        event_id: id,
        account: event.account.as_deref().map(str::to_owned),
        region: event.region.as_deref().map(str::to_owned),
        service: event.source.to_string(),
        action: event.name.to_string(),
        principal: Some(estate::principal_label(&event.actor)).filter(|l| !l.is_empty()),
        evidence: located.evidence,
        status: place.status,
        depth: place.depth,
        error_code: event.error_code.as_deref().map(str::to_owned),
        file: file.to_owned(),
        chain_id: place.chain_id.clone(),
        other_candidates: if is_break { place.other_candidates } else { 0 },
    });
}

/// People other than `human` whose calls could have caused `session` (a link made by timing).
fn other_candidates(graph: &Graph, session: usize, human: &HumanId) -> usize {
    let Some(edge) = graph.parents[session].as_ref() else {
        return 0;
    };
    edge.candidates
        .iter()
        .filter_map(|c| graph.attribution[c.session].human.as_ref())
        .filter(|h| *h != human)
        .collect::<BTreeSet<_>>()
        .len()
}

/// Sorts rows by time (events without one last), then event id, and drops duplicates.
pub fn finish(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by(|a, b| {
        (a.time.is_none(), a.time, &a.event_id, &a.file).cmp(&(
            b.time.is_none(),
            b.time,
            &b.event_id,
            &b.file,
        ))
    });
    rows.dedup_by(|a, b| {
        a.event_id.is_some() && a.event_id == b.event_id && a.account == b.account
    });
    rows
}

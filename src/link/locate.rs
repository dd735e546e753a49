//! Where one event sits in the linked estate: its session, status, person and chain.
//!
//! Written once for every second pass (`timeline`, `export`, later `who`): an event acting as a
//! session belongs to that session (an event under a key the estate joined to another session,
//! such as a forwarded call's own key, to that one); the owner-side copy of a cross-account call
//! (`AWSAccount` caller) belongs to the caller's session, found by `sharedEventID`; an AWS
//! service acting alone is `service`; anything else is `unattributed`.

use std::collections::HashMap;

use super::{Graph, Status};
use crate::event::Event;
use crate::identity::{self, Acting};

/// Indexes built once over the graph.
pub struct Locator<'g> {
    graph: &'g Graph,
    chain_ids: Vec<Option<String>>,
    callers_by_shared_id: HashMap<&'g str, usize>,
}

/// An event's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Its session (index into the estate's sessions), when it has one.
    pub session: Option<usize>,
    /// Its status.
    pub status: Status,
    /// Its chain.
    pub chain_id: Option<String>,
    /// How the event names its person: its own evidence, `lineage`, or none.
    pub evidence: Option<&'static str>,
}

impl<'g> Locator<'g> {
    /// Indexes the graph.
    pub fn new(graph: &'g Graph) -> Locator<'g> {
        let mut chain_ids = vec![None; graph.estate.sessions.len()];
        for chain in &graph.chains {
            for &s in &chain.sessions {
                chain_ids[s] = Some(chain.id.clone());
            }
        }
        let mut callers_by_shared_id = HashMap::new();
        for (shared, key) in &graph.estate.shared_callers {
            if let Some(session) = graph.estate.session(key) {
                callers_by_shared_id
                    .entry(shared.as_str())
                    .or_insert(session);
            }
        }
        Locator {
            graph,
            chain_ids,
            callers_by_shared_id,
        }
    }

    /// The session an event belongs to, if any.
    pub fn session_of(&self, event: &Event<'_>) -> Option<usize> {
        match identity::acting(event) {
            Acting::Session(key) => self.graph.estate.session(&key),
            Acting::OtherAccount => event
                .shared_event_id
                .as_deref()
                .and_then(|id| self.callers_by_shared_id.get(id).copied()),
            Acting::Service(_) | Acting::Nobody => None,
        }
    }

    /// Where an event sits.
    pub fn locate(&self, event: &Event<'_>) -> Located {
        let session = self.session_of(event);
        let status = match session {
            Some(s) => self.graph.attribution[s].status,
            None if matches!(identity::acting(event), Acting::Service(_)) => Status::Service,
            None => Status::Unattributed,
        };
        let evidence = match identity::visible_human(&event.actor) {
            Some((_, evidence)) if status != Status::Service => Some(evidence.as_str()),
            _ if status == Status::Reconstructable => Some("lineage"),
            _ => None,
        };
        Located {
            session,
            status,
            chain_id: session.and_then(|s| self.chain_ids[s].clone()),
            evidence,
        }
    }
}

//! A timeline: a second pass over the files for the events of some people's sessions, or of
//! what an indicator touched.
//!
//! The first pass keeps sessions, not events (memory follows sessions); the timeline re-reads
//! the files and keeps only the events it was asked for, so its memory follows that activity.
//! What is asked for is a [`Selection`]: whole sessions (the chains of people, `--human`; the
//! chains around an access key or a session, `--key`, `--session`) and single events picked by
//! where they came from (`--ip`) or the tools that made them (`--user-agent`). Owns which events
//! belong and how each is labelled.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::decode::Record;
use crate::discover::Filter;
use crate::estate;
use crate::event::Event;
use crate::export::session_id;
use crate::identity::HumanId;
use crate::link::{Chain, Graph, Locator, Status};
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
    /// The person of its session, as shown (for a lost event, the person of its chain), if any.
    pub person: Option<String>,
    /// Its session's id, as in `export` (`se-…`).
    pub session_id: Option<String>,
    /// The access key that signed it.
    pub access_key: Option<String>,
    /// `sourceIPAddress`.
    pub source_address: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `invokedByDelegate.accountId`: a product provider acting on the customer's behalf.
    pub delegate: Option<String>,
}

/// What a timeline is of: people (`--human`) and indicators (`--key`, `--session`, `--ip`,
/// `--user-agent`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Heading {
    /// The people, as shown.
    pub human: Option<String>,
    /// The indicators, in the order given.
    pub pivots: Vec<Pivot>,
}

impl Heading {
    /// `alice@example.com, key ASIA…, ip 198.51.100.24`.
    pub fn title(&self) -> String {
        self.human
            .iter()
            .cloned()
            .chain(
                self.pivots
                    .iter()
                    .map(|p| format!("{} {}", p.selector, p.value)),
            )
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One indicator a timeline pivots on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pivot {
    /// `key`, `session`, `ip` or `user_agent`.
    pub selector: &'static str,
    /// The value as given.
    pub value: String,
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

    /// Adds the sessions and calls of `other` that are not here yet.
    pub fn extend(&mut self, other: Places) {
        for (session, place) in other.sessions {
            self.sessions.entry(session).or_insert(place);
        }
        for (session, calls) in other.calls {
            let mine = self.calls.entry(session).or_default();
            for (id, place) in calls {
                if !mine.iter().any(|(known, _)| *known == id) {
                    mine.push((id, place));
                }
            }
        }
    }
}

/// The sessions (and applications' calls) whose events make up the timeline of `humans`.
pub fn places(graph: &Graph, humans: &[HumanId]) -> Places {
    let wanted: BTreeSet<&HumanId> = humans.iter().collect();
    let mut places = Places::default();
    if wanted.is_empty() {
        return places;
    }
    add_chains(
        graph,
        &mut places,
        &|chain: &Chain| wanted.contains(&chain.human),
        &|session: usize| {
            graph.attribution[session]
                .human
                .as_ref()
                .is_some_and(|h| wanted.contains(h))
        },
    );
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

/// The chains around some sessions (an access key's, a session ARN's): the whole chain of each
/// one in a chain; for one in no chain, the session and the sessions it started.
pub fn places_around(graph: &Graph, sessions: &[usize]) -> Places {
    let roots: BTreeSet<usize> = sessions
        .iter()
        .filter_map(|&s| graph.attribution[s].chain_root)
        .collect();
    let mut places = Places::default();
    if !roots.is_empty() {
        add_chains(
            graph,
            &mut places,
            &|chain: &Chain| roots.contains(&chain.root),
            &|_: usize| false,
        );
    }
    let outside: Vec<usize> = sessions
        .iter()
        .copied()
        .filter(|&s| graph.attribution[s].chain_root.is_none())
        .collect();
    if outside.is_empty() {
        return places;
    }
    let children = graph.children();
    for s in outside {
        let mut stack = vec![(s, 0_usize)];
        let mut seen = BTreeSet::new();
        while let Some((session, depth)) = stack.pop() {
            if !seen.insert(session) {
                continue;
            }
            let a = &graph.attribution[session];
            places.sessions.entry(session).or_insert_with(|| Place {
                status: a.status,
                depth,
                chain_id: a
                    .chain_root
                    .and_then(|root| graph.chains.iter().find(|c| c.root == root))
                    .map(|c| c.id.clone()),
                break_event: None,
                other_candidates: 0,
            });
            for &child in &children[session] {
                stack.push((child, depth + 1));
            }
        }
    }
    places
}

/// Every session of the chains `in_chain` accepts (with the application's call that started
/// each), and the sessions `own` accepts in any chain.
fn add_chains(
    graph: &Graph,
    places: &mut Places,
    in_chain: &dyn Fn(&Chain) -> bool,
    own: &dyn Fn(usize) -> bool,
) {
    let children = graph.children();
    for chain in &graph.chains {
        let view = graph.view(chain, &children);
        let whole = in_chain(chain);
        for node in &view.nodes {
            if whole || own(node.session) {
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
        if whole
            && let (Some(app), Some(edge)) = (chain.application, graph.parents[chain.root].as_ref())
            && let Some(id) = edge.via.id.clone()
        {
            let place = application_place(graph, app, Some(chain.id.clone()));
            places.add_call(app, id, place);
        }
    }
}

/// What a timeline shows: whole sessions (and applications' calls), and single events picked by
/// their source address or user agent.
pub struct Selection<'g> {
    graph: &'g Graph,
    locator: Locator<'g>,
    /// Sessions and calls every event of which belongs.
    places: Places,
    /// Every chain's sessions, to label the events picked one by one.
    everywhere: Places,
    /// `--ip`.
    addresses: Vec<IpAddr>,
    /// `--user-agent`.
    agents: Vec<String>,
}

impl<'g> Selection<'g> {
    /// The events of `places`, and those from `addresses` or made with tools whose user agent
    /// holds one of `agents`.
    pub fn new(
        graph: &'g Graph,
        places: Places,
        addresses: &[IpAddr],
        agents: &[String],
    ) -> Selection<'g> {
        let mut everywhere = Places::default();
        if !addresses.is_empty() || !agents.is_empty() {
            add_chains(graph, &mut everywhere, &|_: &Chain| true, &|_: usize| false);
        }
        Selection {
            graph,
            locator: Locator::new(graph),
            places,
            everywhere,
            addresses: addresses.to_vec(),
            agents: agents.to_vec(),
        }
    }

    /// Whether an event is picked by its address or its tools.
    fn picks(&self, event: &Event<'_>) -> bool {
        let from = !self.addresses.is_empty()
            && event
                .source_address
                .as_deref()
                .and_then(|a| a.trim().parse::<IpAddr>().ok())
                .is_some_and(|a| self.addresses.contains(&a));
        from || event
            .user_agent
            .as_deref()
            .is_some_and(|agent| self.agents.iter().any(|w| agent_matches(agent, w)))
    }
}

/// Whether a user agent holds `wanted`, case ignored.
pub fn agent_matches(agent: &str, wanted: &str) -> bool {
    agent.to_lowercase().contains(&wanted.to_lowercase())
}

/// Whether a source address is `wanted`.
pub fn address_matches(address: &str, wanted: IpAddr) -> bool {
    address.trim().parse::<IpAddr>().ok() == Some(wanted)
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
    selection: &Selection<'_>,
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
    let located = selection.locator.locate(&event);
    let whole = located
        .session
        .and_then(|s| selection.places.of(s, event.id.as_deref()));
    let place = match whole {
        Some(place) => place.clone(),
        None if selection.picks(&event) => located
            .session
            .and_then(|s| selection.everywhere.of(s, event.id.as_deref()))
            .cloned()
            .unwrap_or_else(|| Place {
                status: located.status,
                depth: 0,
                chain_id: located.chain_id.clone(),
                break_event: None,
                other_candidates: 0,
            }),
        None => return,
    };
    let graph = selection.graph;
    let id = event.id.as_deref().map(str::to_owned);
    let is_break = id.is_some() && id == place.break_event;
    let owned = |text: Option<&str>| text.map(str::to_owned);
    out.push(Row {
        time: event.time,
        is_break,
        event_id: id,
        account: owned(event.account.as_deref()),
        region: owned(event.region.as_deref()),
        service: event.source.to_string(),
        action: event.name.to_string(),
        principal: Some(estate::principal_label(&event.actor)).filter(|l| !l.is_empty()),
        evidence: located.evidence,
        status: place.status,
        depth: place.depth,
        error_code: owned(event.error_code.as_deref()),
        file: file.to_owned(),
        chain_id: place.chain_id,
        other_candidates: if is_break { place.other_candidates } else { 0 },
        person: located
            .session
            .and_then(|s| graph.attribution[s].human.as_ref())
            .map(|h| graph.display(h)),
        session_id: located
            .session
            .map(|s| session_id(&graph.estate.sessions[s].key)),
        access_key: owned(event.actor.access_key.as_deref()),
        source_address: owned(event.source_address.as_deref()),
        user_agent: owned(event.user_agent.as_deref()),
        delegate: owned(event.actor.delegate.as_deref()),
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

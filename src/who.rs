//! `who`: the person behind an indicator (an event, an access key, a session, a source address)
//! and the path from that person's sign-in down to it, hop by hop, with where the identity was
//! lost on the way.
//!
//! Reads the linked graph, and for events the records a second pass over the files found; owns
//! how an answer is put together: which sessions an indicator names, the path of parent edges
//! from the chain's root, how sure the links are that tie the person to it. Never reads files
//! itself and never formats anything (`report::who` renders).

use std::collections::BTreeSet;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::decode::Record;
use crate::discover::Filter;
use crate::estate::{self, Caller, EventRef};
use crate::event::{Event, Origin};
use crate::export::session_id;
use crate::findings::MAX_CANDIDATES;
use crate::identity::{Evidence, PrincipalKind};
use crate::link::{Confidence, Edge, EdgeKind, Graph, Locator, Status};
use crate::normalize;

/// What an indicator is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Selector {
    /// A CloudTrail `eventID` (`--event`).
    Event,
    /// An access key id (`--key`).
    Key,
    /// A session's principal ARN (`--session`).
    Session,
    /// A source address (`--ip`).
    Ip,
}

impl Selector {
    /// The name used in reports (and, with `--`, on the command line).
    pub fn as_str(self) -> &'static str {
        match self {
            Selector::Event => "event",
            Selector::Key => "key",
            Selector::Session => "session",
            Selector::Ip => "ip",
        }
    }

    /// Why nothing was found for it, in words.
    fn absent(self) -> &'static str {
        match self {
            Selector::Event => "no event with this eventID",
            Selector::Key => "no call made with this access key, nor one that issued it",
            Selector::Session => "no session with this principal ARN",
            Selector::Ip => "no session called from this address",
        }
    }
}

/// What the logs say about one indicator.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// What was asked.
    pub selector: Selector,
    /// The value asked for, as given (an address as written by the parser).
    pub value: String,
    /// What it names: the event (one per account copy), the sessions with that key or ARN, the
    /// sessions seen from that address.
    pub subjects: Vec<Subject>,
}

/// An indicator the logs do not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotFound {
    /// What was asked.
    pub selector: Selector,
    /// The value asked for.
    pub value: String,
    /// Why it counts as absent.
    pub reason: &'static str,
}

impl NotFound {
    /// Nothing found for `value`.
    pub fn new(selector: Selector, value: &str) -> NotFound {
        NotFound {
            selector,
            value: value.to_owned(),
            reason: selector.absent(),
        }
    }
}

/// One thing an indicator names: an event, or a session; who is behind it and how.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    /// The event (`--event`; for a key no call used, the call that issued it).
    pub event: Option<EventFacts>,
    /// The session (set of credentials) it belongs to, when it has one.
    pub session: Option<SessionFacts>,
    /// The person behind it, as shown (user name where known), if any; for a call a product
    /// provider made with delegated access, the provider (`delegate:<account id>`), never the
    /// customer's person.
    pub person: Option<String>,
    /// Whether that is a person, a workload or a product provider (`delegate`).
    pub principal_kind: Option<PrincipalKind>,
    /// How it names the person itself (`delegate`, `on_behalf_of`, `source_identity`,
    /// `principal`, `forwarded`), `lineage` when only the STS call that issued its key does, or
    /// none.
    pub evidence: Option<&'static str>,
    /// Its status.
    pub status: Status,
    /// The person's chain.
    pub chain_id: Option<String>,
    /// How sure the links are that tie the person to it: the weakest link below the last session
    /// on the path that names the person itself; `None` when it names them itself (or nobody).
    pub link: Option<Confidence>,
    /// For a link made by timing: the calls that could have caused it, the chosen one first.
    pub candidates: Vec<CandidateCall>,
    /// How many calls could have.
    pub candidates_total: u64,
    /// The sessions from the person's sign-in (the chain's root) down to this one; outside any
    /// chain, from the first session whose parent is not in the logs.
    pub path: Vec<Hop>,
    /// Where the identity was lost on that path, if it was.
    pub lost_at: Option<LostAt>,
    /// For `--ip`: what this session did from the address.
    pub seen_from: Option<SeenFrom>,
    /// The STS call that issued the access key this is about (the session's; for a key no call
    /// used, the key asked for), when the logs hold it; `None` when they do not, or when there
    /// is no such call (a long-term key, a session without a key).
    pub issuing_call: Option<EventBrief>,
    /// Something a reader needs to know beside the rest: for `--key`, why the issuing call is
    /// absent.
    pub note: Option<String>,
}

/// An event as `who` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventFacts {
    /// `eventID`.
    pub event_id: Option<String>,
    /// `eventTime`.
    pub time: Option<DateTime<Utc>>,
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
    /// `sourceIPAddress`.
    pub source_address: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// `invokedByDelegate.accountId`: the product provider that acted on the customer's behalf.
    pub delegate: Option<String>,
}

impl EventFacts {
    fn of(event: &Event<'_>) -> EventFacts {
        let owned = |text: Option<&str>| text.map(str::to_owned);
        EventFacts {
            event_id: owned(event.id.as_deref()),
            time: event.time,
            account: owned(event.account.as_deref()),
            region: owned(event.region.as_deref()),
            service: event.source.to_string(),
            action: event.name.to_string(),
            principal: Some(estate::principal_label(&event.actor)).filter(|l| !l.is_empty()),
            access_key: owned(event.actor.access_key.as_deref()),
            source_address: owned(event.source_address.as_deref()),
            user_agent: owned(event.user_agent.as_deref()),
            error_code: owned(event.error_code.as_deref()),
            delegate: owned(event.actor.delegate.as_deref()),
        }
    }
}

/// A session as `who` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionFacts {
    /// The session's id, as in `export` and `timeline` (`se-…`).
    pub session_id: String,
    /// The principal: its ARN, else its type and name.
    pub principal: String,
    /// The role (session issuer ARN, with its path), for role sessions.
    pub role: Option<String>,
    /// The access key.
    pub access_key: Option<String>,
    /// Accounts its events were recorded in.
    pub accounts: Vec<String>,
    /// Events made with it.
    pub events: u64,
    /// Its first event.
    pub first_event_id: Option<String>,
    /// When that was.
    pub first_time: Option<DateTime<Utc>>,
    /// When its last event was.
    pub last_time: Option<DateTime<Utc>>,
    /// Product providers' accounts that acted with it (`invokedByDelegate`).
    pub delegates: Vec<String>,
}

/// One session on the path from the person's sign-in, and the edge that reached it.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    /// The session's id (`se-…`).
    pub session_id: String,
    /// The principal: its ARN, else its type and name.
    pub principal: String,
    /// The role, for role sessions.
    pub role: Option<String>,
    /// The access key.
    pub access_key: Option<String>,
    /// The principal's account (from its ARN, else the first account its events were in).
    pub account: Option<String>,
    /// Its status.
    pub status: Status,
    /// How it names the person.
    pub evidence: Option<Evidence>,
    /// What links it to the hop before (`None` on the first hop).
    pub edge: Option<EdgeKind>,
    /// How sure that link is.
    pub link: Option<Confidence>,
    /// The AWS service that took the role, for service edges.
    pub service: Option<String>,
    /// The event that made the hop: the STS call, the trigger, the invoke.
    pub via: Option<EventBrief>,
    /// The person is lost here: a lost session after one that is not.
    pub is_break: bool,
    /// Product providers' accounts that acted with it (`invokedByDelegate`).
    pub delegates: Vec<String>,
}

/// An event named by reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventBrief {
    /// `eventID`.
    pub event_id: Option<String>,
    /// `eventTime`.
    pub time: Option<DateTime<Utc>>,
    /// `eventSource`.
    pub service: String,
    /// `eventName`.
    pub action: String,
    /// `recipientAccountId`.
    pub account: Option<String>,
}

impl EventBrief {
    fn of(event: &EventRef) -> EventBrief {
        EventBrief {
            event_id: event.id.clone(),
            time: event.time,
            service: event.source.clone(),
            action: event.name.clone(),
            account: event.account.clone(),
        }
    }
}

/// Where the identity was lost on a path.
#[derive(Debug, Clone, Serialize)]
pub struct LostAt {
    /// The hop (index into `path`).
    pub hop: usize,
    /// The lost session's principal.
    pub principal: String,
    /// Its role.
    pub role: Option<String>,
    /// The AWS service that took over.
    pub service: Option<String>,
    /// The break event: the first event made with the lost session's credentials.
    pub event_id: Option<String>,
    /// When it was made.
    pub time: Option<DateTime<Utc>>,
}

/// A call that could have caused a hop linked by timing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateCall {
    /// The person behind the call, as shown, if any.
    pub person: Option<String>,
    /// The call's `eventID`.
    pub event_id: Option<String>,
    /// How many seconds before the session started the call was logged (negative: after).
    pub seconds_before: i64,
}

/// What a session did from one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenFrom {
    /// The address.
    pub address: String,
    /// The user agents of its calls from there, in first-seen order.
    pub user_agents: Vec<String>,
    /// The first call from there.
    pub first_event_id: Option<String>,
    /// When that was.
    pub first_time: Option<DateTime<Utc>>,
    /// When the last call from there was.
    pub last_time: Option<DateTime<Utc>>,
}

/// An event a second pass found by id, with where it sits.
#[derive(Debug, Clone)]
pub struct FoundEvent {
    facts: EventFacts,
    session: Option<usize>,
    status: Status,
    evidence: Option<&'static str>,
}

/// Keeps the events of one file whose `eventID` is wanted (inside the filters).
pub(crate) fn collect_events(
    locator: &Locator<'_>,
    wanted: &BTreeSet<&str>,
    filter: &Filter,
    record: Record<'_>,
    out: &mut Vec<FoundEvent>,
) {
    let Ok(raw) = record else { return };
    if raw.event_id.get().is_none_or(|id| !wanted.contains(id)) {
        return;
    }
    let Ok(event) = normalize::event(raw, Origin { file: 0, record: 0 }) else {
        return;
    };
    if !estate::in_scope(&event, filter) {
        return;
    }
    let located = locator.locate(&event);
    out.push(FoundEvent {
        facts: EventFacts::of(&event),
        session: located.session,
        status: located.status,
        evidence: located.evidence,
    });
}

/// The events found, each (`eventID`, account) once: the first copy read.
pub fn unique(found: Vec<FoundEvent>) -> Vec<FoundEvent> {
    let mut seen = BTreeSet::new();
    found
        .into_iter()
        .filter(|f| seen.insert((f.facts.event_id.clone(), f.facts.account.clone())))
        .collect()
}

/// `--event ID`: the event with that id (each account's copy), from what the second pass found.
pub fn by_event(graph: &Graph, id: &str, found: &[FoundEvent]) -> Option<Answer> {
    let subjects: Vec<Subject> = found
        .iter()
        .filter(|f| f.facts.event_id.as_deref() == Some(id))
        .map(|f| {
            subject(
                graph,
                f.session,
                f.status,
                f.evidence,
                Some(f.facts.clone()),
            )
        })
        .collect();
    (!subjects.is_empty()).then(|| Answer {
        selector: Selector::Event,
        value: id.to_owned(),
        subjects,
    })
}

/// `--key AKID`: the sessions that used the key; for a key no call in the logs used, the STS
/// call that issued it.
pub fn by_key(graph: &Graph, key: &str) -> Option<Answer> {
    let sessions = sessions_with_key(graph, key);
    let subjects = if sessions.is_empty() {
        vec![issued_only(graph, key.trim())?]
    } else {
        sessions
            .into_iter()
            .map(|s| {
                let mut subject = session_subject(graph, s);
                if subject.issuing_call.is_none() {
                    subject.note = Some(not_issued_here(key.trim()).to_owned());
                }
                subject
            })
            .collect()
    };
    Some(Answer {
        selector: Selector::Key,
        value: key.to_owned(),
        subjects,
    })
}

/// `--session ARN`: the sessions of that principal ARN (a role and session name can be used for
/// several sets of credentials, by several people).
pub fn by_session(graph: &Graph, arn: &str) -> Option<Answer> {
    let sessions = sessions_with_arn(graph, arn);
    (!sessions.is_empty()).then(|| Answer {
        selector: Selector::Session,
        value: arn.to_owned(),
        subjects: sessions
            .into_iter()
            .map(|s| session_subject(graph, s))
            .collect(),
    })
}

/// `--ip ADDR`: every session that called from the address (the places the first pass kept,
/// at most [`crate::origins::Places::MAX`] per session), first seen first.
pub fn by_ip(graph: &Graph, address: IpAddr) -> Option<Answer> {
    let sessions = &graph.estate.sessions;
    let mut seen: Vec<(usize, SeenFrom)> = Vec::new();
    for (s, session) in sessions.iter().enumerate() {
        if session.events == 0 {
            continue;
        }
        let mut from: Option<SeenFrom> = None;
        for place in &session.places.list {
            if place.address.parse::<IpAddr>().ok() != Some(address) {
                continue;
            }
            let entry = from.get_or_insert_with(|| SeenFrom {
                address: address.to_string(),
                user_agents: Vec::new(),
                first_event_id: place.first_id.clone(),
                first_time: place.first_time,
                last_time: place.last_time,
            });
            if !place.user_agent.is_empty() && !entry.user_agents.contains(&place.user_agent) {
                entry.user_agents.push(place.user_agent.clone());
            }
            let earlier = place.order()
                < (
                    entry.first_time.is_none(),
                    entry.first_time,
                    entry.first_event_id.as_deref(),
                );
            if earlier {
                entry.first_event_id = place.first_id.clone();
                entry.first_time = place.first_time;
            }
            entry.last_time = entry.last_time.max(place.last_time);
        }
        if let Some(from) = from {
            seen.push((s, from));
        }
    }
    if seen.is_empty() {
        return None;
    }
    seen.sort_by(|(a, fa), (b, fb)| {
        (
            fa.first_time.is_none(),
            fa.first_time,
            &fa.first_event_id,
            &sessions[*a].key,
        )
            .cmp(&(
                fb.first_time.is_none(),
                fb.first_time,
                &fb.first_event_id,
                &sessions[*b].key,
            ))
    });
    let subjects = seen
        .into_iter()
        .map(|(s, from)| {
            let mut subject = session_subject(graph, s);
            subject.seen_from = Some(from);
            subject
        })
        .collect();
    Some(Answer {
        selector: Selector::Ip,
        value: address.to_string(),
        subjects,
    })
}

/// The sessions (with events inside the filters) that used access key `key`, in the order they
/// started.
pub fn sessions_with_key(graph: &Graph, key: &str) -> Vec<usize> {
    let key = key.trim();
    let found = graph
        .estate
        .sessions
        .iter()
        .enumerate()
        .filter(|(_, s)| s.events > 0 && s.access_key.as_deref() == Some(key))
        .map(|(i, _)| i)
        .collect();
    in_order(graph, found)
}

/// The sessions (with events inside the filters) whose principal ARN is `arn`: as written, else
/// with case ignored; in the order they started.
pub fn sessions_with_arn(graph: &Graph, arn: &str) -> Vec<usize> {
    let arn = arn.trim();
    let named = |exact: bool| -> Vec<usize> {
        graph
            .estate
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.events > 0
                    && s.arn.as_deref().is_some_and(|a| {
                        if exact {
                            a == arn
                        } else {
                            a.eq_ignore_ascii_case(arn)
                        }
                    })
            })
            .map(|(i, _)| i)
            .collect()
    };
    let mut found = named(true);
    if found.is_empty() {
        found = named(false);
    }
    in_order(graph, found)
}

/// Sessions sorted by their first event, then key.
fn in_order(graph: &Graph, mut found: Vec<usize>) -> Vec<usize> {
    let sessions = &graph.estate.sessions;
    found.sort_by(|&a, &b| {
        (sessions[a].first.order(), &sessions[a].key)
            .cmp(&(sessions[b].first.order(), &sessions[b].key))
    });
    found
}

/// A session asked about by key, ARN or address.
fn session_subject(graph: &Graph, s: usize) -> Subject {
    let a = &graph.attribution[s];
    subject(
        graph,
        Some(s),
        a.status,
        a.evidence.map(Evidence::as_str),
        None,
    )
}

/// Why a key's issuing call is not in the answer.
fn not_issued_here(key: &str) -> &'static str {
    if key.starts_with("AKIA") {
        "a long-term access key: no STS call issues it"
    } else {
        "the STS call that issued this key is not in these logs"
    }
}

/// The STS call that issued access key `key`, if the logs hold it: the caller's own copy first
/// (the owner-side copy of a cross-account call names no session), then the earliest.
fn issuance_of<'g>(graph: &'g Graph, key: &str) -> Option<&'g estate::Issuance> {
    let other = |caller: &Caller| !matches!(caller, Caller::Session(_));
    graph
        .estate
        .issuances
        .iter()
        .filter(|i| i.access_key == key)
        .min_by(|a, b| {
            (other(&a.caller), a.event.order()).cmp(&(other(&b.caller), b.event.order()))
        })
}

/// A key issued by an STS call in the logs and used by none: the issuing call, made by its
/// caller's session.
fn issued_only(graph: &Graph, key: &str) -> Option<Subject> {
    let issuance = issuance_of(graph, key)?;
    let caller = match &issuance.caller {
        Caller::Session(key) => graph.estate.session(key),
        _ => None,
    };
    let (status, evidence) = match (caller, &issuance.caller) {
        (Some(s), _) => (
            graph.attribution[s].status,
            graph.attribution[s].evidence.map(Evidence::as_str),
        ),
        (None, Caller::Service(_)) => (Status::Service, None),
        (None, _) => (Status::Unattributed, None),
    };
    let event = &issuance.event;
    let caller_session = caller.map(|s| &graph.estate.sessions[s]);
    let facts = EventFacts {
        event_id: event.id.clone(),
        time: event.time,
        account: event.account.clone(),
        region: event.region.clone(),
        service: event.source.clone(),
        action: event.name.clone(),
        principal: caller_session.map(|s| s.label.clone()),
        access_key: caller_session.and_then(|s| s.access_key.clone()),
        source_address: None,
        user_agent: None,
        error_code: None,
        delegate: None,
    };
    let mut subject = subject(graph, caller, status, evidence, Some(facts));
    subject.issuing_call = Some(EventBrief::of(event));
    let role = match (&issuance.role_arn, &issuance.session_name) {
        (Some(role), Some(name)) => format!(" for {role} as session {name}"),
        (Some(role), None) => format!(" for {role}"),
        _ => String::new(),
    };
    subject.note = Some(format!(
        "the key was issued by this call{role}; no call made with it is in these logs"
    ));
    Some(subject)
}

/// Who is behind `session` (when there is one) and how: the person, the path from their
/// sign-in, the links' confidence and where the identity was lost.
fn subject(
    graph: &Graph,
    session: Option<usize>,
    status: Status,
    evidence: Option<&'static str>,
    event: Option<EventFacts>,
) -> Subject {
    let mut subject = Subject {
        event,
        session: None,
        person: None,
        principal_kind: None,
        evidence,
        status,
        chain_id: None,
        link: None,
        candidates: Vec::new(),
        candidates_total: 0,
        path: Vec::new(),
        lost_at: None,
        seen_from: None,
        issuing_call: None,
        note: None,
    };
    let Some(s) = session else {
        return subject;
    };
    subject.issuing_call = graph.estate.sessions[s]
        .access_key
        .as_deref()
        .and_then(|key| issuance_of(graph, key))
        .map(|issuance| EventBrief::of(&issuance.event));
    let a = &graph.attribution[s];
    let path = path_to(graph, s);
    let hops = hops(graph, &path);
    subject.lost_at = hops
        .iter()
        .position(|hop| hop.is_break)
        .map(|i| lost_at(graph, path[i], i));
    if let Some(human) = &a.human {
        subject.person = Some(graph.display(human));
        subject.principal_kind = Some(human.kind());
        let (link, candidates, total) = certainty(graph, &path);
        subject.link = link;
        subject.candidates = candidates;
        subject.candidates_total = total;
    }
    subject.chain_id = a
        .chain_root
        .and_then(|root| graph.chains.iter().find(|c| c.root == root))
        .map(|c| c.id.clone());
    subject.session = Some(session_facts(graph, s));
    subject.path = hops;
    subject
}

/// The sessions from the top of `session`'s chain (its root; outside a chain, the first session
/// whose parent is not in the logs) down to `session`, top first.
fn path_to(graph: &Graph, session: usize) -> Vec<usize> {
    let top = graph.attribution[session].chain_root;
    let mut path = vec![session];
    let mut on_path = BTreeSet::from([session]);
    let mut cursor = session;
    while Some(cursor) != top {
        let Some(edge) = graph.parents[cursor].as_ref() else {
            break;
        };
        // A cycle (possible only in damaged or hostile logs) ends the walk.
        if !on_path.insert(edge.parent) {
            break;
        }
        path.push(edge.parent);
        cursor = edge.parent;
    }
    path.reverse();
    path
}

/// The hops of a path (top first).
fn hops(graph: &Graph, path: &[usize]) -> Vec<Hop> {
    let mut hops: Vec<Hop> = Vec::with_capacity(path.len());
    for (i, &s) in path.iter().enumerate() {
        let session = &graph.estate.sessions[s];
        let a = &graph.attribution[s];
        let edge = if i == 0 {
            None
        } else {
            graph.parents[s].as_ref()
        };
        let before = hops.last().map(|hop| hop.status);
        hops.push(Hop {
            session_id: session_id(&session.key),
            principal: session.label.clone(),
            role: role_of(session),
            access_key: session.access_key.clone(),
            account: account_of(session),
            status: a.status,
            evidence: a.evidence,
            edge: edge.map(|e| e.kind),
            link: edge.map(|e| e.confidence),
            service: edge.and_then(|e| e.service.clone()),
            via: edge.map(|e| EventBrief::of(&e.via)),
            is_break: a.status == Status::Lost && before != Some(Status::Lost),
            delegates: session.delegates.iter().cloned().collect(),
        });
    }
    hops
}

/// How sure the links are that tie a path's last session to its person: the weakest edge below
/// the last session that names the person itself, with its candidate calls when it was made by
/// timing. Nothing when the last session names the person itself.
fn certainty(graph: &Graph, path: &[usize]) -> (Option<Confidence>, Vec<CandidateCall>, u64) {
    let named = path
        .iter()
        .rposition(|&s| graph.attribution[s].status == Status::Propagated);
    // The first hop's edge (to an application, or outside the logs) is not on the path.
    let start = named.map_or(1, |i| i + 1);
    let mut weakest: Option<&Edge> = None;
    for &s in path.iter().skip(start) {
        if let Some(edge) = graph.parents[s].as_ref()
            && weakest.is_none_or(|w| edge.confidence > w.confidence)
        {
            weakest = Some(edge);
        }
    }
    let Some(edge) = weakest else {
        return (None, Vec::new(), 0);
    };
    if edge.confidence == Confidence::Exact {
        return (Some(Confidence::Exact), Vec::new(), 0);
    }
    let candidates = edge
        .candidates
        .iter()
        .take(MAX_CANDIDATES)
        .map(|c| CandidateCall {
            person: graph.attribution[c.session]
                .human
                .as_ref()
                .map(|h| graph.display(h)),
            event_id: c.event.id.clone(),
            seconds_before: c.seconds_before,
        })
        .collect();
    (Some(edge.confidence), candidates, edge.candidates_total)
}

/// Where the identity was lost: the lost session at hop `hop` of a path.
fn lost_at(graph: &Graph, s: usize, hop: usize) -> LostAt {
    let session = &graph.estate.sessions[s];
    let first = session.first_in_scope.as_ref().unwrap_or(&session.first);
    LostAt {
        hop,
        principal: session.label.clone(),
        role: role_of(session),
        service: graph.parents[s].as_ref().and_then(|e| e.service.clone()),
        event_id: first.id.clone(),
        time: first.time,
    }
}

/// A session as shown.
fn session_facts(graph: &Graph, s: usize) -> SessionFacts {
    let session = &graph.estate.sessions[s];
    let first = session.first_in_scope.as_ref().unwrap_or(&session.first);
    SessionFacts {
        session_id: session_id(&session.key),
        principal: session.label.clone(),
        role: role_of(session),
        access_key: session.access_key.clone(),
        accounts: session.accounts.iter().cloned().collect(),
        events: session.events,
        first_event_id: first.id.clone(),
        first_time: first.time,
        last_time: session.last_time,
        delegates: session.delegates.iter().cloned().collect(),
    }
}

/// The role of a role session (its issuer ARN, with the path).
fn role_of(session: &estate::Session) -> Option<String> {
    session
        .issuer_arn
        .clone()
        .filter(|arn| arn.contains(":role/"))
}

/// The principal's account: from its ARN (`arn:aws:sts::ACCOUNT:…`), else the first account its
/// events were recorded in.
fn account_of(session: &estate::Session) -> Option<String> {
    session
        .arn
        .as_deref()
        .and_then(|arn| arn.split(':').nth(4))
        .filter(|account| !account.is_empty())
        .map(str::to_owned)
        .or_else(|| session.accounts.iter().next().cloned())
}

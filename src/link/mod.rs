//! Sessions → chains: who started each session, and whether it still names that person.
//!
//! Runs once, after every file is read (events arrive unordered across files, so a key can be
//! used before the file holding its STS call is seen). Finds each session's parent edge
//! ([`edges`]), walks the edges down from the sessions that name a person ([`attribute`]), and
//! groups the result into chains. Never assigns severity or formats anything.

mod attribute;
mod edges;
pub mod locate;
pub mod tree;

use std::collections::BTreeMap;

use chrono::Duration;
use serde::Serialize;

use crate::estate::{Estate, EventRef};
use crate::identity::{Evidence, HumanId};

pub use attribute::Attribution;
pub use locate::{Located, Locator};

/// Linking settings.
#[derive(Debug, Clone, Copy)]
pub struct LinkOptions {
    /// How long after a trigger call a service's `AssumeRole` may follow (`--link-window`).
    pub window: Duration,
    /// How far a follow-up may precede its cause: CloudTrail records a call when it completes,
    /// so an `Invoke` can be logged after the function's role was assumed.
    pub skew: Duration,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            window: Duration::minutes(15),
            skew: Duration::minutes(2),
        }
    }
}

/// How one session was reached from another (spec §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// The parent called STS and was issued this session's key.
    Issued,
    /// The parent invoked the resource this session's credentials were issued to (`inScopeOf`).
    Scoped,
    /// The parent named this session's role in a request; the service then assumed it.
    PassedRole,
    /// The parent called a trigger; the triggered service then assumed this role.
    ServiceTrigger,
    /// The issuing call is known from its owner-side copy, tied to the caller by `sharedEventID`.
    SharedEvent,
    /// A Lake Formation `V2.<account>.<role id>` source identity names the parent's role.
    SourceRole,
    /// The parent is the `ConsoleLogin` whose time is this session's `creationDate`: the
    /// console's own credentials of that sign-in.
    SignedIn,
    /// The parent launched the machine (an EC2 instance) whose session this is: linked, but the
    /// machine's work is its own, never the launcher's request continuing.
    Launched,
    /// The parent (an application) obtained an Identity Center token for the person
    /// (`sso-oauth:CreateTokenWithIAM`) whose credential id this session's calls carry
    /// (`userIdentity.credentialId`).
    IdentityToken,
    /// The parent (the person's Identity Center portal session) asked for role credentials of
    /// an account and permission set (`sso:GetRoleCredentials`), and Identity Center assumed
    /// that account's `AWSReservedSSO_<permission set>_*` role seconds later
    /// (`AssumeRoleWithSAML`, this session): joined by account, permission set and time.
    RoleCredentials,
    /// The parent's STS call issued this role session (same role and session name, its time
    /// the session's `creationDate`), but the session uses another access key than the call
    /// returned (Identity Center portal credentials).
    Rekeyed,
}

impl EdgeKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Issued => "issued",
            EdgeKind::Scoped => "scoped",
            EdgeKind::PassedRole => "passed_role",
            EdgeKind::ServiceTrigger => "service_trigger",
            EdgeKind::SharedEvent => "shared_event",
            EdgeKind::SourceRole => "source_role",
            EdgeKind::Launched => "launched",
            EdgeKind::SignedIn => "signed_in",
            EdgeKind::IdentityToken => "identity_token",
            EdgeKind::RoleCredentials => "role_credentials",
            EdgeKind::Rekeyed => "rekeyed",
        }
    }

    /// Whether the child runs with the parent's own authority (role chaining) rather than under a
    /// role a service took for itself.
    pub fn is_lineage(self) -> bool {
        matches!(
            self,
            EdgeKind::Issued
                | EdgeKind::SharedEvent
                | EdgeKind::SourceRole
                | EdgeKind::SignedIn
                | EdgeKind::IdentityToken
                | EdgeKind::RoleCredentials
                | EdgeKind::Rekeyed
        )
    }
}

/// How sure an edge is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A key or resource joins them.
    Exact,
    /// Joined by time and service.
    Inferred,
    /// Joined by time and service, and more than one person could have caused it.
    Ambiguous,
}

impl Confidence {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Exact => "exact",
            Confidence::Inferred => "inferred",
            Confidence::Ambiguous => "ambiguous",
        }
    }
}

/// A session's link to the session that started it.
#[derive(Debug, Clone)]
pub struct Edge {
    /// What joins them.
    pub kind: EdgeKind,
    /// How sure.
    pub confidence: Confidence,
    /// The parent session (index into [`Estate::sessions`]).
    pub parent: usize,
    /// The event that links them: the STS call, the trigger, the invoke.
    pub via: EventRef,
    /// The AWS service that assumed the role, for service edges.
    pub service: Option<String>,
    /// Other sessions that could have caused it (for ambiguity).
    pub rivals: Vec<usize>,
    /// For links made by timing: every call in the window that could have caused it, the
    /// chosen one first, then by distance (those logged before first).
    pub candidates: Vec<Candidate>,
    /// How many calls could have caused it.
    pub candidates_total: u64,
}

/// A call that could have caused a session.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The calling session.
    pub session: usize,
    /// The call.
    pub event: EventRef,
    /// How long before the session started the call was logged (negative: after).
    pub seconds_before: i64,
}

/// Each session's status (spec §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Its events name the chain's person themselves.
    Propagated,
    /// Only the STS lineage ties it to the person.
    Reconstructable,
    /// In a person's chain, but acting under a service's own role: the person is gone.
    Lost,
    /// Nobody found.
    Unattributed,
    /// An AWS service's own work, not in any person's chain.
    Service,
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Status; 5] = [
        Status::Propagated,
        Status::Reconstructable,
        Status::Lost,
        Status::Unattributed,
        Status::Service,
    ];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Propagated => "propagated",
            Status::Reconstructable => "reconstructable",
            Status::Lost => "lost",
            Status::Unattributed => "unattributed",
            Status::Service => "service",
        }
    }
}

/// The tree of sessions started by one person's action.
#[derive(Debug, Clone)]
pub struct Chain {
    /// A stable id, from the root session's key.
    pub id: String,
    /// The person.
    pub human: HumanId,
    /// How the root session names them.
    pub evidence: Evidence,
    /// The root session.
    pub root: usize,
    /// Every session in the chain, root first, then by first event.
    pub sessions: Vec<usize>,
    /// The application that acted for the person: the session, naming nobody, whose call
    /// started the root (an Identity Center token exchange, an identity-enhanced `AssumeRole`).
    pub application: Option<usize>,
}

/// The linked estate.
#[derive(Debug)]
pub struct Graph {
    /// What was read.
    pub estate: Estate,
    /// Each session's parent edge.
    pub parents: Vec<Option<Edge>>,
    /// Each session's person, status and chain.
    pub attribution: Vec<Attribution>,
    /// Chains, ordered by root first event.
    pub chains: Vec<Chain>,
    /// Identity Center user id → user name, learned from sessions that show both.
    pub user_names: BTreeMap<String, String>,
    /// Events per status.
    pub coverage: BTreeMap<Status, u64>,
}

impl Graph {
    /// Links everything read.
    pub fn build(mut estate: Estate, options: &LinkOptions) -> Graph {
        estate.adopt_keyless();
        estate.adopt_sign_ins();
        estate.adopt_forwarded();
        let found = edges::find(&estate, options);
        let (attribution, user_names) =
            attribute::run(&estate, &found.edges, &found.service_obtained);
        let parents = attribute::mark_ambiguous(found.edges, &attribution);
        let chains = chains(&estate, &attribution, &parents);
        let coverage = coverage(&estate, &attribution);
        Graph {
            estate,
            parents,
            attribution,
            chains,
            user_names,
            coverage,
        }
    }

    /// Children of each session, in first-event order.
    pub fn children(&self) -> Vec<Vec<usize>> {
        let mut children = vec![Vec::new(); self.estate.sessions.len()];
        for (child, edge) in self.parents.iter().enumerate() {
            if let Some(edge) = edge {
                children[edge.parent].push(child);
            }
        }
        for list in &mut children {
            list.sort_by(|&a, &b| self.session_order(a, b));
        }
        children
    }

    fn session_order(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (sa, sb) = (&self.estate.sessions[a], &self.estate.sessions[b]);
        (sa.first.order(), &sa.key).cmp(&(sb.first.order(), &sb.key))
    }

    /// Adds user names from a directory export; they win over names learned from sessions.
    pub fn add_user_names<'a>(&mut self, names: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (id, name) in names {
            self.user_names.insert(id.to_owned(), name.to_owned());
        }
    }

    /// The people a user's text names: an Identity Center user id or name (and, through
    /// `--users`, an e-mail or display name), an IAM user ARN or name, a SAML subject, a
    /// source identity; and a product provider acting with delegated access, by
    /// `delegate:<account id>` or its account id.
    pub fn humans_named(&self, text: &str, directory_ids: &[&str]) -> Vec<HumanId> {
        let wanted = text.to_lowercase();
        let mut found: Vec<HumanId> = self
            .attribution
            .iter()
            .filter_map(|a| a.human.as_ref())
            .filter(|human| match human {
                HumanId::IdentityCenter(id) => {
                    id == text
                        || directory_ids.contains(&id.as_str())
                        || self
                            .user_names
                            .get(id)
                            .is_some_and(|n| n.to_lowercase() == wanted)
                }
                HumanId::Name(name) | HumanId::Workload(name) => name.to_lowercase() == wanted,
                HumanId::Principal(arn) => {
                    arn == text || arn.rsplit_once('/').is_some_and(|(_, name)| name == text)
                }
                // `delegate:<account id>`, or the account id alone.
                HumanId::Delegate(label) => {
                    label.to_lowercase() == wanted
                        || label.strip_prefix("delegate:") == Some(text.trim())
                }
            })
            .cloned()
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// How a person is shown: user name where known, else the best id.
    pub fn display(&self, human: &HumanId) -> String {
        match human {
            HumanId::IdentityCenter(id) => self
                .user_names
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.clone()),
            other => other.key().to_owned(),
        }
    }
}

fn chains(estate: &Estate, attribution: &[Attribution], parents: &[Option<Edge>]) -> Vec<Chain> {
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (session, a) in attribution.iter().enumerate() {
        if let Some(root) = a.chain_root {
            by_root.entry(root).or_default().push(session);
        }
    }
    let mut chains: Vec<Chain> = by_root
        .into_iter()
        .filter_map(|(root, mut sessions)| {
            let a = &attribution[root];
            let human = a.human.clone()?;
            let order = |s: &usize| {
                let session = &estate.sessions[*s];
                (*s != root, session.first.order(), session.key.clone())
            };
            sessions.sort_by_key(order);
            Some(Chain {
                id: chain_id(&estate.sessions[root].key),
                human,
                evidence: a.evidence.unwrap_or(Evidence::Principal),
                root,
                sessions,
                application: application(root, attribution, parents),
            })
        })
        .collect();
    chains.sort_by(|a, b| {
        let (ra, rb) = (&estate.sessions[a.root], &estate.sessions[b.root]);
        (ra.first.order(), &a.id).cmp(&(rb.first.order(), &b.id))
    });
    chains
}

/// The session whose call started a chain's root, when it names nobody: the application (or
/// workload) that acted for the person. A launched machine's session is never one.
fn application(
    root: usize,
    attribution: &[Attribution],
    parents: &[Option<Edge>],
) -> Option<usize> {
    let edge = parents.get(root)?.as_ref()?;
    (edge.kind != EdgeKind::Launched && attribution[edge.parent].human.is_none())
        .then_some(edge.parent)
}

/// `ch-` and twelve hex digits of the SHA-256 of the root session's key: stable across runs,
/// thread counts and file order.
fn chain_id(root_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(root_key.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("ch-{hex}")
}

fn coverage(estate: &Estate, attribution: &[Attribution]) -> BTreeMap<Status, u64> {
    let mut coverage: BTreeMap<Status, u64> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    for (session, a) in estate.sessions.iter().zip(attribution) {
        *coverage.entry(a.status).or_default() += session.events;
    }
    *coverage.entry(Status::Service).or_default() += estate.service_events;
    *coverage.entry(Status::Unattributed).or_default() += estate.nobody_events;
    // An owner-side copy counts with the caller's session, found by `sharedEventID`.
    let callers: BTreeMap<&str, &str> = estate
        .shared_callers
        .iter()
        .map(|(shared, key)| (shared.as_str(), key.as_str()))
        .collect();
    for copy in &estate.copies {
        let status = callers
            .get(copy.shared_event_id.as_str())
            .and_then(|key| estate.session(key))
            .map_or(Status::Unattributed, |s| attribution[s].status);
        *coverage.entry(status).or_default() += 1;
    }
    coverage
}

//! Events → a compact, mergeable summary of an estate: sessions, and the few events that link.
//!
//! Each file folds into a [`FileOutcome`] while it is read; outcomes merge, in input order, into
//! one [`Estate`]. Memory follows the number of sessions and linking events (STS issuances,
//! trigger calls, cross-account copies), not the number of events: an ordinary event only bumps
//! its session's counters. Duplicate `eventID`s are found at the merge, by an [`EventHash`] of
//! 16 bytes per event, and counted once.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::discover::Filter;
use crate::event::{Event, IdentityKind, Origin};
use crate::identity::{self, Acting, Evidence, HumanId};
use crate::normalize::{self, Rejection};
use crate::origins::Places;
use crate::triggers::Triggers;

/// A role session as `adopt_keyless` matches it: the role, its `creationDate`, and the product
/// providers acting for it.
type SessionOfRole<'a> = (&'a str, DateTime<Utc>, &'a BTreeSet<String>);

/// An event kept by reference: enough to name it in a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    /// `eventID`.
    pub id: Option<String>,
    /// `eventTime`.
    pub time: Option<DateTime<Utc>>,
    /// `eventSource`.
    pub source: String,
    /// `eventName`.
    pub name: String,
    /// `recipientAccountId`.
    pub account: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// Where the record is.
    pub origin: Origin,
}

impl EventRef {
    fn of(event: &Event<'_>) -> EventRef {
        EventRef {
            id: event.id.as_deref().map(str::to_owned),
            time: event.time,
            source: event.source.to_string(),
            name: event.name.to_string(),
            account: event.account.as_deref().map(str::to_owned),
            region: event.region.as_deref().map(str::to_owned),
            origin: event.origin,
        }
    }

    /// The order events are reported in: time, then event id; events without a time last.
    pub fn order(&self) -> (bool, Option<DateTime<Utc>>, Option<&str>) {
        (self.time.is_none(), self.time, self.id.as_deref())
    }
}

/// One set of credentials and everything its events said.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// The session key (see [`identity::acting`]).
    pub key: String,
    /// `userIdentity.type`.
    pub kind: IdentityKind,
    /// The principal ARN (`assumed-role/…/session` for roles).
    pub arn: Option<String>,
    /// How the principal is shown: its ARN, else its type and name or id.
    pub label: String,
    /// The session issuer ARN (the role, with its path).
    pub issuer_arn: Option<String>,
    /// The session issuer's unique id (`AROA…` for roles).
    pub issuer_principal_id: Option<String>,
    /// The access key.
    pub access_key: Option<String>,
    /// `sessionContext.attributes.creationDate`.
    pub created: Option<DateTime<Utc>>,
    /// `inScopeOf.credentialsIssuedTo` (or `sourceArn`).
    pub issued_to: Option<String>,
    /// An AWS service's by nature (in scope of a resource, EC2 instance, service-linked role).
    pub service_nature: bool,
    /// A service-linked role or EC2 instance-profile session: never linked to a trigger.
    pub machine: bool,
    /// The originating role id of a Lake Formation `V2.` source identity.
    pub lake_formation_role: Option<String>,
    /// `credentialId` of Identity Center bearer-token calls: the token they were made with.
    pub credential_id: Option<String>,
    /// A person's console events without key or `creationDate`: a sign-in, or events waiting
    /// to be handed to one.
    pub sign_in: Option<identity::SignInPart>,
    /// The AWS service whose `invokedBy` this role session's events carry: a session a service
    /// holds (Step Functions running a state machine), not a person's own. Only while every
    /// event carries it: a session with calls of its own ([`Session::direct`]) is held by nobody.
    pub held_by: Option<String>,
    /// Some event was made by the principal itself, not by a service for it (no `invokedBy`).
    pub direct: bool,
    /// Events that AWS services made for this session's principal under a key of their own
    /// (forward access sessions), joined to this session by [`Estate::adopt_forwarded`]; also
    /// counted in `events`.
    pub forwarded: u64,
    /// Events made with these credentials.
    pub events: u64,
    /// The first event seen with these credentials, in scope or kept for linking: where the
    /// session starts, for linking.
    pub first: EventRef,
    /// The first event inside `--since/--until/--account/--region`: where a finding's break is.
    /// `None` when every event seen was outside them (kept only to explain another session).
    pub first_in_scope: Option<EventRef>,
    /// When the last was made.
    pub last_time: Option<DateTime<Utc>>,
    /// People the events named by themselves, with evidence and how many events did.
    pub humans: Vec<(HumanId, Evidence, u64)>,
    /// Accounts the events were recorded in.
    pub accounts: BTreeSet<String>,
    /// Where its calls came from (source address and user agent), for `exfiltrated_credentials`.
    pub places: Places,
    /// Accounts of product providers that acted with these credentials on the customer's behalf
    /// (`invokedByDelegate`). A provider's calls are a session of their own
    /// ([`identity::acting`]), so this holds that provider's account, or nothing.
    pub delegates: BTreeSet<String>,
}

impl Session {
    fn new(key: String, event: &Event<'_>) -> Session {
        let actor = &event.actor;
        Session {
            key,
            kind: actor.kind.clone().unwrap_or(IdentityKind::Missing),
            arn: actor.arn.as_deref().map(str::to_owned),
            label: principal_label(actor),
            issuer_arn: actor.issuer_arn.as_deref().map(str::to_owned),
            issuer_principal_id: actor.issuer_principal_id.as_deref().map(str::to_owned),
            access_key: actor.access_key.as_deref().map(str::to_owned),
            created: actor
                .creation_date
                .as_deref()
                .and_then(normalize::parse_time),
            issued_to: None,
            service_nature: false,
            machine: false,
            lake_formation_role: None,
            credential_id: actor.credential_id.as_deref().map(str::to_owned),
            held_by: None,
            direct: false,
            forwarded: 0,
            sign_in: identity::sign_in_part(actor, event),
            events: 0,
            first: EventRef::of(event),
            first_in_scope: None,
            last_time: event.time,
            humans: Vec::new(),
            accounts: BTreeSet::new(),
            places: Places::default(),
            delegates: BTreeSet::new(),
        }
    }

    fn add(&mut self, event: &Event<'_>) {
        self.events += 1;
        let order = (event.time.is_none(), event.time, event.id.as_deref());
        if self
            .first_in_scope
            .as_ref()
            .is_none_or(|f| order < f.order())
        {
            self.first_in_scope = Some(EventRef::of(event));
        }
        self.places.record(event);
        self.observe(event);
    }

    /// Learns what an event says about the session without counting it (an out-of-scope call
    /// kept for linking).
    fn observe(&mut self, event: &Event<'_>) {
        if (event.time.is_none(), event.time, event.id.as_deref()) < self.first.order() {
            self.first = EventRef::of(event);
        }
        self.last_time = self.last_time.max(event.time);
        let actor = &event.actor;
        self.service_nature |= identity::is_service_session(actor);
        self.machine |= identity::is_machine_session(actor);
        if self.issued_to.is_none() {
            self.issued_to = issued_to(actor);
        }
        if actor.invoked_by.is_none() {
            // The principal's own call: whatever a service also did with these credentials,
            // the session is not one the service holds.
            self.direct = true;
            self.held_by = None;
        } else if self.held_by.is_none() && !self.direct {
            self.held_by = held_by(actor);
        }
        if self.lake_formation_role.is_none() {
            self.lake_formation_role = lake_formation_role(actor);
        }
        if let Some((human, evidence)) = identity::visible_human(actor) {
            self.count_human(human, evidence, 1);
        }
        if let Some(account) = event.account.as_deref()
            && !self.accounts.contains(account)
        {
            self.accounts.insert(account.to_owned());
        }
        if let Some(delegate) = actor.delegate.as_deref()
            && !self.delegates.contains(delegate)
        {
            self.delegates.insert(delegate.to_owned());
        }
    }

    fn count_human(&mut self, human: HumanId, evidence: Evidence, n: u64) {
        match self
            .humans
            .iter_mut()
            .find(|(h, e, _)| *h == human && *e == evidence)
        {
            Some((_, _, count)) => *count += n,
            None => self.humans.push((human, evidence, n)),
        }
    }

    fn merge(&mut self, other: Session) {
        self.events += other.events;
        if other.first.order() < self.first.order() {
            self.first = other.first;
        }
        if let Some(theirs) = other.first_in_scope
            && self
                .first_in_scope
                .as_ref()
                .is_none_or(|ours| theirs.order() < ours.order())
        {
            self.first_in_scope = Some(theirs);
        }
        self.last_time = self.last_time.max(other.last_time);
        for (human, evidence, n) in other.humans {
            self.count_human(human, evidence, n);
        }
        self.accounts.extend(other.accounts);
        self.delegates.extend(other.delegates);
        self.places.merge(other.places);
        self.service_nature |= other.service_nature;
        self.machine |= other.machine;
        if self.issued_to.is_none() {
            self.issued_to = other.issued_to;
        }
        self.direct |= other.direct;
        self.forwarded += other.forwarded;
        if self.held_by.is_none() {
            self.held_by = other.held_by;
        }
        if self.direct {
            self.held_by = None;
        }
        if self.lake_formation_role.is_none() {
            self.lake_formation_role = other.lake_formation_role;
        }
        if self.credential_id.is_none() {
            self.credential_id = other.credential_id;
        }
    }
}

/// The principal as shown: its ARN, else its type with a name or id (`SAMLUser alice@example.com`).
pub(crate) fn principal_label(actor: &crate::event::Actor<'_>) -> String {
    if let Some(arn) = actor.arn.as_deref() {
        return arn.to_owned();
    }
    let kind = actor.kind.as_ref().map_or("", IdentityKind::as_str);
    let who = actor
        .user_name
        .as_deref()
        .or(actor.on_behalf_of.as_ref().map(|o| o.user_id.as_ref()))
        .or(actor.principal_id.as_deref())
        .unwrap_or("");
    format!("{kind} {who}").trim().to_owned()
}

fn issued_to(actor: &crate::event::Actor<'_>) -> Option<String> {
    let scope = actor.in_scope_of.as_ref()?;
    scope
        .issued_to
        .as_deref()
        .or(scope.source_arn.as_deref())
        .map(str::to_owned)
}

/// A role session used by a service on its own (no person named): `invokedBy` a service
/// principal, with no `onBehalfOf` or source identity, on every event of the session.
fn held_by(actor: &crate::event::Actor<'_>) -> Option<String> {
    let service = actor.invoked_by.as_deref()?;
    let role_session = matches!(actor.kind, Some(IdentityKind::AssumedRole));
    let names_person = identity::visible_human(actor).is_some();
    (role_session && !names_person && service.ends_with(".amazonaws.com"))
        .then(|| service.to_owned())
}

fn lake_formation_role(actor: &crate::event::Actor<'_>) -> Option<String> {
    actor
        .source_identity
        .as_deref()
        .and_then(identity::lake_formation_role)
        .map(str::to_owned)
}

/// How long temporary credentials can last: 36 hours (`GetSessionToken`; role sessions end
/// within 12).
const MAX_CREDENTIAL_HOURS: i64 = 36;

/// How long before the caller's own calls a forwarded call may be logged: `eventTime` is when a
/// request completed, and the caller's request completes after the calls a service made for it.
const FORWARDED_LEAD_MINUTES: i64 = 15;

/// The session a forwarded session's events belong to, if it is one (see
/// [`Estate::adopt_forwarded`]): `direct` holds, by principal ARN, the sessions with calls of
/// their own.
fn forwarded_to(
    session: &Session,
    sessions: &[Session],
    direct: &HashMap<&str, Vec<usize>>,
    issued: &HashSet<&str>,
) -> Option<usize> {
    if session.direct {
        return None;
    }
    // Credentials an STS call in the logs issued are a session of their own.
    if session
        .access_key
        .as_deref()
        .is_some_and(|key| issued.contains(key))
    {
        return None;
    }
    // A product provider's calls with delegated access (`invokedByDelegate`) join only that
    // provider's session, never a customer's, nor the reverse.
    let candidates: Vec<usize> = direct
        .get(session.arn.as_deref()?)?
        .iter()
        .copied()
        .filter(|&c| sessions[c].delegates == session.delegates)
        .collect();
    if let Some(created) = session.created {
        let same = candidates
            .iter()
            .copied()
            .filter(|&c| sessions[c].created == Some(created))
            .min_by(|&a, &b| {
                let (sa, sb) = (&sessions[a], &sessions[b]);
                (sa.first.order(), &sa.key).cmp(&(sb.first.order(), &sb.key))
            });
        if same.is_some() {
            return same;
        }
        // A role or federated session's `creationDate` is the caller's own: another one is
        // other credentials of that principal, perhaps another person's with the same name.
        if !matches!(session.kind, IdentityKind::IamUser | IdentityKind::Root) {
            return None;
        }
    }
    let time = session.first.time?;
    candidates
        .iter()
        .copied()
        .filter_map(|c| active_at(&sessions[c], time).map(|start| (start, c)))
        .max_by(|(start_a, a), (start_b, b)| {
            // The latest to start wins; between equals, the first key, so the choice does not
            // depend on the order the files were read in.
            start_a
                .cmp(start_b)
                .then_with(|| sessions[*b].key.cmp(&sessions[*a].key))
        })
        .map(|(_, c)| c)
}

/// When a session with calls of its own started, if a forwarded call logged at `time` can be
/// part of its work: it started no later than [`FORWARDED_LEAD_MINUTES`] after `time`, and,
/// unless it is a long-term key (`AKIA…`), `time` is within [`MAX_CREDENTIAL_HOURS`] of its
/// start. Its start is its `creationDate`, else its first event.
fn active_at(session: &Session, time: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let long_term = session
        .access_key
        .as_deref()
        .is_some_and(|key| key.starts_with("AKIA"));
    let start = if long_term {
        session.first.time?
    } else {
        session.created.or(session.first.time)?
    };
    let began = start <= time + chrono::Duration::minutes(FORWARDED_LEAD_MINUTES);
    let alive = long_term || time <= start + chrono::Duration::hours(MAX_CREDENTIAL_HOURS);
    (began && alive).then_some(start)
}

/// Who made a credential-issuing call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Caller {
    /// A session, by key.
    Session(String),
    /// An AWS service principal obtaining credentials for itself.
    Service(String),
    /// The owner-side copy of a cross-account call: only the caller's principal id and account.
    OtherAccount,
    /// Nobody identifiable.
    Nobody,
}

/// A call that issued credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issuance {
    /// The call.
    pub event: EventRef,
    /// Who made it.
    pub caller: Caller,
    /// The issued access key id.
    pub access_key: String,
    /// The role the credentials are for.
    pub role_arn: Option<String>,
    /// The session name asked for (`roleSessionName`).
    pub session_name: Option<String>,
    /// `sharedEventID`, on cross-account calls.
    pub shared_event_id: Option<String>,
    /// When the credentials expire.
    pub expires: Option<DateTime<Utc>>,
}

/// A call by a session that may start a service's own work: a trigger, a call handing over a
/// role, a call invoking a resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    /// The call.
    pub event: EventRef,
    /// The calling session.
    pub session: String,
    /// Service principals that follow this call (from the trigger table).
    pub principals: Vec<String>,
    /// Roles named in the request.
    pub passed_roles: Vec<String>,
    /// Resources invoked.
    pub targets: Vec<String>,
    /// How long after its effect it may be logged (`None`: the clock-skew allowance).
    pub max_lag: Option<chrono::Duration>,
    /// The service refreshes the credentials of the work this call starts.
    pub refreshes: bool,
    /// It launches a machine (EC2): the machine's sessions are linked but stay the service's.
    pub launches: bool,
    /// Session names its correlation tokens give (see [`crate::triggers::TokenRule`]).
    pub session_keys: Vec<String>,
}

/// An owner-side copy of a cross-account call (`AWSAccount` caller), counted with the caller.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharedCopy {
    /// `sharedEventID`.
    pub shared_event_id: String,
}

/// An Identity Center token an application obtained for a user (`sso-oauth:CreateTokenWithIAM`):
/// the user's bearer-token calls carry its credential id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenGrant {
    /// The call.
    pub event: EventRef,
    /// The application's session that made it.
    pub session: String,
    /// The credential id the user's calls carry (`userIdentity.credentialId`).
    pub credential_id: String,
    /// The Identity Center user id the token is for.
    pub user_id: Option<String>,
}

/// A person's request at the Identity Center portal for role credentials of an account and
/// permission set (`sso:GetRoleCredentials`), which Identity Center serves with an
/// `AssumeRoleWithSAML` into that account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleRequest {
    /// The call.
    pub event: EventRef,
    /// The portal session that made it.
    pub session: String,
    /// The account asked for.
    pub account: String,
    /// The permission set asked for.
    pub permission_set: String,
    /// The Identity Center user id of the portal session (`onBehalfOf.userId`).
    pub user_id: Option<String>,
}

/// A call that reached into machines: ran a command on an instance, opened a shell on it,
/// pushed an SSH key to it (Systems Manager, EC2 Instance Connect), or ran a command in an ECS
/// task (ECS Exec). `exfiltrated_credentials` names the person behind it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reach {
    /// The call.
    pub event: EventRef,
    /// The calling session, by key.
    pub session: Option<String>,
    /// Its `sourceIPAddress`.
    pub address: Option<String>,
    /// The machines reached: instance ids and task ids, lower case.
    pub machines: Vec<String>,
}

/// Where one event was counted, to undo the count if it turns out to be a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Slot {
    Session(u32),
    Service,
    Copy(u32),
    Nobody,
    NotAuditable,
}

/// Why a record did not become an event.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, thiserror::Error, Serialize, Deserialize,
)]
pub enum RecordError {
    /// The record is not readable JSON of an event.
    #[error("unreadable record")]
    Unreadable,
    /// It is readable, but not an auditable CloudTrail event.
    #[error(transparent)]
    Rejected(#[from] Rejection),
}

/// Per-file counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStats {
    /// Records found.
    pub records: u64,
    /// Records that became events (before duplicates are removed).
    pub events: u64,
    /// Records outside `--since/--until/--account/--region`.
    pub filtered: u64,
    /// Records that could not be read as events, by kind.
    pub errors: BTreeMap<RecordError, u64>,
    /// The first few unreadable-record messages, for the report.
    pub error_samples: Vec<String>,
}

impl FileStats {
    fn error(&mut self, error: RecordError, detail: String) {
        *self.errors.entry(error).or_default() += 1;
        if self.error_samples.len() < 3 {
            self.error_samples.push(detail);
        }
    }

    /// Records that could not be read as events.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// What one file contributed. A shard summary stores it as it is (docs/summary-format.md),
/// without the session index, which only folding needs.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FileOutcome {
    sessions: Vec<Session>,
    #[serde(skip)]
    index: HashMap<String, u32>,
    issuances: Vec<Issuance>,
    calls: Vec<Call>,
    grants: Vec<TokenGrant>,
    role_requests: Vec<RoleRequest>,
    reaches: Vec<Reach>,
    copies: Vec<SharedCopy>,
    shared_callers: Vec<(String, String)>,
    /// Every event's hash and where it was counted, in the order read.
    #[serde(with = "slot_runs")]
    slots: Vec<(EventHash, Slot)>,
    service_events: u64,
    nobody_events: u64,
    not_auditable: u64,
    /// Counts.
    pub stats: FileStats,
}

impl FileOutcome {
    /// Folds one decoded record into the outcome.
    pub(crate) fn record(
        &mut self,
        record: crate::decode::Record<'_>,
        file: u32,
        filter: &Filter,
        triggers: &Triggers,
    ) {
        let origin = Origin {
            file,
            record: self.stats.records as u32,
        };
        self.stats.records += 1;
        let raw = match record {
            Ok(raw) => raw,
            Err(message) => {
                let detail = format!("record {}: {message}", origin.record + 1);
                self.stats.error(RecordError::Unreadable, detail);
                return;
            }
        };
        match normalize::event(raw, origin) {
            Ok(event) if in_scope(&event, filter) => self.add(&event, triggers),
            Ok(event) => {
                // Out of scope, but an STS call or a trigger before --since can still explain
                // a session inside it: kept for linking, with its caller, never counted.
                self.stats.filtered += 1;
                let acting = identity::acting(&event);
                let links = event.issued.is_some()
                    || event.token_grant.is_some()
                    || event.portal_role.is_some()
                    || starts_work(&event, triggers).is_some();
                if links && let Acting::Session(key) = &acting {
                    let index = self.session_index(key, &event);
                    self.sessions[index as usize].observe(&event);
                }
                self.link_records(&event, &acting, triggers);
            }
            Err(rejection) => {
                let detail = format!("record {}: {rejection}", origin.record + 1);
                self.stats.error(RecordError::Rejected(rejection), detail);
            }
        }
    }

    /// Points every event reference of the outcome at input file `file`: a merge of shard
    /// summaries numbers the files anew, in the order of all the shards' paths.
    pub fn renumber(&mut self, file: u32) {
        let set = |origin: &mut Origin| origin.file = file;
        for session in &mut self.sessions {
            set(&mut session.first.origin);
            if let Some(first) = &mut session.first_in_scope {
                set(&mut first.origin);
            }
            for place in &mut session.places.list {
                set(&mut place.first_origin);
            }
        }
        let events = self
            .issuances
            .iter_mut()
            .map(|i| &mut i.event)
            .chain(self.calls.iter_mut().map(|c| &mut c.event))
            .chain(self.grants.iter_mut().map(|g| &mut g.event))
            .chain(self.role_requests.iter_mut().map(|r| &mut r.event))
            .chain(self.reaches.iter_mut().map(|r| &mut r.event));
        for event in events {
            set(&mut event.origin);
        }
    }

    fn session_index(&mut self, key: &str, event: &Event<'_>) -> u32 {
        // Most events belong to a session already seen: look up before allocating a key.
        if let Some(&index) = self.index.get(key) {
            return index;
        }
        match self.index.entry(key.to_owned()) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                self.sessions.push(Session::new(key.to_owned(), event));
                *entry.insert(self.sessions.len() as u32 - 1)
            }
        }
    }

    /// Whether every record was refused as "not CloudTrail" (say, S3 event notifications).
    pub fn is_foreign(&self) -> bool {
        self.stats.records > 0
            && self.stats.events == 0
            && self.stats.filtered == 0
            && self
                .stats
                .errors
                .contains_key(&RecordError::Rejected(Rejection::NotCloudTrail))
    }

    fn add(&mut self, event: &Event<'_>, triggers: &Triggers) {
        self.stats.events += 1;
        let acting = identity::acting(event);
        let slot = match &acting {
            Acting::Service(_) => {
                self.service_events += 1;
                Slot::Service
            }
            Acting::OtherAccount => match event.shared_event_id.as_deref() {
                Some(shared) => {
                    self.copies.push(SharedCopy {
                        shared_event_id: shared.to_owned(),
                    });
                    Slot::Copy(self.copies.len() as u32 - 1)
                }
                None => {
                    self.nobody_events += 1;
                    Slot::Nobody
                }
            },
            Acting::Session(key) => {
                let index = self.session_index(key, event);
                self.sessions[index as usize].add(event);
                Slot::Session(index)
            }
            // A record with no `userIdentity` at all (an export that strips it) names nobody
            // and cannot be audited: it is not `unattributed`, which says an identity was there.
            Acting::Nobody if event.actor.kind.is_none() => {
                self.not_auditable += 1;
                Slot::NotAuditable
            }
            Acting::Nobody => {
                self.nobody_events += 1;
                Slot::Nobody
            }
        };
        self.slots.push((EventHash::of(event), slot));
        self.link_records(event, &acting, triggers);
    }

    /// Keeps what an event contributes to linking: the credentials it issued, the work it started.
    fn link_records(&mut self, event: &Event<'_>, acting: &Acting, triggers: &Triggers) {
        if let Some(issued) = &event.issued {
            self.issuances.push(Issuance {
                event: EventRef::of(event),
                caller: match acting {
                    Acting::Session(key) => Caller::Session(key.clone()),
                    Acting::Service(service) => Caller::Service(service.clone()),
                    Acting::OtherAccount => Caller::OtherAccount,
                    Acting::Nobody => Caller::Nobody,
                },
                access_key: issued.access_key.to_string(),
                role_arn: issued.role_arn.as_deref().map(str::to_owned),
                session_name: issued.session_name.as_deref().map(str::to_owned),
                shared_event_id: event.shared_event_id.as_deref().map(str::to_owned),
                expires: issued.expires,
            });
        }
        if let (Acting::Session(key), Some(shared)) = (acting, event.shared_event_id.as_deref()) {
            self.shared_callers.push((shared.to_owned(), key.clone()));
        }
        if let (Acting::Session(key), Some(grant)) = (acting, &event.token_grant) {
            self.grants.push(TokenGrant {
                event: EventRef::of(event),
                session: key.clone(),
                credential_id: grant.credential_id.to_string(),
                user_id: grant.user_id.as_deref().map(str::to_owned),
            });
        }
        if let (Acting::Session(key), Some(role)) = (acting, &event.portal_role) {
            self.role_requests.push(RoleRequest {
                event: EventRef::of(event),
                session: key.clone(),
                account: role.account.to_string(),
                permission_set: role.permission_set.to_string(),
                user_id: event
                    .actor
                    .on_behalf_of
                    .as_ref()
                    .map(|o| o.user_id.to_string()),
            });
        }
        if !event.reaches.is_empty() && event.error_code.is_none() {
            self.reaches.push(Reach {
                event: EventRef::of(event),
                session: match acting {
                    Acting::Session(key) => Some(key.clone()),
                    _ => None,
                },
                address: event.source_address.as_deref().map(str::to_owned),
                machines: event.reaches.clone(),
            });
        }
        if let (Acting::Session(key), Some(facts)) = (acting, starts_work(event, triggers)) {
            // Only a call that starts work now hands a role over for that work; a role in any
            // other request is configuration, used by the service on its own schedule.
            let passed_roles = if facts.is_trigger {
                event.passed_roles.clone()
            } else {
                Vec::new()
            };
            self.calls.push(Call {
                event: EventRef::of(event),
                session: key.clone(),
                principals: facts.principals.into_iter().map(str::to_owned).collect(),
                passed_roles,
                targets: event.targets.clone(),
                max_lag: facts.max_lag,
                refreshes: facts.refreshes,
                launches: facts.launches,
                session_keys: facts.session_keys,
            });
        }
    }
}

/// How a file's event hashes are stored in a shard summary: the 16 bytes of every event's hash
/// in the order read (16 zero bytes for an event without `eventID`), then where the events were
/// counted, as runs of equal slots (most events of a file follow their session's previous one).
mod slot_runs {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{EventHash, Slot};

    pub(super) fn serialize<S: Serializer>(
        slots: &[(EventHash, Slot)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let hashes: Vec<[u8; 16]> = slots.iter().map(|(hash, _)| hash.to_bytes()).collect();
        let mut runs: Vec<(Slot, u32)> = Vec::new();
        for &(_, slot) in slots {
            if let Some((last, n)) = runs.last_mut()
                && *last == slot
            {
                *n += 1;
                continue;
            }
            runs.push((slot, 1));
        }
        (hashes, runs).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(EventHash, Slot)>, D::Error> {
        let (hashes, runs): (Vec<[u8; 16]>, Vec<(Slot, u32)>) =
            Deserialize::deserialize(deserializer)?;
        let mut slots = Vec::with_capacity(hashes.len());
        let mut hashes = hashes.into_iter();
        for (slot, n) in runs {
            for _ in 0..n {
                let hash = hashes
                    .next()
                    .ok_or_else(|| D::Error::custom("more counted events than event hashes"))?;
                slots.push((EventHash::from_bytes(hash), slot));
            }
        }
        if hashes.next().is_some() {
            return Err(D::Error::custom("more event hashes than counted events"));
        }
        Ok(slots)
    }
}

/// What a call that may start a service's work says for linking.
struct StartsWork<'t> {
    is_trigger: bool,
    principals: Vec<&'t str>,
    max_lag: Option<chrono::Duration>,
    refreshes: bool,
    launches: bool,
    session_keys: Vec<String>,
}

/// Whether a call may start a service's work (a trigger, or a resource invoked), and what the
/// trigger table says of it. A call that failed started nothing; a configuring call starts
/// nothing now.
fn starts_work<'t>(event: &Event<'_>, triggers: &'t Triggers) -> Option<StartsWork<'t>> {
    if event.error_code.is_some() {
        return None;
    }
    let facts = triggers.facts(&event.source, &event.name, &event.token_fields);
    // Most events start nothing: the configuration list is only read for those that might.
    if (facts.is_some() || !event.targets.is_empty())
        && triggers.configures(&event.source, &event.name)
    {
        return None;
    }
    match facts {
        Some(facts) => Some(StartsWork {
            is_trigger: true,
            principals: facts.principals,
            max_lag: facts.max_lag,
            refreshes: facts.refreshes,
            launches: facts.launches,
            session_keys: facts.session_keys,
        }),
        None if !event.targets.is_empty() => Some(StartsWork {
            is_trigger: false,
            principals: Vec::new(),
            max_lag: None,
            refreshes: false,
            launches: false,
            session_keys: Vec::new(),
        }),
        None => None,
    }
}

pub(crate) fn in_scope(event: &Event<'_>, filter: &Filter) -> bool {
    let listed = |wanted: &[String], value: Option<&str>| {
        wanted.is_empty() || value.is_some_and(|v| wanted.iter().any(|w| w == v))
    };
    let after_since = match (filter.since, event.time) {
        (Some(since), Some(time)) => time >= since,
        _ => true,
    };
    let before_until = match (filter.until, event.time) {
        (Some(until), Some(time)) => time <= until,
        _ => true,
    };
    after_since
        && before_until
        && listed(&filter.accounts, event.account.as_deref())
        && listed(&filter.regions, event.region.as_deref())
}

/// What identifies an event for duplicate detection, the same in every build, on every machine
/// and in every shard summary: 128 bits of SHA-256 over the recipient account and the
/// `eventID` (see [`EventHash::new`]; docs/summary-format.md). Duplicates share `eventID` and
/// recipient account; events without an id are never merged ([`EventHash::NONE`]). At 128 bits,
/// two different events of an estate of 10^12 events share a hash with a probability below
/// 10^-14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventHash(u128);

impl EventHash {
    /// An event without `eventID`: never a duplicate of anything.
    pub const NONE: EventHash = EventHash(0);

    /// The hash of the event `id` recorded in `account` (`recipientAccountId`; an absent one
    /// counts as empty): SHA-256 of the account's length in bytes (8 bytes, little-endian), the
    /// account and the id (UTF-8), of which the first 16 bytes, read big-endian. 0 stands for
    /// "no id", so a digest that starts with 16 zero bytes counts as 1.
    pub fn new(account: Option<&str>, id: Option<&str>) -> EventHash {
        let Some(id) = id else {
            return EventHash::NONE;
        };
        let account = account.unwrap_or("");
        let mut sha = Sha256::new();
        sha.update((account.len() as u64).to_le_bytes());
        sha.update(account.as_bytes());
        sha.update(id.as_bytes());
        let digest = sha.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        EventHash(u128::from_be_bytes(first).max(1))
    }

    fn of(event: &Event<'_>) -> EventHash {
        EventHash::new(event.account.as_deref(), event.id.as_deref())
    }

    /// The 16 bytes as stored in a shard summary (big-endian).
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// Reads the 16 bytes of [`EventHash::to_bytes`].
    pub fn from_bytes(bytes: [u8; 16]) -> EventHash {
        EventHash(u128::from_be_bytes(bytes))
    }
}

impl Hash for EventHash {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Already a hash: its low 64 bits are a bucket as good as any, with no hashing again
        // (`Estate::seen` is a no-hash set).
        state.write_u64(self.0 as u64);
    }
}

impl nohash_hasher::IsEnabled for EventHash {}

/// Everything read, merged.
#[derive(Debug, Default)]
pub struct Estate {
    /// Sessions, in first-seen order.
    pub sessions: Vec<Session>,
    index: HashMap<String, usize>,
    /// Credential-issuing calls.
    pub issuances: Vec<Issuance>,
    /// Calls that may start a service's work.
    pub calls: Vec<Call>,
    /// Identity Center tokens applications obtained for users.
    pub grants: Vec<TokenGrant>,
    /// Identity Center portal requests for role credentials.
    pub role_requests: Vec<RoleRequest>,
    /// Calls that reached into machines (`ssm:SendCommand`, `ssm:StartSession`, …).
    pub reaches: Vec<Reach>,
    /// Owner-side copies of cross-account calls.
    pub copies: Vec<SharedCopy>,
    /// `sharedEventID` → the session that made the call, from the caller-side copies.
    pub shared_callers: Vec<(String, String)>,
    /// Events of AWS services acting with no session of a customer's.
    pub service_events: u64,
    /// Events with nothing to key a session on.
    pub nobody_events: u64,
    /// Events without `userIdentity`: counted, never attributed.
    pub not_auditable: u64,
    /// Events seen more than once, counted once.
    pub duplicates: u64,
    /// Hashes of the events merged so far (16 bytes each, plus the table's slack); the values
    /// are already hashes, so they are not hashed again.
    seen: nohash_hasher::IntSet<EventHash>,
}

impl Estate {
    /// Merges one file's outcome; call in input order for deterministic results.
    pub fn merge(&mut self, outcome: FileOutcome) -> FileStats {
        let mut local_to_global = Vec::with_capacity(outcome.sessions.len());
        for session in outcome.sessions {
            let global = match self.index.get(&session.key) {
                Some(&global) => {
                    self.sessions[global].merge(session);
                    global
                }
                None => {
                    self.index.insert(session.key.clone(), self.sessions.len());
                    self.sessions.push(session);
                    self.sessions.len() - 1
                }
            };
            local_to_global.push(global);
        }
        self.service_events += outcome.service_events;
        self.nobody_events += outcome.nobody_events;
        self.not_auditable += outcome.not_auditable;
        let mut copies: Vec<Option<SharedCopy>> = outcome.copies.into_iter().map(Some).collect();
        for (hash, slot) in outcome.slots {
            if hash == EventHash::NONE || self.seen.insert(hash) {
                continue;
            }
            self.duplicates += 1;
            match slot {
                Slot::Session(local) => self.sessions[local_to_global[local as usize]].events -= 1,
                Slot::Service => self.service_events -= 1,
                Slot::Copy(i) => copies[i as usize] = None,
                Slot::Nobody => self.nobody_events -= 1,
                Slot::NotAuditable => self.not_auditable -= 1,
            }
        }
        self.copies.extend(copies.into_iter().flatten());
        self.issuances.extend(outcome.issuances);
        self.calls.extend(outcome.calls);
        self.grants.extend(outcome.grants);
        self.role_requests.extend(outcome.role_requests);
        self.reaches.extend(outcome.reaches);
        self.shared_callers.extend(outcome.shared_callers);
        outcome.stats
    }

    /// Role-session events whose `accessKeyId` is empty or missing ("for security reasons",
    /// CloudTrail user guide, `cloudtrail-event-reference-user-identity`) belong to the keyed
    /// session of the same role and `creationDate`, when there is exactly one (a forwarded key
    /// of the same role and `creationDate`, see [`Estate::adopt_forwarded`], does not count
    /// against the one with calls of its own).
    pub fn adopt_keyless(&mut self) {
        // By role, `creationDate` and product providers: a provider's calls with delegated
        // access (`invokedByDelegate`) never join a customer's session, nor the reverse.
        let mut keyed: HashMap<SessionOfRole<'_>, Vec<usize>> = HashMap::new();
        for (i, session) in self.sessions.iter().enumerate() {
            if let (Some(_), Some(issuer), Some(created)) =
                (&session.access_key, &session.issuer_arn, session.created)
            {
                keyed
                    .entry((issuer, created, &session.delegates))
                    .or_default()
                    .push(i);
            }
        }
        let adopter: Vec<Option<usize>> = self
            .sessions
            .iter()
            .map(
                |session| match (&session.access_key, &session.issuer_arn, session.created) {
                    (None, Some(issuer), Some(created))
                        if session.kind == IdentityKind::AssumedRole =>
                    {
                        let same = (issuer.as_str(), created, &session.delegates);
                        match keyed.get(&same).map(Vec::as_slice) {
                            Some([only]) => Some(*only),
                            Some(several) => {
                                // Of the same principal, with calls of its own.
                                let mut direct = several.iter().copied().filter(|&k| {
                                    let other = &self.sessions[k];
                                    other.direct && other.arn == session.arn
                                });
                                match (direct.next(), direct.next()) {
                                    (Some(only), None) => Some(only),
                                    _ => None,
                                }
                            }
                            None => None,
                        }
                    }
                    _ => None,
                },
            )
            .collect();
        self.regroup(&adopter);
    }

    /// A person's console events with neither key nor `creationDate` (kept by the minute) go to
    /// their principal's latest `ConsoleLogin` before them, within a console session's life
    /// (12 hours), else to one session per principal and day: three sign-ins are three sessions.
    pub fn adopt_sign_ins(&mut self) {
        const CONSOLE_SESSION_HOURS: i64 = 12;
        let mut logins: HashMap<&str, Vec<(DateTime<Utc>, usize)>> = HashMap::new();
        for (i, session) in self.sessions.iter().enumerate() {
            if let (Some(identity::SignInPart::Login), Some(arn), Some(time)) =
                (session.sign_in, session.arn.as_deref(), session.first.time)
            {
                logins.entry(arn).or_default().push((time, i));
            }
        }
        for list in logins.values_mut() {
            list.sort();
        }
        let mut waiting: Vec<usize> = (0..self.sessions.len())
            .filter(|&i| self.sessions[i].sign_in == Some(identity::SignInPart::Console))
            .collect();
        if waiting.is_empty() {
            return;
        }
        waiting.sort_by(|&a, &b| {
            let (sa, sb) = (&self.sessions[a], &self.sessions[b]);
            (sa.first.order(), &sa.key).cmp(&(sb.first.order(), &sb.key))
        });
        let mut adopter = vec![None; self.sessions.len()];
        let mut days: HashMap<(&str, Option<chrono::NaiveDate>), usize> = HashMap::new();
        for i in waiting {
            let session = &self.sessions[i];
            let (Some(arn), time) = (session.arn.as_deref(), session.first.time) else {
                continue;
            };
            let login = time.and_then(|t| {
                let list = logins.get(arn)?;
                let before = list.partition_point(|(login, _)| *login <= t);
                let (login, s) = *list.get(before.checked_sub(1)?)?;
                (t - login <= chrono::Duration::hours(CONSOLE_SESSION_HOURS)).then_some(s)
            });
            adopter[i] = match login {
                Some(s) => Some(s),
                None => match days.entry((arn, time.map(|t| t.date_naive()))) {
                    std::collections::hash_map::Entry::Occupied(day) => Some(*day.get()),
                    std::collections::hash_map::Entry::Vacant(day) => {
                        day.insert(i);
                        None
                    }
                },
            };
        }
        self.regroup(&adopter);
    }

    /// Forwarded service calls (forward access sessions, IAM user guide,
    /// `access_forward_access_sessions`): an event whose `invokedBy` is a service or
    /// `AWS Internal` and whose `userIdentity` is the caller's own principal is part of the
    /// caller's request (KMS `Decrypt` made by S3 during a person's `aws s3 sync`). When it
    /// carries the caller's key it is already in the caller's session; when it carries a key of
    /// its own (seen in public logs: an `ASIA…` key used nowhere else) that key's session goes
    /// to the caller's session:
    ///
    /// - a forwarded session is one whose every event carries `invokedBy`, that has a
    ///   principal ARN, and whose key no STS call in the logs issued;
    /// - it goes to the session of the same principal ARN with calls of its own
    ///   ([`Session::direct`]) and the same `creationDate` (exact);
    /// - without a `creationDate`, or for an IAM user or root (whose long-term key has none of
    ///   its own), to that principal's latest session with calls of its own that was active when
    ///   the forwarded call was made (inferred: it started at most 15 minutes after the call
    ///   was logged, and, unless a long-term key, at most 36 hours before);
    /// - a role or federated session with another `creationDate` is other credentials (another
    ///   sign-in, or another person with the same session name), and is left alone.
    ///
    /// A session a service holds (Step Functions running a state machine) has no session of
    /// the same ARN with calls of its own, so it stays, with its `held_by`. The events joined
    /// are counted in the adopter's `forwarded`.
    pub fn adopt_forwarded(&mut self) {
        let adopter: Vec<Option<usize>> = {
            let issued: HashSet<&str> = self
                .issuances
                .iter()
                .map(|i| i.access_key.as_str())
                .collect();
            // Sessions with calls of their own, by principal ARN.
            let mut direct: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, session) in self.sessions.iter().enumerate() {
                if let (true, Some(arn)) = (session.direct, session.arn.as_deref()) {
                    direct.entry(arn).or_default().push(i);
                }
            }
            if direct.is_empty() {
                return;
            }
            self.sessions
                .iter()
                .map(|session| forwarded_to(session, &self.sessions, &direct, &issued))
                .collect()
        };
        for (i, target) in adopter.iter().enumerate() {
            if target.is_some() {
                let session = &mut self.sessions[i];
                session.forwarded += session.events;
            }
        }
        self.regroup(&adopter);
    }

    /// Merges each session into its adopter (never itself adopted), keeping the index right.
    fn regroup(&mut self, adopter: &[Option<usize>]) {
        if adopter.iter().all(Option::is_none) {
            return;
        }
        let mut slots: Vec<Option<Session>> = std::mem::take(&mut self.sessions)
            .into_iter()
            .map(Some)
            .collect();
        for (i, target) in adopter.iter().enumerate() {
            let Some(target) = *target else { continue };
            if let Some(orphan) = slots[i].take()
                && let Some(adopting) = slots[target].as_mut()
            {
                adopting.merge(orphan);
            }
        }
        let mut new_index = vec![usize::MAX; slots.len()];
        for (old, slot) in slots.into_iter().enumerate() {
            if let Some(session) = slot {
                new_index[old] = self.sessions.len();
                self.sessions.push(session);
            }
        }
        // Every key keeps leading to the session its events are counted in: an adopted
        // session's key (also one adopted by an earlier regrouping) to its adopter's, so that
        // the second passes (`link::locate`) find those events there.
        self.index = std::mem::take(&mut self.index)
            .into_iter()
            .filter_map(|(key, old)| {
                let kept = adopter.get(old).copied().flatten().unwrap_or(old);
                let new = *new_index.get(kept)?;
                (new != usize::MAX).then_some((key, new))
            })
            .collect();
    }

    /// The session with this key.
    pub fn session(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// Unique events counted into sessions, services, copies or nobody.
    pub fn events(&self) -> u64 {
        self.sessions.iter().map(|s| s.events).sum::<u64>()
            + self.service_events
            + self.nobody_events
            + self.not_auditable
            + self.copies.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The hash is part of the shard summary format (docs/summary-format.md): these values were
    // computed from its specification with Python's hashlib, not by this code, and must never
    // change within a summary format version.
    #[test]
    fn the_event_hash_is_the_specified_sha256_prefix() {
        let id = "633cd96f-f501-5275-8135-e33e2154935f";
        let hash = EventHash::new(Some("111122223333"), Some(id));
        assert_eq!(
            hex::encode(hash.to_bytes()),
            "0e7c07317bfed8982cdd2aac55edb5ef"
        );
        assert_eq!(hash.0, 0x0e7c_0731_7bfe_d898_2cdd_2aac_55ed_b5ef);
        assert_eq!(
            hex::encode(EventHash::new(None, Some(id)).to_bytes()),
            "859b8f7da24436d7cbeb5a6235d47f4b"
        );
        assert_eq!(
            hex::encode(EventHash::new(Some("444455556666"), Some(id)).to_bytes()),
            "86a8e25ea5b2b4694b5e5f9080a5163a"
        );
    }

    #[test]
    fn events_without_an_id_have_no_hash_and_the_bytes_round_trip() {
        assert_eq!(EventHash::new(Some("111122223333"), None), EventHash::NONE);
        let hash = EventHash::new(Some("111122223333"), Some("e-1"));
        assert_ne!(hash, EventHash::NONE);
        assert_eq!(EventHash::from_bytes(hash.to_bytes()), hash);
        // The length prefix keeps the account and the id apart.
        assert_ne!(
            EventHash::new(Some("1111"), Some("22e")),
            EventHash::new(Some("11112"), Some("2e"))
        );
    }
}

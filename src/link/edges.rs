//! Each session's parent edge: the STS call that issued its key, or the person's call that made
//! a service take a role (spec §3, edges table).
//!
//! The rules are an ordered list ([`RULES`]); the first that answers decides. Sessions are
//! linked in the order they started (the service's `AssumeRole`, else their first event; ties by
//! event id), so that one-to-one matching is the same whatever order the files were read in:
//!
//! - **Causes precede effects.** Among the calls that could have caused a session, the nearest
//!   unused one logged before it wins; one logged after it is used only when none precedes, and
//!   only within the call's `max_lag` (a synchronous call is logged when it completes).
//! - **Tokens make links exact.** An id the call wrote that the service put in its session name
//!   (ECS task id, CodeBuild build id, EMR Serverless job run id, Lake Formation session name,
//!   EC2 instance id) ties them whatever the timing.
//! - **One cause, one effect.** A call starts at most one new session; a refresh of a linked
//!   session's credentials (same role and session name, before they expire) inherits its cause.
//!
//! Identity Center has links of its own: an application's token exchange to the person's
//! bearer-token calls (`identity_token`, by credential id), the person's portal request to
//! Identity Center's `AssumeRoleWithSAML` (`role_credentials`, by account, permission set and
//! time), and that call to the role session even when the session uses another access key
//! (`rekeyed`, by role, session name and creation time).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::{Candidate, Confidence, Edge, EdgeKind, LinkOptions};
use crate::estate::{Call, Caller, Estate, EventRef, Issuance, RoleRequest, Session, TokenGrant};
use crate::event::IdentityKind;
use crate::identity::{HumanId, permission_set, role_name};
use crate::triggers::session_name_keys;

/// Finds the parent edge of every session.
pub(super) fn find(estate: &Estate, options: &LinkOptions) -> Parents {
    let index = Index::new(estate);
    let count = estate.sessions.len();
    let mut linker = Linker {
        estate,
        index: &index,
        options,
        used: HashSet::new(),
        used_requests: HashSet::new(),
        refreshable: HashMap::new(),
        max_lag: estate
            .calls
            .iter()
            .filter_map(|c| c.max_lag)
            .fold(options.skew, Duration::max),
    };
    // The STS call that issued each session: by its access key, else (a re-keyed session) by
    // role, session name and creation time.
    let joins: Vec<(Option<&Issuance>, bool)> = estate
        .sessions
        .iter()
        .map(|session| match issuance_of(&index, session) {
            Some(issuance) => (Some(issuance), false),
            None => {
                let rekeyed = rekeyed_issuances(&index, session).first().copied();
                (rekeyed, rekeyed.is_some())
            }
        })
        .collect();
    let issuances: Vec<Option<&Issuance>> = joins.iter().map(|&(issuance, _)| issuance).collect();
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by(|&a, &b| {
        let anchor = |s: usize| {
            let session = &estate.sessions[s];
            let event = issuances[s].map_or(&session.first, |i| &i.event);
            (event.order(), session.key.as_str())
        };
        anchor(a).cmp(&anchor(b))
    });
    let mut parents = Parents {
        edges: vec![None; count],
        service_obtained: issuances
            .iter()
            .map(|i| matches!(i.map(|i| &i.caller), Some(Caller::Service(_))))
            .collect(),
    };
    for s in order {
        let effect = Effect::new(estate, s, issuances[s], joins[s].1);
        let edge = RULES
            .iter()
            .find_map(|(_, rule)| match rule(&mut linker, &effect) {
                Link::Found(edge) => Some(Some(*edge)),
                Link::Stop => Some(None),
                Link::Next => None,
            });
        parents.edges[s] = edge.flatten();
    }
    parents
}

/// Each session's parent edge, and whether an AWS service obtained its credentials for itself.
pub(super) struct Parents {
    pub(super) edges: Vec<Option<Edge>>,
    pub(super) service_obtained: Vec<bool>,
}

/// How many candidate causes an edge keeps (the chosen one first).
const CANDIDATES_KEPT: usize = 10;

/// What a link rule answers.
enum Link {
    /// This is the parent edge.
    Found(Box<Edge>),
    /// The session has no parent; no later rule applies.
    Stop,
    /// Not this rule's case: ask the next.
    Next,
}

type Rule = for<'e> fn(&mut Linker<'e>, &Effect<'e>) -> Link;

/// The link rules, in the order they are asked.
const RULES: [(&str, Rule); 13] = [
    ("delegated", delegated),
    ("issued", issued),
    ("shared_event", shared_event),
    ("signed_in", signed_in),
    ("identity_token", identity_token),
    ("role_credentials", role_credentials),
    ("token", token),
    ("machine", machine),
    ("scoped", scoped),
    ("passed_role", passed_role),
    ("service_trigger", service_trigger),
    ("refresh", refresh),
    ("source_role", source_role),
];

/// The session being linked, with what every rule needs to know of it.
struct Effect<'e> {
    s: usize,
    session: &'e Session,
    issuance: Option<&'e Issuance>,
    /// The issuance was found by role, session name and creation time, not by access key.
    rekeyed: bool,
    /// When it started: its `AssumeRole`, else its first event.
    anchor: Option<DateTime<Utc>>,
    /// The AWS service that took the role, for service edges.
    service: Option<String>,
    role: Option<&'e str>,
    account: Option<&'e str>,
    /// The session name (the last part of an assumed-role ARN).
    name: Option<&'e str>,
}

impl<'e> Effect<'e> {
    fn new(
        estate: &'e Estate,
        s: usize,
        issuance: Option<&'e Issuance>,
        rekeyed: bool,
    ) -> Effect<'e> {
        let session = &estate.sessions[s];
        let service = match issuance.map(|i| &i.caller) {
            Some(Caller::Service(service)) => Some(service.clone()),
            _ => session
                .issued_to
                .as_deref()
                .and_then(service_of_resource)
                .or_else(|| session.held_by.clone()),
        };
        Effect {
            s,
            session,
            issuance,
            rekeyed,
            anchor: issuance.map_or(session.first.time, |i| i.event.time),
            service,
            role: issuance
                .and_then(|i| i.role_arn.as_deref())
                .or(session.issuer_arn.as_deref()),
            account: issuance
                .and_then(|i| i.event.account.as_deref())
                .or(session.first.account.as_deref()),
            name: session
                .arn
                .as_deref()
                .filter(|arn| arn.contains(":assumed-role/"))
                .and_then(|arn| arn.rsplit_once('/'))
                .map(|(_, name)| name),
        }
    }

    fn caller(&self) -> Option<&'e Caller> {
        self.issuance.map(|i| &i.caller)
    }

    /// Credentials a service obtained, or that appear without their STS call (a Lambda
    /// function's): the cause is a person's call, found by the service rules.
    fn service_side(&self) -> bool {
        matches!(self.caller(), Some(Caller::Service(_)) | None)
    }
}

/// A linked session's edge, and when its credentials expire.
type Renewable = (Edge, Option<DateTime<Utc>>);

/// The state of matching: calls already used as a cause, and linked sessions whose credentials
/// a service may refresh.
struct Linker<'e> {
    estate: &'e Estate,
    index: &'e Index<'e>,
    options: &'e LinkOptions,
    used: HashSet<*const Call>,
    /// Identity Center portal requests already used as a cause.
    used_requests: HashSet<*const RoleRequest>,
    /// (role, session name) → the edges of linked sessions and when their credentials expire.
    refreshable: HashMap<(&'e str, &'e str), Vec<Renewable>>,
    /// The longest any call may be logged after its effect.
    max_lag: Duration,
}

/// A product provider's session (`invokedByDelegate`): its credentials come from the
/// provider's own call (`sts:GetDelegatedAccessToken`, IAM user guide,
/// `access_policies-temporary-delegation`), never from a request of the customer's person, so no
/// customer session is its parent, whatever key, role or timing they share. Only the provider's
/// own role chaining is: an STS call in the logs, made by a session of the same provider, that
/// issued its key.
fn delegated<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    let delegates = &effect.session.delegates;
    if delegates.is_empty() {
        return Link::Next;
    }
    let estate = linker.estate;
    let parent = match (effect.caller(), effect.issuance) {
        (Some(Caller::Session(key)), Some(issuance)) if !effect.rekeyed => estate
            .session(key)
            .filter(|&p| p != effect.s && estate.sessions[p].delegates == *delegates)
            .map(|p| lineage(EdgeKind::Issued, p, issuance.event.clone())),
        _ => None,
    };
    parent.map_or(Link::Stop, |edge| Link::Found(Box::new(edge)))
}

fn issued<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    let Some(Caller::Session(key)) = effect.caller() else {
        return Link::Next;
    };
    let issuance = effect.issuance.map(|i| i.event.clone());
    match (linker.estate.session(key), issuance) {
        (Some(parent), Some(via)) if parent != effect.s && effect.rekeyed => {
            Link::Found(Box::new(rekeyed(linker, effect, parent, via)))
        }
        (Some(parent), Some(via)) if parent != effect.s => {
            Link::Found(Box::new(lineage(EdgeKind::Issued, parent, via)))
        }
        _ => Link::Stop,
    }
}

/// A session joined to its STS call by role, session name and creation time, not by key:
/// inferred, with the other calls that match as rivals.
fn rekeyed<'e>(linker: &Linker<'e>, effect: &Effect<'e>, parent: usize, via: EventRef) -> Edge {
    let matching = rekeyed_issuances(linker.index, effect.session);
    let created = effect.session.created;
    let candidates: Vec<Candidate> = matching
        .iter()
        .take(CANDIDATES_KEPT)
        .filter_map(|issuance| {
            let Caller::Session(key) = &issuance.caller else {
                return None;
            };
            Some(Candidate {
                session: linker.estate.session(key)?,
                event: issuance.event.clone(),
                seconds_before: match (created, issuance.event.time) {
                    (Some(created), Some(t)) => (created - t).num_seconds(),
                    _ => 0,
                },
            })
        })
        .collect();
    let mut rivals: Vec<usize> = candidates
        .iter()
        .map(|c| c.session)
        .filter(|&r| r != parent && r != effect.s)
        .collect();
    rivals.sort_unstable();
    rivals.dedup();
    Edge {
        kind: EdgeKind::Rekeyed,
        confidence: Confidence::Inferred,
        parent,
        via,
        service: None,
        rivals,
        candidates,
        candidates_total: matching.len() as u64,
    }
}

fn shared_event<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    match effect.caller() {
        Some(Caller::OtherAccount) => {}
        Some(Caller::Nobody) => return Link::Stop,
        _ => return Link::Next,
    }
    let parent = effect.issuance.and_then(|issuance| {
        let shared = issuance.shared_event_id.as_deref()?;
        let key = linker.index.callers_by_shared_id.get(shared)?;
        let parent = linker.estate.session(key).filter(|&p| p != effect.s)?;
        Some(lineage(
            EdgeKind::SharedEvent,
            parent,
            issuance.event.clone(),
        ))
    });
    parent.map_or(Link::Stop, |edge| Link::Found(Box::new(edge)))
}

/// A person's console credentials (`creationDate` equal, to the second, to a `ConsoleLogin` of
/// the same principal) belong to that sign-in.
fn signed_in<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    if effect.issuance.is_some() || effect.session.sign_in.is_some() {
        return Link::Next;
    }
    let (Some(arn), Some(created)) = (effect.session.arn.as_deref(), effect.session.created) else {
        return Link::Next;
    };
    let login = linker.index.logins_by_arn.get(arn).and_then(|logins| {
        logins
            .iter()
            .filter(|(time, _)| (*time - created).num_seconds().abs() <= 1)
            .min_by_key(|(time, _)| (*time - created).num_milliseconds().abs())
            .map(|&(_, s)| s)
    });
    match login {
        Some(parent) if parent != effect.s => Link::Found(Box::new(lineage(
            EdgeKind::SignedIn,
            parent,
            linker.estate.sessions[parent].first.clone(),
        ))),
        _ => Link::Next,
    }
}

/// An Identity Center user's bearer-token calls (`userIdentity.credentialId`) belong to the
/// application whose `CreateTokenWithIAM` obtained that token
/// (`additionalEventData.identitycenter:CredentialId`, for `identitystore:UserId`): exact,
/// whatever the timing. A grant for another user never matches.
fn identity_token<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    let Some(credential) = effect.session.credential_id.as_deref() else {
        return Link::Next;
    };
    let Some(grants) = linker.index.grants_by_credential.get(credential) else {
        return Link::Next;
    };
    let user = identity_center_user(effect.session);
    let mut found: Vec<(&TokenGrant, usize)> = grants
        .iter()
        .copied()
        .filter(|grant| match (user, grant.user_id.as_deref()) {
            (Some(user), Some(granted)) => user == granted,
            _ => true,
        })
        .filter_map(|grant| {
            let parent = linker.estate.session(&grant.session)?;
            (parent != effect.s).then_some((grant, parent))
        })
        .collect();
    // A repeated record or a refresh names the token again: the nearest before wins.
    found.sort_by_key(|(grant, _)| event_rank(&grant.event, effect.anchor));
    let Some(&(chosen, parent)) = found.first() else {
        return Link::Next;
    };
    Link::Found(Box::new(Edge {
        kind: EdgeKind::IdentityToken,
        confidence: Confidence::Exact,
        parent,
        via: chosen.event.clone(),
        service: None,
        rivals: Vec::new(),
        candidates: Vec::new(),
        candidates_total: 1,
    }))
}

/// How many seconds apart an Identity Center portal request and the `AssumeRoleWithSAML` that
/// serves it may be logged (about the same second in captured logs).
const PORTAL_HANDOFF_SECONDS: i64 = 5;

/// Identity Center account access: the person's portal request (`sso:GetRoleCredentials`) for
/// an account and permission set, then Identity Center's `AssumeRoleWithSAML` into that
/// account's `AWSReservedSSO_<permission set>_<hex>` role within seconds. Nothing else joins
/// them (the SAML call carries no `onBehalfOf`), so the link is inferred: the nearest unused
/// request logged before it wins, else the nearest after. A request whose user is known (from
/// a permission-set session that carries `onBehalfOf`) to be someone other than the SAML
/// subject is not a candidate.
fn role_credentials<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    if effect.session.kind != IdentityKind::SamlUser {
        return Link::Next;
    }
    let (estate, index) = (linker.estate, linker.index);
    let Some(&call) = index.saml_by_caller.get(effect.session.key.as_str()) else {
        return Link::Next;
    };
    let Some(role) = call.role_arn.as_deref() else {
        return Link::Next;
    };
    let (Some(set), Some(at)) = (permission_set(role), call.event.time) else {
        return Link::Next;
    };
    let Some(account) = account_of(role)
        .filter(|a| !a.is_empty())
        .or(call.event.account.as_deref())
    else {
        return Link::Next;
    };
    let known_user = effect
        .session
        .humans
        .iter()
        .find_map(|(human, _, _)| match human {
            HumanId::Name(name) => index.known_names.get(name.as_str()),
            _ => None,
        });
    let requests = index
        .requests_by_target
        .get(&(account, set))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let in_window: Vec<(&RoleRequest, usize)> = requests
        .iter()
        .copied()
        .filter(|r| {
            r.event
                .time
                .is_some_and(|t| (t - at).num_seconds().abs() <= PORTAL_HANDOFF_SECONDS)
        })
        .filter(|r| match (known_user, r.user_id.as_ref()) {
            (Some(known), Some(user)) => known == user,
            _ => true,
        })
        .filter_map(|r| {
            let parent = estate.session(&r.session)?;
            (parent != effect.s).then_some((r, parent))
        })
        .collect();
    if in_window.is_empty() {
        return Link::Next;
    }
    let used = &linker.used_requests;
    let unused = |&&(r, _): &&(&RoleRequest, usize)| !used.contains(&(r as *const RoleRequest));
    let before = in_window
        .iter()
        .filter(|(r, _)| r.event.time.is_some_and(|t| t <= at))
        .filter(unused)
        .max_by(|(a, _), (b, _)| a.event.order().cmp(&b.event.order()))
        .copied();
    let after = in_window
        .iter()
        .filter(|(r, _)| r.event.time.is_some_and(|t| t > at))
        .filter(unused)
        .min_by(|(a, _), (b, _)| a.event.order().cmp(&b.event.order()))
        .copied();
    // Every request that could have served it served another sign-in: no link.
    let Some((chosen, parent)) = before.or(after) else {
        return Link::Next;
    };
    linker.used_requests.insert(chosen as *const RoleRequest);
    let mut others: Vec<(&RoleRequest, usize)> = in_window
        .iter()
        .copied()
        .filter(|(r, _)| !std::ptr::eq(*r, chosen))
        .collect();
    others.sort_by_key(|(r, _)| event_rank(&r.event, Some(at)));
    let candidates: Vec<Candidate> = std::iter::once((chosen, parent))
        .chain(others.iter().copied())
        .take(CANDIDATES_KEPT)
        .map(|(r, session)| Candidate {
            session,
            event: r.event.clone(),
            seconds_before: r.event.time.map_or(0, |t| (at - t).num_seconds()),
        })
        .collect();
    let mut rivals: Vec<usize> = others
        .iter()
        .map(|&(_, session)| session)
        .filter(|&r| r != parent)
        .collect();
    rivals.sort_unstable();
    rivals.dedup();
    Link::Found(Box::new(Edge {
        kind: EdgeKind::RoleCredentials,
        confidence: Confidence::Inferred,
        parent,
        via: chosen.event.clone(),
        service: None,
        rivals,
        candidates,
        candidates_total: in_window.len() as u64,
    }))
}

/// The Identity Center user id a session's events carry (`onBehalfOf.userId`).
fn identity_center_user(session: &Session) -> Option<&str> {
    session.humans.iter().find_map(|(human, _, _)| match human {
        HumanId::IdentityCenter(id) => Some(id.as_str()),
        _ => None,
    })
}

/// A call whose correlation token names this session: exact, whatever the timing.
fn token<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    if !effect.service_side() {
        return Link::Next;
    }
    let Some(name) = effect.name else {
        return Link::Next;
    };
    let mut calls: Vec<&Call> = session_name_keys(name)
        .into_iter()
        .filter_map(|key| linker.index.calls_by_token.get(key))
        .flatten()
        .copied()
        .filter(|call| linker.estate.session(&call.session) != Some(effect.s))
        .filter(|call| effect.account.is_none() || call.event.account.as_deref() == effect.account)
        .collect();
    // Several calls name one token only when a record is repeated: the nearest before wins.
    calls.sort_by_key(|call| distance_rank(call, effect.anchor));
    let Some(chosen) = calls.first() else {
        return Link::Next;
    };
    let Some(parent) = linker.estate.session(&chosen.session) else {
        return Link::Next;
    };
    let kind = if chosen.launches {
        EdgeKind::Launched
    } else if effect.session.lake_formation_role.is_some() {
        EdgeKind::SourceRole
    } else {
        EdgeKind::ServiceTrigger
    };
    let edge = Edge {
        kind,
        confidence: Confidence::Exact,
        parent,
        via: chosen.event.clone(),
        service: effect.service.clone(),
        rivals: Vec::new(),
        candidates: Vec::new(),
        candidates_total: 1,
    };
    // A call a token ties to its sessions is not another session's cause by timing.
    for call in &calls {
        linker.used.insert(*call as *const Call);
    }
    linker.remember(effect, chosen, &edge);
    Link::Found(Box::new(edge))
}

/// A service-linked role or an EC2 instance-profile session is the service's or the machine's
/// own work: never linked by timing.
fn machine<'e>(_: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    if effect.session.machine {
        Link::Stop
    } else {
        Link::Next
    }
}

/// The session's credentials were issued to a resource (`inScopeOf`): a call that invoked it.
fn scoped<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    if !effect.service_side() {
        return Link::Next;
    }
    let Some(target) = effect.session.issued_to.as_deref() else {
        return Link::Next;
    };
    let calls = linker.index.calls_by_target.get(&resource_base(target));
    // Each invocation starts at most one new session (later ones reuse warm environments), so
    // the sessions of a function never share an invocation, and there is no refresh.
    linker.choose(effect, calls.map(Vec::as_slice), EdgeKind::Scoped, false)
}

/// A call that started work now named this session's role.
fn passed_role<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    let (Some(_), Some(role)) = (effect.issuance, effect.role) else {
        return Link::Next;
    };
    if !effect.service_side() {
        return Link::Next;
    }
    let mut named: Vec<&Call> = linker
        .index
        .calls_by_role
        .get(role)
        .cloned()
        .unwrap_or_default();
    // Requests sometimes name the role without its path.
    for (passed, calls) in &linker.index.calls_by_role {
        if *passed != role && same_role(passed, role) {
            named.extend(calls.iter().copied());
        }
    }
    named.sort_by(|a, b| a.event.order().cmp(&b.event.order()));
    linker.choose(effect, Some(&named), EdgeKind::PassedRole, true)
}

/// A trigger call after which this session's service assumed a role.
fn service_trigger<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    // The service that assumed the role, or, with no STS call in the logs, the service whose
    // `invokedBy` the session's events carry.
    let principal = match effect.caller() {
        Some(Caller::Service(principal)) => principal,
        None => match effect.session.held_by.as_ref() {
            Some(service) => service,
            None => return Link::Next,
        },
        _ => return Link::Next,
    };
    let Some(account) = effect.account else {
        return Link::Next;
    };
    let calls = linker
        .index
        .calls_by_principal
        .get(&(principal.as_str(), account));
    linker.choose(
        effect,
        calls.map(Vec::as_slice),
        EdgeKind::ServiceTrigger,
        true,
    )
}

/// No call could have started it: a refresh of a linked session's credentials inherits its
/// cause. (A refresh is only recognised when no unused call precedes the session: a service
/// such as Glue names every run's session alike, so a new run with its own start call must not
/// pass for a refresh of an earlier one.)
fn refresh<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    if !effect.service_side() {
        return Link::Next;
    }
    linker
        .refresh_of(effect)
        .map_or(Link::Next, |edge| Link::Found(Box::new(edge)))
}

/// A Lake Formation `V2.<account>.<role id>` source identity: a session of that role, in that
/// account, active when this one started (the latest to start wins; the others are rivals).
fn source_role<'e>(linker: &mut Linker<'e>, effect: &Effect<'e>) -> Link {
    let (estate, options, s) = (linker.estate, linker.options, effect.s);
    let found = (|| {
        let role_id = effect.session.lake_formation_role.as_deref()?;
        let start = effect.session.first.time?;
        let account = effect.session.issuer_arn.as_deref().and_then(account_of);
        let active: Vec<usize> = linker
            .index
            .sessions_by_role_id
            .get(role_id)?
            .iter()
            .copied()
            .filter(|&c| c != s)
            .filter(|&c| {
                let candidate = &estate.sessions[c];
                let began = candidate
                    .first
                    .time
                    .is_some_and(|t| t <= start + options.skew);
                let still = candidate
                    .last_time
                    .is_some_and(|t| t + options.window >= start);
                let same_account = account.is_none()
                    || candidate.issuer_arn.as_deref().and_then(account_of) == account;
                began && still && same_account
            })
            .collect();
        let parent = active.iter().copied().max_by(|&a, &b| {
            estate.sessions[a]
                .first
                .order()
                .cmp(&estate.sessions[b].first.order())
        })?;
        Some(Edge {
            kind: EdgeKind::SourceRole,
            confidence: Confidence::Inferred,
            parent,
            via: effect.session.first.clone(),
            service: None,
            rivals: active.iter().copied().filter(|&r| r != parent).collect(),
            candidates: Vec::new(),
            candidates_total: active.len() as u64,
        })
    })();
    found.map_or(Link::Next, |edge| Link::Found(Box::new(edge)))
}

/// An edge of role chaining: exact, no rivals.
fn lineage(kind: EdgeKind, parent: usize, via: EventRef) -> Edge {
    Edge {
        kind,
        confidence: Confidence::Exact,
        parent,
        via,
        service: None,
        rivals: Vec::new(),
        candidates: Vec::new(),
        candidates_total: 1,
    }
}

impl<'e> Linker<'e> {
    /// Picks this session's cause among `calls`: the nearest unused call logged before it, else
    /// a refresh of a linked session, else the nearest unused call logged after it within the
    /// call's allowance. Every call in the window is listed as a candidate.
    fn choose(
        &mut self,
        effect: &Effect<'e>,
        calls: Option<&[&'e Call]>,
        kind: EdgeKind,
        refresh: bool,
    ) -> Link {
        let Some(anchor) = effect.anchor else {
            return Link::Next;
        };
        let skew = self.options.skew;
        let earliest = anchor - self.options.window;
        // Calls are sorted by time (timeless last): the window is found by binary search, so a
        // session costs the calls near it, not every call of its service.
        let calls = calls.unwrap_or_default();
        let latest = anchor + self.max_lag;
        let from = calls.partition_point(|c| c.event.time.is_some_and(|t| t < earliest));
        let to = calls.partition_point(|c| c.event.time.is_some_and(|t| t <= latest));
        let in_window: Vec<&'e Call> = calls[from..to.max(from)]
            .iter()
            .copied()
            .filter(|call| {
                call.event
                    .time
                    .is_some_and(|t| t <= anchor + call.max_lag.unwrap_or(skew).max(skew))
            })
            .filter(|call| {
                self.estate
                    .session(&call.session)
                    .is_some_and(|p| p != effect.s)
            })
            .collect();
        if in_window.is_empty() {
            return Link::Next;
        }
        let used = &self.used;
        let unused = |call: &&&'e Call| !used.contains(&(**call as *const Call));
        let before = in_window
            .iter()
            .filter(|c| c.event.time.is_some_and(|t| t <= anchor))
            .filter(unused)
            .max_by(|a, b| a.event.order().cmp(&b.event.order()))
            .copied();
        let after = in_window
            .iter()
            .filter(|c| c.event.time.is_some_and(|t| t > anchor))
            .filter(unused)
            .min_by(|a, b| a.event.order().cmp(&b.event.order()))
            .copied();
        if before.is_none()
            && refresh
            && let Some(edge) = self.refresh_of(effect)
        {
            return Link::Found(Box::new(edge));
        }
        let Some(chosen) = before.or(after) else {
            // Every call that could have caused it started something else: no link.
            return Link::Stop;
        };
        let Some(parent) = self.estate.session(&chosen.session) else {
            return Link::Next;
        };
        self.used.insert(chosen as *const Call);
        let mut others: Vec<&Call> = in_window
            .iter()
            .copied()
            .filter(|c| !std::ptr::eq(*c, chosen))
            .collect();
        others.sort_by_key(|call| distance_rank(call, effect.anchor));
        let candidates: Vec<Candidate> = std::iter::once(chosen)
            .chain(others.iter().copied())
            .take(CANDIDATES_KEPT)
            .filter_map(|call| {
                Some(Candidate {
                    session: self.estate.session(&call.session)?,
                    event: call.event.clone(),
                    seconds_before: (anchor - call.event.time?).num_seconds(),
                })
            })
            .collect();
        let mut rivals: Vec<usize> = others
            .iter()
            .filter_map(|c| self.estate.session(&c.session))
            .filter(|&r| r != parent)
            .collect();
        rivals.sort_unstable();
        rivals.dedup();
        let confidence = if in_window.len() == 1 && kind != EdgeKind::ServiceTrigger {
            Confidence::Exact
        } else {
            Confidence::Inferred
        };
        let edge = Edge {
            kind,
            confidence,
            parent,
            via: chosen.event.clone(),
            service: effect.service.clone(),
            rivals,
            candidates_total: in_window.len() as u64,
            candidates,
        };
        self.remember(effect, chosen, &edge);
        Link::Found(Box::new(edge))
    }

    /// Keeps a linked session whose credentials its service refreshes.
    fn remember(&mut self, effect: &Effect<'e>, call: &Call, edge: &Edge) {
        if let (true, Some(role), Some(name)) = (call.refreshes, effect.role, effect.name) {
            let expires = effect
                .issuance
                .and_then(|i| i.expires)
                .or(effect.session.last_time.map(|t| t + self.options.window));
            self.refreshable
                .entry((role_name(role), name))
                .or_default()
                .push((edge.clone(), expires));
        }
    }

    /// The edge of a linked session that this one refreshes: same role and session name,
    /// started before the first's credentials expired. Services such as Glue name every run's
    /// session alike, so among several the one whose credentials expire first is renewed (a
    /// service refreshes credentials that are about to run out, not ones it was just given).
    fn refresh_of(&mut self, effect: &Effect<'e>) -> Option<Edge> {
        let key = (role_name(effect.role?), effect.name?);
        let anchor = effect.anchor?;
        let live = self.refreshable.get_mut(&key)?;
        let (index, _) = live
            .iter()
            .enumerate()
            .filter(|(_, (edge, expires))| {
                edge.parent != effect.s && expires.is_none_or(|e| anchor <= e)
            })
            .min_by_key(|(_, (_, expires))| expires.unwrap_or(DateTime::<Utc>::MAX_UTC))?;
        let (edge, _) = live[index].clone();
        let edge = Edge {
            service: effect.service.clone().or(edge.service),
            ..edge
        };
        // The renewed credentials last from now on.
        live[index].1 = effect
            .issuance
            .and_then(|i| i.expires)
            .or(effect.session.last_time.map(|t| t + self.options.window));
        Some(edge)
    }
}

/// Orders calls by how near they are to `anchor`, those logged before it first.
fn distance_rank(call: &Call, anchor: Option<DateTime<Utc>>) -> (bool, i64, String) {
    event_rank(&call.event, anchor)
}

/// Orders events by how near they are to `anchor`, those logged before it first.
fn event_rank(event: &EventRef, anchor: Option<DateTime<Utc>>) -> (bool, i64, String) {
    let offset = match (event.time, anchor) {
        (Some(t), Some(a)) => (a - t).num_milliseconds(),
        _ => i64::MAX,
    };
    (
        offset < 0,
        offset.abs(),
        event.id.clone().unwrap_or_default(),
    )
}

/// Lookups built once over the linking events.
struct Index<'e> {
    issuances_by_key: HashMap<&'e str, Vec<&'e Issuance>>,
    callers_by_shared_id: HashMap<&'e str, &'e str>,
    calls_by_target: HashMap<String, Vec<&'e Call>>,
    calls_by_role: HashMap<&'e str, Vec<&'e Call>>,
    calls_by_principal: HashMap<(&'e str, &'e str), Vec<&'e Call>>,
    calls_by_token: HashMap<&'e str, Vec<&'e Call>>,
    sessions_by_role_id: HashMap<&'e str, Vec<usize>>,
    logins_by_arn: HashMap<&'e str, Vec<(DateTime<Utc>, usize)>>,
    /// (role name, session name) → STS calls made by a session, for re-keyed sessions.
    issuances_by_session: HashMap<(&'e str, &'e str), Vec<&'e Issuance>>,
    /// The SAML sign-in session → its `AssumeRoleWithSAML`.
    saml_by_caller: HashMap<&'e str, &'e Issuance>,
    /// Credential id → the token exchanges that obtained it.
    grants_by_credential: HashMap<&'e str, Vec<&'e TokenGrant>>,
    /// (account, permission set) → portal requests for its role credentials, in time order.
    requests_by_target: HashMap<(&'e str, &'e str), Vec<&'e RoleRequest>>,
    /// Identity Center user name → the one user id sessions show with it.
    known_names: BTreeMap<String, String>,
}

impl<'e> Index<'e> {
    fn new(estate: &'e Estate) -> Index<'e> {
        let mut index = Index {
            issuances_by_key: HashMap::new(),
            callers_by_shared_id: HashMap::new(),
            calls_by_target: HashMap::new(),
            calls_by_role: HashMap::new(),
            calls_by_principal: HashMap::new(),
            calls_by_token: HashMap::new(),
            sessions_by_role_id: HashMap::new(),
            logins_by_arn: HashMap::new(),
            issuances_by_session: HashMap::new(),
            saml_by_caller: HashMap::new(),
            grants_by_credential: HashMap::new(),
            requests_by_target: HashMap::new(),
            known_names: super::attribute::known_names(estate),
        };
        for issuance in &estate.issuances {
            index
                .issuances_by_key
                .entry(issuance.access_key.as_str())
                .or_default()
                .push(issuance);
        }
        for list in index.issuances_by_key.values_mut() {
            list.sort_by(|a, b| a.event.order().cmp(&b.event.order()));
            list.dedup_by(|a, b| a.event.id.is_some() && a.event.id == b.event.id);
        }
        for issuance in &estate.issuances {
            let Caller::Session(caller) = &issuance.caller else {
                continue;
            };
            if issuance.event.name == "AssumeRoleWithSAML" {
                index
                    .saml_by_caller
                    .entry(caller.as_str())
                    .or_insert(issuance);
            }
            if let (Some(role), Some(name)) = (
                issuance.role_arn.as_deref(),
                issuance.session_name.as_deref(),
            ) {
                index
                    .issuances_by_session
                    .entry((role_name(role), name))
                    .or_default()
                    .push(issuance);
            }
        }
        for grant in &estate.grants {
            index
                .grants_by_credential
                .entry(grant.credential_id.as_str())
                .or_default()
                .push(grant);
        }
        for list in index.grants_by_credential.values_mut() {
            list.sort_by(|a, b| a.event.order().cmp(&b.event.order()));
            list.dedup_by(|a, b| a.event.id.is_some() && a.event.id == b.event.id);
        }
        for request in &estate.role_requests {
            index
                .requests_by_target
                .entry((request.account.as_str(), request.permission_set.as_str()))
                .or_default()
                .push(request);
        }
        for list in index.requests_by_target.values_mut() {
            list.sort_by(|a, b| a.event.order().cmp(&b.event.order()));
            list.dedup_by(|a, b| a.event.id.is_some() && a.event.id == b.event.id);
        }
        for (shared, key) in &estate.shared_callers {
            index.callers_by_shared_id.entry(shared).or_insert(key);
        }
        let mut calls: Vec<&Call> = estate.calls.iter().collect();
        calls.sort_by(|a, b| a.event.order().cmp(&b.event.order()));
        calls.dedup_by(|a, b| {
            a.event.id.is_some() && a.event.id == b.event.id && a.event.account == b.event.account
        });
        for call in calls {
            for target in &call.targets {
                index
                    .calls_by_target
                    .entry(resource_base(target))
                    .or_default()
                    .push(call);
            }
            for role in &call.passed_roles {
                index.calls_by_role.entry(role).or_default().push(call);
            }
            for key in &call.session_keys {
                index.calls_by_token.entry(key).or_default().push(call);
            }
            if let Some(account) = call.event.account.as_deref() {
                for principal in &call.principals {
                    index
                        .calls_by_principal
                        .entry((principal, account))
                        .or_default()
                        .push(call);
                }
            }
        }
        for (s, session) in estate.sessions.iter().enumerate() {
            if let (Some(crate::identity::SignInPart::Login), Some(arn), Some(time)) =
                (session.sign_in, session.arn.as_deref(), session.first.time)
            {
                index.logins_by_arn.entry(arn).or_default().push((time, s));
            }
            if let Some(role_id) = session.issuer_principal_id.as_deref() {
                index
                    .sessions_by_role_id
                    .entry(role_id)
                    .or_default()
                    .push(s);
            }
        }
        index
    }
}

/// A resource ARN without a Lambda version or alias suffix
/// (`arn:aws:lambda:region:account:function:name[:qualifier]`).
fn resource_base(arn: &str) -> String {
    if arn.starts_with("arn:") && arn.contains(":lambda:") {
        arn.splitn(8, ':').take(7).collect::<Vec<_>>().join(":")
    } else {
        arn.to_owned()
    }
}

/// The STS call that issued this session's key: same key, preferring the caller-side copy, the
/// role the session is for, and the call whose time equals the session's `creationDate`
/// (to the second, CloudTrail user guide `cloudtrail-event-reference-user-identity`).
fn issuance_of<'e>(index: &Index<'e>, session: &Session) -> Option<&'e Issuance> {
    let candidates = index.issuances_by_key.get(session.access_key.as_deref()?)?;
    let created = session.created.or(session.first.time);
    candidates
        .iter()
        .filter(|i| match (i.event.time, session.first.time) {
            (Some(issued), Some(first)) => issued <= first + Duration::minutes(5),
            _ => true,
        })
        .min_by_key(|i| {
            // The caller-side copy names the caller; the owner-side copy only an account, or
            // even an AWS service (IAM user guide, `cloudtrail-integration`).
            let caller_rank = match i.caller {
                Caller::Session(_) => 0,
                Caller::OtherAccount => 1,
                Caller::Service(_) => 2,
                Caller::Nobody => 3,
            };
            let role_differs = match (i.role_arn.as_deref(), session.issuer_arn.as_deref()) {
                (Some(a), Some(b)) => !same_role(a, b),
                _ => false,
            };
            let distance = match (i.event.time, created) {
                (Some(a), Some(b)) => (a - b).num_seconds().abs(),
                _ => i64::MAX,
            };
            (role_differs, caller_rank, distance, i.event.order())
        })
        .copied()
}

/// STS calls made by a session that issued this role session under another access key than
/// the one it uses: the same role and session name, the call's time its `creationDate` (to the
/// second), best first. Identity Center's portal hands out the credentials of its
/// `AssumeRoleWithSAML` under another `ASIA…` id than that call returned (seen in captured logs),
/// so the key join alone fails there. Only for sessions no call issued by key.
fn rekeyed_issuances<'e>(index: &Index<'e>, session: &'e Session) -> Vec<&'e Issuance> {
    if session.kind != IdentityKind::AssumedRole {
        return Vec::new();
    }
    let (Some(role), Some(created)) = (session.issuer_arn.as_deref(), session.created) else {
        return Vec::new();
    };
    let Some(name) = session
        .arn
        .as_deref()
        .filter(|arn| arn.contains(":assumed-role/"))
        .and_then(|arn| arn.rsplit_once('/'))
        .map(|(_, name)| name)
    else {
        return Vec::new();
    };
    let Some(calls) = index.issuances_by_session.get(&(role_name(role), name)) else {
        return Vec::new();
    };
    let distance = |issuance: &Issuance| {
        issuance
            .event
            .time
            .map_or(i64::MAX, |t| (t - created).num_milliseconds().abs())
    };
    let mut found: Vec<&'e Issuance> = calls
        .iter()
        .copied()
        .filter(|i| i.role_arn.as_deref().is_some_and(|r| same_role(r, role)))
        .filter(|i| distance(i) <= 1_000)
        .collect();
    found.sort_by(|a, b| (distance(a), a.event.order()).cmp(&(distance(b), b.event.order())));
    found.dedup_by(|a, b| a.event.id.is_some() && a.event.id == b.event.id);
    found
}

/// Two role ARNs name the same role: equal, or same account and role name (a path may be left out).
fn same_role(a: &str, b: &str) -> bool {
    a == b || (account_of(a) == account_of(b) && role_name(a) == role_name(b))
}

fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

/// `arn:aws:lambda:…` → `lambda.amazonaws.com`.
fn service_of_resource(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(2)
        .map(|service| format!("{service}.amazonaws.com"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_qualifiers_are_ignored() {
        assert_eq!(
            resource_base("arn:aws:lambda:us-east-1:111122223333:function:invoice-export:$LATEST"),
            "arn:aws:lambda:us-east-1:111122223333:function:invoice-export"
        );
        assert_eq!(
            resource_base("arn:aws:lambda:us-east-1:111122223333:function:invoice-export"),
            "arn:aws:lambda:us-east-1:111122223333:function:invoice-export"
        );
    }

    #[test]
    fn roles_match_with_or_without_path() {
        assert!(same_role(
            "arn:aws:iam::111122223333:role/service-role/Glue",
            "arn:aws:iam::111122223333:role/Glue"
        ));
        assert!(!same_role(
            "arn:aws:iam::111122223333:role/Glue",
            "arn:aws:iam::444455556666:role/Glue"
        ));
    }

    #[test]
    fn the_nearest_call_before_ranks_first() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        let call = |id: &str, t: &str| Call {
            event: EventRef {
                id: Some(id.to_owned()),
                time: Some(at(t)),
                source: "glue.amazonaws.com".into(),
                name: "StartJobRun".into(),
                account: Some("111122223333".into()),
                region: None,
                origin: crate::event::Origin { file: 0, record: 0 },
            },
            session: String::new(),
            principals: Vec::new(),
            passed_roles: Vec::new(),
            targets: Vec::new(),
            max_lag: None,
            refreshes: false,
            launches: false,
            session_keys: Vec::new(),
        };
        let anchor = Some(at("2026-03-02T09:00:00Z"));
        let early = call("a", "2026-03-02T08:59:58Z");
        let late = call("b", "2026-03-02T09:00:01Z");
        let far = call("c", "2026-03-02T08:50:00Z");
        let mut calls = [&late, &far, &early];
        calls.sort_by_key(|c| distance_rank(c, anchor));
        let ids: Vec<_> = calls
            .iter()
            .map(|c| c.event.id.as_deref().unwrap())
            .collect();
        assert_eq!(ids, ["a", "c", "b"]);
    }
}

//! Each session's parent edge: the STS call that issued its key, or the person's call that made a
//! service take a role (spec §3, edges table).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Confidence, Edge, EdgeKind, LinkOptions};
use crate::estate::{Call, Caller, Estate, Issuance, Session};
use crate::identity::role_name;

/// Finds the parent edge of every session.
pub(super) fn find(estate: &Estate, options: &LinkOptions) -> Parents {
    let index = Index::new(estate);
    let mut parents = Parents {
        edges: Vec::with_capacity(estate.sessions.len()),
        service_obtained: Vec::with_capacity(estate.sessions.len()),
    };
    for (s, session) in estate.sessions.iter().enumerate() {
        let issuance = issuance_of(&index, session);
        let by_service = matches!(issuance.map(|i| &i.caller), Some(Caller::Service(_)));
        parents.service_obtained.push(by_service);
        let edge = parent(estate, &index, options, s, session, issuance);
        parents.edges.push(edge);
    }
    parents
}

/// Each session's parent edge, and whether an AWS service obtained its credentials for itself.
pub(super) struct Parents {
    pub(super) edges: Vec<Option<Edge>>,
    pub(super) service_obtained: Vec<bool>,
}

/// Lookups built once over the linking events.
struct Index<'e> {
    issuances_by_key: HashMap<&'e str, Vec<&'e Issuance>>,
    callers_by_shared_id: HashMap<&'e str, &'e str>,
    calls_by_target: HashMap<String, Vec<&'e Call>>,
    calls_by_role: HashMap<&'e str, Vec<&'e Call>>,
    calls_by_principal: HashMap<(&'e str, &'e str), Vec<&'e Call>>,
    sessions_by_role_id: HashMap<&'e str, Vec<usize>>,
}

impl<'e> Index<'e> {
    fn new(estate: &'e Estate) -> Index<'e> {
        let mut index = Index {
            issuances_by_key: HashMap::new(),
            callers_by_shared_id: HashMap::new(),
            calls_by_target: HashMap::new(),
            calls_by_role: HashMap::new(),
            calls_by_principal: HashMap::new(),
            sessions_by_role_id: HashMap::new(),
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
        for (shared, key) in &estate.shared_callers {
            index.callers_by_shared_id.entry(shared).or_insert(key);
        }
        let mut calls: Vec<&Call> = estate.calls.iter().collect();
        calls.sort_by(|a, b| a.event.order().cmp(&b.event.order()));
        calls.dedup_by(|a, b| a.event.id.is_some() && a.event.id == b.event.id);
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

fn parent(
    estate: &Estate,
    index: &Index<'_>,
    options: &LinkOptions,
    s: usize,
    session: &Session,
    issuance: Option<&Issuance>,
) -> Option<Edge> {
    match issuance.map(|i| &i.caller) {
        Some(Caller::Session(key)) => {
            let issuance = issuance?;
            return estate.session(key).filter(|&p| p != s).map(|parent| Edge {
                kind: EdgeKind::Issued,
                confidence: Confidence::Exact,
                parent,
                via: issuance.event.clone(),
                service: None,
                rivals: Vec::new(),
            });
        }
        Some(Caller::OtherAccount) => {
            let issuance = issuance?;
            let shared = issuance.shared_event_id.as_deref()?;
            let key = index.callers_by_shared_id.get(shared)?;
            return estate.session(key).filter(|&p| p != s).map(|parent| Edge {
                kind: EdgeKind::SharedEvent,
                confidence: Confidence::Exact,
                parent,
                via: issuance.event.clone(),
                service: None,
                rivals: Vec::new(),
            });
        }
        Some(Caller::Nobody) => return None,
        Some(Caller::Service(_)) | None => {}
    }
    // Credentials a service obtained (or that appear without their STS call, like a Lambda
    // function's): look for the person's call that made the service act.
    let service = match issuance.map(|i| &i.caller) {
        Some(Caller::Service(service)) => Some(service.clone()),
        _ => session.issued_to.as_deref().and_then(service_of_resource),
    };
    if session.machine {
        return None;
    }
    let anchor = issuance.map_or(session.first.time, |i| i.event.time)?;
    let window = (
        anchor.checked_sub_signed(options.window)?,
        anchor.checked_add_signed(options.skew)?,
    );
    let role = issuance
        .and_then(|i| i.role_arn.as_deref())
        .or(session.issuer_arn.as_deref());
    let account = issuance
        .and_then(|i| i.event.account.as_deref())
        .or(session.first.account.as_deref());
    let not_self = |call: &&Call| estate.session(&call.session) != Some(s);

    if let Some(target) = session.issued_to.as_deref() {
        let candidates = in_window(
            index.calls_by_target.get(&resource_base(target)),
            window,
            not_self,
        );
        if let Some(edge) = pick(
            estate,
            &candidates,
            EdgeKind::Scoped,
            Confidence::Exact,
            &service,
        ) {
            return Some(edge);
        }
    }
    if issuance.is_some()
        && let Some(role) = role
    {
        let mut named: Vec<&Call> = index.calls_by_role.get(role).cloned().unwrap_or_default();
        // Requests sometimes name the role without its path.
        for (passed, calls) in &index.calls_by_role {
            if *passed != role && same_role(passed, role) {
                named.extend(calls.iter().copied());
            }
        }
        let candidates = in_window(Some(&named), window, not_self);
        let confidence = if candidates.len() == 1 {
            Confidence::Exact
        } else {
            Confidence::Inferred
        };
        if let Some(edge) = pick(
            estate,
            &candidates,
            EdgeKind::PassedRole,
            confidence,
            &service,
        ) {
            return Some(edge);
        }
    }
    if let (Some(Caller::Service(principal)), Some(account)) =
        (issuance.map(|i| &i.caller), account)
    {
        let calls = index.calls_by_principal.get(&(principal.as_str(), account));
        let candidates = in_window(calls, window, not_self);
        if let Some(edge) = pick(
            estate,
            &candidates,
            EdgeKind::ServiceTrigger,
            Confidence::Inferred,
            &service,
        ) {
            return Some(edge);
        }
    }
    lake_formation_parent(estate, index, options, session, s)
}

/// The STS call that issued this session's key: same key, preferring the caller-side copy, the
/// role the session is for, and the call closest to the session's `creationDate`.
fn issuance_of<'e>(index: &Index<'e>, session: &Session) -> Option<&'e Issuance> {
    let candidates = index.issuances_by_key.get(session.access_key.as_deref()?)?;
    let created = session.created.or(session.first.time);
    candidates
        .iter()
        .filter(|i| match (i.event.time, session.first.time) {
            (Some(issued), Some(first)) => issued <= first + chrono::Duration::minutes(5),
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

fn in_window<'e>(
    calls: Option<&Vec<&'e Call>>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    keep: impl Fn(&&'e Call) -> bool,
) -> Vec<&'e Call> {
    calls
        .map(|calls| {
            calls
                .iter()
                .copied()
                .filter(|c| c.event.time.is_some_and(|t| t >= from && t <= to))
                .filter(|c| keep(c))
                .collect()
        })
        .unwrap_or_default()
}

/// The latest candidate wins (the closest cause); the others are kept as rivals.
fn pick(
    estate: &Estate,
    candidates: &[&Call],
    kind: EdgeKind,
    confidence: Confidence,
    service: &Option<String>,
) -> Option<Edge> {
    let chosen = candidates
        .iter()
        .filter(|c| estate.session(&c.session).is_some())
        .max_by(|a, b| a.event.order().cmp(&b.event.order()))?;
    let parent = estate.session(&chosen.session)?;
    let mut rivals: Vec<usize> = candidates
        .iter()
        .filter_map(|c| estate.session(&c.session))
        .filter(|&r| r != parent)
        .collect();
    rivals.sort_unstable();
    rivals.dedup();
    Some(Edge {
        kind,
        confidence,
        parent,
        via: chosen.event.clone(),
        service: service.clone(),
        rivals,
    })
}

/// A Lake Formation `V2.<account>.<role id>` source identity: a session of that role, in that
/// account, active when this one started (the latest to start wins; the others are rivals).
fn lake_formation_parent(
    estate: &Estate,
    index: &Index<'_>,
    options: &LinkOptions,
    session: &Session,
    s: usize,
) -> Option<Edge> {
    let role_id = session.lake_formation_role.as_deref()?;
    let start = session.first.time?;
    let account = session.issuer_arn.as_deref().and_then(account_of);
    let active: Vec<usize> = index
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
        via: session.first.clone(),
        service: None,
        rivals: active.into_iter().filter(|&r| r != parent).collect(),
    })
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
}

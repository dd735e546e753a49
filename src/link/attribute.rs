//! Walks parent edges down from the sessions that name a person: each session gets a person,
//! a status and a chain.

use std::collections::{BTreeMap, BTreeSet};

use super::{Confidence, Edge, EdgeKind, Status};
use crate::estate::{Estate, Session};
use crate::identity::{Evidence, HumanId, is_identity_center_role};

/// A session's place in the audit.
#[derive(Debug, Clone)]
pub struct Attribution {
    /// The person, if any.
    pub human: Option<HumanId>,
    /// How this session names them (`lineage` when only the STS join does).
    pub evidence: Option<Evidence>,
    /// The status.
    pub status: Status,
    /// The root session of its chain.
    pub chain_root: Option<usize>,
}

const PENDING: Attribution = Attribution {
    human: None,
    evidence: None,
    status: Status::Unattributed,
    chain_root: None,
};

/// Attributes every session; also returns the Identity Center user names learned on the way.
pub(super) fn run(
    estate: &Estate,
    parents: &[Option<Edge>],
    service_obtained: &[bool],
) -> (Vec<Attribution>, BTreeMap<String, String>) {
    let (aliases, user_names) = aliases(estate, parents);
    let count = estate.sessions.len();
    let mut done: Vec<Option<Attribution>> = vec![None; count];
    for start in 0..count {
        // Walk up to the first resolved ancestor (or the root), then resolve downwards. A cycle
        // (possible only in damaged or hostile logs) is cut where it closes.
        let mut path = Vec::new();
        let mut on_path = BTreeSet::new();
        let mut cursor = Some(start);
        while let Some(s) = cursor {
            if done[s].is_some() || !on_path.insert(s) {
                break;
            }
            path.push(s);
            cursor = parents[s].as_ref().map(|e| e.parent);
        }
        for &s in path.iter().rev() {
            let parent = parents[s]
                .as_ref()
                .and_then(|edge| done[edge.parent].as_ref().map(|a| (edge, a)));
            let own = visible(&estate.sessions[s], &aliases);
            let service = estate.sessions[s].service_nature || service_obtained[s];
            done[s] = Some(resolve(s, own, parent, service));
        }
    }
    let attribution = done.into_iter().map(|a| a.unwrap_or(PENDING)).collect();
    (attribution, user_names)
}

fn resolve(
    s: usize,
    own: Option<(HumanId, Evidence)>,
    parent: Option<(&Edge, &Attribution)>,
    service: bool,
) -> Attribution {
    // A machine's sessions are its own work, whoever launched it.
    let launched = parent.is_some_and(|(edge, _)| edge.kind == EdgeKind::Launched);
    let parent = parent.filter(|_| !launched);
    let service = service || launched;
    let parent_human = parent.and_then(|(edge, a)| a.human.as_ref().map(|h| (edge, a, h)));
    if let Some((human, evidence)) = own {
        let chain_root = match parent_human {
            Some((_, a, h)) if *h == human => a.chain_root,
            _ => Some(s),
        };
        return Attribution {
            human: Some(human),
            evidence: Some(evidence),
            status: Status::Propagated,
            chain_root,
        };
    }
    if let Some((edge, a, human)) = parent_human {
        let status = if edge.kind.is_lineage() && a.status != Status::Lost {
            Status::Reconstructable
        } else {
            Status::Lost
        };
        return Attribution {
            human: Some(human.clone()),
            // A lost session's events do not name the person at all.
            evidence: (status == Status::Reconstructable).then_some(Evidence::Lineage),
            status,
            chain_root: a.chain_root,
        };
    }
    let status = match parent {
        Some((_, a)) if a.status == Status::Unattributed && !service => Status::Unattributed,
        Some(_) => Status::Service,
        None if service => Status::Service,
        None => Status::Unattributed,
    };
    Attribution {
        human: None,
        evidence: None,
        status,
        chain_root: None,
    }
}

/// The person a session's own events name: best evidence first, then the most events.
fn visible(session: &Session, aliases: &BTreeMap<String, String>) -> Option<(HumanId, Evidence)> {
    session
        .humans
        .iter()
        .min_by(|(ha, ea, na), (hb, eb, nb)| ea.cmp(eb).then(nb.cmp(na)).then(ha.cmp(hb)))
        .map(|(human, evidence, _)| (unalias(human, aliases), *evidence))
}

fn unalias(human: &HumanId, aliases: &BTreeMap<String, String>) -> HumanId {
    match human {
        HumanId::Name(name) => aliases
            .get(name)
            .map_or_else(|| human.clone(), |id| HumanId::IdentityCenter(id.clone())),
        other => other.clone(),
    }
}

/// Identity Center names ↔ user ids, from sessions that show both: a permission-set session
/// whose events carry `onBehalfOf`, or an Identity Center user event with a user name; and from
/// Identity Center account access, where the SAML sign-in linked to a portal request
/// (`role_credentials`) has the user name as its subject and the portal session the user id.
/// The user name can change, the id cannot (IdC user guide, `sso-cloudtrail-use-cases`), so a
/// name is mapped to an id only when one id was seen with it.
fn aliases(
    estate: &Estate,
    parents: &[Option<Edge>],
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut seen = names_seen(estate);
    for (s, edge) in parents.iter().enumerate() {
        let Some(edge) = edge
            .as_ref()
            .filter(|e| e.kind == EdgeKind::RoleCredentials)
        else {
            continue;
        };
        let Some(id) = only_identity_center_id(&estate.sessions[edge.parent]) else {
            continue;
        };
        for name in person_names(&estate.sessions[s]) {
            seen.entry(name.to_owned())
                .or_default()
                .insert(id.to_owned());
        }
    }
    let mut aliases = BTreeMap::new();
    let mut user_names = BTreeMap::new();
    for (name, ids) in seen {
        if ids.len() == 1
            && let Some(id) = ids.into_iter().next()
        {
            user_names.entry(id.clone()).or_insert_with(|| name.clone());
            aliases.insert(name, id);
        }
    }
    (aliases, user_names)
}

/// Identity Center user names known from sessions alone (see [`aliases`]), each with the one
/// user id seen with it: the linking stage uses them to keep two people apart.
pub(super) fn known_names(estate: &Estate) -> BTreeMap<String, String> {
    names_seen(estate)
        .into_iter()
        .filter(|(_, ids)| ids.len() == 1)
        .filter_map(|(name, ids)| ids.into_iter().next().map(|id| (name, id)))
        .collect()
}

/// Every user name an Identity Center session shows, with the user ids seen with it.
fn names_seen(estate: &Estate) -> BTreeMap<String, BTreeSet<String>> {
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for session in &estate.sessions {
        let Some(id) = only_identity_center_id(session) else {
            continue;
        };
        let identity_center_session = is_identity_center_role(session.issuer_arn.as_deref())
            || matches!(
                session.kind,
                crate::event::IdentityKind::IdentityCenterUser
                    | crate::event::IdentityKind::Unknown
            );
        if !identity_center_session {
            continue;
        }
        // The permission-set session's name is the user name, even on events whose
        // `onBehalfOf` made the name the lesser evidence.
        let session_name = is_identity_center_role(session.issuer_arn.as_deref())
            .then(|| session.arn.as_deref().and_then(|arn| arn.rsplit_once('/')))
            .flatten()
            .map(|(_, name)| name);
        for name in person_names(session).chain(session_name) {
            seen.entry(name.to_owned())
                .or_default()
                .insert(id.to_owned());
        }
    }
    seen
}

/// The one Identity Center user id a session's events name, if exactly one.
fn only_identity_center_id(session: &Session) -> Option<&str> {
    let mut ids = session.humans.iter().filter_map(|(h, _, _)| match h {
        HumanId::IdentityCenter(id) => Some(id.as_str()),
        _ => None,
    });
    let first = ids.next()?;
    ids.all(|id| id == first).then_some(first)
}

/// The names a session's events give as the principal itself (not a source identity).
fn person_names(session: &Session) -> impl Iterator<Item = &str> {
    session
        .humans
        .iter()
        .filter_map(|(human, evidence, _)| match (human, evidence) {
            (HumanId::Name(name), Evidence::Principal | Evidence::Forwarded) => Some(name.as_str()),
            _ => None,
        })
}

/// An inferred edge becomes ambiguous when its rival causes belong to other people.
pub(super) fn mark_ambiguous(
    parents: Vec<Option<Edge>>,
    attribution: &[Attribution],
) -> Vec<Option<Edge>> {
    parents
        .into_iter()
        .map(|edge| {
            edge.map(|mut edge| {
                let chosen = attribution[edge.parent].human.as_ref();
                let other_person = edge
                    .rivals
                    .iter()
                    .filter_map(|&r| attribution[r].human.as_ref())
                    .any(|h| Some(h) != chosen);
                let inferred = !matches!(edge.kind, EdgeKind::Issued | EdgeKind::SharedEvent);
                if other_person && inferred {
                    edge.confidence = Confidence::Ambiguous;
                }
                edge
            })
        })
        .collect()
}

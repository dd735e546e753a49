//! Chains as trees of resolved sessions, ready to draw: for `chains`, `timeline` and HTML.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Chain, Confidence, EdgeKind, Graph, Status};
use crate::identity::{Evidence, PrincipalKind};

/// One session of a chain, with its place in the tree.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Index into the estate's sessions.
    #[serde(skip)]
    pub session: usize,
    /// The principal: the assumed-role or user ARN, else the session key.
    pub principal: String,
    /// The role (session issuer ARN), when a role session.
    pub role: Option<String>,
    /// The access key.
    pub access_key: Option<String>,
    /// Accounts its events were recorded in.
    pub accounts: Vec<String>,
    /// Its status.
    pub status: Status,
    /// How it names the person.
    pub evidence: Option<Evidence>,
    /// Events made with it.
    pub events: u64,
    /// Of those, events AWS services made for it under a key of their own (forward access
    /// sessions, joined by principal and `creationDate`).
    pub forwarded: u64,
    /// Its first event's id.
    pub first_event_id: Option<String>,
    /// When its first event happened.
    pub first_time: Option<DateTime<Utc>>,
    /// When its last event happened.
    pub last_time: Option<DateTime<Utc>>,
    /// Depth in the tree (the root is 0).
    pub depth: usize,
    /// The parent node (index into the chain's nodes).
    pub parent: Option<usize>,
    /// What links it to the parent.
    pub edge: Option<EdgeKind>,
    /// How sure that link is.
    pub link: Option<Confidence>,
    /// The service that assumed the role, for service edges.
    pub service: Option<String>,
    /// The event that links it (the STS call, the trigger, the invoke).
    pub via_event_id: Option<String>,
    /// The person is lost here: a lost session under one that is not.
    pub is_break: bool,
    /// Accounts of product providers that made its calls with delegated access
    /// (`invokedByDelegate`): such a session is the provider's, never the customer's person's.
    pub delegates: Vec<String>,
}

/// The application that acted for the person at a chain's root: a session that names nobody
/// and whose call started the root (an Identity Center token exchange, an identity-enhanced
/// `AssumeRole`).
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    /// Index into the estate's sessions.
    #[serde(skip)]
    pub session: usize,
    /// The application's principal: its assumed-role ARN, else its label.
    pub principal: String,
    /// Its role (session issuer ARN), when a role session.
    pub role: Option<String>,
    /// The resource its credentials were issued to (`inScopeOf`), e.g. a Lambda function.
    pub issued_to: Option<String>,
    /// What links the chain's root to it.
    pub edge: EdgeKind,
    /// How sure that link is.
    pub link: Confidence,
    /// The call that started the root: `CreateTokenWithIAM`, `AssumeRole`.
    pub via_event_id: Option<String>,
    /// That call's `eventSource`.
    pub via_source: String,
    /// That call's `eventName`.
    pub via_action: String,
    /// When that call was made.
    pub via_time: Option<DateTime<Utc>>,
}

/// A chain, resolved for drawing.
#[derive(Debug, Clone, Serialize)]
pub struct ChainView {
    /// The chain id.
    pub id: String,
    /// The person, as shown.
    pub human: String,
    /// A person, a workload with a web identity of its own, or a product provider acting with
    /// delegated access (`delegate`).
    pub principal_kind: PrincipalKind,
    /// How the root names them.
    pub evidence: Evidence,
    /// Sessions, depth first, children in time order.
    pub nodes: Vec<Node>,
    /// The application that acted for the person, when one started the chain's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<Application>,
}

impl Graph {
    /// The tree of one chain.
    pub fn view(&self, chain: &Chain, children: &[Vec<usize>]) -> ChainView {
        let mut nodes: Vec<Node> = Vec::with_capacity(chain.sessions.len());
        let mut stack: Vec<(usize, usize, Option<usize>)> = vec![(chain.root, 0, None)];
        while let Some((s, depth, parent)) = stack.pop() {
            if nodes.len() > chain.sessions.len() {
                break; // a cycle in damaged input; the chain's sessions bound the walk
            }
            let session = &self.estate.sessions[s];
            let a = &self.attribution[s];
            let edge = parent.and(self.parents[s].as_ref());
            let parent_status = parent.map(|p: usize| nodes[p].status);
            nodes.push(Node {
                session: s,
                principal: session.label.clone(),
                role: session
                    .issuer_arn
                    .clone()
                    .filter(|arn| arn.contains(":role/")),
                access_key: session.access_key.clone(),
                accounts: session.accounts.iter().cloned().collect(),
                status: a.status,
                evidence: a.evidence,
                events: session.events,
                forwarded: session.forwarded,
                first_event_id: session.first.id.clone(),
                first_time: session.first.time,
                last_time: session.last_time,
                depth,
                parent,
                edge: edge.map(|e| e.kind),
                link: edge.map(|e| e.confidence),
                service: edge.and_then(|e| e.service.clone()),
                via_event_id: edge.and_then(|e| e.via.id.clone()),
                is_break: a.status == Status::Lost && parent_status != Some(Status::Lost),
                delegates: session.delegates.iter().cloned().collect(),
            });
            let here = nodes.len() - 1;
            for &child in children[s].iter().rev() {
                if self.attribution[child].chain_root == Some(chain.root) {
                    stack.push((child, depth + 1, Some(here)));
                }
            }
        }
        ChainView {
            id: chain.id.clone(),
            human: self.display(&chain.human),
            principal_kind: chain.human.kind(),
            evidence: chain.evidence,
            nodes,
            application: self.application(chain),
        }
    }

    /// The application that started a chain's root, as shown.
    pub fn application(&self, chain: &Chain) -> Option<Application> {
        let app = chain.application?;
        let edge = self.parents[chain.root].as_ref()?;
        let session = &self.estate.sessions[app];
        Some(Application {
            session: app,
            principal: session.label.clone(),
            role: session
                .issuer_arn
                .clone()
                .filter(|arn| arn.contains(":role/")),
            issued_to: session.issued_to.clone(),
            edge: edge.kind,
            link: edge.confidence,
            via_event_id: edge.via.id.clone(),
            via_source: edge.via.source.clone(),
            via_action: edge.via.name.clone(),
            via_time: edge.via.time,
        })
    }
}

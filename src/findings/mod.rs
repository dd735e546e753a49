//! Chains → findings, shared roles (spec §4).
//!
//! Each finding names the session where something happened and the event that shows it. Owns
//! severity; never reads files or formats output.

mod exfiltration;
mod rules;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::aws_ranges::AwsRanges;
use crate::estate::Session;
use crate::identity::{Evidence, HumanId, PrincipalKind, role_name};
use crate::link::{Confidence, Graph, Status};
use crate::triggers::Triggers;

pub use exfiltration::{Exfiltration, Machine, MachineKind, OutsideAwsTest, ReachedBy, Reason};
pub use rules::{RULES, Rule};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Low,
    /// Needs a look.
    Medium,
    /// The audit trail has gone blind.
    High,
}

impl Severity {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// The kinds of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A person's chain reached a session that no longer names them.
    IdentityLost,
    /// The person can be recovered only by joining STS calls.
    LineageOnly,
    /// A role session whose origin is not in the logs and that names nobody.
    UnattributedSession,
    /// A chain rooted in an IAM user's long-term access key.
    LongLivedKey,
    /// A machine's credentials (instance profile, task, function) used away from the machine.
    ExfiltratedCredentials,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 5] = [
        Kind::IdentityLost,
        Kind::LineageOnly,
        Kind::UnattributedSession,
        Kind::LongLivedKey,
        Kind::ExfiltratedCredentials,
    ];

    /// Its entry in the rule table.
    pub fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        self.rule().name
    }

    /// The stable rule id (SARIF `ruleId`).
    pub fn rule_id(self) -> &'static str {
        self.rule().id
    }

    /// The default severity (spec §4).
    pub fn severity(self) -> Severity {
        self.rule().severity
    }

    /// One sentence a user can read as the rule's explanation.
    pub fn summary(self) -> &'static str {
        self.rule().summary
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind.
    pub kind: Kind,
    /// How much it matters.
    pub severity: Severity,
    /// The person, as shown (user name where known).
    pub human: Option<String>,
    /// How the chain names the person at its root.
    pub evidence: Option<Evidence>,
    /// The chain.
    pub chain_id: Option<String>,
    /// The session the finding is about (index into the estate's sessions).
    pub session: usize,
    /// The first event of that session.
    pub break_event_id: Option<String>,
    /// When it happened.
    pub break_time: Option<DateTime<Utc>>,
    /// For `identity_lost`, the AWS service that took over; otherwise the break event's source.
    pub service: String,
    /// The role of the session (its issuer ARN).
    pub role_arn: Option<String>,
    /// How the session was linked to the chain.
    pub link: Option<Confidence>,
    /// Events made by the session and the sessions below it with the same status.
    pub events_after_break: u64,
    /// Accounts those events were recorded in.
    pub accounts: Vec<String>,
    /// The log file holding the break event.
    pub break_file: Option<String>,
    /// For links made by timing: the calls that could have caused the break, the chosen one
    /// first (at most [`MAX_CANDIDATES`]).
    pub candidates: Vec<CandidateCause>,
    /// How many calls could have caused it.
    pub candidates_total: u64,
    /// Whether the chain starts from a person or a workload (`None`: nobody found).
    pub principal_kind: Option<PrincipalKind>,
    /// For `unattributed_session` of a session a service holds: the call that would have
    /// started it and is not in the logs (`states:StartExecution`).
    pub missing_trigger: Option<String>,
    /// For `long_lived_key`: the access key id.
    pub access_key: Option<String>,
    /// For `long_lived_key`: the principal and call that created the key, when the logs hold
    /// `CreateAccessKey`.
    pub created_by: Option<CreatedBy>,
    /// For `exfiltrated_credentials`: the machine, where its credentials were used from, and why
    /// that is not the machine.
    pub exfiltration: Option<Box<Exfiltration>>,
}

/// Who created a long-term key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedBy {
    /// The creating principal, as shown.
    pub principal: String,
    /// The `CreateAccessKey` call.
    pub event_id: Option<String>,
}

/// At most this many candidates are listed on a finding.
pub const MAX_CANDIDATES: usize = 10;

/// A call that could have caused a finding's break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateCause {
    /// The person behind the call, as shown.
    pub human: Option<String>,
    /// The call's `eventID`.
    pub event_id: Option<String>,
    /// How long before the service's session the call was logged (negative: after).
    pub seconds_before: i64,
}

impl Finding {
    /// The person as a table shows them: `-` for nobody, and when other people's calls could
    /// have caused the break, how many (`alice@example.com (or 2 others)`).
    pub fn person_shown(&self) -> String {
        let human = self.human.as_deref().unwrap_or("-");
        let others: BTreeSet<&str> = self
            .candidates
            .iter()
            .filter_map(|c| c.human.as_deref())
            .filter(|h| Some(*h) != self.human.as_deref())
            .collect();
        match others.len() {
            0 => human.to_owned(),
            1 => format!("{human} (or 1 other)"),
            n => format!("{human} (or {n} others)"),
        }
    }

    /// A fingerprint that stays the same across runs and days for the same problem: kind,
    /// person, role and service (never event ids or times), so baselines and code-scanning
    /// tools can tell a known finding from a new one. When the person was chosen among rival
    /// candidates by timing, the choice is left out: more logs could change it.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let chosen_by_timing = self
            .candidates
            .iter()
            .any(|c| c.human.is_some() && c.human != self.human);
        let human = if chosen_by_timing {
            "~candidates"
        } else {
            self.human.as_deref().unwrap_or("")
        };
        // Stolen machine credentials are one problem per machine and place they were used
        // from, whoever is named and whatever they called first.
        if let (Kind::ExfiltratedCredentials, Some(x)) = (self.kind, self.exfiltration.as_deref()) {
            let text = format!(
                "{}|{}|{}|{}",
                self.kind.as_str(),
                x.machine.id,
                self.role_arn.as_deref().unwrap_or(""),
                x.source_address
            );
            return Sha256::digest(text.as_bytes())
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect();
        }
        // A long-term key is the same problem for as long as the key exists, whatever the
        // time window or the first service it called.
        if let (Kind::LongLivedKey, Some(key)) = (self.kind, self.access_key.as_deref()) {
            let account = self.accounts.first().map_or("", String::as_str);
            let text = format!("{}|{key}|{account}", self.kind.as_str());
            return Sha256::digest(text.as_bytes())
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect();
        }
        let text = format!(
            "{}|{}|{}|{}",
            self.kind.as_str(),
            human,
            self.role_arn.as_deref().unwrap_or(""),
            self.service
        );
        Sha256::digest(text.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A role that acted for several people, or that a service assumed on a person's trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedRole {
    /// The role ARN.
    pub role_arn: String,
    /// Distinct people.
    pub humans: u64,
    /// Distinct chains.
    pub chains: u64,
    /// Events made under it in those chains.
    pub events: u64,
    /// Services that assumed it on someone's behalf.
    pub services: Vec<String>,
    /// The worst status of its sessions in those chains: `lost` when it acted for someone without
    /// naming them, `propagated` when every session carried its person (an S3 Access Grants
    /// location role, say).
    pub status: Status,
}

/// Finds every finding in the graph, sorted: severity (highest first), kind, time, event id.
/// `ranges` (`--aws-ip-ranges`) lets `exfiltrated_credentials` tell calls from outside AWS.
pub fn detect(graph: &Graph, triggers: &Triggers, ranges: Option<&AwsRanges>) -> Vec<Finding> {
    let children = graph.children();
    let sessions = &graph.estate.sessions;
    let mut findings = Vec::new();
    for (s, a) in graph.attribution.iter().enumerate() {
        let parent = graph.parents[s].as_ref();
        let parent_status = parent.map(|e| graph.attribution[e.parent].status);
        // A run of sessions with one status is one finding, unless a link inside it is only
        // inferred: then the inferred part is reported on its own, with its confidence.
        let top_of_run = parent_status != Some(a.status)
            || parent.is_some_and(|e| e.confidence != Confidence::Exact);
        let kind = match a.status {
            Status::Lost if top_of_run => Kind::IdentityLost,
            Status::Reconstructable if top_of_run => Kind::LineageOnly,
            Status::Unattributed if top_of_run && is_role_session(&sessions[s]) => {
                Kind::UnattributedSession
            }
            _ => continue,
        };
        let session = &sessions[s];
        // The break is the first event the scan was asked about: a session seen only through
        // calls kept from outside --since/--until (to explain another session) is not reported.
        let Some(first) = session.first_in_scope.as_ref() else {
            continue;
        };
        let (events, accounts) = run_below(graph, &children, s, a.status);
        let service = match kind {
            Kind::IdentityLost => parent
                .and_then(|e| e.service.clone())
                .unwrap_or_else(|| first.source.clone()),
            _ => first.source.clone(),
        };
        let chain_id = a
            .chain_root
            .map(|root| {
                graph
                    .chains
                    .iter()
                    .find(|c| c.root == root)
                    .map(|c| c.id.clone())
            })
            .unwrap_or_default();
        let root_evidence = a
            .chain_root
            .and_then(|root| graph.attribution[root].evidence);
        let (candidates, candidates_total) = match parent {
            Some(edge) if edge.confidence != Confidence::Exact => (
                edge.candidates
                    .iter()
                    .take(MAX_CANDIDATES)
                    .map(|c| CandidateCause {
                        human: graph.attribution[c.session]
                            .human
                            .as_ref()
                            .map(|h| graph.display(h)),
                        event_id: c.event.id.clone(),
                        seconds_before: c.seconds_before,
                    })
                    .collect(),
                edge.candidates_total,
            ),
            _ => (Vec::new(), 0),
        };
        findings.push(Finding {
            kind,
            severity: kind.severity(),
            human: a.human.as_ref().map(|h| graph.display(h)),
            evidence: root_evidence,
            chain_id,
            session: s,
            break_event_id: first.id.clone(),
            break_time: first.time,
            service,
            role_arn: session.issuer_arn.clone(),
            link: parent.map(|e| e.confidence),
            events_after_break: events,
            accounts,
            break_file: None,
            candidates,
            candidates_total,
            principal_kind: a.human.as_ref().map(HumanId::kind),
            missing_trigger: match kind {
                Kind::UnattributedSession => session
                    .held_by
                    .as_deref()
                    .and_then(|service| triggers.call_starting(service)),
                _ => None,
            },
            access_key: None,
            created_by: None,
            exfiltration: None,
        });
    }
    findings.extend(long_lived_keys(graph, &children));
    findings.extend(exfiltration::detect(graph, ranges));
    findings.sort_by(|a, b| {
        (
            b.severity,
            a.kind,
            a.break_time,
            &a.break_event_id,
            &sessions[a.session].key,
        )
            .cmp(&(
                a.severity,
                b.kind,
                b.break_time,
                &b.break_event_id,
                &sessions[b.session].key,
            ))
    });
    findings
}

/// One `long_lived_key` finding per long-term key (`AKIA…`) that a person's chain uses, whether
/// the key roots its chain or sits inside one (a key created by another session). A key created
/// by another principal (a persistence step) is high.
fn long_lived_keys(graph: &Graph, children: &[Vec<usize>]) -> Vec<Finding> {
    let sessions = &graph.estate.sessions;
    let mut findings = Vec::new();
    for (s, session) in sessions.iter().enumerate() {
        let Some(key) = session
            .access_key
            .as_deref()
            .filter(|k| k.starts_with("AKIA"))
        else {
            continue;
        };
        let a = &graph.attribution[s];
        let (Some(human), Some(first)) = (a.human.as_ref(), session.first_in_scope.as_ref()) else {
            continue;
        };
        let chain = a
            .chain_root
            .and_then(|root| graph.chains.iter().find(|c| c.root == root));
        let (events, accounts) = match chain {
            Some(chain) if chain.root == s => whole_chain(graph, &chain.sessions),
            _ => run_below(graph, children, s, a.status),
        };
        let created_by = graph.parents[s]
            .as_ref()
            .filter(|edge| edge.via.name == "CreateAccessKey")
            .map(|edge| CreatedBy {
                principal: sessions[edge.parent].label.clone(),
                event_id: edge.via.id.clone(),
            });
        let by_another = created_by
            .as_ref()
            .is_some_and(|c| session.arn.as_deref() != Some(c.principal.as_str()));
        findings.push(Finding {
            kind: Kind::LongLivedKey,
            severity: if by_another {
                Severity::High
            } else {
                Kind::LongLivedKey.severity()
            },
            human: Some(graph.display(human)),
            evidence: chain.map(|c| c.evidence).or(a.evidence),
            chain_id: chain.map(|c| c.id.clone()),
            session: s,
            break_event_id: first.id.clone(),
            break_time: first.time,
            service: first.source.clone(),
            role_arn: None,
            link: None,
            events_after_break: events,
            accounts,
            break_file: None,
            candidates: Vec::new(),
            candidates_total: 0,
            principal_kind: Some(human.kind()),
            missing_trigger: None,
            access_key: Some(key.to_owned()),
            created_by,
            exfiltration: None,
        });
    }
    findings
}

/// Machine sessions (instance-profile, task and function credentials) with events in scope:
/// what `exfiltrated_credentials` checked.
pub fn machine_sessions(graph: &Graph) -> u64 {
    exfiltration::machine_sessions(graph)
}

/// Role sessions only: an IAM user or a console user with no STS call behind it is not a
/// session "whose origin is outside the logs".
fn is_role_session(session: &Session) -> bool {
    matches!(session.kind, crate::event::IdentityKind::AssumedRole)
}

/// Events and accounts of `s` and every session below it that keeps the same status.
fn run_below(
    graph: &Graph,
    children: &[Vec<usize>],
    s: usize,
    status: Status,
) -> (u64, Vec<String>) {
    let mut events = 0;
    let mut accounts = BTreeSet::new();
    let mut stack = vec![s];
    let mut seen = BTreeSet::new();
    while let Some(current) = stack.pop() {
        if !seen.insert(current) || graph.attribution[current].status != status {
            continue;
        }
        let session = &graph.estate.sessions[current];
        events += session.events;
        accounts.extend(session.accounts.iter().cloned());
        stack.extend(children[current].iter().copied());
    }
    (events, accounts.into_iter().collect())
}

fn whole_chain(graph: &Graph, sessions: &[usize]) -> (u64, Vec<String>) {
    let mut accounts = BTreeSet::new();
    let mut events = 0;
    for &s in sessions {
        let session = &graph.estate.sessions[s];
        events += session.events;
        accounts.extend(session.accounts.iter().cloned());
    }
    (events, accounts.into_iter().collect())
}

/// Roles that acted for two or more people, or that a service assumed on a person's trigger.
pub fn shared_roles(graph: &Graph) -> Vec<SharedRole> {
    #[derive(Default)]
    struct Tally {
        humans: BTreeSet<String>,
        chains: BTreeSet<usize>,
        events: u64,
        services: BTreeSet<String>,
        service_taken: bool,
        status: Option<Status>,
    }
    // How badly a status loses the person: a role is as broken as its worst session.
    let loss = |status: Status| match status {
        Status::Service => 0,
        Status::Propagated => 1,
        Status::Reconstructable => 2,
        Status::Unattributed => 3,
        Status::Lost => 4,
    };
    let mut roles: BTreeMap<&str, Tally> = BTreeMap::new();
    for (s, a) in graph.attribution.iter().enumerate() {
        let session = &graph.estate.sessions[s];
        let (Some(role), Some(human), Some(root)) = (
            session.issuer_arn.as_deref(),
            a.human.as_ref(),
            a.chain_root,
        ) else {
            continue;
        };
        if !role.contains(":role/") {
            continue;
        }
        let tally = roles.entry(role).or_default();
        tally.humans.insert(human.key().to_owned());
        tally.chains.insert(root);
        tally.events += session.events;
        if tally
            .status
            .is_none_or(|worst| loss(a.status) > loss(worst))
        {
            tally.status = Some(a.status);
        }
        if let Some(edge) = &graph.parents[s]
            && !edge.kind.is_lineage()
        {
            tally.service_taken = true;
            tally.services.extend(edge.service.clone());
        }
    }
    let mut shared: Vec<SharedRole> = roles
        .into_iter()
        .filter(|(role, t)| {
            // Identity Center permission-set roles are shared by design and name the person.
            (t.humans.len() >= 2 && !crate::identity::is_identity_center_role(Some(role)))
                || t.service_taken
        })
        .map(|(role, t)| SharedRole {
            role_arn: role.to_owned(),
            humans: t.humans.len() as u64,
            chains: t.chains.len() as u64,
            events: t.events,
            services: t.services.into_iter().collect(),
            status: t.status.unwrap_or(Status::Propagated),
        })
        .collect();
    shared
        .sort_by(|a, b| (b.humans, b.events, &a.role_arn).cmp(&(a.humans, a.events, &b.role_arn)));
    shared
}

/// The short role name for tables.
pub fn short_role(arn: &str) -> &str {
    role_name(arn)
}

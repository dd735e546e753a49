//! `exfiltrated_credentials` (TIP005): a machine's credentials used away from the machine.
//!
//! AWS hands credentials to machines: an EC2 instance gets its instance profile's role from the
//! instance metadata service (`sessionContext.ec2RoleDelivery`, `inScopeOf.credentialsIssuedTo`
//! the instance, a session named after the instance id), an ECS task its task role from the
//! task's credential endpoint (a session named after the task id, or `inScopeOf` the task), a
//! Lambda function its role in its environment (`inScopeOf` the function). Whoever can read them
//! there (a request forgery through the instance, a shell on it through `ssm:SendCommand`,
//! `ssm:StartSession` or EC2 Instance Connect, ECS Exec, a leaked environment) can carry them
//! elsewhere, and CloudTrail then shows the machine's role calling from the thief's address.
//!
//! The rule compares where a machine's calls come from (source address and user agent, over
//! every session of the machine: instance credentials are renewed every few hours) with where
//! people's own sessions call from. A call is the machine's **own** when its user agent is one no
//! person's session uses (the SSM agent, an SDK on the instance) and, if a person's session calls
//! from the same address, the machine called from there first. A call from an address the
//! machine's own calls never use is reported when
//!
//! - a person's session calls from that address (`person_address`);
//! - or a person's session uses the same tools (`person_user_agent`), when the machine has calls
//!   of its own to set them against;
//! - or, with `--aws-ip-ranges`, the address is outside AWS while the machine's calls come from
//!   inside (`outside_aws`).
//!
//! `reached_from` adds that someone reached into the machine from that address. The finding names
//! the person behind the latest call that reached the machine before the theft, else the person
//! whose session calls from that address or with those tools (the others are `candidates`).
//!
//! When every call a machine made shares a person's tools (the Stratus Red Team detonation
//! `ec2-steal-instance-credentials`: the stolen credentials are used from the person's address
//! with the person's user agent, and the instance makes no call of its own), the machine has no
//! call of its own in the logs, so no address of its own either: a person's address is enough.
//!
//! People's "own sessions" are those a person holds: attributed to a person (propagated or
//! reconstructable), not obtained through a machine's or a service's session, and not an
//! identity-enhanced role session (`onBehalfOf`), which the application that asked for it holds.
//!
//! What the rule cannot see: a thief on the machine's own network (behind the same NAT gateway,
//! through the same VPC endpoint, on the instance itself) calls from the machine's address; a
//! thief who is no person in these logs, calling from an address nobody else uses, looks like the
//! machine moving unless `--aws-ip-ranges` puts the address outside AWS. A person working on the
//! machine with their own credentials is not reported when the machine called from there before
//! them, or when they reached it from elsewhere within the hour before; when the machine has no
//! call of its own and shares their address and tools, the two cannot be told apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{CandidateCause, Finding, Kind, MAX_CANDIDATES};
use crate::aws_ranges::AwsRanges;
use crate::estate::Reach;
use crate::event::{IdentityKind, Origin};
use crate::identity::{Evidence, HumanId, PrincipalKind, is_identity_center_role};
use crate::link::{Confidence, Graph, Status};
use crate::origins::Place;

/// What kind of machine credentials were delivered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineKind {
    /// An EC2 instance (instance profile).
    Instance,
    /// An ECS task (task role).
    Task,
    /// A Lambda function (execution role).
    Function,
}

impl MachineKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            MachineKind::Instance => "instance",
            MachineKind::Task => "task",
            MachineKind::Function => "function",
        }
    }
}

/// A machine: its kind and id (instance id, task id, function ARN without version or alias).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Machine {
    /// What it is.
    pub kind: MachineKind,
    /// Its id.
    pub id: String,
}

/// Why a place is not the machine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A person's own session calls from that address.
    PersonAddress,
    /// A person's own session calls with those tools (user agent).
    PersonUserAgent,
    /// The address is outside AWS while the machine calls from inside (`--aws-ip-ranges`).
    OutsideAws,
    /// A call that reached into the machine came from that address.
    ReachedFrom,
}

impl Reason {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::PersonAddress => "person_address",
            Reason::PersonUserAgent => "person_user_agent",
            Reason::OutsideAws => "outside_aws",
            Reason::ReachedFrom => "reached_from",
        }
    }

    /// The reason in words, for messages.
    pub fn explain(self) -> &'static str {
        match self {
            Reason::PersonAddress => "a person's own session calls from there",
            Reason::PersonUserAgent => "with a person's tools",
            Reason::OutsideAws => "outside AWS while the machine calls from inside",
            Reason::ReachedFrom => "where the machine was reached from",
        }
    }
}

/// The call that reached into the machine before its credentials were used elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachedBy {
    /// `ssm:SendCommand`, `ssm:StartSession`, `ec2-instance-connect:SendSSHPublicKey`, …
    pub call: String,
    /// Its `eventID`.
    pub event_id: Option<String>,
    /// Its `eventTime`.
    pub time: Option<DateTime<Utc>>,
    /// Its `sourceIPAddress`.
    pub source_address: Option<String>,
    /// The person behind it, as shown.
    pub human: Option<String>,
}

/// What an `exfiltrated_credentials` finding saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exfiltration {
    /// The machine the credentials were delivered to.
    pub machine: Machine,
    /// The address they were used from.
    pub source_address: String,
    /// The user agents of the calls from there, sorted.
    pub user_agents: Vec<String>,
    /// Why that address is not the machine's.
    pub reasons: Vec<Reason>,
    /// The addresses the machine's own calls come from, sorted.
    pub machine_addresses: Vec<String>,
    /// The call that reached the machine, when the logs hold one.
    pub reached_by: Option<ReachedBy>,
    /// Where the first call from that address is recorded.
    pub break_origin: Origin,
}

/// Whether the "outside AWS" test ran: only with `--aws-ip-ranges`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideAwsTest {
    /// No `--aws-ip-ranges`: calls from outside AWS are not told from calls inside.
    #[default]
    Skipped,
    /// Tested against the given ranges.
    Ran,
}

/// How long apart a person's and a machine's use of a place may be and still meet there.
const MEETING: i64 = 24;
/// How long after reaching a machine a person's first calls from a new address are presumed to
/// be made on the machine.
const WORK_ON_MACHINE: i64 = 1;
/// How long after the use of the credentials a reaching call may be logged (clock skew).
const REACH_SKEW: i64 = 2;

/// The machine whose credentials a session holds, if any.
pub(crate) fn machine_of(graph: &Graph, s: usize) -> Option<Machine> {
    let session = &graph.estate.sessions[s];
    if session.kind != IdentityKind::AssumedRole {
        return None;
    }
    // A session whose own events name a person, or that a person's STS call issued, is theirs.
    let status = graph.attribution[s].status;
    if matches!(status, Status::Propagated | Status::Reconstructable) {
        return None;
    }
    if let Some(machine) = session.issued_to.as_deref().and_then(resource_machine) {
        return Some(machine);
    }
    let name = session
        .arn
        .as_deref()
        .and_then(|arn| arn.rsplit_once('/'))
        .map(|(_, name)| name)?;
    let service_linked = session
        .issuer_arn
        .as_deref()
        .is_some_and(|arn| arn.contains(":role/aws-service-role/"));
    // `ec2RoleDelivery`: instance-profile credentials, in a session named after the instance.
    if session.machine && !service_linked {
        return Some(Machine {
            kind: MachineKind::Instance,
            id: name.to_ascii_lowercase(),
        });
    }
    // By its name alone only when a service obtained the credentials (EC2 for an instance, ECS
    // for a task): a person's script may name its own sessions anyhow.
    if matches!(status, Status::Service | Status::Lost) {
        if is_instance_id(name) {
            return Some(Machine {
                kind: MachineKind::Instance,
                id: name.to_ascii_lowercase(),
            });
        }
        if is_task_id(name) {
            return Some(Machine {
                kind: MachineKind::Task,
                id: name.to_owned(),
            });
        }
    }
    None
}

/// The machine an `inScopeOf` resource names: a Lambda function (version or alias dropped), an
/// EC2 instance, an ECS task.
fn resource_machine(resource: &str) -> Option<Machine> {
    let mut parts = resource.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    match service {
        "lambda" => {
            let name = rest.strip_prefix("function:")?.split(':').next()?;
            Some(Machine {
                kind: MachineKind::Function,
                id: format!("arn:{partition}:lambda:{region}:{account}:function:{name}"),
            })
        }
        "ec2" => {
            let id = rest.strip_prefix("instance/")?;
            Some(Machine {
                kind: MachineKind::Instance,
                id: id.to_ascii_lowercase(),
            })
        }
        "ecs" => {
            let id = rest.strip_prefix("task/")?.rsplit('/').next()?;
            Some(Machine {
                kind: MachineKind::Task,
                id: id.to_ascii_lowercase(),
            })
        }
        _ => None,
    }
}

/// `i-` and 8 or 17 hexadecimal digits.
fn is_instance_id(name: &str) -> bool {
    name.strip_prefix("i-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// An ECS task id: 32 lower-case hexadecimal digits.
fn is_task_id(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The person who holds a session's credentials themselves, if any (see the module doc).
fn person_held<'g>(
    graph: &'g Graph,
    s: usize,
    machines: &[Option<Machine>],
) -> Option<&'g HumanId> {
    let holds = |s: usize| {
        machines[s].is_none()
            && matches!(
                graph.attribution[s].status,
                Status::Propagated | Status::Reconstructable
            )
    };
    let a = &graph.attribution[s];
    let human = a
        .human
        .as_ref()
        .filter(|h| h.kind() == PrincipalKind::Person)?;
    if !holds(s) {
        return None;
    }
    let session = &graph.estate.sessions[s];
    // An identity-enhanced role session is held by the application that asked for it (IAM
    // Identity Center user guide, `trustedidentitypropagation-overview`); a permission-set
    // session that carries `onBehalfOf` is the person's own.
    let enhanced = session.kind == IdentityKind::AssumedRole
        && !is_identity_center_role(session.issuer_arn.as_deref())
        && session
            .humans
            .iter()
            .any(|(_, evidence, _)| *evidence == Evidence::OnBehalfOf);
    if enhanced {
        return None;
    }
    // Credentials obtained through a machine's or a service's session are not the person's own.
    let mut cursor = graph.parents[s].as_ref().map(|edge| edge.parent);
    let mut hops = 0;
    while let Some(p) = cursor {
        if !holds(p) {
            return None;
        }
        hops += 1;
        // Only damaged or hostile logs make a cycle.
        if hops > 64 {
            break;
        }
        cursor = graph.parents[p].as_ref().map(|edge| edge.parent);
    }
    Some(human)
}

/// A user agent that says which tools called: not empty, not `AWS Internal` or an AWS service's
/// own name (the console and services calling for a person write those).
fn telling(agent: &str) -> bool {
    !agent.is_empty()
        && agent != "AWS Internal"
        && !agent.starts_with("aws-internal")
        && !agent.ends_with(".amazonaws.com")
}

/// One place of a person's own session.
struct PersonPlace<'g> {
    session: usize,
    human: &'g HumanId,
    place: &'g Place,
}

/// Where people's own sessions call from, by address and by user agent.
struct People<'g> {
    places: Vec<PersonPlace<'g>>,
    by_address: HashMap<&'g str, Vec<usize>>,
    by_agent: HashMap<&'g str, Vec<usize>>,
}

impl<'g> People<'g> {
    fn of(graph: &'g Graph, machines: &[Option<Machine>]) -> People<'g> {
        let mut people = People {
            places: Vec::new(),
            by_address: HashMap::new(),
            by_agent: HashMap::new(),
        };
        for (s, session) in graph.estate.sessions.iter().enumerate() {
            let Some(human) = person_held(graph, s, machines) else {
                continue;
            };
            for place in &session.places.list {
                let i = people.places.len();
                people.places.push(PersonPlace {
                    session: s,
                    human,
                    place,
                });
                people
                    .by_address
                    .entry(place.address.as_str())
                    .or_default()
                    .push(i);
                if telling(&place.user_agent) {
                    people
                        .by_agent
                        .entry(place.user_agent.as_str())
                        .or_default()
                        .push(i);
                }
            }
        }
        people
    }

    /// The first time any person called from `address`, and that place.
    fn first_at(&self, address: &str) -> Option<&PersonPlace<'g>> {
        self.by_address
            .get(address)?
            .iter()
            .map(|&i| &self.places[i])
            .min_by(|a, b| a.place.order().cmp(&b.place.order()))
    }
}

/// Whether two places were in use within [`MEETING`] hours of each other (unknown times meet).
fn meet(a: &Place, b: &Place) -> bool {
    let window = Duration::hours(MEETING);
    match (a.first_time, a.last_time, b.first_time, b.last_time) {
        (Some(a_first), Some(a_last), Some(b_first), Some(b_last)) => {
            a_first <= b_last + window && b_first <= a_last + window
        }
        _ => true,
    }
}

/// One place a machine's credentials were used from, and the people met there.
struct Use<'g> {
    session: usize,
    place: &'g Place,
    /// People's places at the same address, in use around the same time.
    by_address: Vec<usize>,
    /// People's places with the same tools, in use around the same time.
    by_agent: Vec<usize>,
    /// Outside AWS (`--aws-ip-ranges`).
    outside: bool,
}

impl<'g> Use<'g> {
    fn new(
        session: usize,
        place: &'g Place,
        people: &People<'_>,
        ranges: Option<&AwsRanges>,
    ) -> Use<'g> {
        let met = |list: Option<&Vec<usize>>| -> Vec<usize> {
            list.map(|list| {
                list.iter()
                    .copied()
                    .filter(|&i| meet(people.places[i].place, place))
                    .collect()
            })
            .unwrap_or_default()
        };
        let by_agent = if telling(&place.user_agent) {
            met(people.by_agent.get(place.user_agent.as_str()))
        } else {
            Vec::new()
        };
        Use {
            session,
            place,
            by_address: met(people.by_address.get(place.address.as_str())),
            by_agent,
            outside: ranges.is_some_and(|r| r.is_outside(&place.address)),
        }
    }
}

/// Finds every `exfiltrated_credentials` finding (unsorted).
pub(super) fn detect(graph: &Graph, ranges: Option<&AwsRanges>) -> Vec<Finding> {
    let sessions = &graph.estate.sessions;
    let machines: Vec<Option<Machine>> =
        (0..sessions.len()).map(|s| machine_of(graph, s)).collect();
    let mut by_machine: BTreeMap<&Machine, Vec<usize>> = BTreeMap::new();
    for (s, machine) in machines.iter().enumerate() {
        if let Some(machine) = machine {
            by_machine.entry(machine).or_default().push(s);
        }
    }
    if by_machine.is_empty() {
        return Vec::new();
    }
    let people = People::of(graph, &machines);
    // Calls that reached a machine, by machine id; a machine reaching another is no outsider.
    let mut reached: BTreeMap<&str, Vec<&Reach>> = BTreeMap::new();
    for reach in &graph.estate.reaches {
        let from_machine = reach
            .session
            .as_deref()
            .and_then(|key| graph.estate.session(key))
            .is_some_and(|s| machines[s].is_some());
        if from_machine {
            continue;
        }
        for id in &reach.machines {
            reached.entry(id.as_str()).or_default().push(reach);
        }
    }
    let mut findings = Vec::new();
    for (machine, held) in by_machine {
        let reaches = reached
            .get(machine.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let uses: Vec<Use<'_>> = held
            .iter()
            .flat_map(|&s| sessions[s].places.list.iter().map(move |place| (s, place)))
            .map(|(s, place)| Use::new(s, place, &people, ranges))
            .collect();
        findings.extend(machine_findings(
            graph, &people, machine, &uses, reaches, ranges,
        ));
    }
    findings
}

/// The findings of one machine: one per address its credentials were used from away from it.
fn machine_findings(
    graph: &Graph,
    people: &People<'_>,
    machine: &Machine,
    uses: &[Use<'_>],
    reaches: &[&Reach],
    ranges: Option<&AwsRanges>,
) -> Vec<Finding> {
    let any_inside = ranges.is_some() && uses.iter().any(|u| !u.outside);
    // Who called from each address first: the machine, or a person or someone reaching into it.
    let mut machine_first: BTreeMap<&str, (bool, Option<DateTime<Utc>>)> = BTreeMap::new();
    for u in uses {
        let time = (u.place.first_time.is_none(), u.place.first_time);
        machine_first
            .entry(u.place.address.as_str())
            .and_modify(|t| *t = (*t).min(time))
            .or_insert(time);
    }
    let others_first = |address: &str, u: &Use<'_>| -> Option<DateTime<Utc>> {
        let people_first = u
            .by_address
            .iter()
            .filter_map(|&i| people.places[i].place.first_time)
            .min();
        let reach_first = reaches
            .iter()
            .filter(|r| r.address.as_deref() == Some(address))
            .filter_map(|r| r.event.time)
            .min();
        match (people_first, reach_first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    };
    let came_first = |u: &Use<'_>| -> bool {
        let address = u.place.address.as_str();
        let mine = machine_first.get(address).and_then(|t| t.1);
        // Unknown times leave the address to the machine.
        match (mine, others_first(address, u)) {
            (Some(mine), Some(theirs)) => mine <= theirs,
            _ => true,
        }
    };
    let own: Vec<&Use<'_>> = uses
        .iter()
        .filter(|u| u.by_agent.is_empty() && came_first(u) && !(u.outside && any_inside))
        .collect();
    let mut home: BTreeSet<&str> = own.iter().map(|u| u.place.address.as_str()).collect();
    for u in uses {
        let address = u.place.address.as_str();
        if !home.contains(address) && worked_on(graph, people, address, reaches) {
            home.insert(address);
        }
    }
    let reach_addresses: BTreeSet<&str> = reaches
        .iter()
        .filter_map(|r| r.address.as_deref())
        .collect();
    let mut away: BTreeMap<&str, Vec<(&Use<'_>, Vec<Reason>)>> = BTreeMap::new();
    for u in uses {
        let address = u.place.address.as_str();
        if home.contains(address) {
            continue;
        }
        let mut reasons = Vec::new();
        if !u.by_address.is_empty() {
            reasons.push(Reason::PersonAddress);
        }
        if !u.by_agent.is_empty() && !own.is_empty() {
            reasons.push(Reason::PersonUserAgent);
        }
        if u.outside && any_inside {
            reasons.push(Reason::OutsideAws);
        }
        if reasons.is_empty() {
            continue;
        }
        if reach_addresses.contains(address) {
            reasons.push(Reason::ReachedFrom);
        }
        away.entry(address).or_default().push((u, reasons));
    }
    let machine_addresses: Vec<String> = home.iter().map(|a| (*a).to_owned()).collect();
    away.into_iter()
        .filter_map(|(address, hits)| {
            finding(
                graph,
                people,
                machine,
                address,
                &hits,
                reaches,
                &machine_addresses,
            )
        })
        .collect()
}

/// Whether a person who reached the machine from another address then called from `address`
/// for the first time within [`WORK_ON_MACHINE`] hours: they were working on the machine, and
/// the address is the machine's.
fn worked_on(graph: &Graph, people: &People<'_>, address: &str, reaches: &[&Reach]) -> bool {
    let Some(first) = people.first_at(address) else {
        return false;
    };
    let Some(arrived) = first.place.first_time else {
        return false;
    };
    reaches.iter().any(|r| {
        let reacher = r
            .session
            .as_deref()
            .and_then(|key| graph.estate.session(key))
            .and_then(|s| graph.attribution[s].human.as_ref());
        r.address.as_deref() != Some(address)
            && reacher == Some(first.human)
            && r.event.time.is_some_and(|reached| {
                reached <= arrived && arrived <= reached + Duration::hours(WORK_ON_MACHINE)
            })
    })
}

/// How a reaching call ranks for naming the person: from the same address first, then the
/// latest.
fn reach_rank<'r>(
    reach: &'r Reach,
    address: &str,
) -> (bool, Option<DateTime<Utc>>, Option<&'r str>) {
    (
        reach.address.as_deref() == Some(address),
        reach.event.time,
        reach.event.id.as_deref(),
    )
}

/// A person who may have used the credentials, for naming.
struct Suspect<'g> {
    human: &'g HumanId,
    session: usize,
    event_id: Option<String>,
    time: Option<DateTime<Utc>>,
    /// 0: the reaching call's person; 1: same address and tools; 2: same address; 3: same tools.
    rank: u8,
}

/// The finding for the calls made with a machine's credentials from `address`.
fn finding(
    graph: &Graph,
    people: &People<'_>,
    machine: &Machine,
    address: &str,
    hits: &[(&Use<'_>, Vec<Reason>)],
    reaches: &[&Reach],
    machine_addresses: &[String],
) -> Option<Finding> {
    let sessions = &graph.estate.sessions;
    let (first, _) = hits
        .iter()
        .min_by(|a, b| a.0.place.order().cmp(&b.0.place.order()))?;
    let break_time = first.place.first_time;
    let reasons: BTreeSet<Reason> = hits.iter().flat_map(|(_, r)| r.iter().copied()).collect();
    let user_agents: BTreeSet<&str> = hits
        .iter()
        .map(|(u, _)| u.place.user_agent.as_str())
        .filter(|agent| !agent.is_empty())
        .collect();
    let used: BTreeSet<usize> = hits.iter().map(|(u, _)| u.session).collect();
    let events: u64 = used.iter().map(|&s| sessions[s].events).sum();
    let accounts: BTreeSet<&String> = used.iter().flat_map(|&s| &sessions[s].accounts).collect();

    // The call that reached the machine: from this address if one did, else the latest before.
    let skew = Duration::minutes(REACH_SKEW);
    let reach = reaches
        .iter()
        .copied()
        .filter(|r| match (r.event.time, break_time) {
            (Some(reached), Some(used)) => reached <= used + skew,
            _ => true,
        })
        .max_by(|a, b| reach_rank(a, address).cmp(&reach_rank(b, address)));
    let reacher = reach
        .and_then(|r| r.session.as_deref())
        .and_then(|key| graph.estate.session(key));
    let reacher_human = reacher.and_then(|s| graph.attribution[s].human.as_ref());

    // Everyone who may have used them: the reaching call's person, then people met there.
    let mut suspects: Vec<Suspect<'_>> = Vec::new();
    if let (Some(r), Some(s), Some(human)) = (reach, reacher, reacher_human)
        && human.kind() == PrincipalKind::Person
    {
        suspects.push(Suspect {
            human,
            session: s,
            event_id: r.event.id.clone(),
            time: r.event.time,
            rank: 0,
        });
    }
    for (u, _) in hits {
        let met = u
            .by_address
            .iter()
            .map(|&i| {
                let rank = if people.places[i].place.user_agent == u.place.user_agent {
                    1
                } else {
                    2
                };
                (i, rank)
            })
            .chain(u.by_agent.iter().map(|&i| (i, 3)));
        for (i, rank) in met {
            let p = &people.places[i];
            suspects.push(Suspect {
                human: p.human,
                session: p.session,
                event_id: p.place.first_id.clone(),
                time: p.place.first_time,
                rank,
            });
        }
    }
    let distance = |time: Option<DateTime<Utc>>| match (time, break_time) {
        (Some(t), Some(b)) => (b - t).num_seconds().abs(),
        _ => i64::MAX,
    };
    suspects.sort_by(|a, b| {
        (a.rank, distance(a.time), a.session, &a.event_id).cmp(&(
            b.rank,
            distance(b.time),
            b.session,
            &b.event_id,
        ))
    });
    let mut seen: BTreeSet<&HumanId> = BTreeSet::new();
    suspects.retain(|s| seen.insert(s.human));
    let chosen = suspects.first();

    let link = match chosen {
        Some(c) if c.rank == 0 && reach.is_some_and(|r| r.address.as_deref() == Some(address)) => {
            Some(Confidence::Exact)
        }
        Some(c) if c.rank > 0 && suspects.len() > 1 => Some(Confidence::Ambiguous),
        Some(_) => Some(Confidence::Inferred),
        None => None,
    };
    let candidates: Vec<CandidateCause> = if suspects.len() > 1 {
        suspects
            .iter()
            .take(MAX_CANDIDATES)
            .map(|s| CandidateCause {
                human: Some(graph.display(s.human)),
                event_id: s.event_id.clone(),
                seconds_before: match (s.time, break_time) {
                    (Some(t), Some(b)) => (b - t).num_seconds(),
                    _ => 0,
                },
            })
            .collect()
    } else {
        Vec::new()
    };
    let root = chosen.and_then(|c| graph.attribution[c.session].chain_root);
    let chain_id = root.and_then(|root| {
        graph
            .chains
            .iter()
            .find(|chain| chain.root == root)
            .map(|chain| chain.id.clone())
    });
    let session = &sessions[first.session];
    let exfiltration = Exfiltration {
        machine: machine.clone(),
        source_address: address.to_owned(),
        user_agents: user_agents.into_iter().map(str::to_owned).collect(),
        reasons: reasons.into_iter().collect(),
        machine_addresses: machine_addresses.to_vec(),
        reached_by: reach.map(|r| ReachedBy {
            call: format!(
                "{}:{}",
                r.event.source.split('.').next().unwrap_or_default(),
                r.event.name
            ),
            event_id: r.event.id.clone(),
            time: r.event.time,
            source_address: r.address.clone(),
            human: reacher_human.map(|h| graph.display(h)),
        }),
        break_origin: first.place.first_origin,
    };
    Some(Finding {
        kind: Kind::ExfiltratedCredentials,
        severity: Kind::ExfiltratedCredentials.severity(),
        human: chosen.map(|c| graph.display(c.human)),
        evidence: root.and_then(|root| graph.attribution[root].evidence),
        chain_id,
        session: first.session,
        break_event_id: first.place.first_id.clone(),
        break_time,
        service: first.place.first_source.clone(),
        role_arn: session.issuer_arn.clone(),
        link,
        events_after_break: events,
        accounts: accounts.into_iter().cloned().collect(),
        break_file: None,
        candidates_total: if candidates.is_empty() {
            0
        } else {
            suspects.len() as u64
        },
        candidates,
        principal_kind: chosen.map(|_| PrincipalKind::Person),
        missing_trigger: None,
        access_key: None,
        created_by: None,
        exfiltration: Some(Box::new(exfiltration)),
    })
}

/// Machine sessions whose calls were checked (for the summary).
pub(super) fn machine_sessions(graph: &Graph) -> u64 {
    (0..graph.estate.sessions.len())
        .filter(|&s| graph.estate.sessions[s].events > 0 && machine_of(graph, s).is_some())
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_ids_from_resources_and_names() {
        let function = "arn:aws:lambda:us-east-1:111122223333:function:invoice-export";
        assert_eq!(
            resource_machine(&format!("{function}:$LATEST")),
            Some(Machine {
                kind: MachineKind::Function,
                id: function.to_owned()
            })
        );
        let instance = "arn:aws:ec2:us-east-1:111122223333:instance/i-0A4C6E8F0B2D4F6A8";
        assert_eq!(
            resource_machine(instance),
            Some(Machine {
                kind: MachineKind::Instance,
                id: "i-0a4c6e8f0b2d4f6a8".to_owned()
            })
        );
        let task = "arn:aws:ecs:us-east-1:111122223333:task/etl/3d9c1f7a2b8e4c6d9a0f1e2d3c4b5a69";
        assert_eq!(
            resource_machine(task),
            Some(Machine {
                kind: MachineKind::Task,
                id: "3d9c1f7a2b8e4c6d9a0f1e2d3c4b5a69".to_owned()
            })
        );
        assert_eq!(resource_machine("arn:aws:s3:::bucket/key"), None);
        assert!(is_instance_id("i-786a3A8B5C0d92eF4"));
        assert!(is_instance_id("i-0abc1234"));
        assert!(!is_instance_id("i-alice"));
        assert!(is_task_id("3d9c1f7a2b8e4c6d9a0f1e2d3c4b5a69"));
        assert!(!is_task_id("3d9c1f7a-2b8e-4c6d-9a0f-1e2d3c4b5a69"));
    }

    #[test]
    fn console_and_service_agents_say_nothing_about_tools() {
        assert!(!telling(""));
        assert!(!telling("AWS Internal"));
        assert!(!telling("console.ec2.amazonaws.com"));
        assert!(!telling("aws-internal/3 aws-sdk-java/1.12.772"));
        assert!(telling(
            "aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/macos#24"
        ));
    }
}

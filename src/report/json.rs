//! `--format json`: the `tip-audit/scan/v1` document (spec §6, docs/json-schema.md).
//!
//! Field names and meanings are stable; adding fields is allowed, renaming is a new schema.

use std::io::Write;

use serde::Serialize;

use super::{FileNote, Provenance, Report, Summary};
use crate::findings::{Finding, SharedRole};

/// The schema name written in every document.
pub const SCHEMA: &str = "tip-audit/scan/v1";

#[derive(Serialize)]
struct Document<'r> {
    schema: &'static str,
    provenance: &'r Provenance,
    summary: &'r Summary,
    findings: Vec<FindingOut<'r>>,
    shared_roles: Vec<SharedRoleOut<'r>>,
    skipped: &'r [FileNote],
}

#[derive(Serialize)]
struct FindingOut<'r> {
    kind: &'static str,
    severity: &'static str,
    human: Option<&'r str>,
    evidence: Option<&'static str>,
    chain_id: Option<&'r str>,
    break_event_id: Option<&'r str>,
    break_time: Option<String>,
    service: &'r str,
    role_arn: Option<&'r str>,
    link: Option<&'static str>,
    events_after_break: u64,
    accounts: &'r [String],
    fingerprint: String,
    break_file: Option<&'r str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    candidates: Vec<CandidateOut<'r>>,
    #[serde(skip_serializing_if = "is_zero")]
    candidates_total: u64,
    principal_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing_trigger: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key_id: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<CreatedByOut<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    machine: Option<MachineOut<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_address: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agents: Option<&'r [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasons: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    machine_addresses: Option<&'r [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reached_by: Option<ReachedByOut<'r>>,
}

/// `exfiltrated_credentials`: the machine the credentials were delivered to.
#[derive(Serialize)]
struct MachineOut<'r> {
    kind: &'static str,
    id: &'r str,
}

/// `exfiltrated_credentials`: the call that reached into the machine.
#[derive(Serialize)]
struct ReachedByOut<'r> {
    call: &'r str,
    event_id: Option<&'r str>,
    time: Option<String>,
    source_address: Option<&'r str>,
    human: Option<&'r str>,
}

#[derive(Serialize)]
struct CreatedByOut<'r> {
    principal: &'r str,
    event_id: Option<&'r str>,
}

#[derive(Serialize)]
struct CandidateOut<'r> {
    human: Option<&'r str>,
    event_id: Option<&'r str>,
    seconds_before: i64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl<'r> From<&'r Finding> for FindingOut<'r> {
    fn from(f: &'r Finding) -> Self {
        let x = f.exfiltration.as_deref();
        FindingOut {
            kind: f.kind.as_str(),
            severity: f.severity.as_str(),
            human: f.human.as_deref(),
            evidence: f.evidence.map(|e| e.as_str()),
            chain_id: f.chain_id.as_deref(),
            break_event_id: f.break_event_id.as_deref(),
            break_time: f
                .break_time
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            service: &f.service,
            role_arn: f.role_arn.as_deref(),
            link: f.link.map(|l| l.as_str()),
            events_after_break: f.events_after_break,
            accounts: &f.accounts,
            fingerprint: f.fingerprint(),
            break_file: f.break_file.as_deref(),
            candidates: f
                .candidates
                .iter()
                .map(|c| CandidateOut {
                    human: c.human.as_deref(),
                    event_id: c.event_id.as_deref(),
                    seconds_before: c.seconds_before,
                })
                .collect(),
            candidates_total: f.candidates_total,
            principal_kind: f.principal_kind.map(|k| k.as_str()),
            missing_trigger: f.missing_trigger.as_deref(),
            access_key_id: f.access_key.as_deref(),
            created_by: f.created_by.as_ref().map(|c| CreatedByOut {
                principal: &c.principal,
                event_id: c.event_id.as_deref(),
            }),
            machine: x.map(|x| MachineOut {
                kind: x.machine.kind.as_str(),
                id: &x.machine.id,
            }),
            source_address: x.map(|x| x.source_address.as_str()),
            user_agents: x.map(|x| x.user_agents.as_slice()),
            reasons: x.map(|x| x.reasons.iter().map(|r| r.as_str()).collect()),
            machine_addresses: x.map(|x| x.machine_addresses.as_slice()),
            reached_by: x.and_then(|x| x.reached_by.as_ref()).map(|r| ReachedByOut {
                call: &r.call,
                event_id: r.event_id.as_deref(),
                time: r.time.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                source_address: r.source_address.as_deref(),
                human: r.human.as_deref(),
            }),
        }
    }
}

#[derive(Serialize)]
struct SharedRoleOut<'r> {
    role_arn: &'r str,
    /// The worst status of its sessions in people's chains: `lost` when it acted for someone
    /// without naming them, `propagated` when every session carried its person.
    status: &'static str,
    humans: u64,
    chains: u64,
    events: u64,
    services: &'r [String],
}

/// Writes the document, pretty-printed, with a trailing newline.
pub(super) fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let document = Document {
        schema: SCHEMA,
        provenance: &report.provenance,
        summary: &report.summary,
        findings: report.findings.iter().map(FindingOut::from).collect(),
        shared_roles: report
            .shared_roles
            .iter()
            .map(|r: &SharedRole| SharedRoleOut {
                role_arn: &r.role_arn,
                status: r.status.as_str(),
                humans: r.humans,
                chains: r.chains,
                events: r.events,
                services: &r.services,
            })
            .collect(),
        skipped: &report.files,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

/// `--format jsonl`: one finding per line, in the same shape as the JSON document's findings.
pub(super) fn write_lines(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for finding in &report.findings {
        serde_json::to_writer(&mut *out, &FindingOut::from(finding))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

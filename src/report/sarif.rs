//! `--format sarif`: SARIF 2.1.0 for code-scanning tools. One rule per finding kind, one result
//! per finding, located at the log file and event of the break, with a fingerprint that stays
//! the same across runs (kind, person, role, service) so findings are de-duplicated.

use std::io::Write;

use serde_json::{Value, json};

use super::{FileStatus, Report};
use crate::findings::{Finding, Kind, Severity};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn help(kind: Kind) -> &'static str {
    match kind {
        Kind::IdentityLost => {
            "A service acted under a role of its own in a person's request chain, so CloudTrail no longer names the person after the break. Use identity-enhanced sessions (trusted identity propagation, `onBehalfOf`) or a per-user role with `sts:SetSourceIdentity`; or accept the role in tip-audit.toml."
        }
        Kind::LineageOnly => {
            "Role chaining without `sourceIdentity` or `onBehalfOf`: the person can be recovered only by joining the STS calls that issued each key. Require `sts:SetSourceIdentity` on the roles in the chain."
        }
        Kind::UnattributedSession => {
            "A role session whose issuing call is not in the logs and whose events name no person. Scan the issuing account's and earlier days' logs together, or find who holds the role."
        }
        Kind::LongLivedKey => {
            "A chain rooted in an IAM user's long-term access key (AKIA…). Prefer temporary credentials from IAM Identity Center or a role."
        }
    }
}

fn rule(kind: Kind) -> Value {
    let name: String = kind
        .as_str()
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect();
    json!({
        "id": kind.rule_id(),
        "name": name,
        "shortDescription": {"text": kind.as_str()},
        "fullDescription": {"text": kind.summary()},
        "help": {"text": help(kind), "markdown": help(kind)},
        "defaultConfiguration": {"level": level(kind.severity())},
        "properties": {"tags": ["security", "cloudtrail", "identity"]}
    })
}

/// A path as a SARIF artifact URI (relative, forward slashes, percent-encoded where needed).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn result(f: &Finding) -> Value {
    let who = f.human.as_deref().unwrap_or("nobody the logs name");
    let role = f.role_arn.as_deref().unwrap_or("-");
    let message = match f.kind {
        Kind::IdentityLost => format!(
            "{who}'s request chain continued under {role} ({}, link {}): {} events after the break name nobody",
            f.service,
            f.link.map_or("-", |l| l.as_str()),
            f.events_after_break
        ),
        Kind::LineageOnly => format!(
            "{who} is named only through STS lineage in {role} ({} events)",
            f.events_after_break
        ),
        Kind::UnattributedSession => format!(
            "role session of {role} with no origin in the logs ({} events)",
            f.events_after_break
        ),
        Kind::LongLivedKey => format!(
            "chain of {who} rooted in a long-term access key ({} events)",
            f.events_after_break
        ),
    };
    let mut location = json!({
        "logicalLocations": [{
            "name": f.break_event_id.as_deref().unwrap_or("-"),
            "fullyQualifiedName": format!("{}/{}", f.chain_id.as_deref().unwrap_or("-"), f.break_event_id.as_deref().unwrap_or("-")),
            "kind": "event"
        }]
    });
    if let Some(file) = f.break_file.as_deref() {
        location["physicalLocation"] = json!({"artifactLocation": {"uri": uri(file)}});
    }
    json!({
        "ruleId": f.kind.rule_id(),
        "ruleIndex": Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0),
        "level": level(f.severity),
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"tipAudit/v1": f.fingerprint()},
        "properties": {
            "human": f.human, "evidence": f.evidence.map(|e| e.as_str()), "chainId": f.chain_id,
            "breakEventId": f.break_event_id,
            "breakTime": f.break_time.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            "service": f.service, "roleArn": f.role_arn, "link": f.link.map(|l| l.as_str()),
            "eventsAfterBreak": f.events_after_break, "accounts": f.accounts
        }
    })
}

/// Writes the SARIF log.
pub(super) fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let notifications: Vec<Value> = report
        .files
        .iter()
        .map(|f| {
            let level = match f.status {
                FileStatus::Failed | FileStatus::Incomplete => "error",
                FileStatus::Repaired => "warning",
                FileStatus::Skipped => "note",
            };
            json!({
                "level": level,
                "message": {"text": format!("{}: {}", f.path, f.reason)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&f.path)}}}]
            })
        })
        .collect();
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tip-audit",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/tip-audit/tip-audit",
                "rules": Kind::ALL.iter().map(|k| rule(*k)).collect::<Vec<_>>()
            }},
            "invocations": [{
                "executionSuccessful": !report.is_incomplete(),
                "toolExecutionNotifications": notifications
            }],
            "results": report.findings.iter().map(result).collect::<Vec<_>>(),
            "properties": {"summary": report.summary}
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

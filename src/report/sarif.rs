//! `--format sarif`: SARIF 2.1.0 for code-scanning tools. One rule per finding kind, one result
//! per finding, located at the log file and event of the break, with a fingerprint that stays
//! the same across runs (kind, person, role, service) so findings are de-duplicated. The run's
//! provenance is in `tool.driver` (name, version) and its one invocation (the command line as
//! given, and the inputs, filters and policy file of the JSON document's `provenance`).

use std::io::Write;

use serde_json::{Value, json};

use super::provenance::TOOL;
use super::{FileStatus, Report};
use crate::findings::{Finding, Kind, Severity};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
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
        "help": {"text": kind.rule().help, "markdown": kind.rule().help},
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
    let message = (f.kind.rule().message)(f);
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
    // The provenance: the tool in `driver`, the command line as given and the inputs, filters
    // and policy file (the JSON document's `provenance`) in the invocation.
    let provenance = &report.provenance;
    let arguments: Vec<&str> = std::iter::once(TOOL)
        .chain(provenance.arguments.iter().map(String::as_str))
        .collect();
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": provenance.tool.name,
                "version": provenance.tool.version,
                "informationUri": "https://github.com/tip-audit/tip-audit",
                "rules": Kind::ALL.iter().map(|k| rule(*k)).collect::<Vec<_>>()
            }},
            "invocations": [{
                "executionSuccessful": !report.is_incomplete(),
                "commandLine": provenance.command_line(),
                "arguments": arguments,
                "toolExecutionNotifications": notifications,
                "properties": {
                    "inputs": provenance.inputs,
                    "filters": provenance.filters,
                    "policy": provenance.policy
                }
            }],
            "results": report.findings.iter().map(result).collect::<Vec<_>>(),
            "properties": {"summary": report.summary}
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

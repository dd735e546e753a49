//! Baselines: accept today's findings, fail only on new ones.
//!
//! A baseline is a list of finding fingerprints (kind, person, role, service; see
//! [`Finding::fingerprint`]). `--write-baseline FILE` writes one; `--baseline FILE` reads one, or
//! a previous `--format json` report, and leaves out of the report every finding it lists.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::findings::Finding;

/// The schema name of a baseline file.
pub const SCHEMA: &str = "tip-audit/baseline/v1";

/// One accepted finding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The fingerprint.
    pub fingerprint: String,
    /// For people reading the file: what it was.
    #[serde(default)]
    pub kind: Option<String>,
    /// The person.
    #[serde(default)]
    pub human: Option<String>,
    /// The role.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// The service.
    #[serde(default)]
    pub service: Option<String>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    fingerprints: Vec<Entry>,
    #[serde(default)]
    findings: Vec<Entry>,
}

#[derive(Serialize)]
struct Written<'e> {
    schema: &'static str,
    fingerprints: &'e [Entry],
}

/// The fingerprints accepted.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// Reads a baseline file or a previous `scan --format json` report.
    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let file: File = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not a baseline or a tip-audit JSON report",
                path.display()
            )
        })?;
        let known = matches!(
            file.schema.as_deref(),
            Some(SCHEMA) | Some("tip-audit/scan/v1")
        );
        if !known {
            bail!(
                "{}: not a baseline or a tip-audit JSON report (schema {:?})",
                path.display(),
                file.schema
            );
        }
        Ok(Baseline {
            fingerprints: file
                .fingerprints
                .into_iter()
                .chain(file.findings)
                .map(|e| e.fingerprint)
                .collect(),
        })
    }

    /// Leaves out the findings the baseline lists; returns how many.
    pub fn filter(&self, findings: &mut Vec<Finding>) -> u64 {
        let before = findings.len();
        findings.retain(|f| !self.fingerprints.contains(&f.fingerprint()));
        (before - findings.len()) as u64
    }
}

/// Writes a baseline accepting `findings`.
pub fn write(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            fingerprint: f.fingerprint(),
            kind: Some(f.kind.as_str().to_owned()),
            human: f.human.clone(),
            role_arn: f.role_arn.clone(),
            service: Some(f.service.clone()),
        })
        .collect();
    entries.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let text = serde_json::to_string_pretty(&Written {
        schema: SCHEMA,
        fingerprints: &entries,
    })?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

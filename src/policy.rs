//! The policy file, `tip-audit.toml`: what a team has accepted (allowlists), how severe each
//! finding kind is for them, extra trigger rules, and the defaults of `--link-window` and
//! `--fail-on`. Silenced findings are counted in the report, never dropped without a trace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::findings::{Finding, Kind, Severity, SharedRole};
use crate::identity::role_name;
use crate::link::Confidence;
use crate::triggers::Trigger;

/// The file looked for in the current directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "tip-audit.toml";

/// A parsed policy file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Default for `--fail-on`.
    pub fail_on: Option<SeverityOrNever>,
    /// Default for `--link-window` (e.g. `"15m"`).
    pub link_window: Option<String>,
    /// Default for `--link-skew` (e.g. `"2m"`).
    pub link_skew: Option<String>,
    /// Findings whose link is weaker than this do not fail the gate (`"exact"`, `"inferred"`);
    /// they are still reported, and the summary counts them.
    pub min_link: Option<Confidence>,
    /// What is accepted.
    #[serde(default)]
    pub allow: Allow,
    /// Severity per finding kind.
    #[serde(default)]
    pub severity: SeverityOverrides,
    /// Extra trigger rules, added to the built-in table.
    #[serde(default)]
    pub trigger: Vec<Trigger>,
}

/// `fail_on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeverityOrNever {
    /// Any finding.
    Low,
    /// Medium or high.
    Medium,
    /// High.
    High,
    /// Never.
    Never,
}

impl SeverityOrNever {
    /// As a threshold.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            SeverityOrNever::Low => Some(Severity::Low),
            SeverityOrNever::Medium => Some(Severity::Medium),
            SeverityOrNever::High => Some(Severity::High),
            SeverityOrNever::Never => None,
        }
    }
}

/// `[allow]`: findings matching any list are silenced.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    /// Role ARNs or role names (a finding's role; a shared role).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Service principals (a finding's service; a shared role assumed only by these).
    #[serde(default)]
    pub services: Vec<String>,
    /// Accounts (a finding all of whose accounts are listed).
    #[serde(default)]
    pub accounts: Vec<String>,
    /// People, as shown in findings (user name, ARN, source identity).
    #[serde(default)]
    pub humans: Vec<String>,
    /// Finding kinds.
    #[serde(default)]
    pub kinds: Vec<Kind>,
}

/// `[severity]`: a severity per finding kind, keyed by the kind's name.
pub type SeverityOverrides = BTreeMap<Kind, Severity>;

/// Where the policy in force was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    /// The path: as given to `--config`, or `tip-audit.toml`.
    pub path: PathBuf,
    /// The SHA-256 of its bytes, in lower-case hex.
    pub sha256: String,
    /// Whether it was picked up from the current directory (no `--config`): the commands say
    /// so on standard error, since nobody named it.
    pub found: bool,
}

/// What a policy silenced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Silenced {
    /// Findings silenced.
    pub findings: u64,
    /// Shared roles silenced.
    pub shared_roles: u64,
}

impl Policy {
    /// Reads `--config FILE`, or `./tip-audit.toml` when present, or nothing; with the policy,
    /// where it came from and the SHA-256 of its bytes (for the report's provenance).
    pub fn find(explicit: Option<&Path>) -> anyhow::Result<(Policy, Option<PolicyFile>)> {
        use sha2::{Digest as _, Sha256};
        let (path, found) = match explicit {
            Some(path) => (path.to_owned(), false),
            None if Path::new(DEFAULT_FILE).is_file() => (PathBuf::from(DEFAULT_FILE), true),
            None => return Ok((Policy::default(), None)),
        };
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let text = String::from_utf8(bytes)
            .with_context(|| format!("cannot read {}: not UTF-8", path.display()))?;
        let policy = Policy::parse(&text)
            .with_context(|| format!("{} is not a valid policy", path.display()))?;
        Ok((
            policy,
            Some(PolicyFile {
                path,
                sha256,
                found,
            }),
        ))
    }

    /// Parses a policy; an unknown key is an error naming the key and its line.
    pub fn parse(text: &str) -> anyhow::Result<Policy> {
        Ok(toml::from_str(text)?)
    }

    /// Applies severity overrides, then silences what the allowlists accept.
    pub fn apply(
        &self,
        findings: &mut Vec<Finding>,
        shared_roles: &mut Vec<SharedRole>,
    ) -> Silenced {
        for finding in findings.iter_mut() {
            if let Some(&severity) = self.severity.get(&finding.kind) {
                finding.severity = severity;
            }
        }
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let before = (findings.len(), shared_roles.len());
        findings.retain(|f| !self.allows(f));
        shared_roles.retain(|r| {
            let role_allowed = self.allow.roles.iter().any(|a| same_role(a, &r.role_arn));
            let services_allowed = !r.services.is_empty()
                && r.services.iter().all(|s| self.allow.services.contains(s));
            !role_allowed && !services_allowed
        });
        Silenced {
            findings: (before.0 - findings.len()) as u64,
            shared_roles: (before.1 - shared_roles.len()) as u64,
        }
    }

    fn allows(&self, f: &Finding) -> bool {
        let allow = &self.allow;
        allow.kinds.contains(&f.kind)
            || f.role_arn
                .as_deref()
                .is_some_and(|role| allow.roles.iter().any(|a| same_role(a, role)))
            || allow.services.contains(&f.service)
            || (!f.accounts.is_empty() && f.accounts.iter().all(|a| allow.accounts.contains(a)))
            || f.human
                .as_deref()
                .is_some_and(|h| allow.humans.iter().any(|a| a == h))
    }
}

/// An allowlist entry names a role by ARN or by name.
fn same_role(allowed: &str, role_arn: &str) -> bool {
    allowed == role_arn || (!allowed.contains(':') && allowed == role_name(role_arn))
}

/// The commented default written by `tip-audit init`.
pub const TEMPLATE: &str = r#"# tip-audit policy. Found in the current directory, or given with --config FILE.
# Every key is optional; an unknown key is an error.

# Exit with status 1 when a finding at or above this severity remains: "high", "medium", "low"
# or "never". The --fail-on flag wins over this.
# fail_on = "high"

# How long after a person's trigger call (StartJobRun, ExecuteStatement, ...) a service's role
# assumption is linked to it. The --link-window flag wins over this.
# link_window = "15m"

# How long after the session it caused an asynchronous trigger may be logged (clock skew between
# services). Synchronous calls get the allowance the trigger table gives them. --link-skew wins.
# link_skew = "2m"

# By default every finding at or above fail_on fails the gate, however its person was linked.
# "inferred" excuses ambiguous links (several people could have caused the break); "exact" also
# excuses links made by timing alone. Excused findings are still reported and counted.
# min_link = "inferred"

# What your team has accepted. A finding is silenced when any list matches it; the report counts
# silenced findings and shared roles.
[allow]
# Role ARNs, or role names (any account).
roles = []
# Service principals, e.g. "glue.amazonaws.com".
services = []
# Accounts: a finding whose events are all in these accounts.
accounts = []
# People, as the report names them (user name, IAM user ARN, source identity).
humans = []
# Finding kinds: "identity_lost", "lineage_only", "unattributed_session", "long_lived_key",
# "exfiltrated_credentials".
kinds = []

# Severity per finding kind: "high", "medium" or "low".
[severity]
# identity_lost = "high"
# lineage_only = "medium"
# unattributed_session = "low"
# long_lived_key = "medium"
# exfiltrated_credentials = "high"

# Extra trigger rules: after this call, these service principals assume roles on the caller's
# behalf. Added to the built-in table (Glue, Redshift Data, Athena, QuickSight, ...).
# [[trigger]]
# event_source = "batch.amazonaws.com"
# event_names = ["SubmitJob"]
# principals = ["ecs-tasks.amazonaws.com"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_and_is_empty() {
        let policy = Policy::parse(TEMPLATE).expect("the template is valid");
        assert!(
            policy.allow.roles.is_empty() && policy.trigger.is_empty() && policy.fail_on.is_none()
        );
    }

    #[test]
    fn unknown_keys_name_the_key_and_the_line() {
        let error =
            Policy::parse("fail_on = \"high\"\n[allow]\nrole = [\"x\"]\n").expect_err("typo");
        let text = format!("{error:#}");
        assert!(text.contains("unknown field `role`"), "{text}");
        assert!(text.contains("line 3"), "{text}");
    }

    #[test]
    fn stolen_machine_credentials_are_named_like_any_kind() {
        let policy = Policy::parse(
            "[allow]\nkinds = [\"exfiltrated_credentials\"]\n\n[severity]\nexfiltrated_credentials = \"medium\"\n",
        )
        .expect("a valid policy");
        assert_eq!(policy.allow.kinds, vec![Kind::ExfiltratedCredentials]);
        assert_eq!(
            policy.severity.get(&Kind::ExfiltratedCredentials),
            Some(&Severity::Medium)
        );
    }

    #[test]
    fn roles_are_allowed_by_arn_or_name() {
        assert!(same_role(
            "RedshiftSharedServiceRole",
            "arn:aws:iam::444455556666:role/service-role/RedshiftSharedServiceRole"
        ));
        assert!(!same_role(
            "arn:aws:iam::111122223333:role/X",
            "arn:aws:iam::444455556666:role/X"
        ));
    }
}

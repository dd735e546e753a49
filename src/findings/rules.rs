//! The finding kinds as one table: per kind its report name, SARIF rule id, default severity,
//! the sentence that explains it, the remedy, and how one finding of it reads in a message.
//! A new kind is one entry here plus its detection in [`super::detect`].

use super::{Finding, Kind, Severity};

/// Everything a report says about one finding kind.
#[derive(Debug)]
pub struct Rule {
    /// The kind.
    pub kind: Kind,
    /// The name used in reports and in the policy file.
    pub name: &'static str,
    /// The stable SARIF `ruleId`.
    pub id: &'static str,
    /// The default severity (spec §4); the policy file can override it.
    pub severity: Severity,
    /// One sentence a user can read as the rule's explanation.
    pub summary: &'static str,
    /// What to do about it.
    pub help: &'static str,
    /// One finding, in a sentence.
    pub message: fn(&Finding) -> String,
}

/// Every kind, in report order (the order of [`Kind`]).
pub const RULES: [Rule; 5] = [
    Rule {
        kind: Kind::IdentityLost,
        name: "identity_lost",
        id: "TIP001",
        severity: Severity::High,
        summary: "a person's request chain continued under a service's own role: the events after the break no longer name them",
        help: "A service acted under a role of its own in a person's request chain, so CloudTrail no longer names the person after the break. Use identity-enhanced sessions (trusted identity propagation, `onBehalfOf`) or a per-user role with `sts:SetSourceIdentity`; or accept the role in tip-audit.toml.",
        message: |f| {
            format!(
                "{}'s request chain continued under {} ({}, link {}): {} events after the break name nobody",
                who(f),
                role(f),
                f.service,
                f.link.map_or("-", |l| l.as_str()),
                f.events_after_break
            )
        },
    },
    Rule {
        kind: Kind::LineageOnly,
        name: "lineage_only",
        id: "TIP002",
        severity: Severity::Medium,
        summary: "a role session names its person only through the STS call that issued its key (no sourceIdentity, no onBehalfOf)",
        help: "Role chaining without `sourceIdentity` or `onBehalfOf`: the person can be recovered only by joining the STS calls that issued each key. Require `sts:SetSourceIdentity` on the roles in the chain.",
        message: |f| {
            format!(
                "{} is named only through STS lineage in {} ({} events)",
                who(f),
                role(f),
                f.events_after_break
            )
        },
    },
    Rule {
        kind: Kind::UnattributedSession,
        name: "unattributed_session",
        id: "TIP003",
        severity: Severity::Low,
        summary: "a role session whose origin is not in the logs and whose events name no person",
        help: "A role session whose issuing call is not in the logs and whose events name no person. Scan the issuing account's and earlier days' logs together, or find who holds the role.",
        message: |f| match f.missing_trigger.as_deref() {
            Some(call) => format!(
                "role session of {} held by a service whose starting call ({call}) is not in the logs ({} events)",
                role(f),
                f.events_after_break
            ),
            None => format!(
                "role session of {} with no origin in the logs ({} events)",
                role(f),
                f.events_after_break
            ),
        },
    },
    Rule {
        kind: Kind::LongLivedKey,
        name: "long_lived_key",
        id: "TIP004",
        severity: Severity::Medium,
        summary: "a chain rooted in an IAM user's long-term access key (AKIA…)",
        help: "A chain rooted in an IAM user's long-term access key (AKIA…). Prefer temporary credentials from IAM Identity Center or a role.",
        message: |f| {
            format!(
                "chain of {} rooted in a long-term access key ({} events)",
                who(f),
                f.events_after_break
            )
        },
    },
    Rule {
        kind: Kind::ExfiltratedCredentials,
        name: "exfiltrated_credentials",
        id: "TIP005",
        severity: Severity::High,
        summary: "a machine's credentials (EC2 instance profile, ECS task, Lambda function) used away from the machine: from a person's address or tools, or from outside AWS while the machine calls from inside",
        help: "Credentials AWS delivered to a machine (an EC2 instance profile, an ECS task role, a Lambda function's role) were used from an address the machine's own calls never use: a person's address or tools, or outside AWS while the machine calls from inside (`--aws-ip-ranges`). Someone read them off the machine (instance metadata, the task's credential endpoint, the function's environment) and used them elsewhere. Revoke the role's sessions issued before now (IAM \"Revoke active sessions\"), require IMDSv2 with a hop limit of 1, and review what the named person did with them. Blind spot: a thief on the machine's own network (the same NAT gateway or VPC endpoint, or the instance itself) calls from the machine's address and is not seen.",
        message: |f| match f.exfiltration.as_deref() {
            Some(x) => format!(
                "credentials of {} {} ({}) used from {}: {}{}",
                x.machine.kind.as_str(),
                x.machine.id,
                role(f),
                x.source_address,
                x.reasons
                    .iter()
                    .map(|r| r.explain())
                    .collect::<Vec<_>>()
                    .join("; "),
                match &x.reached_by {
                    Some(reach) => format!(
                        " (after {}'s {})",
                        reach.human.as_deref().unwrap_or("someone"),
                        reach.call
                    ),
                    None => String::new(),
                }
            ),
            None => format!(
                "machine credentials of {} used away from the machine ({} events)",
                role(f),
                f.events_after_break
            ),
        },
    },
];

fn who(f: &Finding) -> &str {
    f.human.as_deref().unwrap_or("nobody the logs name")
}

fn role(f: &Finding) -> &str {
    f.role_arn.as_deref().unwrap_or("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_kind_order_with_unique_names_and_ids() {
        for (i, rule) in RULES.iter().enumerate() {
            assert_eq!(rule.kind as usize, i, "{} out of order", rule.name);
            assert_eq!(Kind::ALL[i], rule.kind);
        }
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn kind_names_round_trip_through_serde() {
        for rule in &RULES {
            let parsed: Kind = serde_json::from_value(serde_json::json!(rule.name)).unwrap();
            assert_eq!(parsed, rule.kind);
        }
    }
}

//! What one event's `userIdentity` says about credentials and people.
//!
//! Owns the identity rules of the spec (§2): which set of credentials an event used (its session
//! key), which person an event names by itself (a product provider's `invokedByDelegate`,
//! `onBehalfOf`, `sourceIdentity`, a person principal, forwarded), and which sessions belong to
//! AWS services. Looks at one event only; joining events is `link`'s business.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::{Actor, Event, IdentityKind};

/// A person, by the best key the logs give.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HumanId {
    /// An IAM Identity Center user id (`onBehalfOf.userId`), the immutable key.
    IdentityCenter(String),
    /// A name: a source identity, an Identity Center or SAML user name, a web identity subject.
    Name(String),
    /// A principal ARN: an IAM user, a root user, a federated user.
    Principal(String),
    /// Not a person: a workload's web identity (a GitHub Actions or EKS subject, a Cognito
    /// identity), named by its subject.
    Workload(String),
    /// Not the customer's person: a product provider acting with temporary delegated access
    /// (`userIdentity.invokedByDelegate`), named by its account as `delegate:<account id>`.
    Delegate(String),
}

/// What kind of principal a chain starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// A person.
    Person,
    /// A workload acting with a web identity of its own.
    Workload,
    /// An AWS service.
    Service,
    /// A product provider's account acting with temporary delegated access
    /// (`invokedByDelegate`): a third party, not the customer's person.
    Delegate,
}

impl PrincipalKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Person => "person",
            PrincipalKind::Workload => "workload",
            PrincipalKind::Service => "service",
            PrincipalKind::Delegate => "delegate",
        }
    }
}

impl HumanId {
    /// The key as written in reports when no friendlier name is known.
    pub fn key(&self) -> &str {
        match self {
            HumanId::IdentityCenter(id)
            | HumanId::Name(id)
            | HumanId::Principal(id)
            | HumanId::Workload(id)
            | HumanId::Delegate(id) => id,
        }
    }

    /// A person, a workload, or a product provider acting with delegated access.
    pub fn kind(&self) -> PrincipalKind {
        match self {
            HumanId::Workload(_) => PrincipalKind::Workload,
            HumanId::Delegate(_) => PrincipalKind::Delegate,
            _ => PrincipalKind::Person,
        }
    }

    /// The product provider whose account is `account` (`invokedByDelegate.accountId`).
    pub fn delegate(account: &str) -> HumanId {
        HumanId::Delegate(format!("delegate:{account}"))
    }
}

impl fmt::Display for HumanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How an event was tied to a person (spec §2), best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// `userIdentity.invokedByDelegate`: a product provider acted with temporary delegated
    /// access. It names who acted, whatever else the event names, so it comes first.
    Delegate,
    /// `userIdentity.onBehalfOf`: Identity Center trusted identity propagation.
    OnBehalfOf,
    /// `sessionContext.sourceIdentity`, which survives role chaining.
    SourceIdentity,
    /// The principal is itself a person.
    Principal,
    /// A service forwarded the person's own credentials (`invokedBy`, forward access session).
    Forwarded,
    /// Only by joining the STS call that issued the key: reconstructable, not visible.
    Lineage,
}

impl Evidence {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Delegate => "delegate",
            Evidence::OnBehalfOf => "on_behalf_of",
            Evidence::SourceIdentity => "source_identity",
            Evidence::Principal => "principal",
            Evidence::Forwarded => "forwarded",
            Evidence::Lineage => "lineage",
        }
    }
}

/// What an event says about who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acting {
    /// An AWS service with no credentials of a customer's (`AWSService`, or a bare `invokedBy`).
    Service(String),
    /// The owner-side copy of a cross-account call: only the caller's account and principal id.
    OtherAccount,
    /// A set of credentials, by session key.
    Session(String),
    /// Nothing to key a session on (anonymous, or `userIdentity` missing).
    Nobody,
}

/// Classifies the caller of `event` and, for a session, writes its key.
///
/// A session is one set of credentials: the access key together with the session issuer and
/// `creationDate`, since temporary key ids have been seen to repeat (spec §3); without a key,
/// the principal plus creation date. A call a service made for the caller (`invokedBy`) under a
/// key of its own gets that key's session here; one event cannot tell whose request it served,
/// so the estate joins that session to the caller's by principal and `creationDate`
/// ([`crate::estate::Estate::adopt_forwarded`]).
///
/// A product provider's calls with temporary delegated access (`invokedByDelegate`) are a
/// session of their own, keyed with the provider's account too: whatever credentials they name,
/// they are never counted in, nor attributed with, a session of the customer's.
pub fn acting(event: &Event<'_>) -> Acting {
    match (credentials(event), event.actor.delegate.as_deref()) {
        (Acting::Session(mut key), Some(delegate)) => {
            key.push_str("|delegate ");
            key.push_str(delegate);
            Acting::Session(key)
        }
        (acting, _) => acting,
    }
}

/// What [`acting`] says before a delegate is taken into account.
fn credentials(event: &Event<'_>) -> Acting {
    let actor = &event.actor;
    let kind = actor.kind.clone().unwrap_or(IdentityKind::Missing);
    match kind {
        IdentityKind::AwsService => {
            return Acting::Service(
                actor
                    .invoked_by
                    .as_deref()
                    .unwrap_or("AWS Internal")
                    .to_owned(),
            );
        }
        IdentityKind::Missing if actor.access_key.is_none() && actor.arn.is_none() => {
            return match actor.invoked_by.as_deref() {
                Some(service) => Acting::Service(service.to_owned()),
                None => Acting::Nobody,
            };
        }
        IdentityKind::AwsAccount => return Acting::OtherAccount,
        _ => {}
    }
    let issuer = actor
        .issuer_arn
        .as_deref()
        .or(actor.arn.as_deref())
        .unwrap_or("");
    let created = actor.creation_date.as_deref().unwrap_or("");
    if let Some(key) = actor.access_key.as_deref() {
        // A long-term key is one credential for its whole life; some of its events carry
        // session attributes (MFA context) that must not split it.
        if key.starts_with("AKIA") {
            return Acting::Session(session_key([key, issuer, ""]));
        }
        return Acting::Session(session_key([key, issuer, created]));
    }
    match kind {
        // A federation call carries no credentials: each one is its own act.
        IdentityKind::SamlUser | IdentityKind::WebIdentityUser => {
            let who = actor
                .principal_id
                .as_deref()
                .or(actor.user_name.as_deref())
                .unwrap_or("");
            let id = event.id.as_deref().unwrap_or("");
            Acting::Session(session_key([kind.as_str(), who, id]))
        }
        IdentityKind::IdentityCenterUser | IdentityKind::Unknown
            if actor.credential_id.is_some() =>
        {
            let who = actor
                .on_behalf_of
                .as_ref()
                .map(|o| o.user_id.as_ref())
                .or(actor.user_name.as_deref())
                .unwrap_or("");
            let credential = actor.credential_id.as_deref().unwrap_or("");
            Acting::Session(session_key(["idc", who, credential]))
        }
        _ => {
            let who = actor
                .arn
                .as_deref()
                .or(actor.principal_id.as_deref())
                .or(actor.user_name.as_deref())
                .or(actor.on_behalf_of.as_ref().map(|o| o.user_id.as_ref()));
            let Some(who) = who else {
                return Acting::Nobody;
            };
            // A person's console events with neither key nor creationDate: each ConsoleLogin
            // starts a sign-in of its own, and the other events are kept by the minute until
            // the estate hands them to the sign-in before them (`Estate::adopt_sign_ins`).
            match (sign_in_part(actor, event), event.time) {
                (Some(SignInPart::Login), Some(time)) => {
                    let login = format!("login {}", time.format("%Y-%m-%dT%H:%M:%SZ"));
                    Acting::Session(session_key([kind.as_str(), who, &login]))
                }
                (Some(SignInPart::Console), Some(time)) => {
                    let minute = format!("minute {}", time.format("%Y-%m-%dT%H:%M"));
                    Acting::Session(session_key([kind.as_str(), who, &minute]))
                }
                _ => Acting::Session(session_key([kind.as_str(), who, created])),
            }
        }
    }
}

/// What a person's event with neither access key nor `creationDate` is to their sign-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInPart {
    /// A `ConsoleLogin`: it starts a sign-in.
    Login,
    /// Another such event: it belongs to the sign-in before it.
    Console,
}

/// Whether an event of a root or IAM user carries neither key nor `creationDate`, and if so
/// whether it is a sign-in.
pub fn sign_in_part(actor: &Actor<'_>, event: &Event<'_>) -> Option<SignInPart> {
    let person = matches!(actor.kind, Some(IdentityKind::Root | IdentityKind::IamUser));
    if !person || actor.access_key.is_some() || actor.creation_date.is_some() || actor.assumed_root
    {
        return None;
    }
    Some(if event.name == "ConsoleLogin" {
        SignInPart::Login
    } else {
        SignInPart::Console
    })
}

/// `a|b|c`, built in one allocation: a key is made for every event.
fn session_key(parts: [&str; 3]) -> String {
    let mut key = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push('|');
        }
        key.push_str(part);
    }
    key
}

/// The person an event names by itself, if any, with the evidence (spec §2, first four kinds).
/// A call a product provider made with delegated access (`invokedByDelegate`) names the
/// provider, never the customer's person, whatever else it carries.
pub fn visible_human(actor: &Actor<'_>) -> Option<(HumanId, Evidence)> {
    if let Some(account) = actor.delegate.as_deref() {
        return Some((HumanId::delegate(account), Evidence::Delegate));
    }
    if let Some(obo) = &actor.on_behalf_of {
        return Some((
            HumanId::IdentityCenter(obo.user_id.to_string()),
            Evidence::OnBehalfOf,
        ));
    }
    if let Some(source) = actor.source_identity.as_deref()
        && lake_formation_role(source).is_none()
    {
        return Some((HumanId::Name(source.to_owned()), Evidence::SourceIdentity));
    }
    let person = person_principal(actor)?;
    let forwarded = actor.invoked_by.is_some();
    Some((
        person,
        if forwarded {
            Evidence::Forwarded
        } else {
            Evidence::Principal
        },
    ))
}

/// A principal that is itself a person: IAM user, root, Identity Center user (also the pre-2025
/// `Unknown` type), SAML and web identity users, federated users, and `AWSReservedSSO_*` role
/// sessions, whose session name is the Identity Center user name (IdC user guide,
/// `sso-info-in-cloudtrail`).
fn person_principal(actor: &Actor<'_>) -> Option<HumanId> {
    let kind = actor.kind.as_ref()?;
    let name = || {
        actor
            .user_name
            .as_deref()
            .map(|n| HumanId::Name(n.to_owned()))
    };
    let arn = || {
        actor
            .arn
            .as_deref()
            .or(actor.principal_id.as_deref())
            .map(|a| HumanId::Principal(a.to_owned()))
    };
    match kind {
        // An AssumeRoot session names the member account's root, not the person who asked for
        // it: that person is found through the `AssumeRoot` call (IAM user guide,
        // `cloudtrail-track-privileged-tasks`).
        IdentityKind::Root if actor.assumed_root => None,
        IdentityKind::IamUser | IdentityKind::Root | IdentityKind::FederatedUser => arn(),
        IdentityKind::WebIdentityUser if is_workload_identity(actor) => actor
            .user_name
            .as_deref()
            .or(actor.principal_id.as_deref())
            .map(|n| HumanId::Workload(n.to_owned())),
        IdentityKind::IdentityCenterUser
        | IdentityKind::Unknown
        | IdentityKind::SamlUser
        | IdentityKind::WebIdentityUser
        | IdentityKind::Directory => name(),
        IdentityKind::AssumedRole if is_identity_center_role(actor.issuer_arn.as_deref()) => actor
            .arn
            .as_deref()
            .and_then(|arn| arn.rsplit_once('/'))
            .map(|(_, session)| HumanId::Name(session.to_owned())),
        _ => None,
    }
}

/// Web identity providers and subjects that belong to workloads, not people: GitHub Actions
/// (`token.actions.githubusercontent.com`, subjects `repo:…`), EKS service accounts
/// (`oidc.eks.<region>.amazonaws.com`, `system:serviceaccount:…`), Cognito identity pools, and
/// IAM Roles Anywhere (IAM user guide, `id_roles_providers_oidc`; CloudTrail user guide,
/// `cloudtrail-event-reference-user-identity`).
const WORKLOAD_MARKS: [&str; 6] = [
    "token.actions.githubusercontent.com",
    "oidc.eks.",
    "cognito-identity.amazonaws.com",
    "rolesanywhere.amazonaws.com",
    "repo:",
    "system:serviceaccount:",
];

/// Whether a web identity user is a workload (see [`WORKLOAD_MARKS`]).
fn is_workload_identity(actor: &Actor<'_>) -> bool {
    [
        actor.identity_provider.as_deref(),
        actor.principal_id.as_deref(),
        actor.user_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|text| {
        WORKLOAD_MARKS
            .iter()
            .any(|mark| text.starts_with(mark) || text.contains(&format!("/{mark}")))
    })
}

/// Identity Center permission-set roles live under `aws-reserved/sso.amazonaws.com/` and are
/// named `AWSReservedSSO_<PermissionSet>_<hex>`.
pub fn is_identity_center_role(issuer_arn: Option<&str>) -> bool {
    issuer_arn.is_some_and(|arn| {
        arn.contains("/aws-reserved/sso.amazonaws.com/")
            || role_name(arn).starts_with("AWSReservedSSO_")
    })
}

/// The permission set an Identity Center role is for: the role is named
/// `AWSReservedSSO_<permission set>_<16 hex>` (IdC user guide, `referencingpermissionsets`), and
/// a permission set name may itself hold `_`.
pub fn permission_set(role_arn: &str) -> Option<&str> {
    let rest = role_name(role_arn).strip_prefix("AWSReservedSSO_")?;
    let (set, suffix) = rest.rsplit_once('_')?;
    (!set.is_empty() && !suffix.is_empty()).then_some(set)
}

/// The role name at the end of a role or assumed-role ARN.
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Lake Formation's `V2.<account>.<AROA…>` source identity names the originating *role*, not a
/// person (Lake Formation developer guide, `logging-using-cloudtrail`): its unique role id.
pub fn lake_formation_role(source_identity: &str) -> Option<&str> {
    let rest = source_identity.strip_prefix("V2.")?;
    let (account, role_id) = rest.split_once('.')?;
    (account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && role_id.starts_with("AROA"))
    .then_some(role_id)
}

/// Sessions that belong to an AWS service by their nature: credentials issued to a resource
/// (`inScopeOf`), and [machine sessions](is_machine_session).
pub fn is_service_session(actor: &Actor<'_>) -> bool {
    actor.in_scope_of.is_some() || is_machine_session(actor)
}

/// Service-linked roles (`/aws-service-role/`) and EC2 instance-profile sessions
/// (`ec2RoleDelivery`): services refresh them on their own schedule, so a person's trigger
/// never explains them.
pub fn is_machine_session(actor: &Actor<'_>) -> bool {
    actor.ec2_instance
        || actor
            .issuer_arn
            .as_deref()
            .is_some_and(|arn| arn.contains(":role/aws-service-role/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn role_session(issuer: &str, arn: &str) -> Actor<'static> {
        Actor {
            kind: Some(IdentityKind::AssumedRole),
            arn: Some(Cow::Owned(arn.to_owned())),
            issuer_arn: Some(Cow::Owned(issuer.to_owned())),
            access_key: Some(Cow::Borrowed("ASIAQEXAMPLEALICE001")),
            ..Actor::default()
        }
    }

    #[test]
    fn identity_center_session_name_is_the_person() {
        let actor = role_session(
            "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataAnalyst_0123456789abcdef",
            "arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_DataAnalyst_0123456789abcdef/alice@example.com",
        );
        assert_eq!(
            visible_human(&actor),
            Some((
                HumanId::Name("alice@example.com".into()),
                Evidence::Principal
            ))
        );
    }

    #[test]
    fn a_permission_set_is_read_from_its_role_name() {
        assert_eq!(
            permission_set(
                "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataAnalyst_0123456789abcdef"
            ),
            Some("DataAnalyst")
        );
        assert_eq!(
            permission_set(
                "arn:aws:iam::444455556666:role/AWSReservedSSO_Billing_Read_Only_fedcba9876543210"
            ),
            Some("Billing_Read_Only")
        );
        assert_eq!(
            permission_set("arn:aws:iam::444455556666:role/DataAnalyst"),
            None
        );
    }

    #[test]
    fn a_plain_role_session_names_nobody() {
        let actor = role_session(
            "arn:aws:iam::444455556666:role/service-role/RedshiftSharedServiceRole",
            "arn:aws:sts::444455556666:assumed-role/RedshiftSharedServiceRole/RedshiftIamRoleSession",
        );
        assert_eq!(visible_human(&actor), None);
    }

    #[test]
    fn lake_formation_source_identity_is_a_role_not_a_person() {
        let mut actor = role_session("arn:aws:iam::444455556666:role/LFRegistrationRole", "x/y");
        actor.source_identity = Some(Cow::Borrowed("V2.444455556666.AROAQEXAMPLEATHENA01"));
        assert_eq!(visible_human(&actor), None);
        assert_eq!(
            lake_formation_role("V2.444455556666.AROAQEXAMPLEATHENA01"),
            Some("AROAQEXAMPLEATHENA01")
        );
        actor.source_identity = Some(Cow::Borrowed("grace@example.com"));
        assert_eq!(
            visible_human(&actor),
            Some((
                HumanId::Name("grace@example.com".into()),
                Evidence::SourceIdentity
            ))
        );
    }

    #[test]
    fn unknown_type_is_read_like_identity_center_user() {
        let actor = Actor {
            kind: Some(IdentityKind::Unknown),
            user_name: Some(Cow::Borrowed("alice")),
            ..Actor::default()
        };
        assert_eq!(
            visible_human(&actor),
            Some((HumanId::Name("alice".into()), Evidence::Principal))
        );
    }

    #[test]
    fn a_delegate_is_named_before_anything_else_the_event_carries() {
        let mut actor = role_session(
            "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataAnalyst_0123456789abcdef",
            "arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_DataAnalyst_0123456789abcdef/alice@example.com",
        );
        actor.delegate = Some(Cow::Borrowed("999988887777"));
        assert_eq!(
            visible_human(&actor),
            Some((
                HumanId::Delegate("delegate:999988887777".into()),
                Evidence::Delegate
            ))
        );
        assert_eq!(
            HumanId::delegate("999988887777").kind(),
            PrincipalKind::Delegate
        );
        assert!(!is_service_session(&actor));
    }

    #[test]
    fn forwarded_credentials_keep_the_person() {
        let mut actor = role_session(
            "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataAnalyst_0123456789abcdef",
            "arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_DataAnalyst_0123456789abcdef/alice@example.com",
        );
        actor.invoked_by = Some(Cow::Borrowed("s3.amazonaws.com"));
        assert_eq!(
            visible_human(&actor).map(|(_, evidence)| evidence),
            Some(Evidence::Forwarded)
        );
        assert!(!is_service_session(&actor));
    }
}

//! The normalized event: what every later stage knows about one CloudTrail record.
//!
//! An [`Event`] borrows its strings from the decoded buffer; stages that keep something past
//! the file being read turn it into owned data themselves. Nothing here knows JSON field names.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::triggers::TokenFields;

/// `userIdentity.type`, with the values CloudTrail documents and room for ones it adds later.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IdentityKind {
    /// Account root credentials, also `AssumeRoot` sessions.
    Root,
    /// An IAM user (long-term key, console, or `GetSessionToken` session).
    IamUser,
    /// An STS role session.
    AssumedRole,
    /// The rarely seen persistent role identity.
    Role,
    /// A `GetFederationToken` session.
    FederatedUser,
    /// The caller of `AssumeRoleWithSAML`.
    SamlUser,
    /// The caller of `AssumeRoleWithWebIdentity`.
    WebIdentityUser,
    /// Another account (the owner-side copy of a cross-account call).
    AwsAccount,
    /// An AWS service principal.
    AwsService,
    /// Directory services users.
    Directory,
    /// An IAM Identity Center user (token-based calls).
    IdentityCenterUser,
    /// `Unknown`: before July 2025, every Identity Center user event.
    Unknown,
    /// `userIdentity` without a `type` (some service events).
    Missing,
    /// A type this version of tip-audit does not know.
    Other(String),
}

impl IdentityKind {
    /// Reads `userIdentity.type`.
    pub fn parse(value: Option<&str>) -> IdentityKind {
        match value {
            None => IdentityKind::Missing,
            Some("Root") => IdentityKind::Root,
            Some("IAMUser") => IdentityKind::IamUser,
            Some("AssumedRole") => IdentityKind::AssumedRole,
            Some("Role") => IdentityKind::Role,
            Some("FederatedUser") => IdentityKind::FederatedUser,
            Some("SAMLUser") => IdentityKind::SamlUser,
            Some("WebIdentityUser") => IdentityKind::WebIdentityUser,
            Some("AWSAccount") => IdentityKind::AwsAccount,
            Some("AWSService") => IdentityKind::AwsService,
            Some("Directory") => IdentityKind::Directory,
            Some("IdentityCenterUser") => IdentityKind::IdentityCenterUser,
            Some("Unknown") => IdentityKind::Unknown,
            Some(other) => IdentityKind::Other(other.to_owned()),
        }
    }

    /// The name CloudTrail uses.
    pub fn as_str(&self) -> &str {
        match self {
            IdentityKind::Root => "Root",
            IdentityKind::IamUser => "IAMUser",
            IdentityKind::AssumedRole => "AssumedRole",
            IdentityKind::Role => "Role",
            IdentityKind::FederatedUser => "FederatedUser",
            IdentityKind::SamlUser => "SAMLUser",
            IdentityKind::WebIdentityUser => "WebIdentityUser",
            IdentityKind::AwsAccount => "AWSAccount",
            IdentityKind::AwsService => "AWSService",
            IdentityKind::Directory => "Directory",
            IdentityKind::IdentityCenterUser => "IdentityCenterUser",
            IdentityKind::Unknown => "Unknown",
            IdentityKind::Missing => "",
            IdentityKind::Other(name) => name,
        }
    }
}

/// An Identity Center user carried by `userIdentity.onBehalfOf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnBehalfOf<'a> {
    /// The immutable Identity Center user id.
    pub user_id: Cow<'a, str>,
    /// The identity store the id belongs to.
    pub identity_store_arn: Option<Cow<'a, str>>,
}

/// `userIdentity.inScopeOf`: the resource a service issued credentials to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InScopeOf<'a> {
    /// `credentialsIssuedTo`, e.g. a Lambda function ARN.
    pub issued_to: Option<Cow<'a, str>>,
    /// `sourceArn`, the resource behind a service-to-service request.
    pub source_arn: Option<Cow<'a, str>>,
}

/// Who made the call, as `userIdentity` says.
#[derive(Debug, Clone, Default)]
pub struct Actor<'a> {
    /// `userIdentity.type`.
    pub kind: Option<IdentityKind>,
    /// `principalId`.
    pub principal_id: Option<Cow<'a, str>>,
    /// `arn` (for role sessions, the `assumed-role` ARN without the role path).
    pub arn: Option<Cow<'a, str>>,
    /// `accountId`.
    pub account_id: Option<Cow<'a, str>>,
    /// The key that signed the request.
    pub access_key: Option<Cow<'a, str>>,
    /// `userName`.
    pub user_name: Option<Cow<'a, str>>,
    /// `identityProvider` of a web identity or SAML user.
    pub identity_provider: Option<Cow<'a, str>>,
    /// `invokedBy`: a service acting for the caller, or acting itself.
    pub invoked_by: Option<Cow<'a, str>>,
    /// `credentialId` of Identity Center bearer-token calls.
    pub credential_id: Option<Cow<'a, str>>,
    /// `sessionContext.sessionIssuer.arn`: the role ARN with its path, or the issuing user.
    pub issuer_arn: Option<Cow<'a, str>>,
    /// `sessionContext.sessionIssuer.principalId` (`AROA…` for roles).
    pub issuer_principal_id: Option<Cow<'a, str>>,
    /// `sessionContext.attributes.creationDate`, as written.
    pub creation_date: Option<Cow<'a, str>>,
    /// `sessionContext.sourceIdentity`.
    pub source_identity: Option<Cow<'a, str>>,
    /// The session was delivered to an EC2 instance (`sessionContext.ec2RoleDelivery`).
    pub ec2_instance: bool,
    /// A root session obtained with `sts:AssumeRoot` by a principal of the management account
    /// (`sessionContext.assumedRoot`).
    pub assumed_root: bool,
    /// `onBehalfOf`.
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
    /// `inScopeOf`.
    pub in_scope_of: Option<InScopeOf<'a>>,
    /// `invokedByDelegate.accountId`: a product provider's account acting on the customer's
    /// behalf with temporary delegated access (CloudTrail user guide,
    /// `cloudtrail-event-reference-user-identity`).
    pub delegate: Option<Cow<'a, str>>,
}

/// Credentials an event issued (`responseElements.credentials`).
#[derive(Debug, Clone)]
pub struct Issued<'a> {
    /// The new session's access key id.
    pub access_key: Cow<'a, str>,
    /// The role the credentials are for, when the call names one.
    pub role_arn: Option<Cow<'a, str>>,
    /// The session name asked for (`requestParameters.roleSessionName`).
    pub session_name: Option<Cow<'a, str>>,
    /// The source identity set on (or inherited by) the new session.
    pub source_identity: Option<Cow<'a, str>>,
    /// The request carried identity-center context (`providedContexts`): an identity-enhanced session.
    pub identity_enhanced: bool,
    /// When the credentials expire (`responseElements.credentials.expiration`).
    pub expires: Option<DateTime<Utc>>,
}

/// An Identity Center token issued to the caller for a user (`sso-oauth:CreateTokenWithIAM`,
/// `additionalEventData`): the user's bearer-token calls carry its credential id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant<'a> {
    /// `identitycenter:CredentialId`, the `credentialId` of the calls made with the token.
    pub credential_id: Cow<'a, str>,
    /// `identitystore:UserId`, the user the token is for.
    pub user_id: Option<Cow<'a, str>>,
}

/// What an Identity Center portal call asks role credentials for (`sso:GetRoleCredentials`):
/// Identity Center then calls `AssumeRoleWithSAML` on the permission set's role in the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalRole<'a> {
    /// The account.
    pub account: Cow<'a, str>,
    /// The permission set name (the role is `AWSReservedSSO_<permission set>_<hex>`).
    pub permission_set: Cow<'a, str>,
}

/// Where a record came from, for evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Index of the source file in the discovered list.
    pub file: u32,
    /// Position of the record in that file (0-based).
    pub record: u32,
}

/// One CloudTrail event, normalized.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// `eventID`.
    pub id: Option<Cow<'a, str>>,
    /// `eventTime`.
    pub time: Option<DateTime<Utc>>,
    /// `eventSource`, e.g. `sts.amazonaws.com`.
    pub source: Cow<'a, str>,
    /// `eventName`.
    pub name: Cow<'a, str>,
    /// `awsRegion`.
    pub region: Option<Cow<'a, str>>,
    /// `recipientAccountId`: the account that received this copy.
    pub account: Option<Cow<'a, str>>,
    /// `errorCode`.
    pub error_code: Option<Cow<'a, str>>,
    /// `sharedEventID`: the same value on every account's copy of one call.
    pub shared_event_id: Option<Cow<'a, str>>,
    /// `sourceIPAddress`: the caller's address, or an AWS service's name when a service called.
    pub source_address: Option<Cow<'a, str>>,
    /// `userAgent`: the tools that made the call.
    pub user_agent: Option<Cow<'a, str>>,
    /// The caller.
    pub actor: Actor<'a>,
    /// Credentials this call issued.
    pub issued: Option<Issued<'a>>,
    /// An Identity Center token this call obtained for a user.
    pub token_grant: Option<TokenGrant<'a>>,
    /// The role credentials this Identity Center portal call asked for.
    pub portal_role: Option<PortalRole<'a>>,
    /// IAM role ARNs named in the request (a role handed to a service), for `passed_role` edges.
    pub passed_roles: Vec<String>,
    /// Resources the call acted on (Lambda function names, `resources[].ARN`), for `scoped` edges.
    pub targets: Vec<String>,
    /// Machines a call reached into (`ssm:SendCommand`, `ssm:StartSession`, EC2 Instance
    /// Connect, ECS Exec): instance and task ids, lower case.
    pub reaches: Vec<String>,
    /// The parts of the record where correlation tokens are written (read only for triggers).
    pub token_fields: TokenFields<'a>,
    /// Where the record is.
    pub origin: Origin,
}

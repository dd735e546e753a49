//! `RawEvent → Event`: time parsing, identity fields, credentials issued, roles handed over.
//!
//! Pure functions over one record: no I/O, no look at any other event. Decides only what a
//! record *says*; what it *means* for a chain is `link`'s business.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::decode::raw::{
    RawEvent, RawInvokeRequest, RawIssuedResponse, RawIssuingRequest, RawReachRequest, RawResource,
    RawRoleTarget, RawTokenGrant,
};
use crate::event::{
    Actor, Event, IdentityKind, InScopeOf, Issued, OnBehalfOf, Origin, PortalRole, TokenGrant,
};
use crate::triggers::TokenFields;

/// Why a record is not turned into an [`Event`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    thiserror::Error,
    Serialize,
    Deserialize,
)]
pub enum Rejection {
    /// A CloudTrail Insights record (`insightDetails`): statistics, no caller.
    #[error("CloudTrail Insights record (no caller identity)")]
    Insight,
    /// Not a CloudTrail API event at all (no `eventSource`/`eventName`, e.g. an S3 event notification).
    #[error("not a CloudTrail event (no eventSource/eventName)")]
    NotCloudTrail,
}

/// Turns one raw record into an [`Event`].
pub(crate) fn event<'a>(raw: RawEvent<'a>, origin: Origin) -> Result<Event<'a>, Rejection> {
    if raw.insight_details.is_some() {
        return Err(Rejection::Insight);
    }
    let (Some(source), Some(name)) = (raw.event_source.into_cow(), raw.event_name.into_cow())
    else {
        return Err(Rejection::NotCloudTrail);
    };
    // CloudTrail event sources are service endpoints; S3 event notifications (which also use
    // a "Records" envelope) say "aws:s3".
    if !source.ends_with(".amazonaws.com") && !source.ends_with(".amazonaws.com.cn") {
        return Err(Rejection::NotCloudTrail);
    }
    let region = raw.aws_region.into_cow();
    let account = raw.recipient_account_id.into_cow();
    let actor = raw.user_identity.0.map(actor).unwrap_or_default();
    let issued = raw
        .response_elements
        .and_then(|response| issued(response, raw.request_parameters));
    // A failed call obtained nothing.
    let succeeded = raw.error_code.get().is_none();
    let token_grant = raw
        .additional_event_data
        .filter(|_| succeeded)
        .and_then(token_grant);
    let portal_role = if succeeded && source == "sso.amazonaws.com" && asks_role_credentials(&name)
    {
        portal_role(raw.service_event_details, raw.request_parameters)
    } else {
        None
    };
    let token_fields = TokenFields {
        request: raw.request_parameters,
        response: raw.response_elements,
        additional: raw.additional_event_data,
    };
    // An STS call names the role it assumes; it does not hand a role to a service.
    let passed_roles = if issued.is_none() && source != "sts.amazonaws.com" {
        raw.request_parameters.map(passed_roles).unwrap_or_default()
    } else {
        Vec::new()
    };
    let targets = targets(
        &source,
        &name,
        region.as_deref(),
        account.as_deref(),
        raw.request_parameters,
        raw.resources,
    );
    let reaches = reaches(&source, &name, raw.request_parameters);
    Ok(Event {
        id: raw.event_id.into_cow(),
        time: raw.event_time.get().and_then(parse_time),
        source,
        name,
        region,
        account,
        error_code: raw.error_code.into_cow(),
        shared_event_id: raw.shared_event_id.into_cow(),
        source_address: raw.source_ip_address.into_cow(),
        user_agent: raw.user_agent.into_cow(),
        actor,
        issued,
        token_grant,
        portal_role,
        passed_roles,
        targets,
        reaches,
        token_fields,
        origin,
    })
}

fn actor(raw: crate::decode::raw::RawUserIdentity<'_>) -> Actor<'_> {
    let context = raw.session_context.0.unwrap_or_default();
    let issuer = context.session_issuer.0.unwrap_or_default();
    let attributes = context.attributes.0.unwrap_or_default();
    let on_behalf_of = raw.on_behalf_of.0.and_then(|obo| {
        obo.user_id.into_cow().map(|user_id| OnBehalfOf {
            user_id,
            identity_store_arn: obo.identity_store_arn.into_cow(),
        })
    });
    let in_scope_of = raw.in_scope_of.0.and_then(|scope| {
        let issued_to = scope.credentials_issued_to.into_cow();
        let source_arn = scope.source_arn.into_cow();
        (issued_to.is_some() || source_arn.is_some()).then_some(InScopeOf {
            issued_to,
            source_arn,
        })
    });
    Actor {
        kind: Some(IdentityKind::parse(raw.kind.get())),
        principal_id: raw.principal_id.into_cow(),
        arn: raw.arn.into_cow(),
        account_id: raw.account_id.into_cow(),
        access_key: raw.access_key_id.into_cow(),
        user_name: raw.user_name.into_cow(),
        identity_provider: raw.identity_provider.into_cow(),
        invoked_by: raw.invoked_by.into_cow(),
        credential_id: raw.credential_id.into_cow(),
        issuer_arn: issuer.arn.into_cow(),
        issuer_principal_id: issuer.principal_id.into_cow(),
        creation_date: attributes.creation_date.into_cow(),
        source_identity: context.source_identity.into_cow(),
        ec2_instance: context.ec2_role_delivery.get().is_some(),
        assumed_root: context.assumed_root.get() == Some("true"),
        on_behalf_of,
        in_scope_of,
        delegate: raw
            .invoked_by_delegate
            .0
            .and_then(|delegate| delegate.account_id.into_cow()),
    }
}

/// Credentials issued by the call, read from `responseElements.credentials` whatever the API:
/// the STS `AssumeRole*` family, `GetSessionToken`, `GetFederationToken`, `AssumeRoot`, and
/// console `GetSigninToken` (IAM user guide, `cloudtrail-integration`).
fn issued<'a>(response: &'a RawValue, request: Option<&'a RawValue>) -> Option<Issued<'a>> {
    if !response.get().contains("accessKeyId") {
        return None;
    }
    let response: RawIssuedResponse<'a> = serde_json::from_str(response.get()).ok()?;
    // STS calls return `credentials`; IAM `CreateAccessKey` returns the new key as `accessKey`.
    let credentials = response.credentials.0.or(response.access_key.0)?;
    let expires = credentials.expiration.get().and_then(parse_expiration);
    let access_key = credentials.access_key_id.into_cow()?;
    let request: RawIssuingRequest<'a> = request
        .and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or_default();
    let source_identity = response
        .source_identity
        .into_cow()
        .or_else(|| request.source_identity.into_cow());
    Some(Issued {
        access_key,
        role_arn: request.role_arn.into_cow(),
        session_name: request.role_session_name.into_cow(),
        source_identity,
        identity_enhanced: request.provided_contexts.is_some(),
        expires,
    })
}

/// The Identity Center token a call obtained for a user: `additionalEventData` of
/// `sso-oauth:CreateTokenWithIAM` names the user (`identitystore:UserId`) and the credential id
/// (`identitycenter:CredentialId`) that the user's bearer-token calls then carry as
/// `userIdentity.credentialId` (IdC user guide, `sso-info-in-cloudtrail`).
fn token_grant(additional: &RawValue) -> Option<TokenGrant<'_>> {
    if !RawTokenGrant::may_be_in(additional.get()) {
        return None;
    }
    let grant: RawTokenGrant<'_> = serde_json::from_str(additional.get()).ok()?;
    Some(TokenGrant {
        credential_id: grant.credential_id.into_cow()?,
        user_id: grant.user_id.into_cow(),
    })
}

/// Identity Center access-portal calls that hand out role credentials: `GetRoleCredentials`
/// (CLI and SDK access) and `Federate` (console access), each followed by Identity Center's
/// `AssumeRoleWithSAML` into the account (IdC user guide, `logging-using-cloudtrail`).
fn asks_role_credentials(name: &str) -> bool {
    matches!(name, "GetRoleCredentials" | "Federate")
}

/// The account and permission set a portal call asks for, from `serviceEventDetails` (where
/// 2025 and later events put them, with `requestParameters: null`) or `requestParameters`.
fn portal_role<'a>(
    details: Option<&'a RawValue>,
    request: Option<&'a RawValue>,
) -> Option<PortalRole<'a>> {
    [details, request].into_iter().flatten().find_map(|raw| {
        let target: RawRoleTarget<'a> = serde_json::from_str(raw.get()).ok()?;
        Some(PortalRole {
            account: target.account_id.into_cow()?,
            permission_set: target.role_name.into_cow()?,
        })
    })
}

/// `credentials.expiration`: CloudTrail writes `Jul 10, 2023, 6:35:22 PM` (UTC) for most STS
/// calls, RFC 3339 in some exports.
fn parse_expiration(text: &str) -> Option<DateTime<Utc>> {
    parse_time(text).or_else(|| {
        chrono::NaiveDateTime::parse_from_str(text, "%b %d, %Y, %I:%M:%S %p")
            .ok()
            .map(|naive| naive.and_utc())
    })
}

/// IAM role ARNs a request hands to a service (`roleArn`, `RoleArn`, `ExecutionRoleArn`,
/// Glue's `Role`, …): any string value under a key that mentions "role" and looks like a role ARN.
fn passed_roles(request: &RawValue) -> Vec<String> {
    let text = request.get();
    if !text.contains(":role/") {
        return Vec::new();
    }
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let mut roles = Vec::new();
    collect_roles(&value, false, 0, &mut roles);
    roles.sort();
    roles.dedup();
    roles
}

fn collect_roles(value: &Value, under_role_key: bool, depth: usize, roles: &mut Vec<String>) {
    // Requests are shallow; the cap only guards against hostile nesting.
    if depth > 16 {
        return;
    }
    match value {
        Value::String(s) if under_role_key && is_role_arn(s) => roles.push(s.clone()),
        Value::Array(items) => {
            for item in items {
                collect_roles(item, under_role_key, depth + 1, roles);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let role_key = key.to_ascii_lowercase().contains("role");
                collect_roles(item, role_key, depth + 1, roles);
            }
        }
        _ => {}
    }
}

/// `arn:<partition>:iam::<account>:role/<path/name>`.
pub(crate) fn is_role_arn(s: &str) -> bool {
    let mut parts = s.splitn(6, ':');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some(resource))
            if account.len() == 12 && resource.starts_with("role/")
    )
}

/// What an invoking call acted on: Lambda's `functionName` (a name or an ARN), and
/// `resources[].ARN` of calls that start work (`Invoke*`, `Start*`, `Run*`, `Execute*`).
fn targets(
    source: &str,
    name: &str,
    region: Option<&str>,
    account: Option<&str>,
    request: Option<&RawValue>,
    resources: Option<&RawValue>,
) -> Vec<String> {
    let starts_work = ["Invoke", "Start", "Run", "Execute"]
        .iter()
        .any(|prefix| name.starts_with(prefix));
    if !starts_work {
        return Vec::new();
    }
    let mut targets = Vec::new();
    if source == "lambda.amazonaws.com" {
        let invoke: RawInvokeRequest<'_> = request
            .and_then(|r| serde_json::from_str(r.get()).ok())
            .unwrap_or_default();
        if let Some(function) = invoke.function_name.get() {
            if function.starts_with("arn:") {
                targets.push(function.to_owned());
            } else if let (Some(region), Some(account)) = (region, account) {
                targets.push(format!(
                    "arn:aws:lambda:{region}:{account}:function:{function}"
                ));
            }
        }
    }
    if let Some(resources) = resources {
        let list: Vec<RawResource<'_>> = serde_json::from_str(resources.get()).unwrap_or_default();
        targets.extend(list.iter().filter_map(|r| r.arn.get()).map(str::to_owned));
    }
    targets.sort();
    targets.dedup();
    targets
}

/// Calls that reach into a machine: run a command on an instance or open a shell on it (Systems
/// Manager), push an SSH key to it (EC2 Instance Connect, also for the serial console), run a
/// command in an ECS task (ECS Exec). Whoever makes one can read the machine's credentials.
const REACHING_CALLS: [(&str, &str); 5] = [
    ("ssm.amazonaws.com", "SendCommand"),
    ("ssm.amazonaws.com", "StartSession"),
    ("ec2-instance-connect.amazonaws.com", "SendSSHPublicKey"),
    (
        "ec2-instance-connect.amazonaws.com",
        "SendSerialConsoleSSHPublicKey",
    ),
    ("ecs.amazonaws.com", "ExecuteCommand"),
];

/// The machines a reaching call names: instance ids and ECS task ids (the end of a task ARN),
/// lower case, sorted.
fn reaches(source: &str, name: &str, request: Option<&RawValue>) -> Vec<String> {
    let reaching = REACHING_CALLS
        .iter()
        .any(|(s, n)| *s == source && *n == name);
    let Some(request) = request.filter(|_| reaching) else {
        return Vec::new();
    };
    let request: RawReachRequest<'_> = serde_json::from_str(request.get()).unwrap_or_default();
    let mut ids: Vec<&str> = Vec::new();
    ids.extend(
        request
            .instance_ids
            .iter()
            .flatten()
            .filter_map(|id| id.get()),
    );
    for target in request.targets.iter().flatten() {
        if target.key.get() == Some("InstanceIds") {
            ids.extend(target.values.iter().flatten().filter_map(|id| id.get()));
        }
    }
    ids.extend(
        [request.target.get(), request.instance_id.get()]
            .into_iter()
            .flatten(),
    );
    if let Some(task) = request.task.get() {
        ids.push(task.rsplit('/').next().unwrap_or(task));
    }
    let mut machines: Vec<String> = ids.into_iter().map(str::to_ascii_lowercase).collect();
    machines.sort();
    machines.dedup();
    machines
}

/// CloudTrail times: RFC 3339 (`2026-03-02T08:30:11Z`), and the ISO basic form
/// (`20131102T010628Z`) some `creationDate` values use (CloudTrail user guide,
/// `cloudtrail-event-reference-user-identity`).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    let basic = text.strip_suffix('Z')?;
    DateTime::parse_from_str(&format!("{basic}+0000"), "%Y%m%dT%H%M%S%z")
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(json: &str) -> Result<Event<'_>, Rejection> {
        let raw: RawEvent<'_> = serde_json::from_str(json).expect("fixture is JSON");
        event(raw, Origin { file: 0, record: 0 })
    }

    #[test]
    fn reads_issued_key_not_callers_key() {
        let e = normalize(
            r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","eventTime":"2026-03-02T09:00:02Z",
            "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ci","accessKeyId":"AKIAQEXAMPLECIDEPLY1"},
            "requestParameters":{"roleArn":"arn:aws:iam::444455556666:role/Deploy","roleSessionName":"d"},
            "responseElements":{"credentials":{"accessKeyId":"ASIAQEXAMPLEDEPLOY01","expiration":"Mar 2, 2026, 10:00:02 AM"}}}"#,
        )
        .expect("an event");
        let issued = e.issued.expect("credentials issued");
        assert_eq!(issued.access_key, "ASIAQEXAMPLEDEPLOY01");
        assert_eq!(
            issued.role_arn.as_deref(),
            Some("arn:aws:iam::444455556666:role/Deploy")
        );
        assert_eq!(e.actor.access_key.as_deref(), Some("AKIAQEXAMPLECIDEPLY1"));
        assert_eq!(issued.session_name.as_deref(), Some("d"));
        assert!(
            e.passed_roles.is_empty(),
            "an STS call issues, it does not pass a role"
        );
    }

    #[test]
    fn reads_the_identity_center_token_an_application_obtained() {
        let e = normalize(
            r#"{"eventSource":"sso-oauth.amazonaws.com","eventName":"CreateTokenWithIAM","eventTime":"2026-03-02T08:05:12Z",
            "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/DataPortalAppRole/data-portal-backend","accessKeyId":"ASIAQEXAMPLEAPPKEY01"},
            "additionalEventData":{"identitystore:UserId":"a1b2c3d4-5678-90ab-cdef-111111111111",
                "identitystore:IdentityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3",
                "identitycenter:CredentialId":"AAAAAExampleCredentialId0000000000000000000001"}}"#,
        )
        .expect("an event");
        let grant = e.token_grant.expect("a token grant");
        assert_eq!(
            grant.credential_id,
            "AAAAAExampleCredentialId0000000000000000000001"
        );
        assert_eq!(
            grant.user_id.as_deref(),
            Some("a1b2c3d4-5678-90ab-cdef-111111111111")
        );
        let failed = normalize(
            r#"{"eventSource":"sso-oauth.amazonaws.com","eventName":"CreateTokenWithIAM","errorCode":"AccessDeniedException",
            "additionalEventData":{"identitycenter:CredentialId":"AAAAAExampleCredentialId0000000000000000000002"}}"#,
        )
        .expect("an event");
        assert!(
            failed.token_grant.is_none(),
            "a failed call obtained nothing"
        );
    }

    #[test]
    fn reads_the_role_a_portal_call_asks_for_from_either_place() {
        let service_event = normalize(
            r#"{"eventSource":"sso.amazonaws.com","eventName":"GetRoleCredentials","eventType":"AwsServiceEvent",
            "requestParameters":null,"serviceEventDetails":{"role_name":"DataAnalyst","account_id":"444455556666"}}"#,
        )
        .expect("an event");
        let role = service_event.portal_role.expect("a portal role");
        assert_eq!(role.account, "444455556666");
        assert_eq!(role.permission_set, "DataAnalyst");
        let api_call = normalize(
            r#"{"eventSource":"sso.amazonaws.com","eventName":"GetRoleCredentials",
            "requestParameters":{"roleName":"Billing_ReadOnly","accountId":"444455556666","accessToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}}"#,
        )
        .expect("an event");
        assert_eq!(
            api_call.portal_role.map(|r| r.permission_set.into_owned()),
            Some("Billing_ReadOnly".to_owned())
        );
        let listing = normalize(
            r#"{"eventSource":"sso.amazonaws.com","eventName":"ListAccountRoles",
            "serviceEventDetails":{"account_id":"444455556666"}}"#,
        )
        .expect("an event");
        assert!(listing.portal_role.is_none(), "listing roles asks for none");
    }

    #[test]
    fn oddly_typed_fields_are_read_leniently() {
        let e = normalize(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":12345,
            "readOnly":"true","userIdentity":{"type":"AssumedRole","accessKeyId":null,
            "sessionContext":"broken","onBehalfOf":{"userId":""}}}"#,
        )
        .expect("an event");
        assert_eq!(e.id.as_deref(), Some("12345"));
        assert!(e.actor.access_key.is_none());
        assert!(e.actor.issuer_arn.is_none());
        assert!(
            e.actor.on_behalf_of.is_none(),
            "an empty user id is no user"
        );
    }

    #[test]
    fn reads_the_account_of_a_delegate() {
        // The shape of the CloudTrail user guide's example of temporary delegated access.
        let e = normalize(
            r#"{"eventSource":"iam.amazonaws.com","eventName":"GetUserPolicy",
            "userIdentity":{"type":"AssumedRole","accessKeyId":"ASIAWO645SY5VENDOR01",
            "invokedByDelegate":{"accountId":"444455556666"}}}"#,
        )
        .expect("an event");
        assert_eq!(e.actor.delegate.as_deref(), Some("444455556666"));
        let odd = normalize(
            r#"{"eventSource":"iam.amazonaws.com","eventName":"GetUserPolicy",
            "userIdentity":{"type":"AssumedRole","invokedByDelegate":"444455556666"}}"#,
        )
        .expect("an event");
        assert_eq!(odd.actor.delegate, None, "not an object: no delegate");
    }

    #[test]
    fn s3_event_notifications_are_not_cloudtrail() {
        let rejected = normalize(
            r#"{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{}}"#,
        );
        assert_eq!(rejected.err(), Some(Rejection::NotCloudTrail));
    }

    #[test]
    fn finds_roles_handed_to_services() {
        let e = normalize(
            r#"{"eventSource":"glue.amazonaws.com","eventName":"CreateJob",
            "requestParameters":{"name":"etl","Role":"arn:aws:iam::111122223333:role/service-role/GlueETL",
            "description":"uses arn:aws:iam::111122223333:role/NotThis"}}"#,
        )
        .expect("an event");
        assert_eq!(
            e.passed_roles,
            vec!["arn:aws:iam::111122223333:role/service-role/GlueETL"]
        );
    }

    #[test]
    fn lambda_function_names_become_arns() {
        let e = normalize(
            r#"{"eventSource":"lambda.amazonaws.com","eventName":"Invoke","awsRegion":"us-east-1",
            "recipientAccountId":"111122223333","requestParameters":{"functionName":"invoice-export"}}"#,
        )
        .expect("an event");
        assert_eq!(
            e.targets,
            vec!["arn:aws:lambda:us-east-1:111122223333:function:invoice-export"]
        );
    }

    #[test]
    fn parses_both_creation_date_forms() {
        let extended = parse_time("2013-11-02T01:06:28Z").expect("extended");
        let basic = parse_time("20131102T010628Z").expect("basic");
        assert_eq!(extended, basic);
        assert!(parse_time("Mar 2, 2026, 10:00:02 AM").is_none());
    }

    mod any_value {
        use super::*;
        use proptest::prelude::*;
        use serde_json::json;

        /// Field paths of a CloudTrail record, at every level normalize reads.
        const PATHS: &[&[&str]] = &[
            &["eventTime"],
            &["eventSource"],
            &["eventName"],
            &["eventID"],
            &["awsRegion"],
            &["recipientAccountId"],
            &["sharedEventID"],
            &["errorCode"],
            &["userIdentity"],
            &["requestParameters"],
            &["responseElements"],
            &["resources"],
            &["insightDetails"],
            &["userIdentity", "type"],
            &["userIdentity", "accessKeyId"],
            &["userIdentity", "arn"],
            &["userIdentity", "invokedBy"],
            &["userIdentity", "onBehalfOf"],
            &["userIdentity", "onBehalfOf", "userId"],
            &["userIdentity", "inScopeOf"],
            &["userIdentity", "invokedByDelegate"],
            &["userIdentity", "invokedByDelegate", "accountId"],
            &["userIdentity", "sessionContext"],
            &["userIdentity", "sessionContext", "sessionIssuer"],
            &[
                "userIdentity",
                "sessionContext",
                "attributes",
                "creationDate",
            ],
            &["userIdentity", "sessionContext", "sourceIdentity"],
            &["responseElements", "credentials"],
            &["responseElements", "credentials", "accessKeyId"],
            &["requestParameters", "roleArn"],
            &["requestParameters", "functionName"],
        ];

        const KEYS: &[&str] = &[
            "accessKeyId",
            "arn",
            "roleArn",
            "Role",
            "userId",
            "credentials",
            "type",
            "functionName",
            "ARN",
            "creationDate",
            "sourceIdentity",
            "x",
        ];

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(|n| json!(n)),
                any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
                    .map(Value::Number)),
                ".{0,40}".prop_map(Value::String),
                Just(json!("arn:aws:iam::111122223333:role/x")),
                Just(json!("ASIAWO645SY5PROPTEST")),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(
                        |entries| {
                            Value::Object(
                                entries
                                    .into_iter()
                                    .map(|(k, v)| (k.to_owned(), v))
                                    .collect(),
                            )
                        }
                    ),
                ]
            })
        }

        fn base() -> Value {
            json!({
                "eventVersion": "1.11", "eventTime": "2026-03-02T09:00:02Z", "eventSource": "sts.amazonaws.com",
                "eventName": "AssumeRole", "awsRegion": "us-east-1", "eventID": "p-1", "recipientAccountId": "111122223333",
                "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/R/s",
                    "accessKeyId": "ASIAWO645SY5CALLER01", "onBehalfOf": {"userId": "u"},
                    "inScopeOf": {"credentialsIssuedTo": "arn:aws:lambda:us-east-1:111122223333:function:f"},
                    "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/R"},
                        "attributes": {"creationDate": "2026-03-02T09:00:00Z"}, "sourceIdentity": "s"}},
                "requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/T", "functionName": "f"},
                "responseElements": {"credentials": {"accessKeyId": "ASIAWO645SY5ISSUED01"}},
                "resources": [{"ARN": "arn:aws:iam::111122223333:role/T"}]
            })
        }

        fn set(target: &mut Value, path: &[&str], value: Value) {
            let mut cursor = target;
            for key in &path[..path.len() - 1] {
                if !cursor.get(*key).is_some_and(Value::is_object) {
                    cursor[*key] = json!({});
                }
                cursor = &mut cursor[*key];
            }
            cursor[path[path.len() - 1]] = value;
        }

        proptest! {
            #[test]
            fn any_json_value_in_any_field_never_panics(
                path in prop::sample::select(PATHS),
                value in json_value(),
            ) {
                let mut record = base();
                set(&mut record, path, value);
                let text = record.to_string();
                let raw: RawEvent<'_> = serde_json::from_str(&text).expect("every field is optional and lenient");
                let _ = event(raw, Origin { file: 0, record: 0 });
                // And the whole per-file pipeline, from bytes.
                let report = crate::pipeline::audit_bytes(text.as_bytes());
                let s = &report.summary;
                prop_assert_eq!(s.records, s.events + s.duplicates + s.event_errors + s.filtered);
                prop_assert_eq!(s.coverage.values().sum::<u64>() + s.not_auditable, s.events);
            }
        }
    }
}

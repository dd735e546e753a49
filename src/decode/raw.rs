//! Serde mirrors of the CloudTrail JSON record, borrowing from the decoded buffer.
//!
//! This is the only file that knows CloudTrail field names. Every field is optional and every
//! scalar is read leniently ([`Text`]): real logs carry numbers as strings, booleans as strings,
//! `null` where a string is documented, and fields that older `eventVersion`s never had
//! (CloudTrail user guide, `cloudtrail-event-reference-record-contents`).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A scalar read as text whatever its JSON type; `None` for `null`, objects and arrays.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub(crate) Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    /// The value, with empty strings read as absent (CloudTrail writes `""` for redacted keys).
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }

    pub(crate) fn into_cow(self) -> Option<Cow<'a, str>> {
        self.0.filter(|s| !s.is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a scalar")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// An object field that tolerates any other JSON type by reading it as absent.
#[derive(Debug)]
pub(crate) struct Lenient<T>(pub(crate) Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // One pass: an object is read in place, anything else is skipped as absent.
        struct LenientVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for LenientVisitor<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|v| Lenient(Some(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
        }
        deserializer.deserialize_any(LenientVisitor(PhantomData))
    }
}

/// The top of any JSON value found in an input, to tell the containers apart.
#[derive(Deserialize)]
pub(crate) struct Probe<'a> {
    #[serde(rename = "Records", borrow, default)]
    pub(crate) records: Option<Vec<&'a RawValue>>,
    #[serde(rename = "Events", borrow, default)]
    pub(crate) lookup_events: Option<Vec<&'a RawValue>>,
    #[serde(rename = "detail", borrow, default)]
    pub(crate) detail: Option<&'a RawValue>,
    #[serde(rename = "detail-type", borrow, default)]
    pub(crate) detail_type: Text<'a>,
    #[serde(rename = "digestS3Object", borrow, default)]
    pub(crate) digest_object: Text<'a>,
    #[serde(rename = "eventName", borrow, default)]
    pub(crate) event_name: Text<'a>,
    #[serde(rename = "insightDetails", default)]
    pub(crate) insight_details: Option<IgnoredAny>,
}

/// One item of `aws cloudtrail lookup-events` output: the event is a JSON string.
#[derive(Deserialize)]
pub(crate) struct LookupItem<'a> {
    #[serde(rename = "CloudTrailEvent", borrow, default)]
    pub(crate) cloudtrail_event: Text<'a>,
}

/// One CloudTrail event record, narrowed to what tip-audit reads.
#[derive(Deserialize, Default)]
pub(crate) struct RawEvent<'a> {
    #[serde(rename = "eventTime", borrow, default)]
    pub(crate) event_time: Text<'a>,
    #[serde(rename = "eventSource", borrow, default)]
    pub(crate) event_source: Text<'a>,
    #[serde(rename = "eventName", borrow, default)]
    pub(crate) event_name: Text<'a>,
    #[serde(rename = "awsRegion", borrow, default)]
    pub(crate) aws_region: Text<'a>,
    #[serde(rename = "eventID", borrow, default)]
    pub(crate) event_id: Text<'a>,
    #[serde(rename = "errorCode", borrow, default)]
    pub(crate) error_code: Text<'a>,
    #[serde(rename = "recipientAccountId", borrow, default)]
    pub(crate) recipient_account_id: Text<'a>,
    #[serde(rename = "sharedEventID", borrow, default)]
    pub(crate) shared_event_id: Text<'a>,
    #[serde(rename = "sourceIPAddress", borrow, default)]
    pub(crate) source_ip_address: Text<'a>,
    #[serde(rename = "userAgent", borrow, default)]
    pub(crate) user_agent: Text<'a>,
    #[serde(rename = "userIdentity", borrow, default)]
    pub(crate) user_identity: Lenient<RawUserIdentity<'a>>,
    #[serde(rename = "requestParameters", borrow, default)]
    pub(crate) request_parameters: Option<&'a RawValue>,
    #[serde(rename = "responseElements", borrow, default)]
    pub(crate) response_elements: Option<&'a RawValue>,
    #[serde(rename = "resources", borrow, default)]
    pub(crate) resources: Option<&'a RawValue>,
    #[serde(rename = "additionalEventData", borrow, default)]
    pub(crate) additional_event_data: Option<&'a RawValue>,
    /// Service events (`AwsServiceEvent`) put their details here, e.g. the Identity Center
    /// portal's `GetRoleCredentials` target.
    #[serde(rename = "serviceEventDetails", borrow, default)]
    pub(crate) service_event_details: Option<&'a RawValue>,
    #[serde(rename = "insightDetails", default)]
    pub(crate) insight_details: Option<IgnoredAny>,
}

/// `userIdentity` (CloudTrail user guide, `cloudtrail-event-reference-user-identity`).
#[derive(Deserialize, Default)]
pub(crate) struct RawUserIdentity<'a> {
    #[serde(rename = "type", borrow, default)]
    pub(crate) kind: Text<'a>,
    #[serde(rename = "principalId", borrow, default)]
    pub(crate) principal_id: Text<'a>,
    #[serde(rename = "arn", borrow, default)]
    pub(crate) arn: Text<'a>,
    #[serde(rename = "accountId", borrow, default)]
    pub(crate) account_id: Text<'a>,
    #[serde(rename = "accessKeyId", borrow, default)]
    pub(crate) access_key_id: Text<'a>,
    #[serde(rename = "identityProvider", borrow, default)]
    pub(crate) identity_provider: Text<'a>,
    #[serde(rename = "userName", borrow, default)]
    pub(crate) user_name: Text<'a>,
    #[serde(rename = "invokedBy", borrow, default)]
    pub(crate) invoked_by: Text<'a>,
    #[serde(rename = "credentialId", borrow, default)]
    pub(crate) credential_id: Text<'a>,
    #[serde(rename = "sessionContext", borrow, default)]
    pub(crate) session_context: Lenient<RawSessionContext<'a>>,
    #[serde(rename = "onBehalfOf", borrow, default)]
    pub(crate) on_behalf_of: Lenient<RawOnBehalfOf<'a>>,
    #[serde(rename = "inScopeOf", borrow, default)]
    pub(crate) in_scope_of: Lenient<RawInScopeOf<'a>>,
    #[serde(rename = "invokedByDelegate", borrow, default)]
    pub(crate) invoked_by_delegate: Lenient<RawDelegate<'a>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct RawSessionContext<'a> {
    #[serde(rename = "sessionIssuer", borrow, default)]
    pub(crate) session_issuer: Lenient<RawSessionIssuer<'a>>,
    #[serde(rename = "attributes", borrow, default)]
    pub(crate) attributes: Lenient<RawSessionAttributes<'a>>,
    #[serde(rename = "sourceIdentity", borrow, default)]
    pub(crate) source_identity: Text<'a>,
    #[serde(rename = "ec2RoleDelivery", borrow, default)]
    pub(crate) ec2_role_delivery: Text<'a>,
    #[serde(rename = "assumedRoot", borrow, default)]
    pub(crate) assumed_root: Text<'a>,
}

#[derive(Deserialize, Default)]
pub(crate) struct RawSessionIssuer<'a> {
    #[serde(rename = "principalId", borrow, default)]
    pub(crate) principal_id: Text<'a>,
    #[serde(rename = "arn", borrow, default)]
    pub(crate) arn: Text<'a>,
}

#[derive(Deserialize, Default)]
pub(crate) struct RawSessionAttributes<'a> {
    #[serde(rename = "creationDate", borrow, default)]
    pub(crate) creation_date: Text<'a>,
}

#[derive(Deserialize, Default)]
pub(crate) struct RawOnBehalfOf<'a> {
    #[serde(rename = "userId", borrow, default)]
    pub(crate) user_id: Text<'a>,
    #[serde(rename = "identityStoreArn", borrow, default)]
    pub(crate) identity_store_arn: Text<'a>,
}

/// `userIdentity.invokedByDelegate`: the account of a product provider acting with temporary
/// delegated access.
#[derive(Deserialize, Default)]
pub(crate) struct RawDelegate<'a> {
    #[serde(rename = "accountId", borrow, default)]
    pub(crate) account_id: Text<'a>,
}

#[derive(Deserialize, Default)]
pub(crate) struct RawInScopeOf<'a> {
    #[serde(rename = "credentialsIssuedTo", borrow, default)]
    pub(crate) credentials_issued_to: Text<'a>,
    #[serde(rename = "sourceArn", borrow, default)]
    pub(crate) source_arn: Text<'a>,
}

/// The parts of `responseElements` that name issued credentials (STS `AssumeRole*`,
/// `GetSessionToken`, `GetFederationToken`, `AssumeRoot`; sign-in `GetSigninToken`).
#[derive(Deserialize, Default)]
pub(crate) struct RawIssuedResponse<'a> {
    #[serde(rename = "credentials", borrow, default)]
    pub(crate) credentials: Lenient<RawCredentials<'a>>,
    /// IAM `CreateAccessKey`: a new long-term key.
    #[serde(rename = "accessKey", borrow, default)]
    pub(crate) access_key: Lenient<RawCredentials<'a>>,
    #[serde(rename = "sourceIdentity", borrow, default)]
    pub(crate) source_identity: Text<'a>,
}

#[derive(Deserialize, Default)]
pub(crate) struct RawCredentials<'a> {
    #[serde(rename = "accessKeyId", borrow, default)]
    pub(crate) access_key_id: Text<'a>,
    #[serde(rename = "expiration", borrow, default)]
    pub(crate) expiration: Text<'a>,
}

/// The parts of an STS request that say which principal the new credentials belong to.
#[derive(Deserialize, Default)]
pub(crate) struct RawIssuingRequest<'a> {
    #[serde(rename = "roleArn", borrow, default)]
    pub(crate) role_arn: Text<'a>,
    #[serde(rename = "roleSessionName", borrow, default)]
    pub(crate) role_session_name: Text<'a>,
    #[serde(rename = "sourceIdentity", borrow, default)]
    pub(crate) source_identity: Text<'a>,
    #[serde(rename = "providedContexts", default)]
    pub(crate) provided_contexts: Option<IgnoredAny>,
}

/// `additionalEventData` of an Identity Center token exchange (`sso-oauth:CreateTokenWithIAM`):
/// the user and the credential id their bearer-token calls will carry (IdC user guide,
/// `sso-info-in-cloudtrail`).
#[derive(Deserialize, Default)]
pub(crate) struct RawTokenGrant<'a> {
    #[serde(rename = "identitycenter:CredentialId", borrow, default)]
    pub(crate) credential_id: Text<'a>,
    #[serde(rename = "identitystore:UserId", borrow, default)]
    pub(crate) user_id: Text<'a>,
}

impl RawTokenGrant<'_> {
    /// Whether `additionalEventData` may hold a grant: a cheap test before parsing it, since
    /// most events carry other additional data (S3's `SignatureVersion`, …).
    pub(crate) fn may_be_in(additional_event_data: &str) -> bool {
        additional_event_data.contains("identitycenter:CredentialId")
    }
}

/// The account and permission set an Identity Center portal call asks role credentials for:
/// `serviceEventDetails {account_id, role_name}` in the service-event form seen since 2025,
/// `requestParameters {accountId, roleName}` as the API names them (portal API reference,
/// `GetRoleCredentials`).
#[derive(Deserialize, Default)]
pub(crate) struct RawRoleTarget<'a> {
    #[serde(rename = "account_id", alias = "accountId", borrow, default)]
    pub(crate) account_id: Text<'a>,
    #[serde(rename = "role_name", alias = "roleName", borrow, default)]
    pub(crate) role_name: Text<'a>,
}

/// The machines a call that reaches into them names in its request: Systems Manager
/// `SendCommand` (`instanceIds`, or `targets` keyed `InstanceIds`), `StartSession` (`target`),
/// EC2 Instance Connect `SendSSHPublicKey` and `SendSerialConsoleSSHPublicKey` (`instanceId`),
/// ECS `ExecuteCommand` (`task`, an id or an ARN).
#[derive(Deserialize, Default)]
pub(crate) struct RawReachRequest<'a> {
    #[serde(rename = "instanceIds", borrow, default)]
    pub(crate) instance_ids: Option<Vec<Text<'a>>>,
    #[serde(rename = "targets", borrow, default)]
    pub(crate) targets: Option<Vec<RawCommandTarget<'a>>>,
    #[serde(rename = "target", borrow, default)]
    pub(crate) target: Text<'a>,
    #[serde(rename = "instanceId", borrow, default)]
    pub(crate) instance_id: Text<'a>,
    #[serde(rename = "task", borrow, default)]
    pub(crate) task: Text<'a>,
}

/// One `targets` entry of `SendCommand`: `{"key": "InstanceIds", "values": ["i-…"]}`.
#[derive(Deserialize, Default)]
pub(crate) struct RawCommandTarget<'a> {
    #[serde(rename = "key", alias = "Key", borrow, default)]
    pub(crate) key: Text<'a>,
    #[serde(rename = "values", alias = "Values", borrow, default)]
    pub(crate) values: Option<Vec<Text<'a>>>,
}

/// Lambda `Invoke` names its function in the request.
#[derive(Deserialize, Default)]
pub(crate) struct RawInvokeRequest<'a> {
    #[serde(rename = "functionName", borrow, default)]
    pub(crate) function_name: Text<'a>,
}

/// One element of `resources`.
#[derive(Deserialize, Default)]
pub(crate) struct RawResource<'a> {
    #[serde(rename = "ARN", borrow, default)]
    pub(crate) arn: Text<'a>,
}

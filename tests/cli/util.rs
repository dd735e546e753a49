//! Helpers: run the binary, build realistic CloudTrail events, write them as logs.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

/// The repository's sample estate.
pub fn sample_logs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs")
}

/// The answer key written by `scripts/make_sample_logs.py`.
pub fn expected() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample-logs-expected.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `tip-audit` with colour off and a fixed thread count.
pub fn tip() -> Command {
    let mut cmd = Command::cargo_bin("tip-audit").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `scan --format json` on `paths` and returns (exit code, document).
pub fn scan_json(paths: &[&Path], extra: &[&str]) -> (i32, Value) {
    let output = tip()
        .arg("scan")
        .args(paths)
        .args(["--format", "json", "--threads", "2"])
        .args(extra)
        .output()
        .unwrap();
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), document)
}

/// The findings of a document as (kind, human, role name, break event id, link).
pub fn findings(document: &Value) -> Vec<(String, String, String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                text(&f["kind"]),
                text(&f["human"]),
                text(&f["role_arn"]).rsplit('/').next().unwrap().to_owned(),
                text(&f["break_event_id"]),
                text(&f["link"]),
            )
        })
        .collect()
}

/// Writes `{"Records":[…]}` gzipped at `dir/rel`.
pub fn write_trail_file(dir: &Path, rel: &str, records: &[Value]) -> PathBuf {
    let body = serde_json::to_vec(&json!({ "Records": records })).unwrap();
    write_gzip(dir, rel, &body)
}

/// Writes gzipped bytes at `dir/rel`.
pub fn write_gzip(dir: &Path, rel: &str, body: &[u8]) -> PathBuf {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(body).unwrap();
    write_file(dir, rel, &encoder.finish().unwrap())
}

/// Writes bytes at `dir/rel`.
pub fn write_file(dir: &Path, rel: &str, body: &[u8]) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, body).unwrap();
    path
}

/// Accounts used by the fixtures.
pub const APPS: &str = "111122223333";
pub const DATA: &str = "444455556666";

/// A complete CloudTrail record around `user_identity`.
pub fn event(
    id: &str,
    time: &str,
    source: &str,
    name: &str,
    account: &str,
    user_identity: Value,
) -> Value {
    let service_made =
        user_identity.get("invokedBy").is_some() || user_identity["type"] == "AWSService";
    let mut e = json!({
        "eventVersion": "1.11",
        "userIdentity": user_identity,
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": if service_made { source } else { "198.51.100.24" },
        "userAgent": if service_made { source } else { "aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/linux#6.1" },
        "requestParameters": null,
        "responseElements": null,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": account,
        "eventCategory": "Management"
    });
    if !service_made {
        e["tlsDetails"] = json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": format!("{}.us-east-1.amazonaws.com", source.split('.').next().unwrap())});
    }
    e
}

/// An AWS service principal.
pub fn aws_service(principal: &str) -> Value {
    json!({"type": "AWSService", "invokedBy": principal})
}

/// A role session's `userIdentity`.
pub fn role_session(role_arn: &str, session: &str, key: &str, created: &str) -> Value {
    let account = role_arn.split(':').nth(4).unwrap();
    let name = role_arn.rsplit('/').next().unwrap();
    let role_id = format!(
        "AROA{}",
        &format!("{:0<17}", name.to_uppercase().replace(['-', '_'], ""))[..17]
    );
    json!({
        "type": "AssumedRole",
        "principalId": format!("{role_id}:{session}"),
        "arn": format!("arn:aws:sts::{account}:assumed-role/{name}/{session}"),
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": role_arn,
                              "accountId": account, "userName": name},
            "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"}
        }
    })
}

/// An IAM user's `userIdentity` with a long-term key.
pub fn iam_user(account: &str, name: &str, key: &str) -> Value {
    json!({"type": "IAMUser", "principalId": "AIDAQEXAMPLEUSER0001", "arn": format!("arn:aws:iam::{account}:user/{name}"),
           "accountId": account, "accessKeyId": key, "userName": name})
}

/// An `AssumeRole` issuing `new_key` for `role_arn`.
pub fn assume_role(
    id: &str,
    time: &str,
    account: &str,
    caller: Value,
    role_arn: &str,
    session: &str,
    new_key: &str,
) -> Value {
    let mut e = event(id, time, "sts.amazonaws.com", "AssumeRole", account, caller);
    e["requestParameters"] =
        json!({"roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600});
    e["responseElements"] = json!({
        "credentials": {"accessKeyId": new_key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "expiration": "Mar 2, 2026, 11:00:00 AM"},
        "assumedRoleUser": {"assumedRoleId": format!("AROAQEXAMPLEROLE0001:{session}"),
                            "arn": format!("arn:aws:sts::{}:assumed-role/{}/{session}", role_arn.split(':').nth(4).unwrap(), role_arn.rsplit('/').next().unwrap())}
    });
    e["resources"] = json!([{"accountId": role_arn.split(':').nth(4).unwrap(), "type": "AWS::IAM::Role", "ARN": role_arn}]);
    e
}

/// An Identity Center permission-set session of `user` carrying `onBehalfOf`.
pub fn sso_session(account: &str, user: &str, user_id: &str, key: &str, created: &str) -> Value {
    let mut identity = role_session(
        &format!(
            "arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataAnalyst_0123456789abcdef"
        ),
        user,
        key,
        created,
    );
    identity["onBehalfOf"] = json!({"userId": user_id,
        "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3"});
    identity
}

/// A path in the S3 layout for a fixture file.
pub fn trail_key(account: &str, hhmm: &str, suffix: &str) -> String {
    format!(
        "AWSLogs/{account}/CloudTrail/us-east-1/2026/03/02/{account}_CloudTrail_us-east-1_20260302T{hhmm}Z_{suffix}.json.gz"
    )
}

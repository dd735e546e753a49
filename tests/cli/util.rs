//! Helpers: run the binary, build realistic CloudTrail events, write them as logs.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

/// The repository's sample estate.
pub fn sample_logs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs")
}

/// The SARIF 2.1.0 schema (`tests/fixtures/sarif-schema-2.1.0.json`), compiled.
pub fn sarif_schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// A report without its provenance: what every "same report" comparison compares. The JSON
/// documents lose `provenance`; SARIF loses the tool's version and each invocation's command
/// line, arguments and properties (inputs, filters, policy file).
pub fn without_provenance(mut document: Value) -> Value {
    if let Some(object) = document.as_object_mut() {
        object.remove("provenance");
    }
    if let Some(runs) = document.get_mut("runs").and_then(Value::as_array_mut) {
        for run in runs.iter_mut() {
            if let Some(driver) = run
                .pointer_mut("/tool/driver")
                .and_then(Value::as_object_mut)
            {
                driver.remove("version");
            }
            if let Some(invocations) = run.get_mut("invocations").and_then(Value::as_array_mut) {
                for invocation in invocations.iter_mut().filter_map(Value::as_object_mut) {
                    for key in ["commandLine", "arguments", "properties"] {
                        invocation.remove(key);
                    }
                }
            }
        }
    }
    document
}

/// The answer key written by `scripts/make_sample_logs.py`.
pub fn expected() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample-logs-expected.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `tip-audit` with colour off, and tables as wide as their content whatever `COLUMNS` the
/// tests run with.
pub fn tip() -> Command {
    let mut cmd = Command::cargo_bin("tip-audit").unwrap();
    cmd.env("NO_COLOR", "1").env_remove("COLUMNS");
    cmd
}

/// Runs `cmd` to the end: (exit code, stdout, stderr); stdout must be UTF-8.
pub fn finish(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `cmd` and reads its stdout as one JSON document: (exit code, document).
pub fn json_of(cmd: &mut Command) -> (i32, Value) {
    let (code, stdout, stderr) = finish(cmd);
    let document = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (code, document)
}

/// Runs `tip-audit args…`: (exit code, stdout).
pub fn run(args: &[&str]) -> (i32, String) {
    let (code, stdout, _) = finish(tip().args(args));
    (code, stdout)
}

/// Runs `tip-audit args…` and reads its stdout as JSON: (exit code, document).
pub fn run_json(args: &[&str]) -> (i32, Value) {
    json_of(tip().args(args))
}

/// Runs `tip-audit args…`, insists that it exits with `code`, and returns its stderr.
pub fn assert_exit(code: i32, args: &[&str]) -> String {
    let (actual, _, stderr) = finish(tip().args(args));
    assert_eq!(actual, code, "{args:?}: {stderr}");
    stderr
}

/// Insists that a finished process succeeded, showing its stderr when it did not.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `scan --format json` on `paths` and returns (exit code, document).
pub fn scan_json(paths: &[&Path], extra: &[&str]) -> (i32, Value) {
    json_of(
        tip()
            .arg("scan")
            .args(paths)
            .args(["--format", "json", "--threads", "2"])
            .args(extra),
    )
}

/// `field` of the items of the array `document[list]` that have it as a string.
pub fn strings<'a>(document: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    document[list]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|item| item[field].as_str())
        .collect()
}

/// `field` of every item of the array `document[list]`, each of which must have it as a string.
pub fn column<'a>(document: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    document[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap())
        .collect()
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

/// The body of a trail file: `{"Records":[…]}`.
pub fn trail_body(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "Records": records })).unwrap()
}

/// Writes `{"Records":[…]}` gzipped at `dir/rel`.
pub fn write_trail_file(dir: &Path, rel: &str, records: &[Value]) -> PathBuf {
    write_gzip(dir, rel, &trail_body(records))
}

/// Writes the trail file that `account` delivered at `hhmm` on 2 March 2026.
pub fn deliver(dir: &Path, account: &str, hhmm: &str, records: &[Value]) -> PathBuf {
    write_trail_file(
        dir,
        &trail_key(account, hhmm, &format!("{hhmm:0>16}")),
        records,
    )
}

/// Gzips bytes.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(body).unwrap();
    encoder.finish().unwrap()
}

/// Reads a gzipped text file, every member of it.
pub fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Writes gzipped bytes at `dir/rel`.
pub fn write_gzip(dir: &Path, rel: &str, body: &[u8]) -> PathBuf {
    write_file(dir, rel, &gzip(body))
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
    // A machine calls from its own address with its own tools, a person from theirs.
    let (address, agent) = if machine_identity(&user_identity) {
        (MACHINE_ADDRESS, MACHINE_AGENT)
    } else {
        (PERSON_ADDRESS, PERSON_AGENT)
    };
    let mut e = json!({
        "eventVersion": "1.11",
        "userIdentity": user_identity,
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": if service_made { source } else { address },
        "userAgent": if service_made { source } else { agent },
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

/// Where people's calls come from in these fixtures: a laptop.
pub const PERSON_ADDRESS: &str = "198.51.100.24";
/// The tools people call with.
pub const PERSON_AGENT: &str = "aws-cli/2.22.0 md/awscrt#0.23.0 ua/2.0 os/linux#6.1";
/// Where machines' calls come from: an instance's, task's or function's own address in AWS.
pub const MACHINE_ADDRESS: &str = "203.0.113.10";
/// The tools machines call with: an SDK on the instance.
pub const MACHINE_AGENT: &str =
    "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64";

/// Whether a `userIdentity` holds a machine's credentials: an EC2 instance profile
/// (`ec2RoleDelivery`, or a session named after an instance id), an ECS task (a session named
/// after a task id), credentials issued to a resource (`inScopeOf`, a Lambda function).
pub fn machine_identity(identity: &Value) -> bool {
    let session = identity["principalId"]
        .as_str()
        .and_then(|id| id.split_once(':'))
        .map_or("", |(_, session)| session);
    let instance = session
        .strip_prefix("i-")
        .is_some_and(|hex| hex.len() >= 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    let task = session.len() == 32 && session.bytes().all(|b| b.is_ascii_hexdigit());
    identity["sessionContext"].get("ec2RoleDelivery").is_some()
        || identity.get("inScopeOf").is_some()
        || instance
        || task
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

/// A role session as the logs show it: the `AssumeRole` that issued it and the calls made with it,
/// all in the role's own account.
pub struct RoleSession<'a> {
    role_arn: &'a str,
    name: &'a str,
    key: &'a str,
    created: &'a str,
}

impl<'a> RoleSession<'a> {
    /// The session `name` of `role_arn` with access key `key`, issued at `created`.
    pub fn new(role_arn: &'a str, name: &'a str, key: &'a str, created: &'a str) -> Self {
        Self {
            role_arn,
            name,
            key,
            created,
        }
    }

    fn account(&self) -> &'a str {
        self.role_arn.split(':').nth(4).unwrap()
    }

    /// Its `userIdentity`.
    pub fn identity(&self) -> Value {
        role_session(self.role_arn, self.name, self.key, self.created)
    }

    /// The `AssumeRole` event `id` in which `caller` was issued this session.
    pub fn assumed_by(&self, id: &str, caller: Value) -> Value {
        assume_role(
            id,
            self.created,
            self.account(),
            caller,
            self.role_arn,
            self.name,
            self.key,
        )
    }

    /// Event `id`: a call to `source` `name` made with this session at `time`.
    pub fn call(&self, id: &str, time: &str, source: &str, name: &str) -> Value {
        event(id, time, source, name, self.account(), self.identity())
    }
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

/// A directory holding one trail file with one call (`DescribeInstances`) by a session of a role
/// that no log shows being assumed, carrying hostile text where a forged log can put it: in the
/// event id and the session name.
pub fn hostile_log(event_id: &str, session: &str) -> tempfile::TempDir {
    let identity = role_session(
        "arn:aws:iam::444455556666:role/Orphan",
        session,
        "ASIAWO645SY5EVILEVI1",
        "2026-03-01T23:00:00Z",
    );
    let call = event(
        event_id,
        "2026-03-02T08:59:00Z",
        "ec2.amazonaws.com",
        "DescribeInstances",
        DATA,
        identity,
    );
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), DATA, "0900", &[call]);
    dir
}

/// A path in the S3 layout for a fixture file.
pub fn trail_key(account: &str, hhmm: &str, suffix: &str) -> String {
    format!(
        "AWSLogs/{account}/CloudTrail/us-east-1/2026/03/02/{account}_CloudTrail_us-east-1_20260302T{hhmm}Z_{suffix}.json.gz"
    )
}

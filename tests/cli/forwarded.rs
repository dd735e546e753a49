//! Forwarded service calls (issue 12, item 4): a call an AWS service made for a caller with the
//! caller's own principal (`invokedBy` a service or `AWS Internal`: KMS `Decrypt` made by S3
//! during a person's `aws s3 sync`) is part of the caller's session, whether it carries the
//! caller's key or a temporary key of its own (joined by principal ARN and `creationDate`):
//! never a session, chain or finding of its own. A session whose every call a service made, with
//! no session of the same principal calling for itself, is held by that service and stays so.
//!
//! Records are shaped as CloudTrail writes them (a forwarded KMS call: the caller's
//! `userIdentity` with an `ASIA…` key seen nowhere else, `invokedBy`, `sourceIPAddress` and
//! `userAgent` the service, no `tlsDetails`), with ids of our own.

use std::path::Path;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::util::*;

// Principals, keys, times -------------------------------------------------------------------------

const ADMIN_ROLE: &str = "arn:aws:iam::444455556666:role/Admin";
const PERMISSION_SET_ROLE: &str = "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataAnalyst_0123456789abcdef";
const STATES_ROLE: &str =
    "arn:aws:iam::444455556666:role/service-role/StepFunctions-orders-refresh-role";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:444455556666:key/1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b";

/// alice's long-term key, and the session of `Admin` she assumes with it.
const ALICE_USER_KEY: &str = "AKIAWO645SY5ALICE001";
const ALICE_ADMIN_KEY: &str = "ASIAWO645SY5ALICEADM";
/// The key S3 forwarded alice's `Admin` session with: used nowhere else.
const FORWARDED_KEY: &str = "ASIAWO645SY5FWDS3KMS";

/// An `eventID` shaped like CloudTrail's: `story` tells the test, `n` the event.
fn uuid(story: u32, n: u32) -> String {
    format!("{story:08x}-3f7a-4c2e-9b1d-{n:012x}")
}

/// A time on the day of the stories, `2026-03-02T<hms>Z`.
fn t(hms: &str) -> String {
    format!("2026-03-02T{hms}Z")
}

// Records -----------------------------------------------------------------------------------------

/// An Identity Center permission-set session of `user` (its session name), issued at `created`.
fn permission_set_session(user: &str, key: &str, created: &str) -> Value {
    role_session(PERMISSION_SET_ROLE, user, key, created)
}

/// The same principal as `identity` (same ARN, role and `creationDate`), as a service logs it
/// when it forwards the caller's request: `invokedBy` the service, and `key`, the temporary key
/// the service acted with.
fn forwarded(identity: &Value, by: &str, key: &str) -> Value {
    let mut identity = identity.clone();
    identity["accessKeyId"] = json!(key);
    identity["invokedBy"] = json!(by);
    identity
}

/// An S3 data event (`name` on an object of `orders-lake`) made by the caller itself.
fn s3_object(id: &str, time: &str, name: &str, identity: Value) -> Value {
    let object = "curated/orders/dt=2026-03-01/part-00000.snappy.parquet";
    let mut e = event(id, time, "s3.amazonaws.com", name, DATA, identity);
    e["requestParameters"] = json!({"bucketName": "orders-lake", "key": object,
        "Host": "orders-lake.s3.us-east-1.amazonaws.com"});
    e["additionalEventData"] = json!({"SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0,
        "AuthenticationMethod": "AuthHeader", "bytesTransferredOut": 48213,
        "x-amz-id-2": "k3R0c2FtcGxlLWlkLTI9PW9yZGVycy1sYWtlLWdldG9iamVjdA=="});
    e["resources"] = json!([
        {"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::orders-lake/{object}")},
        {"accountId": DATA, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::orders-lake"}
    ]);
    e["eventCategory"] = json!("Data");
    e["managementEvent"] = json!(false);
    e["readOnly"] = json!(name != "PutObject");
    e
}

/// `ListObjects` on `orders-lake`, made by the caller itself (`aws s3 sync` lists first).
fn s3_list(id: &str, time: &str, identity: Value) -> Value {
    let mut e = event(id, time, "s3.amazonaws.com", "ListObjects", DATA, identity);
    e["requestParameters"] = json!({"bucketName": "orders-lake", "list-type": "2",
        "prefix": "curated/orders/", "Host": "orders-lake.s3.us-east-1.amazonaws.com"});
    e["eventCategory"] = json!("Data");
    e["managementEvent"] = json!(false);
    e
}

/// A KMS call (`Decrypt`, `GenerateDataKey`) a service made for the caller on the bucket key:
/// `identity` is the forwarded one (see [`forwarded`]); the address and agent are the service.
fn kms_call(id: &str, time: &str, name: &str, identity: Value) -> Value {
    let by = identity["invokedBy"].as_str().unwrap().to_owned();
    let mut e = event(id, time, "kms.amazonaws.com", name, DATA, identity);
    e["sourceIPAddress"] = json!(by);
    e["userAgent"] = json!(by);
    e["requestParameters"] = json!({
        "encryptionContext": {
            "aws:s3:arn": "arn:aws:s3:::orders-lake/curated/orders/dt=2026-03-01/part-00000.snappy.parquet"
        },
        "encryptionAlgorithm": "SYMMETRIC_DEFAULT"
    });
    if name == "GenerateDataKey" {
        e["requestParameters"]["keyId"] = json!(KMS_KEY);
        e["requestParameters"]["keySpec"] = json!("AES_256");
    }
    e["resources"] = json!([{"accountId": DATA, "type": "AWS::KMS::Key", "ARN": KMS_KEY}]);
    e
}

/// A call made by another service than the event's own for the caller (`invokedBy`), with the
/// caller's key.
fn by_service(mut e: Value) -> Value {
    let by = e["userIdentity"]["invokedBy"].as_str().unwrap().to_owned();
    e["sourceIPAddress"] = json!(by);
    e["userAgent"] = json!(by);
    e
}

// Running -----------------------------------------------------------------------------------------

/// The events as one trail file of the data account.
fn logs(events: Vec<Value>) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), DATA, "1500", &events);
    dir
}

fn scan(dir: &Path) -> Value {
    scan_json(&[dir], &[]).1
}

/// `chains --format json`: the chains.
fn chains(dir: &Path) -> Vec<Value> {
    let (code, document) =
        json_of(
            tip()
                .arg("chains")
                .arg(dir)
                .args(["--format", "json", "--threads", "2"]),
        );
    assert_eq!(code, 0, "{document:#}");
    document["chains"].as_array().unwrap().clone()
}

/// The chain node of the session with access key `key`, if any chain has one.
fn node_with_key(chains: &[Value], key: &str) -> Option<Value> {
    chains
        .iter()
        .flat_map(|c| c["nodes"].as_array().unwrap().iter())
        .find(|n| n["access_key"] == key)
        .cloned()
}

/// The events of `human`'s timeline (`timeline --format json`).
fn timeline(dir: &Path, human: &str) -> Vec<Value> {
    let (code, document) = json_of(tip().arg("timeline").arg(dir).args([
        "--human",
        human,
        "--format",
        "json",
        "--threads",
        "2",
    ]));
    assert_eq!(code, 0, "{document:#}");
    document["events"].as_array().unwrap().clone()
}

fn kinds(document: &Value) -> Vec<&str> {
    column(document, "findings", "kind")
}

// A forwarded call with a key of its own joins the caller's session ------------------------------

/// alice (an IAM user) assumes `Admin` as `alice` at 09:00:00 and runs `aws s3 sync` with it:
/// S3 lists and reads an SSE-KMS object, and decrypts its data key with KMS for her.
fn alices_sync(with_forwarded_call: bool) -> TempDir {
    let admin = RoleSession::new(ADMIN_ROLE, "alice", ALICE_ADMIN_KEY, "2026-03-02T09:00:00Z");
    let mut events = vec![
        admin.assumed_by(&uuid(0xf1, 1), iam_user(DATA, "alice", ALICE_USER_KEY)),
        s3_list(&uuid(0xf1, 2), &t("09:01:10"), admin.identity()),
        s3_object(
            &uuid(0xf1, 4),
            &t("09:01:12"),
            "GetObject",
            admin.identity(),
        ),
    ];
    if with_forwarded_call {
        // Logged before the GetObject it served: that request completes after it.
        events.push(kms_call(
            &uuid(0xf1, 3),
            &t("09:01:11"),
            "Decrypt",
            forwarded(&admin.identity(), "s3.amazonaws.com", FORWARDED_KEY),
        ));
    }
    logs(events)
}

#[test]
fn a_call_s3_forwarded_under_its_own_key_is_counted_in_the_callers_session() {
    let without = scan(alices_sync(false).path());
    let dir = alices_sync(true);
    let with = scan(dir.path());

    // Nothing new: no session, chain or finding of its own; one more event, counted forwarded.
    assert_eq!(findings(&with), findings(&without), "{with:#}");
    assert_eq!(with["summary"]["sessions"], without["summary"]["sessions"]);
    assert_eq!(
        with["summary"]["sessions"], 2,
        "alice's key and her Admin session"
    );
    assert_eq!(with["summary"]["chains"], 1);
    assert_eq!(with["summary"]["events"], 4);
    assert_eq!(with["summary"]["forwarded"], 1);
    assert_eq!(without["summary"]["forwarded"], 0);
    let lineage = |document: &Value| {
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "lineage_only")
            .map(|f| f["events_after_break"].clone())
    };
    assert_eq!(lineage(&without), Some(json!(2)));
    assert_eq!(
        lineage(&with),
        Some(json!(3)),
        "the Decrypt is the session's"
    );

    // alice's Admin session counts the Decrypt; the forwarded key is no session of its own.
    let chains = chains(dir.path());
    assert_eq!(chains.len(), 1, "{chains:#?}");
    let admin = node_with_key(&chains, ALICE_ADMIN_KEY).unwrap();
    assert_eq!(admin["events"], 3, "{admin:#}");
    assert_eq!(admin["forwarded"], 1, "{admin:#}");
    assert_eq!(admin["status"], "reconstructable");
    assert!(
        node_with_key(&chains, FORWARDED_KEY).is_none(),
        "{chains:#?}"
    );

    // alice's timeline lists it, in her chain, as her Admin session's.
    let rows = timeline(dir.path(), "alice");
    let decrypt = rows
        .iter()
        .find(|r| r["event_id"] == uuid(0xf1, 3))
        .unwrap_or_else(|| panic!("the Decrypt is not in alice's timeline: {rows:#?}"));
    assert_eq!(decrypt["action"], "Decrypt");
    assert_eq!(decrypt["chain_id"], chains[0]["id"]);
    assert_eq!(decrypt["status"], "reconstructable");
}

#[test]
fn a_call_forwarded_by_aws_internal_joins_the_callers_session() {
    // alice's Identity Center session (no sign-in in these logs) writes two objects to an
    // SSE-KMS bucket; the data key is generated for her by "AWS Internal" under another key.
    let alice = permission_set_session("alice@example.com", "ASIAWO645SY5ALICESSO", &t("10:00:00"));
    let dir = logs(vec![
        s3_object(&uuid(0xf2, 1), &t("10:00:05"), "PutObject", alice.clone()),
        kms_call(
            &uuid(0xf2, 2),
            &t("10:00:06"),
            "GenerateDataKey",
            forwarded(&alice, "AWS Internal", "ASIAWO645SY5FWDINTRN"),
        ),
        s3_object(&uuid(0xf2, 3), &t("10:00:07"), "PutObject", alice),
    ]);
    let document = scan(dir.path());
    assert_eq!(document["findings"], json!([]), "{document:#}");
    assert_eq!(document["summary"]["sessions"], 1);
    assert_eq!(
        document["summary"]["chains"], 1,
        "one chain of alice, not two"
    );
    assert_eq!(document["summary"]["forwarded"], 1);
    assert_eq!(document["summary"]["coverage"]["propagated"], 3);

    let chains = chains(dir.path());
    let node = node_with_key(&chains, "ASIAWO645SY5ALICESSO").unwrap();
    assert_eq!(node["events"], 3, "{node:#}");
    assert_eq!(node["evidence"], "principal", "her own calls name her best");
    assert!(node_with_key(&chains, "ASIAWO645SY5FWDINTRN").is_none());

    let rows = timeline(dir.path(), "alice@example.com");
    let generated = rows
        .iter()
        .find(|r| r["event_id"] == uuid(0xf2, 2))
        .unwrap_or_else(|| panic!("not in alice's timeline: {rows:#?}"));
    assert_eq!(generated["evidence"], "forwarded");
    assert_eq!(generated["status"], "propagated");
}

#[test]
fn an_iam_users_call_forwarded_with_their_own_key_is_nothing_odd() {
    // S3 forwards alice's own long-term key: the call is already her key's session.
    let user = iam_user(DATA, "alice", ALICE_USER_KEY);
    let read = s3_object(&uuid(0xf3, 1), &t("11:30:00"), "GetObject", user.clone());
    let mut fas = user;
    fas["invokedBy"] = json!("s3.amazonaws.com");
    // Logged in the same second as the read it served, after it by event id: the key's first
    // event (where `long_lived_key` breaks) stays the read.
    let decrypt = kms_call(&uuid(0xf3, 2), &t("11:30:00"), "Decrypt", fas);
    let without = scan(logs(vec![read.clone()]).path());
    let dir = logs(vec![read, decrypt]);
    let with = scan(dir.path());
    assert_eq!(findings(&with), findings(&without), "{with:#}");
    assert_eq!(kinds(&with), ["long_lived_key"]);
    assert_eq!(with["summary"]["sessions"], 1);
    assert_eq!(with["summary"]["chains"], 1);
    assert_eq!(with["summary"]["forwarded"], 0, "same key: no join needed");
    assert_eq!(with["summary"]["coverage"]["propagated"], 2);
    let chains = chains(dir.path());
    let node = node_with_key(&chains, ALICE_USER_KEY).unwrap();
    assert_eq!(node["events"], 2);
    assert_eq!(node["evidence"], "principal");
}

// What stays as it was -----------------------------------------------------------------------------

#[test]
fn a_session_step_functions_holds_stays_held() {
    // Every call of the execution's session is made by Step Functions; alice's own session,
    // created in the same second, is another principal: nothing joins them.
    let execution = forwarded(
        &role_session(
            STATES_ROLE,
            "wozynIhxRGfTvfRlXhHKONdyrIaAmRyN",
            "ASIAWO645SY5SFNHELD3",
            &t("11:00:00"),
        ),
        "states.amazonaws.com",
        "ASIAWO645SY5SFNHELD3",
    );
    let alice = permission_set_session("alice@example.com", "ASIAWO645SY5ALICE011", &t("11:00:00"));
    let dir = logs(vec![
        by_service(event(
            &uuid(0xf4, 1),
            &t("11:00:04"),
            "lambda.amazonaws.com",
            "Invoke",
            DATA,
            execution.clone(),
        )),
        s3_object(&uuid(0xf4, 2), &t("11:00:05"), "GetObject", alice),
        by_service(s3_object(
            &uuid(0xf4, 3),
            &t("11:00:06"),
            "GetObject",
            execution,
        )),
    ]);
    let document = scan(dir.path());
    assert_eq!(kinds(&document), ["unattributed_session"], "{document:#}");
    let finding = &document["findings"][0];
    assert_eq!(finding["role_arn"], STATES_ROLE);
    assert_eq!(finding["missing_trigger"], "states:StartExecution");
    assert_eq!(finding["break_event_id"], uuid(0xf4, 1));
    assert_eq!(document["summary"]["sessions"], 2);
    assert_eq!(document["summary"]["forwarded"], 0);
}

#[test]
fn a_session_with_calls_of_its_own_is_held_by_no_service() {
    // dave's Admin session (its AssumeRole is not in these logs) runs an Athena query; Athena
    // reads the Glue catalog with dave's own key (`invokedBy: athena.amazonaws.com`). The
    // session is dave's, not one Athena holds: its origin is missing, no Athena call is.
    let dave = role_session(ADMIN_ROLE, "dave", "ASIAWO645SY5DAVEADM1", &t("14:00:00"));
    let mut query = event(
        &uuid(0xf5, 1),
        &t("14:00:05"),
        "athena.amazonaws.com",
        "StartQueryExecution",
        DATA,
        dave.clone(),
    );
    query["requestParameters"] = json!({"queryString": "SELECT order_id, total FROM sales.orders",
        "queryExecutionContext": {"catalog": "AwsDataCatalog", "database": "sales"},
        "workGroup": "primary"});
    query["responseElements"] = json!({"queryExecutionId": "9c1f2e3d-4b5a-4c6d-8e7f-0a1b2c3d4e5f"});
    query["readOnly"] = json!(false);
    let mut catalog = by_service(event(
        &uuid(0xf5, 2),
        &t("14:00:06"),
        "glue.amazonaws.com",
        "GetTable",
        DATA,
        forwarded(&dave, "athena.amazonaws.com", "ASIAWO645SY5DAVEADM1"),
    ));
    catalog["requestParameters"] =
        json!({"catalogId": DATA, "databaseName": "sales", "name": "orders"});
    let results = event(
        &uuid(0xf5, 3),
        &t("14:00:20"),
        "athena.amazonaws.com",
        "GetQueryResults",
        DATA,
        dave,
    );
    let document = scan(logs(vec![query, catalog, results]).path());
    assert_eq!(kinds(&document), ["unattributed_session"], "{document:#}");
    let finding = &document["findings"][0];
    assert!(finding["missing_trigger"].is_null(), "{finding:#}");
    assert!(finding["link"].is_null(), "{finding:#}");
    assert_eq!(finding["break_event_id"], uuid(0xf5, 1));
    assert_eq!(document["summary"]["sessions"], 1);
}

#[test]
fn a_forwarded_call_of_a_principal_with_no_session_in_the_logs_stays_as_it_was() {
    // carol's own calls are not in these logs, only the Decrypt S3 made for her: it keeps its
    // own session, reported as a role session with no origin, as before.
    let carol = role_session(ADMIN_ROLE, "carol", "ASIAWO645SY5CAROLADM", &t("12:00:00"));
    let alice = permission_set_session("alice@example.com", "ASIAWO645SY5ALICE012", &t("12:00:00"));
    let dir = logs(vec![
        s3_object(&uuid(0xf6, 1), &t("12:00:05"), "GetObject", alice),
        kms_call(
            &uuid(0xf6, 2),
            &t("12:00:06"),
            "Decrypt",
            forwarded(&carol, "s3.amazonaws.com", "ASIAWO645SY5FWDCAROL"),
        ),
    ]);
    let document = scan(dir.path());
    assert_eq!(kinds(&document), ["unattributed_session"], "{document:#}");
    assert_eq!(document["findings"][0]["break_event_id"], uuid(0xf6, 2));
    assert_eq!(document["summary"]["sessions"], 2);
    assert_eq!(document["summary"]["forwarded"], 0);
}

#[test]
fn bobs_forwarded_call_is_not_given_to_alice() {
    // alice and bob signed in to the same permission set in the same second. S3 decrypts for
    // bob under a key of its own: the call is bob's (his session name), not alice's. A call
    // forwarded for alice's earlier sign-in (another creationDate, whose own calls are not in
    // these logs) is not given to her later session either.
    let alice = permission_set_session("alice@example.com", "ASIAWO645SY5ALICE013", &t("13:00:00"));
    let bob = permission_set_session("bob@example.com", "ASIAWO645SY5BOBBOB13", &t("13:00:00"));
    let earlier =
        permission_set_session("alice@example.com", "ASIAWO645SY5ALICE012", &t("12:00:00"));
    let dir = logs(vec![
        s3_object(&uuid(0xf7, 1), &t("13:01:00"), "GetObject", alice),
        kms_call(
            &uuid(0xf7, 2),
            &t("13:01:01"),
            "Decrypt",
            forwarded(&bob, "s3.amazonaws.com", "ASIAWO645SY5FWDBOB13"),
        ),
        s3_object(&uuid(0xf7, 3), &t("13:01:02"), "GetObject", bob),
        kms_call(
            &uuid(0xf7, 4),
            &t("13:01:03"),
            "Decrypt",
            forwarded(&earlier, "s3.amazonaws.com", "ASIAWO645SY5FWDALI12"),
        ),
    ]);
    let document = scan(dir.path());
    assert_eq!(document["findings"], json!([]), "{document:#}");
    assert_eq!(document["summary"]["forwarded"], 1, "bob's Decrypt only");
    assert_eq!(
        document["summary"]["sessions"], 3,
        "alice's, bob's, and the call for alice's earlier sign-in"
    );

    let chains = chains(dir.path());
    let alices = node_with_key(&chains, "ASIAWO645SY5ALICE013").unwrap();
    assert_eq!(alices["events"], 1, "{alices:#}");
    assert_eq!(alices["forwarded"], 0);
    let bobs = node_with_key(&chains, "ASIAWO645SY5BOBBOB13").unwrap();
    assert_eq!(bobs["events"], 2, "{bobs:#}");
    assert_eq!(bobs["forwarded"], 1);
    let earlier = node_with_key(&chains, "ASIAWO645SY5FWDALI12").unwrap();
    assert_eq!(earlier["events"], 1, "{earlier:#}");
    assert_eq!(earlier["forwarded"], 0);
}

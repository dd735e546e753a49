use serde_json::{Value, json};

use crate::util::*;

/// An IAM user who assumes a role; the role session is then used: lineage_only + long_lived_key.
fn chain() -> Vec<Value> {
    let deploy = RoleSession::new(
        "arn:aws:iam::111122223333:role/DeployRole",
        "deploy-1",
        "ASIAWO645SY5DEPLOY01",
        "2026-03-02T09:00:02Z",
    );
    vec![
        deploy.assumed_by(
            "e1000000-0000-4000-8000-000000000001",
            iam_user(APPS, "ci-deployer", "AKIAWO645SY5CIDEPLY2"),
        ),
        deploy.call(
            "e1000000-0000-4000-8000-000000000002",
            "2026-03-02T09:00:05Z",
            "s3.amazonaws.com",
            "PutObject",
        ),
    ]
}

fn kinds(document: &Value) -> Vec<String> {
    findings(document).into_iter().map(|f| f.0).collect()
}

#[test]
fn every_container_gives_the_same_audit() {
    let dir = tempfile::tempdir().unwrap();
    let events = chain();
    let lines: String = events.iter().map(|e| format!("{e}\n")).collect();
    let bridge: String = events
        .iter()
        .map(|e| format!("{}\n", json!({"version": "0", "id": "x", "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.sts", "account": APPS, "time": e["eventTime"], "region": "us-east-1", "resources": [], "detail": e})))
        .collect();
    let lookup = json!({"Events": events.iter().map(|e| json!({
        "EventId": e["eventID"], "EventName": e["eventName"], "ReadOnly": "true",
        "EventTime": e["eventTime"], "EventSource": e["eventSource"], "CloudTrailEvent": e.to_string()})).collect::<Vec<_>>()});
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("trail.json", trail_body(&events)),
        ("export.jsonl", lines.clone().into_bytes()),
        ("eventbridge.jsonl", bridge.into_bytes()),
        ("lookup.json", serde_json::to_vec_pretty(&lookup).unwrap()),
        ("array.json", serde_json::to_vec_pretty(&events).unwrap()),
        (
            "bom.jsonl",
            [b"\xEF\xBB\xBF".as_slice(), lines.as_bytes()].concat(),
        ),
    ];
    for (name, body) in cases {
        let path = write_file(dir.path(), name, &body);
        let (code, document) = scan_json(&[&path], &[]);
        assert_eq!(code, 0, "{name}");
        assert_eq!(document["summary"]["events"], 2, "{name}");
        assert_eq!(
            kinds(&document),
            ["lineage_only", "long_lived_key"],
            "{name}"
        );
        let gz = write_gzip(dir.path(), &format!("{name}.gz"), &body);
        let (_, mut zipped) = scan_json(&[&gz], &[]);
        let mut document = document;
        for doc in [&mut zipped, &mut document] {
            for finding in doc["findings"].as_array_mut().unwrap() {
                finding.as_object_mut().unwrap().remove("break_file");
            }
        }
        assert_eq!(zipped["findings"], document["findings"], "{name}.gz");
    }
}

#[test]
fn stdin_is_read_with_a_dash() {
    let lines: String = chain().iter().map(|e| format!("{e}\n")).collect();
    let (_, document) = json_of(
        tip()
            .args(["scan", "-", "--format", "json"])
            .write_stdin(lines),
    );
    assert_eq!(document["summary"]["events"], 2);
}

#[test]
fn duplicates_across_files_are_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let events = chain();
    deliver(dir.path(), APPS, "0905", &events);
    deliver(dir.path(), APPS, "0910", &events[1..]);
    let (_, document) = scan_json(&[dir.path()], &[]);
    assert_eq!(document["summary"]["events"], 2);
    assert_eq!(document["summary"]["duplicates"], 1);
    let lineage = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "lineage_only")
        .unwrap();
    assert_eq!(lineage["events_after_break"], 1);
}

#[test]
fn filters_prune_by_key_and_by_event() {
    let dir = tempfile::tempdir().unwrap();
    deliver(dir.path(), APPS, "0905", &chain());
    let (code, document) = scan_json(&[dir.path()], &["--since", "2026-03-02T10:00:00Z"]);
    assert_eq!(
        document["summary"]["files_pruned"], 0,
        "delivered 09:05: may explain later sessions"
    );
    assert_eq!(document["summary"]["filtered"], 2);
    assert_eq!(document["summary"]["events"], 0);
    assert_eq!(code, 2, "filters that match nothing never pass (issue 13)");
    let (code, document) = scan_json(&[dir.path()], &["--since", "2026-03-03T10:00:00Z"]);
    assert_eq!(
        document["summary"]["files_pruned"], 1,
        "delivered over 12 hours before --since"
    );
    assert_eq!(code, 2);
    let (code, document) = scan_json(&[dir.path()], &["--until", "2026-03-02T09:00:03Z"]);
    assert_eq!(document["summary"]["filtered"], 1);
    assert_eq!(document["summary"]["events"], 1);
    assert_eq!(code, 0);
    let (code, document) = scan_json(&[dir.path()], &["--account", DATA]);
    assert_eq!(document["summary"]["files_pruned"], 1);
    assert_eq!(code, 2);
}

#[test]
fn non_event_files_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s3_notification = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-03-02T09:00:00.000Z", "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "s3": {"bucket": {"name": "b"}, "object": {"key": "k"}}}]});
    write_file(
        dir.path(),
        "s3-notification.json",
        s3_notification.to_string().as_bytes(),
    );
    write_file(
        dir.path(),
        "access-log.csv",
        b"bucket,key,operation\nb,k,REST.GET.OBJECT\n",
    );
    write_file(dir.path(), "empty.json", b"");
    write_file(dir.path(), "archive.zip", b"PK\x03\x04rest-of-zip");
    write_trail_file(
        dir.path(),
        "AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/03/02/i.json.gz",
        &[],
    );
    let (code, document) = scan_json(&[dir.path()], &[]);
    assert_eq!(
        code, 2,
        "nothing here is damaged, but nothing here could be audited (issue 13)"
    );
    let reasons: Vec<(String, String)> = document["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                n["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let reason = |file: &str| {
        reasons
            .iter()
            .find(|(p, _)| p == file)
            .map(|(_, r)| r.clone())
            .unwrap()
    };
    assert!(reason("s3-notification.json").contains("not CloudTrail events"));
    assert!(reason("access-log.csv").starts_with("not JSON"));
    assert_eq!(reason("empty.json"), "empty file");
    assert!(reason("archive.zip").starts_with("zip archive"));
    assert!(reason("i.json.gz").contains("Insights"));
}

/// Two CloudTrail records from an export that stripped `userIdentity` (issue 12, item 7).
fn stripped(ids: [&str; 2]) -> Vec<Value> {
    ids.iter()
        .map(|id| {
            let mut e = event(
                id,
                "2026-03-02T09:00:00Z",
                "signin.amazonaws.com",
                "ConsoleLogin",
                DATA,
                json!(null),
            );
            e.as_object_mut().unwrap().remove("userIdentity");
            e
        })
        .collect()
}

#[test]
fn events_without_user_identity_are_not_auditable_not_unattributed() {
    let dir = tempfile::tempdir().unwrap();
    let mut records = stripped([
        "e8000000-0000-4000-8000-000000000001",
        "e8000000-0000-4000-8000-000000000002",
    ]);
    records.push(event(
        "e8000000-0000-4000-8000-000000000003",
        "2026-03-02T09:00:05Z",
        "s3.amazonaws.com",
        "ListBuckets",
        DATA,
        iam_user(DATA, "alice", "AKIAWO645SY5ALICE001"),
    ));
    write_trail_file(
        dir.path(),
        &trail_key(DATA, "0905", "0000000000000000"),
        &records,
    );
    let output = tip()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["summary"]["not_auditable"], 2);
    assert_eq!(document["summary"]["coverage"]["unattributed"], 0);
    assert_eq!(document["summary"]["events"], 3);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("2 of 3 events have no userIdentity"),
        "{stderr}"
    );
}

#[test]
fn a_scan_where_no_event_names_anyone_exits_2_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let records = stripped([
        "e8000000-0000-4000-8000-000000000011",
        "e8000000-0000-4000-8000-000000000012",
    ]);
    write_trail_file(
        dir.path(),
        &trail_key(DATA, "0905", "0000000000000000"),
        &records,
    );
    let output = tip().arg("scan").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("no event could be audited"), "{stderr}");
}

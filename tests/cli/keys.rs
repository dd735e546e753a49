//! Long-term access keys (issue 12, items 2 and 9): a key created with `iam:CreateAccessKey` is a
//! child of the creating session; every long-term key has its own `long_lived_key` finding named
//! by the key, with a fingerprint of the key and account, and a key another principal created is
//! high, with `created_by`.

use serde_json::{Value, json};

use crate::util::*;

const ADMIN_KEY: &str = "AKIAWO645SY5ADMIN001";
const NEW_KEY: &str = "AKIAWO645SY5BACKUP01";

/// `iam:CreateAccessKey` by `caller` for `user`, returning `new_key` as AWS logs it.
fn create_access_key(id: &str, time: &str, caller: Value, user: &str, new_key: &str) -> Value {
    let mut e = event(
        id,
        time,
        "iam.amazonaws.com",
        "CreateAccessKey",
        DATA,
        caller,
    );
    e["readOnly"] = json!(false);
    e["requestParameters"] = json!({"userName": user});
    e["responseElements"] = json!({"accessKey": {
        "userName": user, "accessKeyId": new_key, "status": "Active",
        "createDate": "Mar 2, 2026, 9:00:00 AM"}});
    e
}

fn call(id: &str, time: &str, source: &str, name: &str, who: Value) -> Value {
    event(id, time, source, name, DATA, who)
}

fn key_findings(document: &Value) -> Vec<Value> {
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "long_lived_key")
        .cloned()
        .collect()
}

fn finding_for(document: &Value, key: &str) -> Value {
    key_findings(document)
        .into_iter()
        .find(|f| f["access_key_id"] == key)
        .unwrap_or_else(|| panic!("no long_lived_key for {key}: {document:#}"))
}

/// The admin creates a key for `backup-svc`, which is then used: a persistence step.
fn persistence_story() -> Vec<Value> {
    let admin = iam_user(DATA, "admin", ADMIN_KEY);
    let backup = iam_user(DATA, "backup-svc", NEW_KEY);
    vec![
        call(
            "e6000000-0000-4000-8000-000000000001",
            "2026-03-02T08:59:00Z",
            "iam.amazonaws.com",
            "ListUsers",
            admin.clone(),
        ),
        create_access_key(
            "e6000000-0000-4000-8000-000000000002",
            "2026-03-02T09:00:00Z",
            admin,
            "backup-svc",
            NEW_KEY,
        ),
        call(
            "e6000000-0000-4000-8000-000000000003",
            "2026-03-02T09:04:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            backup.clone(),
        ),
        call(
            "e6000000-0000-4000-8000-000000000004",
            "2026-03-02T09:05:00Z",
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            backup,
        ),
    ]
}

fn scan_story(records: &[Value], extra: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    write_trail_file(
        dir.path(),
        &trail_key(DATA, "0905", "0000000000000000"),
        records,
    );
    scan_json(&[dir.path()], extra)
}

#[test]
fn a_key_another_principal_created_is_linked_to_its_creator_and_high() {
    let (_, document) = scan_story(&persistence_story(), &[]);
    let created = finding_for(&document, NEW_KEY);
    assert_eq!(created["severity"], "high", "{created:#}");
    assert_eq!(
        created["created_by"]["principal"],
        "arn:aws:iam::444455556666:user/admin"
    );
    assert_eq!(
        created["created_by"]["event_id"],
        "e6000000-0000-4000-8000-000000000002"
    );
    assert_eq!(
        created["human"],
        "arn:aws:iam::444455556666:user/backup-svc"
    );
    // The creator's own key keeps its finding, with no creator known.
    let admin = finding_for(&document, ADMIN_KEY);
    assert_eq!(admin["severity"], "medium");
    assert!(admin.get("created_by").is_none(), "{admin:#}");
    // The new key's session hangs below the admin's in the chains.
    let (code, chains) = {
        let dir = tempfile::tempdir().unwrap();
        write_trail_file(
            dir.path(),
            &trail_key(DATA, "0905", "0000000000000000"),
            &persistence_story(),
        );
        let out = tip()
            .args(["chains", "--format", "json"])
            .arg(dir.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        )
    };
    assert_eq!(code, 0);
    assert!(
        chains.to_string().contains("CreateAccessKey") || chains.to_string().contains(NEW_KEY),
        "{chains:#}"
    );
}

#[test]
fn a_user_creating_their_own_key_is_not_a_persistence_step() {
    let me = iam_user(DATA, "backup-svc", ADMIN_KEY);
    let records = vec![
        create_access_key(
            "e6000000-0000-4000-8000-000000000011",
            "2026-03-02T09:00:00Z",
            me,
            "backup-svc",
            NEW_KEY,
        ),
        call(
            "e6000000-0000-4000-8000-000000000012",
            "2026-03-02T09:04:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            iam_user(DATA, "backup-svc", NEW_KEY),
        ),
    ];
    let (_, document) = scan_story(&records, &[]);
    let created = finding_for(&document, NEW_KEY);
    assert_eq!(created["severity"], "medium", "{created:#}");
    assert_eq!(
        created["created_by"]["principal"],
        "arn:aws:iam::444455556666:user/backup-svc"
    );
    assert_eq!(key_findings(&document).len(), 2);
}

#[test]
fn a_baseline_of_one_key_does_not_silence_a_key_created_later() {
    // The baseline is written when only the admin's key was in use; later logs show the admin
    // creating a second key for another user. The gate must fail on the new key.
    let story = persistence_story();
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let (code, _) = scan_story(&story[..1], &["--write-baseline", baseline]);
    assert_eq!(code, 0);
    let (code, document) = scan_story(&story, &["--baseline", baseline, "--fail-on", "medium"]);
    assert_eq!(code, 1, "{document:#}");
    let left: Vec<Value> = key_findings(&document);
    assert_eq!(left.len(), 1, "only the new key: {document:#}");
    assert_eq!(left[0]["access_key_id"], NEW_KEY);
}

#[test]
fn a_key_fingerprint_does_not_change_with_the_time_window() {
    let story = persistence_story();
    let (_, all) = scan_story(&story, &[]);
    let (_, later) = scan_story(&story, &["--since", "2026-03-02T09:04:30Z"]);
    assert_eq!(
        finding_for(&all, NEW_KEY)["fingerprint"],
        finding_for(&later, NEW_KEY)["fingerprint"]
    );
    assert_ne!(
        finding_for(&all, NEW_KEY)["break_event_id"],
        finding_for(&later, NEW_KEY)["break_event_id"],
        "the window changed what the finding starts at, not what it is"
    );
}
